"""A simulated Onbon BX-5/BX-6 controller: a TCP server that checks packets and answers.

It accepts packets on 127.0.0.1 (or any host), validates framing and CRC, answers with an
ack (or a nack for commands it does not know, or when told to), and records what the sign
would show. `stop()` then `start()` on the same port is the controller rebooting.
"""

from __future__ import annotations

import logging
import socketserver
import threading
from dataclasses import dataclass

from drivers.connections import TrackedConnections
from drivers.signs.onbon import (
    CLEAR,
    DYNAMIC_TEXT,
    PC_ADDRESS,
    PING,
    REPLY,
    SCREEN_ADDRESS,
    AreaText,
    Frame,
    FrameError,
    FrameReader,
    ack_data,
    encode,
    parse_dynamic_text,
)

log = logging.getLogger(__name__)

UNKNOWN_COMMAND = 0x01  # nack code for a command the simulator does not implement


@dataclass(frozen=True, slots=True)
class Shown:
    """One area write the sign received."""

    area_id: int
    text: str  # with colour escapes
    area: AreaText


class SignSimulator:
    """An Onbon controller on a TCP port; records texts, counts bad packets."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, address: int = SCREEN_ADDRESS
    ) -> None:
        self.host = host
        self.port = port
        self.address = address
        self.silent = False  # True: swallow requests without answering (a hung controller)
        self.nack_code = 0  # non-zero: refuse every command with this error code
        self.frames: list[Frame] = []
        self.shown: list[Shown] = []
        self.clears = 0
        self.bad_frames = 0
        self.connections = 0
        self._current: dict[int, str] = {}
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def texts(self) -> list[str]:
        """The texts shown, oldest first, with colour escapes."""
        with self._lock:
            return [item.text for item in self.shown]

    @property
    def current(self) -> dict[int, str]:
        """What each area shows now (cleared areas are gone)."""
        with self._lock:
            return dict(self._current)

    def start(self) -> None:
        """Listen (again) on the same port; the first start picks a free one when port=0."""
        if self._server is not None:
            return
        self._server = _Server((self.host, self.port), self)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sign-simulator",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Go away: stop listening and drop every open connection."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> SignSimulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, frame: Frame) -> bytes | None:
        """Record one request and build the reply packet (None when none is due)."""
        error = self._apply(frame)
        if self.silent or frame.flag != REPLY:
            return None
        reply = Frame(
            ack_data(error=self.nack_code or error),
            dst=frame.src or PC_ADDRESS,
            src=self.address,
            device_type=frame.device_type,
        )
        return encode(reply)

    def _apply(self, frame: Frame) -> int:
        with self._lock:
            self.frames.append(frame)
            if self.nack_code:
                return self.nack_code
            if frame.command == DYNAMIC_TEXT:
                return self._show(frame)
            if frame.command == CLEAR:
                self.clears += 1
                self._current.clear()
                return 0
            return 0 if frame.command == PING else UNKNOWN_COMMAND

    def _show(self, frame: Frame) -> int:
        try:
            areas = parse_dynamic_text(frame.payload)
        except FrameError as error:
            log.warning("sign simulator: bad dynamic-text payload: %s", error)
            self.bad_frames += 1
            return UNKNOWN_COMMAND
        deleted = frame.payload[1 : 1 + frame.payload[0]]
        for area_id in deleted:
            self._current.pop(area_id, None)
        for area in areas:
            self.shown.append(Shown(area.area.area_id, area.text, area))
            self._current[area.area.area_id] = area.text
        return 0

    def count_bad(self, count: int) -> None:
        with self._lock:
            self.bad_frames += count

    def count_connection(self) -> None:
        with self._lock:
            self.connections += 1


class _Server(TrackedConnections, socketserver.ThreadingTCPServer):
    allow_reuse_address = True  # the "rebooted" controller comes back on the same port
    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], simulator: SignSimulator) -> None:
        self.simulator = simulator
        self._init_tracking()
        super().__init__(address, _Handler)


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        simulator = self.server.simulator
        simulator.count_connection()
        self.server.track(self.request, add=True)
        reader = FrameReader()
        try:
            while data := self.request.recv(4096):
                before = reader.bad_frames
                for frame in reader.feed(data):
                    if (reply := simulator.answer(frame)) is not None:
                        self.request.sendall(reply)
                simulator.count_bad(reader.bad_frames - before)
        except OSError:
            pass  # the client went away, or stop() cut the connection
        finally:
            self.server.track(self.request, add=False)
