"""What every camera push parser shares: outcomes, errors, plate text, times, multipart bodies.

Parsers are pure: bytes and headers in, a `PushOutcome` out. They never see a socket, a
clock or a thread; the listener (drivers.cameras.listener) does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from email.message import Message
from email.parser import BytesHeaderParser

from drivers.cameras.colours import ColourLookup
from station.domain.readings import PlateRead
from station.domain.records import UNREAD_PLATE

BEIJING = timezone(timedelta(hours=8), "CST")
"""Wall-clock zone assumed for camera times written without an offset (Chinese stations)."""

NO_PLATE_MARKERS = frozenset(
    {"", UNREAD_PLATE, "无车牌", "无牌", "车牌", "noplate", "unknown", "none"}
)
"""Plate texts that mean "nothing read" (compared lower-cased); "车牌" is a placeholder seen
in captures together with confidence 0."""

_SPACES = re.compile(r"\s+")


class PayloadError(ValueError):
    """A push could not be understood. It is counted and logged, and never becomes a plate."""


@dataclass(frozen=True, slots=True)
class PushOutcome:
    """What one push meant: a plate, a heartbeat, or something deliberately ignored."""

    plate: PlateRead | None = None
    heartbeat: bool = False
    ignored: str = ""  # why nothing was emitted, for diagnostics
    colour: ColourLookup | None = None  # the raw colour translation, when a plate was read
    notes: tuple[str, ...] = ()  # what was dropped on the way (damaged pictures), for the log


def clean_plate(text: str | None) -> str | None:
    """Normalise a plate text, or None when the camera says it read nothing."""
    plate = _SPACES.sub("", text or "").upper()
    if plate.lower() in NO_PLATE_MARKERS:
        return None
    return plate


def to_int(value: object) -> int | None:
    """An integer from a camera field ("78", 78, 78.0), or None when absent or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(float(str(value).strip()))
    except ValueError:
        return None


def confidence(value: object) -> int:
    """Recognition confidence clamped to 0..100; 0 when the camera did not say."""
    number = to_int(value)
    return 0 if number is None else max(0, min(100, number))


def lane(value: object) -> int | None:
    """A lane number; 0 and negatives mean "not configured" on the cameras seen so far."""
    number = to_int(value)
    return number if number is not None and number > 0 else None


def camera_time(text: object, default_tz: tzinfo) -> datetime | None:
    """Parse an ISO 8601 camera time; a time without offset is taken in `default_tz`.

    A bad time does not reject the plate: the station's own clock orders events, the camera
    time is evidence only. None is returned instead.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=default_tz)


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a multipart body."""

    name: str
    filename: str
    content_type: str
    charset: str | None
    data: bytes


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def header_params(header_value: str) -> Message:
    """A Message holding one Content-Type, so its parameters can be read with get_param."""
    message = Message()
    message["Content-Type"] = header_value
    return message


def split_multipart(body: bytes, content_type: str) -> list[Part]:
    """Split a multipart body into its parts (tolerates bare LF line ends and missing end).

    The standard library has no multipart reader that keeps binary parts intact outside
    the deprecated `cgi` module, and camera firmware is loose about line endings.
    """
    boundary = header_params(content_type).get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise PayloadError("multipart body without a boundary")
    chunks = body.split(b"--" + boundary.encode("latin-1"))
    if len(chunks) < 2:
        raise PayloadError("multipart boundary not found in the body")
    parts = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        parts.append(_part(chunk))
    return parts


def _part(chunk: bytes) -> Part:
    chunk = chunk.removeprefix(b"\r\n").removeprefix(b"\n")
    head, sep, data = chunk.partition(b"\r\n\r\n")
    if not sep:
        head, sep, data = chunk.partition(b"\n\n")
    if not sep:
        raise PayloadError("multipart part without a header block")
    data = data.removesuffix(b"\r\n") if data.endswith(b"\r\n") else data.removesuffix(b"\n")
    headers = BytesHeaderParser().parsebytes(head + b"\r\n\r\n")
    disposition = headers.get("Content-Disposition", "")
    params = header_params(f"x/x; {disposition.partition(';')[2]}")
    name = params.get_param("name")
    filename = params.get_param("filename")
    content_type = headers.get("Content-Type", "")
    return Part(
        name=name if isinstance(name, str) else "",
        filename=filename if isinstance(filename, str) else "",
        content_type=media_type(content_type),
        charset=header_params(content_type).get_content_charset() if content_type else None,
        data=data,
    )


def is_jpeg(data: bytes) -> bool:
    return data.startswith(b"\xff\xd8")
