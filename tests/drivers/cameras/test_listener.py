"""The camera listener over real HTTP on 127.0.0.1: cameras push, plates come out."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from drivers.cameras.digest import DigestCredentials
from drivers.cameras.listener import CameraListener, CameraRoute, dahua_route, hikvision_route
from drivers.sim.camera import (
    HIKVISION_OLD_NS,
    ISAPI_NS,
    CameraSimulator,
    PlateEvent,
    fake_jpeg,
    hikvision_push,
)
from station.domain.readings import PlateColour, PlateRead

HIK_PATH = "/ISAPI/anpr"
ACCOUNT = DigestCredentials("dahua", "platform-pw", realm="station")


class Sink:
    """An on_plate callback that records plates and lets a test wait for them."""

    def __init__(self) -> None:
        self.plates: list[PlateRead] = []
        self._changed = threading.Condition()

    def __call__(self, plate: PlateRead) -> None:
        with self._changed:
            self.plates.append(plate)
            self._changed.notify_all()

    def wait(self, count: int, timeout: float = 5.0) -> list[PlateRead]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.plates) >= count, timeout), (
                f"{len(self.plates)} of {count} plates arrived"
            )
            return list(self.plates)


@pytest.fixture
def sink() -> Sink:
    return Sink()


@pytest.fixture
def start_listener() -> Iterator[Callable[..., CameraListener]]:
    started: list[CameraListener] = []

    def start(
        on_plate: Callable[[PlateRead], None],
        routes: list[CameraRoute] | None = None,
        **options: Any,
    ) -> CameraListener:
        routes = (
            routes
            if routes is not None
            else [
                hikvision_route(HIK_PATH, "hik-cam"),
                dahua_route("dahua-cam"),
            ]
        )
        listener = CameraListener("127.0.0.1", 0, on_plate, routes, **options)
        listener.start()
        started.append(listener)
        return listener

    yield start
    for listener in started:
        listener.stop()


def post(
    listener: CameraListener,
    path: str,
    body: bytes,
    content_type: str = "application/xml",
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes, http.client.HTTPMessage]:
    connection = http.client.HTTPConnection("127.0.0.1", listener.port, timeout=5)
    try:
        connection.request("POST", path, body, {"Content-Type": content_type, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read(), response.headers
    finally:
        connection.close()


def raw_exchange(listener: CameraListener, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
        sock.sendall(request)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    return b"".join(chunks)


# -- plates over HTTP ----------------------------------------------------------------------


@pytest.mark.parametrize("namespace", [ISAPI_NS, HIKVISION_OLD_NS, None])
def test_hikvision_camera_pushes_a_plate_with_pictures(
    start_listener: Callable[..., CameraListener], sink: Sink, namespace: str | None
) -> None:
    listener = start_listener(sink)
    camera = CameraSimulator(listener.url(HIK_PATH), "hikvision", namespace=namespace)
    event = PlateEvent(plate="豫A12345", colour="yellow", confidence=87, lane=2, colour_prefix="黄")
    result = camera.post_plate(event)
    assert (result.status, result.body, result.attempts, result.accepted) == (200, b"", 1, True)
    [read] = sink.wait(1)
    assert (read.device_id, read.plate, read.colour, read.confidence, read.lane) == (
        "hik-cam",
        "豫A12345",
        PlateColour.YELLOW,
        87,
        2,
    )
    assert read.camera_time is not None
    assert abs((read.camera_time - event.time).total_seconds()) < 0.001
    assert [(p.kind, p.data) for p in read.pictures] == [
        ("plate", fake_jpeg("plate")),
        ("scene", fake_jpeg("scene")),
    ]
    listener.stop()  # "delivered" is counted once on_plate has returned
    stats = listener.stats()
    assert (stats.received, stats.plates, stats.delivered, stats.malformed) == (1, 1, 1, 0)


def test_dahua_camera_pushes_a_plate_and_gets_result_true(
    start_listener: Callable[..., CameraListener], sink: Sink
) -> None:
    listener = start_listener(sink)
    camera = CameraSimulator(listener.url("/"), "dahua")
    result = camera.post_plate(PlateEvent(plate="粤B12345D", colour="YellowGreen", lane=None))
    assert result.accepted and result.status == 200
    assert json.loads(result.body) == {"Result": True}
    [read] = sink.wait(1)
    assert (read.device_id, read.plate, read.colour) == (
        "dahua-cam",
        "粤B12345D",
        PlateColour.YELLOW_GREEN,
    )
    assert {p.kind for p in read.pictures} == {"plate", "scene"}


def test_heartbeats_are_answered_200_and_ignored(
    start_listener: Callable[..., CameraListener], sink: Sink
) -> None:
    listener = start_listener(sink)
    hik = CameraSimulator(listener.url(HIK_PATH), "hikvision").heartbeat()
    dahua = CameraSimulator(listener.url("/"), "dahua").heartbeat()
    assert (hik.status, hik.accepted) == (200, True)
    assert (dahua.status, json.loads(dahua.body)) == (200, {"Result": True})
    listener.stop()
    stats = listener.stats()
    assert (stats.heartbeats, stats.ignored, stats.plates) == (2, 2, 0)
    assert sink.plates == []


@pytest.mark.parametrize(
    ("path", "body", "content_type", "ack"),
    [
        (HIK_PATH, b"\x00\x01 garbage <<<", "application/xml", b""),
        (HIK_PATH, b"<EventNotificationAlert><eventType>ANPR</eventType>", "text/xml", b""),
        (HIK_PATH, b"--zz\r\nno headers here", "multipart/form-data; boundary=zz", b""),
        ("/NotificationInfo/TollgateInfo", b"{{{{", "application/json", b'{"Result": true}'),
        (
            "/NotificationInfo/TollgateInfo",
            b'{"Picture": 1}',
            "application/json",
            b'{"Result": true}',
        ),
    ],
)
def test_garbage_is_acknowledged_counted_and_never_a_plate(
    start_listener: Callable[..., CameraListener],
    sink: Sink,
    path: str,
    body: bytes,
    content_type: str,
    ack: bytes,
) -> None:
    listener = start_listener(sink)
    status, reply, _ = post(listener, path, body, content_type)
    assert (status, reply) == (200, ack)  # the documented rule: no re-send loop
    listener.stop()  # drains the queue: anything that was a plate would now be delivered
    stats = listener.stats()
    assert (stats.malformed, stats.plates, stats.delivered) == (1, 0, 0)
    assert stats.last_error
    assert sink.plates == []


def test_oversized_body_gets_413(start_listener: Callable[..., CameraListener], sink: Sink) -> None:
    listener = start_listener(sink)
    declared = listener.max_body + 1
    head = (
        f"POST {HIK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    ).encode()
    reply = raw_exchange(listener, head + b"x" * 65536)
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert b"Connection: close" in reply
    assert listener.stats().too_large == 1
    assert sink.plates == []


def test_body_limit_is_exact(start_listener: Callable[..., CameraListener], sink: Sink) -> None:
    listener = start_listener(sink, max_body=4096)
    assert post(listener, HIK_PATH, b"x" * 4096)[0] == 200
    assert post(listener, HIK_PATH, b"x" * 4097)[0] == 413


def test_oversized_body_is_refused_before_it_is_sent_with_expect_100(
    start_listener: Callable[..., CameraListener], sink: Sink
) -> None:
    listener = start_listener(sink, max_body=1000)
    reply = raw_exchange(
        listener,
        (
            f"POST {HIK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
            "Expect: 100-continue\r\n\r\n"
        ).encode(),
    )
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert b"100 Continue" not in reply


def test_chunked_bodies_are_read_and_limited(
    start_listener: Callable[..., CameraListener], sink: Sink
) -> None:
    listener = start_listener(sink, max_body=64 * 1024)
    body, content_type = hikvision_push(PlateEvent(plate="川A00001"))
    chunks = b"".join(
        f"{len(body[i : i + 500]):x}\r\n".encode() + body[i : i + 500] + b"\r\n"
        for i in range(0, len(body), 500)
    )
    head = (
        f"POST {HIK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode()
    assert raw_exchange(listener, head + chunks + b"0\r\n\r\n").startswith(b"HTTP/1.1 200 ")
    assert sink.wait(1)[0].plate == "川A00001"
    big = b"10000\r\n" + b"x" * 0x10000 + b"\r\n" + b"1\r\nx\r\n0\r\n\r\n"
    assert raw_exchange(listener, head + big).startswith(b"HTTP/1.1 413 ")


@pytest.mark.parametrize("length", ["abc", "-5"])
def test_bad_content_length_is_400(
    start_listener: Callable[..., CameraListener], sink: Sink, length: str
) -> None:
    listener = start_listener(sink)
    reply = raw_exchange(
        listener,
        (f"POST {HIK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n").encode(),
    )
    assert reply.startswith(b"HTTP/1.1 400 ")
    assert listener.stats().bad_requests == 1


def test_one_keep_alive_connection_carries_several_pushes(
    start_listener: Callable[..., CameraListener], sink: Sink
) -> None:
    listener = start_listener(sink)
    connection = http.client.HTTPConnection("127.0.0.1", listener.port, timeout=5)
    try:
        for plate in ("鲁A11111", "鲁A22222"):
            body, content_type = hikvision_push(PlateEvent(plate=plate))
            connection.request("POST", HIK_PATH, body, {"Content-Type": content_type})
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, b"")
    finally:
        connection.close()
    assert [p.plate for p in sink.wait(2)] == ["鲁A11111", "鲁A22222"]


# -- Digest --------------------------------------------------------------------------------


def digest_listener(start: Callable[..., CameraListener], sink: Sink) -> CameraListener:
    return start(sink, [dahua_route("dahua-cam", digest=ACCOUNT)])


def test_digest_challenge_when_credentials_are_missing(
    start_listener: Callable[..., CameraListener], sink: Sink
) -> None:
    listener = digest_listener(start_listener, sink)
    status, _, headers = post(listener, "/NotificationInfo/TollgateInfo", b"{}", "application/json")
    assert status == 401
    challenge = headers["WWW-Authenticate"]
    assert challenge.startswith("Digest ") and 'realm="station"' in challenge
    assert 'qop="auth"' in challenge and "nonce=" in challenge
    assert listener.stats().unauthorized == 0  # a challenge is not a failed login


def test_digest_camera_with_right_credentials_is_accepted(
    start_listener: Callable[..., CameraListener], sink: Sink
) -> None:
    listener = digest_listener(start_listener, sink)
    camera = CameraSimulator(listener.url("/"), "dahua", username="dahua", password="platform-pw")
    assert camera.post_plate(PlateEvent(plate="津C12345", colour="Blue")).accepted
    assert camera.heartbeat().accepted
    assert sink.wait(1)[0].plate == "津C12345"


def test_digest_camera_with_wrong_credentials_is_rejected(
    start_listener: Callable[..., CameraListener], sink: Sink
) -> None:
    listener = digest_listener(start_listener, sink)
    camera = CameraSimulator(
        listener.url("/"),
        "dahua",
        username="dahua",
        password="wrong",
        attempts=2,
        retry_delay_s=0.01,
    )
    result = camera.post_plate(PlateEvent())
    assert (result.status, result.accepted, result.attempts) == (401, False, 2)
    listener.stop()
    assert listener.stats().unauthorized == 2
    assert sink.plates == []


def test_digest_interoperates_with_the_standard_library_client(
    start_listener: Callable[..., CameraListener], sink: Sink
) -> None:
    listener = digest_listener(start_listener, sink)
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, listener.url("/"), "dahua", "platform-pw")
    opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))
    request = urllib.request.Request(
        listener.url("/NotificationInfo/KeepAlive"),
        data=b"{}",
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with opener.open(request, timeout=5) as response:
        assert (response.status, json.loads(response.read())) == (200, {"Result": True})


def test_without_digest_configured_no_authentication_is_asked(
    start_listener: Callable[..., CameraListener], sink: Sink
) -> None:
    listener = start_listener(sink)
    status, _, headers = post(listener, "/NotificationInfo/KeepAlive", b"{}", "application/json")
    assert status == 200 and "WWW-Authenticate" not in headers


# -- the consumer --------------------------------------------------------------------------


def test_a_slow_consumer_does_not_hold_the_cameras(
    start_listener: Callable[..., CameraListener],
) -> None:
    release = threading.Event()
    delivered: list[str] = []

    def slow(plate: PlateRead) -> None:
        release.wait(10)
        delivered.append(plate.plate)

    listener = start_listener(slow)
    camera = CameraSimulator(listener.url(HIK_PATH), "hikvision", attempts=1)
    for number in range(5):
        started = time.monotonic()
        assert camera.post_plate(PlateEvent(plate=f"沪A0000{number}")).accepted
        assert time.monotonic() - started < 1.0
    assert delivered == []
    release.set()
    listener.stop()
    assert delivered == [f"沪A0000{n}" for n in range(5)]


def test_full_queue_answers_503_and_the_camera_delivers_on_retry(
    start_listener: Callable[..., CameraListener],
) -> None:
    entered, release = threading.Event(), threading.Event()
    sink = Sink()

    def blocked(plate: PlateRead) -> None:
        entered.set()
        release.wait(10)
        sink(plate)

    listener = start_listener(blocked, queue_size=1)
    camera = CameraSimulator(listener.url(HIK_PATH), "hikvision", attempts=1)
    assert camera.post_plate(PlateEvent(plate="晋A00001")).accepted  # taken by the consumer
    assert entered.wait(5)
    assert camera.post_plate(PlateEvent(plate="晋A00002")).accepted  # waits in the queue
    refused = camera.post_plate(PlateEvent(plate="晋A00003"))
    assert (refused.status, refused.accepted) == (503, False)
    assert listener.stats().busy == 1

    retrying = CameraSimulator(listener.url(HIK_PATH), "hikvision", attempts=50, retry_delay_s=0.05)
    results = []
    thread = threading.Thread(
        target=lambda: results.append(retrying.post_plate(PlateEvent(plate="晋A00003")))
    )
    thread.start()
    deadline = time.monotonic() + 5
    while listener.stats().busy < 2 and time.monotonic() < deadline:  # the retry was refused
        time.sleep(0.01)
    release.set()
    thread.join(10)
    assert results[0].accepted and results[0].attempts > 1
    assert [p.plate for p in sink.wait(3)] == ["晋A00001", "晋A00002", "晋A00003"]


def test_a_failing_consumer_does_not_stop_later_plates(
    start_listener: Callable[..., CameraListener], sink: Sink
) -> None:
    def flaky(plate: PlateRead) -> None:
        if plate.plate.endswith("1"):
            raise RuntimeError("consumer bug")
        sink(plate)

    listener = start_listener(flaky)
    camera = CameraSimulator(listener.url(HIK_PATH), "hikvision")
    for plate in ("冀A00001", "冀A00002"):
        assert camera.post_plate(PlateEvent(plate=plate)).accepted
    assert [p.plate for p in sink.wait(1)] == ["冀A00002"]
    stats = listener.stats()
    assert stats.callback_errors == 1 and "consumer bug" in stats.last_error


def test_unknown_colour_is_counted_and_reported_once(
    start_listener: Callable[..., CameraListener], sink: Sink, caplog: pytest.LogCaptureFixture
) -> None:
    listener = start_listener(sink)
    camera = CameraSimulator(listener.url(HIK_PATH), "hikvision")
    with caplog.at_level(logging.WARNING, logger="drivers.cameras.listener"):
        for _ in range(2):
            assert camera.post_plate(PlateEvent(colour="teal")).accepted
        plates = sink.wait(2)
    assert {p.colour for p in plates} == {PlateColour.UNKNOWN}
    stats = listener.stats()
    assert (stats.unknown_colours, stats.unknown_colour_values) == (2, ("teal",))
    assert len([r for r in caplog.records if "teal" in r.getMessage()]) == 1


# -- routing -------------------------------------------------------------------------------


def test_device_id_follows_the_source_address(
    start_listener: Callable[..., CameraListener], sink: Sink
) -> None:
    routes = [hikvision_route(HIK_PATH, by_ip={"127.0.0.1": "lane-3-rear"})]
    listener = start_listener(sink, routes)
    assert CameraSimulator(listener.url(HIK_PATH)).post_plate(PlateEvent()).accepted
    assert sink.wait(1)[0].device_id == "lane-3-rear"


def test_unconfigured_source_address_is_refused(
    start_listener: Callable[..., CameraListener], sink: Sink
) -> None:
    routes = [dahua_route(by_ip={"192.0.2.7": "lane-1"})]
    listener = start_listener(sink, routes)
    result = CameraSimulator(listener.url("/"), "dahua", attempts=1).post_plate(PlateEvent())
    assert result.status == 403
    assert listener.stats().forbidden == 1


def test_several_cameras_on_one_port_are_told_apart_by_path(
    start_listener: Callable[..., CameraListener], sink: Sink
) -> None:
    routes = [hikvision_route("/lane1", "lane-1-cam"), hikvision_route("/lane2", "lane-2-cam")]
    listener = start_listener(sink, routes)
    assert CameraSimulator(listener.url("/lane2")).post_plate(PlateEvent(plate="渝A2")).accepted
    assert CameraSimulator(listener.url("/lane1/")).post_plate(PlateEvent(plate="渝A1")).accepted
    assert [(p.device_id, p.plate) for p in sink.wait(2)] == [
        ("lane-2-cam", "渝A2"),
        ("lane-1-cam", "渝A1"),
    ]


def test_unknown_path_is_404_and_get_is_405(
    start_listener: Callable[..., CameraListener], sink: Sink
) -> None:
    listener = start_listener(sink)
    assert post(listener, "/nowhere", b"<x/>")[0] == 404
    connection = http.client.HTTPConnection("127.0.0.1", listener.port, timeout=5)
    try:
        connection.request("GET", HIK_PATH)
        response = connection.getresponse()
        assert (response.status, response.headers["Allow"]) == (405, "POST")
    finally:
        connection.close()
    stats = listener.stats()
    assert (stats.not_found, stats.received) == (1, 2)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"vendor": "axis", "path": "/", "device_id": "x"}, "vendor"),
        ({"vendor": "hikvision", "path": "anpr", "device_id": "x"}, "path"),
        ({"vendor": "dahua", "path": "/NotificationInfo"}, "device_id"),
    ],
)
def test_bad_routes_are_refused(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CameraRoute(**arguments)


# -- lifecycle -----------------------------------------------------------------------------


def test_stop_is_prompt_with_an_idle_camera_connection_and_the_listener_restarts(
    start_listener: Callable[..., CameraListener], sink: Sink
) -> None:
    threads_before = threading.active_count()
    listener = start_listener(sink)
    idle = socket.create_connection(("127.0.0.1", listener.port), timeout=5)
    try:
        idle.sendall(b"POST " + HIK_PATH.encode() + b" HTTP/1.1\r\nHost: x\r\n")  # stalls
        time.sleep(0.2)
        started = time.monotonic()
        listener.stop()
        assert time.monotonic() - started < 3.0
    finally:
        idle.close()
    assert threading.active_count() <= threads_before
    listener.stop()  # a second stop is harmless
    listener.start()
    assert CameraSimulator(listener.url(HIK_PATH)).post_plate(PlateEvent()).accepted
    assert sink.wait(1)


def test_port_in_use_is_reported_at_start(sink: Sink) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        listener = CameraListener("127.0.0.1", taken.getsockname()[1], sink)
        with pytest.raises(OSError):
            listener.start()


# -- the simulator's camera behaviour ------------------------------------------------------


def test_simulated_camera_resends_until_it_gets_200() -> None:
    answers = iter([500, 503, 200])
    seen: list[bytes] = []

    class Flaky(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(next(answers))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        camera = CameraSimulator(
            f"http://127.0.0.1:{server.server_address[1]}/anpr", attempts=5, retry_delay_s=0.01
        )
        result = camera.post_plate(PlateEvent())
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert (result.status, result.attempts, result.accepted) == (200, 3, True)
    assert len(seen) == 3 and seen[0] == seen[2]


def test_simulated_camera_gives_up_when_nobody_listens() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = CameraSimulator(
        f"http://127.0.0.1:{port}/", attempts=2, retry_delay_s=0.01
    ).post_plate(PlateEvent())
    assert (result.status, result.attempts, result.accepted) == (0, 2, False)
