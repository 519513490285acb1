"""Dahua ITSAPI TollgateInfo parsing (no network: see test_listener)."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from drivers.cameras.dahua import parse_dahua
from drivers.cameras.payload import PayloadError
from drivers.sim.camera import PlateEvent, dahua_tollgate_json, fake_jpeg
from station.domain.readings import PlateColour

BEIJING = timezone(timedelta(hours=8))


def tollgate(**plate: Any) -> dict[str, Any]:
    """A TollgateInfo document shaped like the reference sample (safewheels-dahua)."""
    return {
        "Picture": {
            "Plate": {
                "PlateNumber": "浙A12345",
                "PlateColor": "Yellow",
                "PlateType": "Yellow",
                "Confidence": 88,
                "BoundingBox": [1024, 2048, 1500, 2200],
                "Channel": 0,
                "IsExist": True,
                "Region": "CN",
                "UploadNum": 1,
                **plate,
            },
            "Vehicle": {"VehicleColor": "Blue", "VehicleType": "LargeTruck"},
            "SnapInfo": {"AccurateTime": "2025-03-01 08:15:42.123456", "Direction": "Approach"},
            "NormalPic": {
                "Content": base64.b64encode(b"\xff\xd8scene\xff\xd9").decode(),
                "PicName": "20250301081542.jpg",
            },
        }
    }


def parse(document: dict[str, Any] | bytes, endpoint: str = "TollgateInfo"):
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    return parse_dahua(endpoint, body, device_id="dahua-1", t_mono=7.0)


def test_reference_shaped_tollgate_becomes_a_plate_read() -> None:
    outcome = parse(tollgate())
    read = outcome.plate
    assert read is not None
    assert read.device_id == "dahua-1"
    assert (read.plate, read.colour, read.confidence, read.t_mono) == (
        "浙A12345",
        PlateColour.YELLOW,
        88,
        7.0,
    )
    assert read.camera_time == datetime(2025, 3, 1, 8, 15, 42, 123456, tzinfo=BEIJING)
    assert read.lane is None
    assert [(p.kind, p.data) for p in read.pictures] == [("scene", b"\xff\xd8scene\xff\xd9")]


def test_simulator_document_with_both_pictures_and_lane() -> None:
    event = PlateEvent(plate="皖B67890", colour="ShadowGreen", confidence=120, lane=2)
    read = parse(dahua_tollgate_json(event)).plate
    assert read is not None
    assert (read.plate, read.colour, read.confidence, read.lane) == (
        "皖B67890",
        PlateColour.GREEN,
        100,
        2,
    )
    assert [(p.kind, p.data) for p in read.pictures] == [
        ("plate", fake_jpeg("plate")),
        ("scene", fake_jpeg("scene")),
    ]


def test_keep_alive_is_a_heartbeat_whatever_its_body() -> None:
    outcome = parse(b"", endpoint="KeepAlive")
    assert outcome.heartbeat and outcome.plate is None


def test_other_endpoints_are_ignored() -> None:
    outcome = parse(b"{}", endpoint="DeviceInfo")
    assert outcome.plate is None and not outcome.heartbeat


@pytest.mark.parametrize("plate", ["", "无车牌", "未识别", "Unknown"])
def test_no_plate_is_ignored(plate: str) -> None:
    assert parse(tollgate(PlateNumber=plate)).plate is None


def test_plate_flagged_as_absent_is_ignored() -> None:
    assert parse(tollgate(IsExist=False)).plate is None


def test_unknown_colour_is_unknown_and_reported() -> None:
    outcome = parse(tollgate(PlateColor="Pink"))
    assert outcome.plate is not None and outcome.plate.colour is PlateColour.UNKNOWN
    assert outcome.colour is not None and not outcome.colour.recognised


def test_damaged_picture_is_dropped_but_the_plate_is_kept() -> None:
    document = tollgate()
    document["Picture"]["NormalPic"]["Content"] = "%%% not base64 %%%"
    outcome = parse(document)
    assert outcome.plate is not None and outcome.plate.pictures == ()
    assert outcome.notes and "NormalPic" in outcome.notes[0]


def test_time_without_fraction_and_bad_time() -> None:
    document = tollgate()
    document["Picture"]["SnapInfo"]["AccurateTime"] = "2025-03-01 08:15:42"
    read = parse(document).plate
    assert read is not None
    assert read.camera_time == datetime(2025, 3, 1, 8, 15, 42, tzinfo=BEIJING)
    document["Picture"]["SnapInfo"]["AccurateTime"] = "soon"
    read = parse(document).plate
    assert read is not None and read.camera_time is None


def test_gbk_body_is_understood() -> None:
    body = json.dumps(tollgate(), ensure_ascii=False).encode("gbk")
    read = parse(body).plate
    assert read is not None and read.plate == "浙A12345"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json at all",
        b"\xff\xfe\x00garbage",
        b"[]",
        b'{"Picture": "none"}',
        b'{"Picture": {"SnapInfo": {}}}',
        b'{"Plate": {"PlateNumber": "A1"}}',
    ],
)
def test_malformed_tollgate_raises_payload_error(body: bytes) -> None:
    with pytest.raises(PayloadError):
        parse(body)
