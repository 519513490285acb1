"""Hikvision ISAPI EventNotificationAlert parsing (no network: see test_listener)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from drivers.cameras import colours
from drivers.cameras.hikvision import parse_hikvision
from drivers.cameras.payload import PayloadError, split_multipart
from drivers.sim.camera import (
    HIKVISION_OLD_NS,
    ISAPI_NS,
    PlateEvent,
    fake_jpeg,
    hikvision_alert_xml,
    hikvision_push,
    multipart,
)
from station.domain.readings import PlateColour

PLUS7 = timezone(timedelta(hours=7))

# Shaped like a capture from a Chinese-firmware ANPR camera: namespace, colour prefix in the
# plate, a GA colour code beside the ISAPI one, picture list, plenty of fields we ignore.
CAPTURED_STYLE = """<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">
<ipAddress>192.168.1.64</ipAddress>
<portNo>80</portNo>
<protocol>HTTP</protocol>
<macAddress>00:11:22:33:44:55</macAddress>
<channelID>1</channelID>
<dateTime>2024-05-07T17:48:03.847+07:00</dateTime>
<activePostCount>3</activePostCount>
<eventType>ANPR</eventType>
<eventState>active</eventState>
<eventDescription>ANPR</eventDescription>
<channelName>IP CAPTURE CAMERA</channelName>
<deviceID>lane2-front</deviceID>
<ANPR>
<country>59</country>
<licensePlate>黄豫A8HK52</licensePlate>
<line>2</line>
<direction>forward</direction>
<confidenceLevel>78</confidenceLevel>
<plateType>92TypeCivil</plateType>
<plateColor>yellow</plateColor>
<licenseBright>0</licenseBright>
<plateCharBelieve>99,99,98,99,97,99,99</plateCharBelieve>
<vehicleType>truck</vehicleType>
<vehicleInfo><index>12</index><color>white</color><length>0</length></vehicleInfo>
<pictureInfoList>
<pictureInfo><fileName>licensePlatePicture.jpg</fileName><type>licensePlatePicture</type>
</pictureInfo>
<pictureInfo><fileName>detectionPicture.jpg</fileName><type>detectionPicture</type>
<plateRect><X>375</X><Y>645</Y><width>227</width><height>118</height></plateRect>
</pictureInfo>
</pictureInfoList>
</ANPR>
<UUID>46dd0716-1dd2-11b2-821f-8ba17e6f56b7</UUID>
<picNum>2</picNum>
<VehicleGATInfo><plateColorByGAT>1</plateColorByGAT></VehicleGATInfo>
</EventNotificationAlert>
"""


def parse(body: bytes, content_type: str = "application/xml"):
    return parse_hikvision(body, content_type, device_id="cam-1", t_mono=12.5)


def test_captured_style_multipart_alert_becomes_a_plate_read() -> None:
    plate_jpeg, scene_jpeg = fake_jpeg("close-up"), fake_jpeg("scene")
    body, content_type = multipart(
        [
            ("anpr.xml", "application/xml", CAPTURED_STYLE.encode()),
            ("licensePlatePicture.jpg", "image/jpeg", plate_jpeg),
            ("detectionPicture.jpg", "image/jpeg", scene_jpeg),
        ]
    )
    outcome = parse(body, content_type)
    read = outcome.plate
    assert read is not None
    assert read.device_id == "cam-1"
    assert read.plate == "豫A8HK52"  # the colour word is not part of the plate
    assert read.colour is PlateColour.YELLOW
    assert read.confidence == 78
    assert read.t_mono == 12.5
    assert read.camera_time == datetime(2024, 5, 7, 17, 48, 3, 847000, tzinfo=PLUS7)
    assert read.lane == 2
    assert [(p.kind, p.mime, p.data) for p in read.pictures] == [
        ("plate", "image/jpeg", plate_jpeg),
        ("scene", "image/jpeg", scene_jpeg),
    ]
    assert outcome.colour is not None and outcome.colour.recognised


@pytest.mark.parametrize("namespace", [ISAPI_NS, HIKVISION_OLD_NS, None])
def test_namespaces_are_all_understood(namespace: str | None) -> None:
    event = PlateEvent(plate="苏E12345", colour="blue", lane=3)
    body, content_type = hikvision_push(event, namespace=namespace)
    read = parse(body, content_type).plate
    assert read is not None
    assert (read.plate, read.colour, read.lane) == ("苏E12345", PlateColour.BLUE, 3)


def test_plain_xml_body_without_pictures() -> None:
    read = parse(CAPTURED_STYLE.encode(), "text/xml; charset=utf-8").plate
    assert read is not None
    assert read.plate == "豫A8HK52"
    assert read.pictures == ()


def test_xml_declared_as_gb2312_is_decoded() -> None:
    xml = CAPTURED_STYLE.replace('encoding="UTF-8"', 'encoding="GB2312"').encode("gb2312")
    read = parse(xml).plate
    assert read is not None
    assert read.plate == "豫A8HK52"


def test_gbk_text_labelled_utf8_is_decoded_as_gbk() -> None:
    read = parse(CAPTURED_STYLE.encode("gbk")).plate
    assert read is not None
    assert read.plate == "豫A8HK52"


def test_json_alert_body() -> None:
    alert = {
        "ipAddress": "192.168.1.64",
        "dateTime": "2024-05-07T10:48:03Z",
        "eventType": "ANPR",
        "ANPR": {"licensePlate": "京A12345", "plateColor": "Blue", "confidenceLevel": 91},
    }
    read = parse(json.dumps(alert, ensure_ascii=False).encode(), "application/json").plate
    assert read is not None
    assert (read.plate, read.colour, read.confidence) == ("京A12345", PlateColour.BLUE, 91)
    assert read.camera_time == datetime(2024, 5, 7, 10, 48, 3, tzinfo=UTC)


def test_time_without_offset_is_taken_as_beijing_time() -> None:
    xml = CAPTURED_STYLE.replace("2024-05-07T17:48:03.847+07:00", "2024-05-07T17:48:03")
    read = parse(xml.encode()).plate
    assert read is not None
    assert read.camera_time == datetime(2024, 5, 7, 17, 48, 3, tzinfo=timezone(timedelta(hours=8)))


def test_bad_camera_time_keeps_the_plate_without_a_time() -> None:
    xml = CAPTURED_STYLE.replace("2024-05-07T17:48:03.847+07:00", "yesterday")
    read = parse(xml.encode()).plate
    assert read is not None
    assert read.camera_time is None


def test_lane_no_wins_over_line() -> None:
    xml = CAPTURED_STYLE.replace("<line>2</line>", "<line>2</line><laneNo>4</laneNo>")
    read = parse(xml.encode()).plate
    assert read is not None and read.lane == 4


def test_missing_colour_falls_back_to_the_plate_prefix() -> None:
    xml = CAPTURED_STYLE.replace("<plateColor>yellow</plateColor>", "")
    outcome = parse(xml.encode())
    assert outcome.plate is not None and outcome.plate.colour is PlateColour.YELLOW
    assert outcome.colour == colours.ColourLookup(PlateColour.YELLOW, "黄", recognised=True)


def test_colour_field_saying_unknown_falls_back_to_the_prefix() -> None:
    xml = CAPTURED_STYLE.replace(
        "<plateColor>yellow</plateColor>", "<plateColor>unknown</plateColor>"
    )
    outcome = parse(xml.encode())
    assert outcome.plate is not None and outcome.plate.colour is PlateColour.YELLOW


def test_colour_field_wins_over_the_prefix() -> None:
    xml = CAPTURED_STYLE.replace("<plateColor>yellow</plateColor>", "<plateColor>blue</plateColor>")
    read = parse(xml.encode()).plate
    assert read is not None and read.colour is PlateColour.BLUE


def test_unrecognised_colour_with_a_prefix_takes_the_prefix_but_is_still_reported() -> None:
    xml = CAPTURED_STYLE.replace("<plateColor>yellow</plateColor>", "<plateColor>teal</plateColor>")
    outcome = parse(xml.encode())
    assert outcome.plate is not None and outcome.plate.colour is PlateColour.YELLOW
    assert outcome.colour is not None
    assert (outcome.colour.raw, outcome.colour.recognised) == ("teal", False)


def test_missing_colour_and_no_prefix_is_unknown_and_reported() -> None:
    xml = CAPTURED_STYLE.replace("<plateColor>yellow</plateColor>", "").replace("黄豫", "豫")
    outcome = parse(xml.encode())
    assert outcome.plate is not None and outcome.plate.colour is PlateColour.UNKNOWN
    assert outcome.colour is not None and not outcome.colour.recognised


def test_unknown_colour_is_unknown_and_reported() -> None:
    xml = CAPTURED_STYLE.replace("<plateColor>yellow</plateColor>", "<plateColor>teal</plateColor>")
    xml = xml.replace("黄豫A8HK52", "豫A8HK52")
    outcome = parse(xml.encode())
    assert outcome.plate is not None and outcome.plate.colour is PlateColour.UNKNOWN
    assert outcome.colour is not None
    assert (outcome.colour.raw, outcome.colour.recognised) == ("teal", False)


@pytest.mark.parametrize("text", ["noPlate", "unknown", "无车牌", "未识别", ""])
def test_no_plate_read_is_ignored(text: str) -> None:
    xml = CAPTURED_STYLE.replace("黄豫A8HK52", text)
    outcome = parse(xml.encode())
    assert outcome.plate is None
    assert "no plate" in outcome.ignored


def test_heartbeat_is_a_heartbeat() -> None:
    outcome = parse(hikvision_alert_xml(None, event_type="heartBeat"))
    assert outcome.plate is None and outcome.heartbeat


def test_other_events_are_ignored() -> None:
    body, content_type = multipart(
        [("MotionDetection.xml", "application/xml", hikvision_alert_xml(None, event_type="VMD"))]
    )
    outcome = parse(body, content_type)
    assert outcome.plate is None and not outcome.heartbeat
    assert "VMD" in outcome.ignored


def test_picture_kind_follows_the_part_name_not_the_order() -> None:
    scene, close_up = fake_jpeg("scene"), fake_jpeg("plate")
    body, content_type = multipart(
        [
            ("detectionPicture.jpg", "image/jpeg", scene),
            ("anpr.xml", "application/xml", CAPTURED_STYLE.encode()),
            ("licensePlatePicture.jpg", "image/jpeg", close_up),
        ]
    )
    read = parse(body, content_type).plate
    assert read is not None
    assert [(p.kind, p.data) for p in read.pictures] == [("plate", close_up), ("scene", scene)]


def test_unnamed_pictures_are_never_guessed_to_be_the_close_up() -> None:
    body, content_type = multipart(
        [
            ("alert", "application/xml", CAPTURED_STYLE.encode()),
            ("img", "image/jpeg", fake_jpeg("one")),
            ("img", "application/octet-stream", fake_jpeg("two")),
        ]
    )
    read = parse(body, content_type).plate
    assert read is not None
    assert [p.kind for p in read.pictures] == ["scene", "scene"]


def test_multipart_with_bare_line_feeds() -> None:
    body, content_type = multipart(
        [
            ("anpr.xml", "application/xml", CAPTURED_STYLE.encode()),
            ("licensePlatePicture.jpg", "image/jpeg", b"\xff\xd8abc\xff\xd9"),
        ],
        boundary="XyZ",
    )
    body = body.replace(b"\r\n", b"\n")
    read = parse(body, content_type).plate
    assert read is not None
    assert read.pictures[0].data == b"\xff\xd8abc\xff\xd9"


def test_binary_picture_with_crlf_inside_survives_intact() -> None:
    picture = b"\xff\xd8\r\n--not-the-boundary\r\n\r\n\x00\xff\xd9"
    body, content_type = multipart(
        [
            ("anpr.xml", "text/xml", CAPTURED_STYLE.encode()),
            ("licensePlatePicture.jpg", "image/jpeg", picture),
        ]
    )
    parts = split_multipart(body, content_type)
    assert parts[1].data == picture


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"this is not xml", "application/xml"),
        (b"<EventNotificationAlert><eventType>ANPR", "application/xml"),
        (b"<Other><eventType>ANPR</eventType></Other>", "application/xml"),
        (b"<EventNotificationAlert><eventType>ANPR</eventType></EventNotificationAlert>", ""),
        (b"{not json", "application/json"),
        (b'{"ipAddress": "1.2.3.4"}', "application/json"),
        (b"[1, 2]", "application/json"),
        (
            b"--b\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xd9\r\n--b--",
            "multipart/form-data",
        ),
        (
            b"--b\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xd9\r\n--b--",
            "multipart/form-data; boundary=b",
        ),
        (b"no boundary in here", "multipart/form-data; boundary=zzz"),
        (b'<?xml version="1.0" encoding="x-nonsense"?><a/>', "application/xml"),
    ],
)
def test_malformed_bodies_raise_payload_error(body: bytes, content_type: str) -> None:
    with pytest.raises(PayloadError):
        parse(body, content_type)
