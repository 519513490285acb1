"""A paced byte-stream source: what a continuous-output indicator looks like from the app.

`StreamSimulator` writes frames at a fixed rate either to a serial port (the far end of a
socat pty pair, or a real adapter wired to the station PC) or to every TCP client of a tiny
server on 127.0.0.1 (what a serial device server in TCP-server mode looks like). It also
collects what the app sends back, and can answer it, for command-mode indicators.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import math
import select
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator

import serial

from drivers.transport import Backoff, PortSettings, open_port

log = logging.getLogger(__name__)

TICK_S = 0.01  # pacing granularity: frames due within a tick go out as one write
MAX_BEHIND_S = 0.5  # after a stall, frames older than this are skipped, not burst out

Responder = Callable[[bytes], bytes | None]


class _PortSink:
    """The simulator's end of a serial port; reopened with backoff if it goes away."""

    def __init__(self, settings: PortSettings, stopping: threading.Event) -> None:
        # A short read timeout is the simulator's tick: it waits for requests between frames.
        self.settings = dataclasses.replace(settings, timeout_s=min(settings.timeout_s, TICK_S))
        self._stopping = stopping
        self._backoff = Backoff(sleep=stopping.wait)
        self._port: serial.SerialBase | None = None
        self.last_error = ""

    @property
    def ready(self) -> bool:
        return self._port is not None

    def send(self, data: bytes) -> None:
        if self._port is None:
            return
        try:
            self._port.write(data)
        except (OSError, serial.SerialException) as exc:
            self._lost(exc)

    def wait(self, timeout: float) -> list[tuple[bytes, Callable[[bytes], None]]]:
        """Wait up to a tick for incoming bytes; return them with how to answer them."""
        if self._port is None and not self._open():
            return []
        port = self._port
        assert port is not None
        try:
            data = port.read(port.in_waiting or 1) if timeout > 0 else b""
        except (OSError, serial.SerialException) as exc:
            self._lost(exc)
            return []
        return [(data, self.send)] if data else []

    def _open(self) -> bool:
        try:
            self._port = open_port(self.settings)
        except (OSError, serial.SerialException) as exc:
            self.last_error = str(exc)
            self._backoff.failed()
            self._backoff.wait()
            return False
        self._backoff.succeeded()
        return True

    def _lost(self, exc: Exception) -> None:
        self.last_error = str(exc)
        log.info("simulator port %s lost: %s", self.settings.port, exc)
        self.close()

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(Exception):
                port.close()


class _TcpSink:
    """A tiny TCP server: every client gets the same stream; clients come and go freely."""

    def __init__(self, host: str, port: int) -> None:
        # create_server sets SO_REUSEADDR on POSIX, so a restarted simulator can bind the
        # same port while the old connections linger in TIME_WAIT.
        self._listener = socket.create_server((host, port))
        self._listener.setblocking(False)
        self.address: tuple[str, int] = self._listener.getsockname()[:2]
        self._lock = threading.Lock()
        self._clients: list[socket.socket] = []
        self._forgotten: list[socket.socket] = []
        self.last_error = ""

    ready = True

    @property
    def client_count(self) -> int:
        with self._lock:
            return len(self._clients)

    def send(self, data: bytes) -> None:
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            self._send_to(client, data)

    def _send_to(self, client: socket.socket, data: bytes) -> None:
        try:
            sent = client.send(data)
        except OSError as exc:
            self._drop(client, str(exc))
            return
        if sent < len(data):
            # Half a frame cannot be taken back; a client this slow is treated as gone.
            self._drop(client, "client too slow")

    def wait(self, timeout: float) -> list[tuple[bytes, Callable[[bytes], None]]]:
        with self._lock:
            clients = list(self._clients)
        readable, _, _ = select.select([self._listener, *clients], [], [], max(timeout, 0))
        incoming = []
        for sock in readable:
            if sock is self._listener:
                self._accept()
                continue
            data = self._receive(sock)
            if data:
                incoming.append((data, lambda reply, sock=sock: self._send_to(sock, reply)))
        return incoming

    def _accept(self) -> None:
        try:
            client, _ = self._listener.accept()
        except OSError:
            return  # the client gave up between select and accept
        client.setblocking(False)
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._clients.append(client)

    def _receive(self, client: socket.socket) -> bytes:
        try:
            data = client.recv(4096)
        except (BlockingIOError, InterruptedError):
            return b""
        except OSError as exc:
            self._drop(client, str(exc))
            return b""
        if not data:
            self._drop(client, "client closed the connection")
        return data

    def _drop(self, client: socket.socket, reason: str) -> None:
        with self._lock:
            if client not in self._clients:
                return
            self._clients.remove(client)
        self.last_error = reason
        with contextlib.suppress(OSError):
            client.close()

    def forget_clients(self) -> None:
        """Stop serving the connected clients without closing their connections.

        What a rebooting device server looks like from the app: the connection stays open on
        the app's side and simply goes silent; only new connections are served.
        """
        with self._lock:
            self._forgotten.extend(self._clients)
            self._clients.clear()

    def drop_clients(self) -> None:
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            self._drop(client, "dropped")

    def close(self) -> None:
        self.drop_clients()
        with self._lock:
            forgotten, self._forgotten = self._forgotten, []
        for sock in (*forgotten, self._listener):
            with contextlib.suppress(OSError):
                sock.close()


