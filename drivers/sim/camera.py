"""Simulated plate cameras: they push like Hikvision (ISAPI) and Dahua (ITSAPI) cameras do.

A Hikvision camera posts `multipart/form-data` with an `anpr.xml` part and JPEG parts to
the URL configured on it; a Dahua camera posts JSON to `/NotificationInfo/TollgateInfo`
under the platform address, answering Digest challenges. Both re-send until the answer is
what they expect (200; `{"Result": true}` for Dahua), as real cameras do.

    python -m drivers.sim.camera http://127.0.0.1:8080/anpr --vendor hikvision --plate 苏A12345
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import time
from base64 import b64encode
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from drivers.cameras.digest import authorization
from drivers.cameras.listener import DAHUA, DAHUA_PREFIX, HIKVISION
from drivers.cameras.payload import BEIJING

ISAPI_NS = "http://www.isapi.org/ver20/XMLSchema"
HIKVISION_OLD_NS = "http://www.hikvision.com/ver20/XMLSchema"


def fake_jpeg(label: str) -> bytes:
    """A tiny JPEG-shaped blob (start marker, a comment naming it, end marker)."""
    comment = label.encode("utf-8")
    return b"\xff\xd8\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + b"\xff\xd9"


@dataclass(frozen=True, slots=True)
class PlateEvent:
    """One vehicle as a camera reports it; `colour` is in the camera's own vocabulary."""

    plate: str = "苏A12345"
    colour: str = "blue"
    confidence: int = 95
    time: datetime = field(default_factory=lambda: datetime.now(BEIJING))
    lane: int | None = 1
    plate_jpeg: bytes | None = field(default_factory=lambda: fake_jpeg("plate"))
    scene_jpeg: bytes | None = field(default_factory=lambda: fake_jpeg("scene"))
    colour_prefix: str = ""  # Chinese Hikvision firmware writes e.g. "蓝" before the plate


def hikvision_alert_xml(
    event: PlateEvent | None, *, namespace: str | None = ISAPI_NS, event_type: str = "ANPR"
) -> bytes:
    """An EventNotificationAlert; without an event, a plate-less alert (heartbeat etc.)."""
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    moment = (event.time if event else datetime.now(BEIJING)).isoformat(timespec="milliseconds")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<EventNotificationAlert version="2.0"{xmlns}>',
        "<ipAddress>192.0.2.10</ipAddress><portNo>80</portNo><protocol>HTTP</protocol>",
        f"<channelID>1</channelID><dateTime>{moment}</dateTime>",
        f"<activePostCount>1</activePostCount><eventType>{escape(event_type)}</eventType>",
        f"<eventState>active</eventState><eventDescription>{escape(event_type)}</eventDescription>",
    ]
    if event is not None:
        lines += _anpr_xml(event)
    lines.append("</EventNotificationAlert>")
    return "\n".join(lines).encode("utf-8")


def _anpr_xml(event: PlateEvent) -> list[str]:
    lane = f"<laneNo>{event.lane}</laneNo>" if event.lane is not None else ""
    return [
        "<ANPR>",
        f"<country>59</country><licensePlate>{escape(event.colour_prefix + event.plate)}"
        "</licensePlate>",
        f"<line>{event.lane or 1}</line><direction>forward</direction>{lane}",
        f"<confidenceLevel>{event.confidence}</confidenceLevel><plateType>92TypeCivil</plateType>",
        f"<plateColor>{escape(event.colour)}</plateColor><licenseBright>0</licenseBright>",
        "<vehicleType>truck</vehicleType>",
        "</ANPR>",
    ]


