"""Dahua ITSAPI platform pushes: `POST /NotificationInfo/TollgateInfo` JSON → PlateRead.

The camera ("platform server" mode, ITSAPI V1.19) posts one JSON document per vehicle:
`{"Picture": {"Plate": {...}, "Vehicle": {...}, "SnapInfo": {...}, "NormalPic": {...}}}`,
and `POST /NotificationInfo/KeepAlive` as heartbeat. It re-sends until it receives
`{"Result": true}` (protocols.md §3.5). The camera authenticates towards the platform with
HTTP Digest; drivers.cameras.digest checks that when it is configured.

[unverified] fields: `SnapInfo.Lane` (seen in one public integration, not in the
reference sample), `PlatePic`/`CutoutPic` picture members, and the scale of `Confidence`
(taken as 0..100 and clamped).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import tzinfo
from typing import Any

from drivers.cameras import colours
from drivers.cameras.payload import (
    BEIJING,
    PayloadError,
    PushOutcome,
    camera_time,
    clean_plate,
    confidence,
    lane,
)
from station.domain.readings import PlatePicture, PlateRead

TOLLGATE = "TollgateInfo"
KEEP_ALIVE = "KeepAlive"
ACK_BODY = b'{"Result": true}'

PICTURE_MEMBERS = (("PlatePic", "plate"), ("NormalPic", "scene"), ("CutoutPic", "scene"))
"""Picture members of `Picture` and the kind each becomes; a cutout is not a plate close-up."""


def parse_dahua(
    endpoint: str,
    body: bytes,
    *,
    device_id: str,
    t_mono: float,
    camera_tz: tzinfo = BEIJING,
) -> PushOutcome:
    """Turn one push to `/NotificationInfo/<endpoint>` into a plate, heartbeat or ignored event.

    Raises PayloadError when a TollgateInfo body is not the expected JSON.
    """
    if endpoint == KEEP_ALIVE:
        return PushOutcome(heartbeat=True, ignored="heartbeat")
    if endpoint != TOLLGATE:
        return PushOutcome(ignored=f"endpoint {endpoint!r} carries no plate")
    picture = _picture_object(_document(body))
    return _plate_outcome(picture, device_id, t_mono, camera_tz)


def _document(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except UnicodeDecodeError:
        # Chinese firmware may send GBK plate text despite JSON being UTF-8 by definition.
        try:
            document = json.loads(body.decode("gb18030"))
        except (UnicodeDecodeError, ValueError) as error:
            raise PayloadError(f"TollgateInfo is not JSON: {error}") from None
    except ValueError as error:
        raise PayloadError(f"TollgateInfo is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise PayloadError("TollgateInfo JSON is not an object")
    return document


def _picture_object(document: dict[str, Any]) -> dict[str, Any]:
    picture = document.get("Picture")
    if not isinstance(picture, dict) or not isinstance(picture.get("Plate"), dict):
        raise PayloadError("TollgateInfo has no Picture.Plate object")
    return picture


def _plate_outcome(
    picture: dict[str, Any], device_id: str, t_mono: float, camera_tz: tzinfo
) -> PushOutcome:
    plate_info: dict[str, Any] = picture["Plate"]
    text = clean_plate(_text(plate_info.get("PlateNumber")))
    if text is None or plate_info.get("IsExist") is False:
        return PushOutcome(ignored="camera read no plate")
    snap = picture.get("SnapInfo")
    snap = snap if isinstance(snap, dict) else {}
    lookup = colours.dahua_colour(_text(plate_info.get("PlateColor")))
    pictures, notes = _pictures(picture)
    read = PlateRead(
        device_id=device_id,
        plate=text,
        colour=lookup.colour,
        confidence=confidence(plate_info.get("Confidence")),
        t_mono=t_mono,
        camera_time=camera_time(snap.get("AccurateTime"), camera_tz),
        lane=lane(snap.get("Lane")),
        pictures=pictures,
    )
    return PushOutcome(plate=read, colour=lookup, notes=notes)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _pictures(picture: dict[str, Any]) -> tuple[tuple[PlatePicture, ...], tuple[str, ...]]:
    found: list[PlatePicture] = []
    notes: list[str] = []
    for member, kind in PICTURE_MEMBERS:
        content = picture.get(member)
        if not isinstance(content, dict) or not isinstance(content.get("Content"), str):
            continue
        try:
            data = base64.b64decode(content["Content"], validate=True)
        except (binascii.Error, ValueError):
            # A damaged picture must not cost the plate: it is dropped, the read is kept.
            notes.append(f"{member}.Content is not base64; picture dropped")
            continue
        if data:
            found.append(PlatePicture(kind=kind, mime="image/jpeg", data=data))
    return tuple(found), tuple(notes)