class StreamSimulator(threading.Thread):
    """Writes `frames` (cycled if `repeat`) at `rate_hz` to a port or to TCP clients.

    Build one with `on_port(settings, frames, …)` or `on_tcp(frames, …)`, then `start()`;
    `stop()` ends it. `respond`, if given, is called with each chunk the app sends, as the
    port delivers it (a request may come in pieces: keep a buffer); bytes it returns go back
    to the sender (a command-mode indicator answering a request).
    """

    def __init__(
        self,
        sink: _PortSink | _TcpSink,
        stopping: threading.Event,
        frames: Iterable[bytes],
        *,
        rate_hz: float,
        repeat: bool,
        respond: Responder | None,
    ) -> None:
        super().__init__(name="stream-simulator", daemon=True)
        if rate_hz < 0:
            raise ValueError(f"rate_hz: must be 0 or more, not {rate_hz!r}")
        self._sink = sink
        self._stopping = stopping
        self._lock = threading.Lock()
        self._frames = self._iterate(frames, repeat)
        self._rate_hz = rate_hz
        self._respond = respond
        self._paused = False
        self._restart_pacing = True
        self._received = bytearray()
        self._received_changed = threading.Condition(self._lock)
        self._taken = 0  # frames taken from the iterators so far (paused ticks take none)
        self._marks: list[tuple[int, threading.Event]] = []  # play(): set when taken >= n
        self.frames_sent = 0
        self.bytes_sent = 0

    @classmethod
    def on_port(
        cls,
        settings: PortSettings,
        frames: Iterable[bytes] = (),
        *,
        rate_hz: float = 10.0,
        repeat: bool = True,
        respond: Responder | None = None,
    ) -> StreamSimulator:
        stopping = threading.Event()
        sink = _PortSink(settings, stopping)
        return cls(sink, stopping, frames, rate_hz=rate_hz, repeat=repeat, respond=respond)

    @classmethod
    def on_tcp(
        cls,
        frames: Iterable[bytes] = (),
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        rate_hz: float = 10.0,
        repeat: bool = True,
        respond: Responder | None = None,
    ) -> StreamSimulator:
        """Listen on host:port now (port 0: any free port; see `address` and `url`)."""
        sink = _TcpSink(host, port)
        return cls(sink, threading.Event(), frames, rate_hz=rate_hz, repeat=repeat, respond=respond)

    # ------------------------------------------------------------------ any thread

    @property
    def address(self) -> tuple[str, int]:
        if not isinstance(self._sink, _TcpSink):
            raise AttributeError("address: only a TCP simulator has one")
        return self._sink.address

    @property
    def url(self) -> str:
        """The pyserial URL an app opens to read this simulator over TCP."""
        host, port = self.address
        return f"socket://{host}:{port}"

    @property
    def client_count(self) -> int:
        return self._sink.client_count if isinstance(self._sink, _TcpSink) else int(self.ready)

    @property
    def ready(self) -> bool:
        """True once the port is open (TCP: from construction on)."""
        return self._sink.ready

    @property
    def last_error(self) -> str:
        return self._sink.last_error

    def set_frames(self, frames: Iterable[bytes], *, repeat: bool = True) -> None:
        """Send these frames from now on (a truck drives on: new weights)."""
        with self._lock:
            self._frames = self._iterate(frames, repeat)
            self._release_marks()

    def play(self, frames: Iterable[bytes], *, then: Iterable[bytes] = ()) -> threading.Event:
        """Send `frames` once, then `then` over and over (a truck crosses, then the empty
        scale's zero again). The event is set once the last of `frames` has been written,
        or when the sequence is replaced (`set_frames`, another `play`) or the simulator
        stops, so a waiter never hangs on frames that will not be sent."""
        frames = tuple(frames)
        done = threading.Event()
        with self._lock:
            self._release_marks()
            self._frames = itertools.chain(frames, self._iterate(then, True))
            if frames:
                self._marks.append((self._taken + len(frames), done))
        if not frames:
            done.set()
        return done

    def _release_marks(self) -> None:
        # Called with the lock held: the played sequence is gone, nobody should wait on it.
        marks, self._marks = self._marks, []
        for _, event in marks:
            event.set()

    def pause(self) -> None:
        """Stop sending frames (the indicator goes quiet); requests are still answered."""
        with self._lock:
            self._paused = True

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            self._restart_pacing = True

    def forget_clients(self) -> None:
        """TCP only: go silent on open connections, serve new ones (a device server reboot)."""
        if isinstance(self._sink, _TcpSink):
            self._sink.forget_clients()

    def drop_clients(self) -> None:
        """TCP only: close every client connection."""
        if isinstance(self._sink, _TcpSink):
            self._sink.drop_clients()

    def received(self) -> bytes:
        """Everything the app has sent so far."""
        with self._lock:
            return bytes(self._received)

    def wait_received(self, data: bytes, timeout: float) -> bool:
        """Wait until the app has sent `data` (anywhere in what it sent); False on timeout."""
        with self._received_changed:
            return self._received_changed.wait_for(lambda: data in self._received, timeout)

    def stop(self, timeout: float = 1.0) -> bool:
        """Stop sending and close the port or server; True when the thread has ended."""
        self._stopping.set()
        with self._lock:
            self._release_marks()
        if self.ident is not None and threading.current_thread() is not self:
            self.join(timeout)
        if not self.is_alive():
            self._sink.close()
        return not self.is_alive()

    # ------------------------------------------------------------------ simulator thread

    def run(self) -> None:
        start, due_sent = time.monotonic(), 0
        try:
            while not self._stopping.is_set():
                now = time.monotonic()
                if self._take_restart():
                    start, due_sent = now, 0
                target = int((now - start) * self._rate_hz)
                if target > due_sent:
                    self._send_frames(target - due_sent)
                    due_sent = target
                self._serve(start, due_sent)
        finally:
            self._sink.close()

    def _take_restart(self) -> bool:
        with self._lock:
            restart, self._restart_pacing = self._restart_pacing, False
            return restart

    def _send_frames(self, count: int) -> None:
        count = min(count, max(1, int(self._rate_hz * MAX_BEHIND_S)))
        with self._lock:
            if self._paused:
                return
            frames = list(itertools.islice(self._frames, count))
            self._taken += len(frames)
            due = [event for taken, event in self._marks if taken <= self._taken]
            self._marks = [(taken, e) for taken, e in self._marks if taken > self._taken]
        if frames:
            chunk = b"".join(frames)
            self._sink.send(chunk)
            self.frames_sent += len(frames)
            self.bytes_sent += len(chunk)
        for event in due:  # after the write: "played" means the bytes have gone out
            event.set()

    def _serve(self, start: float, due_sent: int) -> None:
        """Wait for the next frame's time, answering what the app sends meanwhile."""
        next_due = start + (due_sent + 1) / self._rate_hz if self._rate_hz else math.inf
        timeout = min(max(next_due - time.monotonic(), 0.0), TICK_S)
        for data, reply in self._sink.wait(timeout):
            with self._received_changed:
                self._received += data
                self._received_changed.notify_all()
            answer = self._respond(data) if self._respond else None
            if answer:
                reply(answer)

    @staticmethod
    def _iterate(frames: Iterable[bytes], repeat: bool) -> Iterator[bytes]:
        if not repeat:
            return iter(frames)
        frames = tuple(frames)
        return itertools.cycle(frames) if frames else iter(())