def multipart(parts: Sequence[tuple[str, str, bytes]], boundary: str = "") -> tuple[bytes, str]:
    """A multipart/form-data body of (name, content type, data) parts, and its Content-Type."""
    boundary = boundary or "-------------------------" + os.urandom(8).hex()
    chunks = []
    for name, content_type, data in parts:
        chunks.append(
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
            f"Content-Type: {content_type}\r\nContent-Length: {len(data)}\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def hikvision_push(event: PlateEvent, *, namespace: str | None = ISAPI_NS) -> tuple[bytes, str]:
    """The multipart body a Hikvision ANPR camera posts, and its Content-Type."""
    parts = [("anpr.xml", "application/xml", hikvision_alert_xml(event, namespace=namespace))]
    if event.plate_jpeg is not None:
        parts.append(("licensePlatePicture.jpg", "image/jpeg", event.plate_jpeg))
    if event.scene_jpeg is not None:
        parts.append(("detectionPicture.jpg", "image/jpeg", event.scene_jpeg))
    return multipart(parts)


def dahua_tollgate_json(event: PlateEvent) -> bytes:
    """The JSON a Dahua camera posts to /NotificationInfo/TollgateInfo."""
    picture: dict[str, object] = {
        "Plate": {
            "PlateNumber": event.plate,
            "PlateColor": event.colour,
            "PlateType": "Normal",
            "Confidence": event.confidence,
            "BoundingBox": [1000, 2000, 3000, 2500],
            "Channel": 0,
            "IsExist": True,
            "UploadNum": 1,
        },
        "Vehicle": {"VehicleColor": "White", "VehicleType": "Truck"},
        "SnapInfo": {
            "AccurateTime": event.time.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
            "Direction": "Approach",
            **({"Lane": event.lane} if event.lane is not None else {}),
        },
    }
    if event.scene_jpeg is not None:
        picture["NormalPic"] = {"Content": b64encode(event.scene_jpeg).decode(), "PicName": "n.jpg"}
    if event.plate_jpeg is not None:
        picture["PlatePic"] = {"Content": b64encode(event.plate_jpeg).decode(), "PicName": "p.jpg"}
    return json.dumps({"Picture": picture}, ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True, slots=True)
class PostResult:
    status: int  # of the last attempt; 0 when no connection could be made
    body: bytes
    attempts: int
    accepted: bool


class CameraSimulator:
    """Posts plate events to a station the way one camera would, retrying until accepted.

    `url` is the push URL for Hikvision (as configured on the camera) and the platform
    address for Dahua (the `/NotificationInfo/...` paths are added).
    """

    def __init__(
        self,
        url: str,
        vendor: str = HIKVISION,
        *,
        attempts: int = 3,
        retry_delay_s: float = 0.2,
        timeout_s: float = 5.0,
        username: str = "",
        password: str = "",
        namespace: str | None = ISAPI_NS,
    ) -> None:
        if vendor not in (HIKVISION, DAHUA):
            raise ValueError(f"vendor must be {HIKVISION!r} or {DAHUA!r}")
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path or "/"
        if vendor == DAHUA and self.path == "/":
            self.path = DAHUA_PREFIX
        self.vendor = vendor
        self.attempts = attempts
        self.retry_delay_s = retry_delay_s
        self.timeout_s = timeout_s
        self.username = username
        self.password = password
        self.namespace = namespace

    def post_plate(self, event: PlateEvent) -> PostResult:
        if self.vendor == HIKVISION:
            body, content_type = hikvision_push(event, namespace=self.namespace)
            return self.post(self.path, body, content_type)
        return self.post(
            f"{self.path}/TollgateInfo", dahua_tollgate_json(event), "application/json"
        )

    def heartbeat(self) -> PostResult:
        if self.vendor == HIKVISION:
            xml = hikvision_alert_xml(None, namespace=self.namespace, event_type="heartBeat")
            return self.post(self.path, xml, "application/xml")
        body = json.dumps({"Time": datetime.now(BEIJING).isoformat()}).encode()
        return self.post(f"{self.path}/KeepAlive", body, "application/json")

    def post(self, path: str, body: bytes, content_type: str) -> PostResult:
        """POST `body`, answering a Digest challenge, re-sending until accepted."""
        status, reply = 0, b""
        for attempt in range(1, self.attempts + 1):
            status, reply = self._attempt(path, body, content_type)
            if self._accepted(status, reply):
                return PostResult(status, reply, attempt, accepted=True)
            if attempt < self.attempts:
                time.sleep(self.retry_delay_s)
        return PostResult(status, reply, self.attempts, accepted=False)

    def _attempt(self, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        try:
            status, headers, reply = self._send(path, body, content_type, None)
            challenge = headers.get("WWW-Authenticate", "")
            if status == 401 and self.username and challenge.lower().startswith("digest"):
                answer = authorization(challenge, "POST", path, self.username, self.password)
                status, headers, reply = self._send(path, body, content_type, answer)
        except OSError:
            return 0, b""
        return status, reply

    def _send(
        self, path: str, body: bytes, content_type: str, auth: str | None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
        try:
            headers = {"Content-Type": content_type}
            if auth:
                headers["Authorization"] = auth
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def _accepted(self, status: int, reply: bytes) -> bool:
        if status != 200:
            return False
        if self.vendor == HIKVISION:
            return True
        try:
            return json.loads(reply).get("Result") is True
        except (ValueError, AttributeError):
            return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Post simulated plate events to a station.")
    parser.add_argument("url", help="push URL (Hikvision) or platform address (Dahua)")
    parser.add_argument("--vendor", choices=[HIKVISION, DAHUA], default=HIKVISION)
    parser.add_argument("--plate", default="苏A12345")
    parser.add_argument("--colour", default="", help="camera colour word (blue / Blue ...)")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--username", default="")
    parser.add_argument("--password", default="")
    args = parser.parse_args(argv)
    colour = args.colour or ("blue" if args.vendor == HIKVISION else "Blue")
    camera = CameraSimulator(args.url, args.vendor, username=args.username, password=args.password)
    for index in range(args.count):
        result = camera.post_plate(PlateEvent(plate=args.plate, colour=colour))
        print(f"{index + 1}: HTTP {result.status} after {result.attempts} attempt(s)")
        if index + 1 < args.count:
            time.sleep(args.interval)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
