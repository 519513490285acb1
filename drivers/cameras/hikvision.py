"""Hikvision ISAPI alarm pushes ("HTTP listening"): EventNotificationAlert → PlateRead.

The camera POSTs to the URL configured on it, usually `multipart/form-data` with an
`anpr.xml` part and JPEG parts named after the picture type (`licensePlatePicture.jpg`,
`detectionPicture.jpg`, ...); some firmware posts the XML alone, or JSON (protocols.md §3.5).
The root element carries `http://www.isapi.org/ver20/XMLSchema`, older firmware
`http://www.hikvision.com/ver20/XMLSchema`, some none; tags are compared by local name.

The camera expects HTTP 200 quickly and re-sends on anything else; the listener answers.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any
from xml.etree import ElementTree

from drivers.cameras import colours
from drivers.cameras.payload import (
    BEIJING,
    Part,
    PayloadError,
    PushOutcome,
    camera_time,
    clean_plate,
    confidence,
    is_jpeg,
    lane,
    media_type,
    split_multipart,
)
from station.domain.readings import PlateColour, PlatePicture, PlateRead

ROOT_TAG = "EventNotificationAlert"
ANPR_EVENT = "anpr"
HEARTBEAT_EVENTS = frozenset({"heartbeat"})  # compared lower-cased
_EXPAT_NATIVE = frozenset(
    {"utf-8", "ascii", "latin-1", "iso8859-1", "utf-16", "utf-16-le", "utf-16-be"}
)
_XML_DECLARATION_TEXT = re.compile(r"^\s*<\?xml[^>]*\?>")
_XML_DECLARATION = re.compile(
    rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"'][^>]*\?>"
)


@dataclass(frozen=True, slots=True)
class Alert:
    """The fields of one EventNotificationAlert that matter here, format-independent."""

    event_type: str
    date_time: str = ""
    anpr: dict[str, str] | None = None
    pictures: tuple[PlatePicture, ...] = field(default=())


def parse_hikvision(
    body: bytes,
    content_type: str,
    *,
    device_id: str,
    t_mono: float,
    camera_tz: tzinfo = BEIJING,
) -> PushOutcome:
    """Turn one Hikvision push into a plate, a heartbeat or an ignored event.

    Raises PayloadError when the body is not an EventNotificationAlert at all.
    """
    alert = read_alert(body, content_type)
    return outcome(alert, device_id=device_id, t_mono=t_mono, camera_tz=camera_tz)


def read_alert(body: bytes, content_type: str) -> Alert:
    """Find the alert in a multipart, XML or JSON body."""
    media = media_type(content_type)
    if media.startswith("multipart/"):
        return _alert_from_parts(split_multipart(body, content_type))
    return _alert_from_document(body, charset=None)


def _alert_from_parts(parts: list[Part]) -> Alert:
    pictures = tuple(_picture(part) for part in parts if _is_picture(part))
    documents = [part for part in parts if not _is_picture(part) and part.data.strip()]
    if not documents:
        raise PayloadError("multipart push without an XML or JSON part")
    document = _preferred(documents)
    alert = _alert_from_document(document.data, document.charset)
    return Alert(alert.event_type, alert.date_time, alert.anpr, pictures)


def _preferred(documents: list[Part]) -> Part:
    # The alert is named anpr.xml on ANPR cameras; other events name it after the event.
    for part in documents:
        if part.name.lower().endswith((".xml", ".json")) or "xml" in part.content_type:
            return part
    return documents[0]


def _is_picture(part: Part) -> bool:
    return part.content_type.startswith("image/") or is_jpeg(part.data)


def _picture(part: Part) -> PlatePicture:
    name = (part.name or part.filename).lower()
    # Only a part the camera names as a plate picture is a close-up; unnamed images are
    # kept as scene pictures rather than guessed to be the plate.
    kind = "plate" if "plate" in name else "scene"
    return PlatePicture(kind=kind, mime=part.content_type or "image/jpeg", data=part.data)


def _alert_from_document(data: bytes, charset: str | None) -> Alert:
    if data.lstrip().startswith(b"{"):
        return _alert_from_json(data, charset)
    return _alert_from_xml(data, charset)


def _alert_from_xml(data: bytes, charset: str | None) -> Alert:
    try:
        root = ElementTree.fromstring(_xml_text(data, charset))
    except ElementTree.ParseError as error:
        raise PayloadError(f"alert XML does not parse: {error}") from None
    if _local(root.tag) != ROOT_TAG:
        raise PayloadError(f"XML root is <{_local(root.tag)}>, not <{ROOT_TAG}>")
    fields = _children(root)
    anpr = next((child for child in root if _local(child.tag) == "ANPR"), None)
    return Alert(
        event_type=fields.get("eventType", ""),
        date_time=fields.get("dateTime", ""),
        anpr=_children(anpr) if anpr is not None else None,
    )


def _xml_text(data: bytes, charset: str | None) -> str | bytes:
    # Expat decodes UTF and single-byte encodings itself. Chinese firmware may declare
    # GB2312/GBK, or declare UTF-8 and send GBK plate text [unverified, seen in integrators'
    # notes]; such documents are decoded here and handed over as text.
    declared = _XML_DECLARATION.match(data)
    encoding = (declared.group(1).decode("ascii") if declared else charset) or "utf-8"
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise PayloadError(f"alert XML declares an unknown encoding {encoding!r}") from None
    if name == "utf-8" and not _is_utf8(data):
        name = "gb18030"
    elif name in _EXPAT_NATIVE:
        return data
    if name in {"gb2312", "gbk"}:
        name = "gb18030"  # the superset: firmware labels GBK text as GB2312
    try:
        text = data.decode(name)
    except UnicodeDecodeError as error:
        raise PayloadError(f"alert XML is not valid {encoding}: {error}") from None
    return _XML_DECLARATION_TEXT.sub("", text, count=1)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _alert_from_json(data: bytes, charset: str | None) -> Alert:
    try:
        document = json.loads(data.decode(charset or "utf-8"))
    except (UnicodeDecodeError, LookupError, ValueError) as error:
        raise PayloadError(f"alert JSON does not parse: {error}") from None
    if not isinstance(document, dict):
        raise PayloadError("alert JSON is not an object")
    alert = _field(document, ROOT_TAG)
    if isinstance(alert, dict):
        document = alert
    if "eventType" not in document:
        raise PayloadError("alert JSON has no eventType")
    anpr = _field(document, "ANPR")
    return Alert(
        event_type=str(document.get("eventType", "")),
        date_time=str(document.get("dateTime", "")),
        anpr={key: _scalar(value) for key, value in anpr.items()}
        if isinstance(anpr, dict)
        else None,
    )


def _field(document: dict[str, Any], name: str) -> Any:
    """A JSON member by name, case-insensitively (firmware and proxies vary the case)."""
    lowered = name.lower()
    return next((value for key, value in document.items() if key.lower() == lowered), None)


def _scalar(value: object) -> str:
    return "" if isinstance(value, dict | list) or value is None else str(value)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _children(element: ElementTree.Element) -> dict[str, str]:
    return {_local(child.tag): (child.text or "").strip() for child in element}


def outcome(alert: Alert, *, device_id: str, t_mono: float, camera_tz: tzinfo) -> PushOutcome:
    """Decide what an alert means."""
    event = alert.event_type.strip().lower()
    if event in HEARTBEAT_EVENTS:
        return PushOutcome(heartbeat=True, ignored="heartbeat")
    if event != ANPR_EVENT:
        return PushOutcome(ignored=f"event type {alert.event_type!r} is not ANPR")
    if alert.anpr is None:
        raise PayloadError("ANPR alert without an <ANPR> element")
    return _plate_outcome(alert, alert.anpr, device_id, t_mono, camera_tz)


def _plate_outcome(
    alert: Alert, anpr: dict[str, str], device_id: str, t_mono: float, camera_tz: tzinfo
) -> PushOutcome:
    text = clean_plate(anpr.get("licensePlate"))
    if text is None:
        return PushOutcome(ignored="camera read no plate")
    plate, prefix_colour = colours.split_hikvision_prefix(text)
    field_colour = colours.hikvision_colour(anpr.get("plateColor"))
    colour = field_colour.colour
    if colour is PlateColour.UNKNOWN and prefix_colour is not None:
        # The prefix is the firmware's own rendering of the colour, so it stands in when the
        # field says nothing usable; an unrecognised field value is still reported.
        colour = prefix_colour
    lookup = field_colour
    if not field_colour.raw and prefix_colour is not None:
        lookup = colours.ColourLookup(prefix_colour, text[: len(text) - len(plate)], True)
    lane_no = lane(anpr.get("laneNo")) or lane(anpr.get("line"))
    read = PlateRead(
        device_id=device_id,
        plate=plate,
        colour=colour,
        confidence=confidence(anpr.get("confidenceLevel")),
        t_mono=t_mono,
        camera_time=camera_time(alert.date_time, camera_tz),
        lane=lane_no,
        pictures=tuple(sorted(alert.pictures, key=lambda p: p.kind != "plate")),
    )
    return PushOutcome(plate=read, colour=lookup)
