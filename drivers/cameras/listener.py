"""One HTTP listener for plate cameras that push: Hikvision ISAPI and Dahua ITSAPI.

Cameras re-send a push until they get the answer they expect (protocols.md §3.5): an HTTP
200 for Hikvision, `{"Result": true}` for Dahua. Which answer each case gets, and why:

* plate, heartbeat, other event → 200 + vendor ack: accepted, the camera moves on.
* body not understood (bad XML/JSON/multipart, or a parser failure) → 200 + vendor ack,
  counted `malformed`, logged, never a plate: a re-send carries the same bytes and fails
  again, and a camera looping on it holds back the good plates queued behind it.
* plate queue full (consumer stuck) → 503 + Retry-After: nothing is lost, the camera keeps
  the plate and re-sends it later.
* body over the size limit → 413, connection closed: far above any real push (a few hundred
  KB); it protects memory.
* Digest configured and credentials missing, stale or wrong → 401 + challenge.
* source address not configured for the path → 403: unknown devices must not inject
  plates; a misconfigured camera keeps its data until it is configured.
* unknown path → 404; unreadable HTTP framing (length, chunks) → 400, connection closed.

Plates go to a bounded queue that one delivery thread drains into `on_plate`, so a slow
consumer never holds a camera's connection open. All work here runs on the listener's own
threads; `on_plate` runs on the delivery thread and must hand work on, not touch a GUI.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, fields
from datetime import tzinfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from drivers.cameras.dahua import ACK_BODY as DAHUA_ACK
from drivers.cameras.dahua import parse_dahua
from drivers.cameras.digest import DigestAuthenticator, DigestCredentials, Verdict
from drivers.cameras.hikvision import parse_hikvision
from drivers.cameras.payload import BEIJING, PayloadError, PushOutcome
from drivers.connections import TrackedConnections
from station.domain.readings import PlateRead

logger = logging.getLogger(__name__)

HIKVISION = "hikvision"
DAHUA = "dahua"
VENDORS = frozenset({HIKVISION, DAHUA})
DAHUA_PREFIX = "/NotificationInfo"
MAX_BODY = 16 * 1024 * 1024
READ_TIMEOUT_S = 15.0  # a camera that stalls mid-request loses its connection, not a thread
QUEUE_SIZE = 256
DRAIN_LIMIT = 1024 * 1024  # bytes read and dropped after a 413, so the client sees the answer
DRAIN_IDLE_S = 0.5
_STOP = object()


@dataclass(frozen=True, slots=True)
class CameraRoute:
    """Which pushes a listener accepts, and which device each one belongs to.

    Hikvision cameras post to the URL configured on them: `path` is that exact path.
    Dahua cameras post to fixed `/NotificationInfo/<endpoint>` paths: `path` is the prefix.
    The device is `by_ip[source address]`, else `device_id`; a source matching neither is
    refused with 403. Several routes may share a path with different addresses.
    """

    vendor: str
    path: str
    device_id: str = ""
    by_ip: Mapping[str, str] = field(default_factory=dict, hash=False)
    digest: DigestCredentials | None = None
    camera_tz: tzinfo = BEIJING  # zone of camera times written without an offset

    def __post_init__(self) -> None:
        if self.vendor not in VENDORS:
            raise ValueError(f"vendor: {self.vendor!r} is not one of {sorted(VENDORS)}")
        if not self.path.startswith("/"):
            raise ValueError(f"path: {self.path!r} must start with '/'")
        if not self.device_id and not self.by_ip:
            raise ValueError(f"route {self.path}: needs a device_id or a by_ip table")
        object.__setattr__(self, "by_ip", MappingProxyType(dict(self.by_ip)))

    def endpoint(self, path: str) -> str | None:
        """The endpoint this route serves at `path` ("" for Hikvision), or None."""
        base = self.path.rstrip("/")
        if self.vendor == HIKVISION:
            return "" if path.rstrip("/") == base else None
        if path.startswith(base + "/"):
            return path[len(base) + 1 :].strip("/")
        return None

    def device_for(self, ip: str) -> str | None:
        return self.by_ip.get(ip) or self.device_id or None


def hikvision_route(path: str = "/", device_id: str = "", **options: Any) -> CameraRoute:
    return CameraRoute(HIKVISION, path, device_id, **options)


def dahua_route(device_id: str = "", path: str = DAHUA_PREFIX, **options: Any) -> CameraRoute:
    return CameraRoute(DAHUA, path, device_id, **options)


@dataclass(frozen=True, slots=True)
class ListenerStats:
    """Counters for diagnostics; a snapshot, safe to keep."""

    received: int = 0  # every request
    plates: int = 0  # plates accepted into the queue
    delivered: int = 0  # plates handed to on_plate
    heartbeats: int = 0
    ignored: int = 0  # understood, but no plate: heartbeats, other events, nothing read
    malformed: int = 0
    unknown_colours: int = 0
    too_large: int = 0
    bad_requests: int = 0
    unauthorized: int = 0
    forbidden: int = 0
    not_found: int = 0
    busy: int = 0
    callback_errors: int = 0
    last_error: str = ""
    unknown_colour_values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    close: bool = False


@dataclass(frozen=True, slots=True)
class _Request:
    target: str
    path: str
    ip: str
    authorization: str | None
    content_type: str
    body: bytes


class _HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values = {f.name: 0 for f in fields(ListenerStats) if f.type == "int"}
        self._last_error = ""
        self._colours: dict[str, None] = {}

    def add(self, name: str, error: str = "") -> None:
        with self._lock:
            self._values[name] += 1
            if error:
                self._last_error = error

    def unknown_colour(self, raw: str) -> bool:
        """Count an unrecognised colour value; True the first time it is seen."""
        with self._lock:
            self._values["unknown_colours"] += 1
            first = raw not in self._colours
            self._colours.setdefault(raw, None)
            return first

    def snapshot(self) -> ListenerStats:
        with self._lock:
            return ListenerStats(
                **self._values,
                last_error=self._last_error,
                unknown_colour_values=tuple(self._colours),
            )


class CameraListener:
    """A background HTTP server that turns camera pushes into `PlateRead`s."""

    def __init__(
        self,
        host: str,
        port: int,
        on_plate: Callable[[PlateRead], None],
        routes: Sequence[CameraRoute] = (),
        *,
        max_body: int = MAX_BODY,
        queue_size: int = QUEUE_SIZE,
        read_timeout_s: float = READ_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.host = host
        self._requested_port = port
        self._on_plate = on_plate
        self.routes = tuple(routes)
        self._auth = [DigestAuthenticator(r.digest) if r.digest else None for r in self.routes]
        self.max_body = max_body
        self.read_timeout_s = read_timeout_s
        self._clock = clock
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        self._counters = _Counters()
        self._server: _Server | None = None
        self._threads: list[threading.Thread] = []

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Bind and start serving; raises OSError when the port cannot be bound."""
        if self._server is not None:
            return
        self._server = _Server((self.host, self._requested_port), self)
        self._threads = [
            threading.Thread(target=self._deliver, name="camera-delivery", daemon=True),
            threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.2},
                name="camera-listener",
                daemon=True,
            ),
        ]
        for thread in self._threads:
            thread.start()
        logger.info("camera listener on %s:%d", self.host, self.port)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop accepting, close open connections, deliver what is queued, join the threads."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        try:
            self._queue.put(_STOP, timeout=timeout_s)
        except queue.Full:
            logger.error(
                "camera listener: plate consumer is stuck; %d plates not delivered",
                self._queue.qsize(),
            )
        for thread in self._threads:
            thread.join(timeout_s)
        self._threads = []

    def __enter__(self) -> CameraListener:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was asked for)."""
        if self._server is None:
            return self._requested_port
        return int(self._server.server_address[1])

    def url(self, path: str = "/") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    def stats(self) -> ListenerStats:
        return self._counters.snapshot()

    # -- delivery --------------------------------------------------------------------------

    def _deliver(self) -> None:
        while (item := self._queue.get()) is not _STOP:
            try:
                self._on_plate(item)  # type: ignore[arg-type]
                self._counters.add("delivered")
            except Exception as error:  # the consumer's bug must not stop later plates
                logger.exception("camera listener: on_plate failed")
                self._counters.add("callback_errors", f"on_plate: {error!r}")

    # -- requests --------------------------------------------------------------------------

    def serve(self, handler: _Handler) -> None:
        """Answer one POST (called on the connection's thread)."""
        self._counters.add("received")
        try:
            request = _read_request(handler, self.max_body)
        except _HttpError as error:
            self._refuse(handler, error)
            return
        except OSError as error:  # timed out or cut off mid-body: no one to answer
            handler.close_connection = True
            self._counters.add("bad_requests", f"{_client_ip(handler)}: {error!r}")
            return
        _send(handler, self._answer(request))

    def count(self, name: str, error: str = "") -> None:
        self._counters.add(name, error)

    def _refuse(self, handler: _Handler, error: _HttpError) -> None:
        name = "too_large" if error.status == 413 else "bad_requests"
        self._counters.add(name, str(error))
        logger.warning("camera push from %s refused: %s", _client_ip(handler), error)
        _send(handler, _Response(error.status, str(error).encode(), close=True))
        if error.status == 413:
            _drain(handler.connection)

    def _answer(self, request: _Request) -> _Response:
        found = self._route(request)
        if isinstance(found, _Response):
            return found
        index, endpoint, device_id = found
        route = self.routes[index]
        refusal = self._authenticate(index, request)
        if refusal is not None:
            return refusal
        try:
            outcome = _parse(route, endpoint, request, device_id, self._clock())
        except PayloadError as error:
            self._counters.add("malformed", f"{device_id}: {error}")
            logger.warning(
                "camera %s sent a push that is not understood (%s): %r",
                device_id,
                error,
                request.body[:200],
            )
            return _ack(route.vendor)
        except Exception as error:
            # A parser bug: the same bytes would fail again on every re-send, so the push is
            # treated like any body not understood, with the traceback for the fix.
            self._counters.add("malformed", f"{device_id}: parser error {error!r}")
            logger.exception("camera %s: parser failed on %r", device_id, request.body[:200])
            return _ack(route.vendor)
        return self._accept(route, device_id, outcome)

    def _route(self, request: _Request) -> tuple[int, str, str] | _Response:
        path_known = False
        for index, route in enumerate(self.routes):
            endpoint = route.endpoint(request.path)
            if endpoint is None:
                continue
            path_known = True
            device_id = route.device_for(request.ip)
            if device_id:
                return index, endpoint, device_id
        if path_known:
            self._counters.add("forbidden", f"{request.ip} is not a configured camera")
            logger.warning(
                "camera push from unconfigured address %s to %s", request.ip, request.path
            )
            return _Response(403, b"source address not configured")
        self._counters.add("not_found", f"no route for {request.path}")
        return _Response(404, b"no camera route for this path")

    def _authenticate(self, index: int, request: _Request) -> _Response | None:
        auth = self._auth[index]
        if auth is None:
            return None
        verdict = auth.check("POST", request.target, request.authorization)
        if verdict is Verdict.OK:
            return None
        if verdict is Verdict.INVALID:
            self._counters.add("unauthorized", f"{request.ip}: digest credentials rejected")
            logger.warning("camera at %s sent wrong digest credentials", request.ip)
        challenge = auth.challenge(stale=verdict is Verdict.STALE)
        return _Response(401, b"authentication required", (("WWW-Authenticate", challenge),))

    def _accept(self, route: CameraRoute, device_id: str, outcome: PushOutcome) -> _Response:
        for note in outcome.notes:
            logger.warning("camera %s: %s", device_id, note)
        if outcome.plate is None:
            self._counters.add("ignored")
            if outcome.heartbeat:
                self._counters.add("heartbeats")
            return _ack(route.vendor)
        try:
            self._queue.put_nowait(outcome.plate)
        except queue.Full:
            self._counters.add("busy", "plate queue full")
            return _Response(503, b"busy", (("Retry-After", "1"),))
        self._report_colour(route, device_id, outcome)
        self._counters.add("plates")
        return _ack(route.vendor)

    def _report_colour(self, route: CameraRoute, device_id: str, outcome: PushOutcome) -> None:
        lookup = outcome.colour
        if lookup is None or lookup.recognised:
            return
        if self._counters.unknown_colour(lookup.raw):  # once per value, not per vehicle
            logger.warning(
                "camera %s: plate colour %r is not in the %s colour table",
                device_id,
                lookup.raw or "(none sent)",
                route.vendor,
            )


def _parse(
    route: CameraRoute, endpoint: str, request: _Request, device_id: str, t_mono: float
) -> PushOutcome:
    if route.vendor == HIKVISION:
        return parse_hikvision(
            request.body,
            request.content_type,
            device_id=device_id,
            t_mono=t_mono,
            camera_tz=route.camera_tz,
        )
    return parse_dahua(
        endpoint, request.body, device_id=device_id, t_mono=t_mono, camera_tz=route.camera_tz
    )


def _ack(vendor: str) -> _Response:
    if vendor == DAHUA:
        return _Response(200, DAHUA_ACK, (("Content-Type", "application/json"),))
    return _Response(200)


# -- HTTP plumbing -------------------------------------------------------------------------


class _Server(TrackedConnections, ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the connection threads
    block_on_close = True

    def __init__(self, address: tuple[str, int], listener: CameraListener) -> None:
        self.listener = listener
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self._init_tracking()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The default prints to stderr; a camera dropping its connection belongs in the log.
        logger.warning("camera connection from %s failed", client_address[0], exc_info=True)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can hang on a station PC
        # with unreachable DNS; nothing here needs the name.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # cameras keep connections open between pushes
    server: _Server

    def setup(self) -> None:
        self.timeout = self.server.listener.read_timeout_s
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def do_POST(self) -> None:
        self.server.listener.serve(self)

    def do_GET(self) -> None:
        self.server.listener.count("received")
        _send(self, _Response(405, b"cameras POST here", (("Allow", "POST"),)))

    do_PUT = do_DELETE = do_GET

    def handle_expect_100(self) -> bool:
        # Refuse an oversized body before the client sends it.
        try:
            length = _content_length(self)
        except _HttpError:
            length = None  # do_POST reads the header again and answers 400
        if length is not None and length > self.server.listener.max_body:
            self.server.listener.count("received")
            self.server.listener.count("too_large", f"declared body of {length} bytes")
            _send(self, _Response(413, b"body too large", close=True))
            return False
        return super().handle_expect_100()

    def log_message(self, fmt: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), fmt % args)


def _client_ip(handler: BaseHTTPRequestHandler) -> str:
    ip = str(handler.client_address[0])
    return ip.removeprefix("::ffff:")  # IPv4 clients of a dual-stack socket


def _content_length(handler: BaseHTTPRequestHandler) -> int | None:
    value = handler.headers.get("Content-Length")
    if value is None:
        return None
    try:
        length = int(value)
    except ValueError:
        raise _HttpError(400, f"bad Content-Length {value!r}") from None
    if length < 0:
        raise _HttpError(400, f"bad Content-Length {value!r}")
    return length


def _read_request(handler: _Handler, max_body: int) -> _Request:
    if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
        body = _read_chunked(handler, max_body)
    else:
        body = _read_sized(handler, max_body)
    return _Request(
        target=handler.path,
        path=urlsplit(handler.path).path,
        ip=_client_ip(handler),
        authorization=handler.headers.get("Authorization"),
        content_type=handler.headers.get("Content-Type", ""),
        body=body,
    )


def _read_sized(handler: _Handler, max_body: int) -> bytes:
    length = _content_length(handler) or 0
    if length > max_body:
        raise _HttpError(413, f"body of {length} bytes is over the {max_body}-byte limit")
    body = handler.rfile.read(length)
    if len(body) != length:
        raise _HttpError(400, f"body ended after {len(body)} of {length} bytes")
    return body


def _read_chunked(handler: _Handler, max_body: int) -> bytes:
    body = bytearray()
    for size in _chunk_sizes(handler):
        if len(body) + size > max_body:
            raise _HttpError(413, f"chunked body over the {max_body}-byte limit")
        chunk = handler.rfile.read(size)
        if len(chunk) != size or handler.rfile.readline(3).strip():
            raise _HttpError(400, "chunk shorter than announced")
        body += chunk
    return bytes(body)


def _chunk_sizes(handler: _Handler) -> Iterator[int]:
    while True:
        line = handler.rfile.readline(1024)
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise _HttpError(400, f"bad chunk size line {line[:40]!r}") from None
        if size == 0:
            while handler.rfile.readline(1024).strip():  # trailer fields
                pass
            return
        yield size


def _send(handler: BaseHTTPRequestHandler, response: _Response) -> None:
    handler.send_response(response.status)
    for name, value in response.headers:
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(response.body)))
    if response.close:
        handler.send_header("Connection", "close")
        handler.close_connection = True
    handler.end_headers()
    if response.body:
        handler.wfile.write(response.body)


def _drain(connection: socket.socket) -> None:
    # Closing a socket with unread data makes the kernel send a reset, which can destroy
    # the 413 before the camera reads it; swallow what is in flight for a moment first.
    total = 0
    with suppress(OSError):
        connection.settimeout(DRAIN_IDLE_S)
        while total < DRAIN_LIMIT and (data := connection.recv(65536)):
            total += len(data)
