"""Real ports for transport tests: socat pty pairs, local TCP servers, an RFC 2217 server.

Nothing here fakes a port: a pty pair is a kernel serial-like device (no baud timing, see
docs/reference/toolchain.md §7), and the TCP servers are real sockets on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import serial
import serial.rfc2217

from drivers.base import StreamProtocol
from drivers.sim import StreamSimulator
from drivers.transport import PortSettings
from drivers.worker import PortWorker
from tests.drivers.transport.support import LineProtocol, Recorder

SOCAT = shutil.which("socat")


class PtyPair:
    """Two linked ptys made by socat; `app` is the station's end, `device` the indicator's.

    `unplug()` kills socat, so both ends vanish as a USB adapter does when pulled;
    `plug()` starts socat again with the same link names.
    """

    def __init__(self, folder: Path) -> None:
        self.app = folder / "ttyAPP"
        self.device = folder / "ttyDEV"
        self._log = folder / "socat.log"
        self._process: subprocess.Popen[bytes] | None = None

    def plug(self, timeout: float = 5.0) -> None:
        assert SOCAT is not None
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    SOCAT,
                    "-d",
                    "-d",
                    f"pty,raw,echo=0,link={self.app}",
                    f"pty,raw,echo=0,link={self.device}",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while not (self.app.exists() and self.device.exists()):
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"socat did not make the pty pair: {self._log.read_text()}")
            time.sleep(0.005)

    def unplug(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        # socat removes its links on SIGTERM; after a SIGKILL they would block the next plug().
        for link in (self.app, self.device):
            link.unlink(missing_ok=True)


@pytest.fixture
def pty_pair(tmp_path: Path) -> Iterator[PtyPair]:
    if SOCAT is None:
        pytest.skip("socat is not installed (apt-get install socat)")
    pair = PtyPair(tmp_path)
    pair.plug()
    yield pair
    pair.unplug()


@pytest.fixture
def port_sim(pty_pair: PtyPair) -> Iterator[Callable[..., StreamSimulator]]:
    """Start simulators writing to the device end of the pty pair; stopped at teardown."""
    started: list[StreamSimulator] = []

    def start(frames: Any = (), **options: Any) -> StreamSimulator:
        sim = StreamSimulator.on_port(PortSettings(str(pty_pair.device)), frames, **options)
        sim.start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        assert sim.stop(2.0)


@pytest.fixture
def tcp_sim() -> Iterator[Callable[..., StreamSimulator]]:
    """Start TCP simulators (a local device server); stopped at teardown."""
    started: list[StreamSimulator] = []

    def start(frames: Any = (), **options: Any) -> StreamSimulator:
        sim = StreamSimulator.on_tcp(frames, **options)
        sim.start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        assert sim.stop(2.0)


@dataclass
class Running:
    worker: PortWorker
    recorder: Recorder
    protocol: StreamProtocol


@pytest.fixture
def start_worker() -> Iterator[Callable[..., Running]]:
    """Start PortWorkers reading with a LineProtocol by default; each must stop at teardown."""
    workers: list[PortWorker] = []

    def start(
        port: str | PortSettings, protocol: StreamProtocol | None = None, **options: Any
    ) -> Running:
        recorder = Recorder()
        protocol = protocol or LineProtocol()
        settings = port if isinstance(port, PortSettings) else PortSettings(port)
        worker = PortWorker(
            "scale-1",
            settings,
            protocol,
            on_readings=options.pop("on_readings", recorder.on_readings),
            on_status=recorder.on_status,
            **options,
        )
        worker.start()
        workers.append(worker)
        return Running(worker, recorder, protocol)

    yield start
    for worker in workers:
        assert worker.stop(2.0), f"{worker.name} did not stop"


class _PtySerial(serial.Serial):
    """A pty has no modem lines; an RFC 2217 server asks for them, so report them as off."""

    cts = dsr = ri = cd = False

    def _reconfigure_port(self, force_update: bool = False) -> None:
        # Some kernels refuse to change the character size of an open pty (EINVAL); a pty
        # carries bytes whatever the line settings say, so the server may ignore that.
        with contextlib.suppress(termios.error):
            super()._reconfigure_port(force_update)

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass


class Rfc2217Server:
    """Serves one serial port over RFC 2217, as a device server in RFC 2217 mode does."""

    def __init__(self, serial_path: Path) -> None:
        self._path = serial_path
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.url = f"rfc2217://127.0.0.1:{self._listener.getsockname()[1]}"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="rfc2217-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection, _PtySerial(str(self._path), timeout=0.05) as port:
                self._bridge(connection, port)

    def _bridge(self, connection: socket.socket, port: serial.SerialBase) -> None:
        lock = threading.Lock()

        class Writer:
            @staticmethod
            def write(data: bytes) -> None:
                with lock:
                    connection.sendall(data)

        manager = serial.rfc2217.PortManager(port, Writer())
        done = threading.Event()

        def network_to_serial() -> None:
            with contextlib.suppress(OSError):
                while (data := connection.recv(1024)) and not done.is_set():
                    port.write(b"".join(manager.filter(data)))
            done.set()

        threading.Thread(target=network_to_serial, daemon=True).start()
        with contextlib.suppress(OSError, serial.SerialException):
            while not done.is_set() and not self._stopping.is_set():
                data = port.read(port.in_waiting or 1)
                if data:
                    Writer.write(b"".join(manager.escape(data)))
        done.set()
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._stopping.set()
        self._thread.join(3)
        self._listener.close()


@pytest.fixture
def rfc2217_server(pty_pair: PtyPair) -> Iterator[Rfc2217Server]:
    server = Rfc2217Server(pty_pair.app)
    yield server
    server.close()
