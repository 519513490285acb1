"""Ports for serial indicators: what to open, how to open it, and how long to wait after a loss.

A port is anything pyserial opens by name or URL: `/dev/ttyUSB0`, `COM3`, `socket://host:port`
(serial device servers such as MOXA NPort in TCP server mode), `rfc2217://host:port`,
`loop://` (tests). Everything here is blocking and belongs on a worker thread
(drivers.worker); nothing here knows about frames or devices.
"""

from __future__ import annotations

import contextlib
import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import serial
from serial.urlhandler.protocol_socket import Serial as _SocketSerial

NETWORK_SCHEMES = frozenset({"socket", "rfc2217"})
SOCKET_CHUNK = 4096  # bytes asked of a socket read; it returns earlier, at the read timeout
MAX_TIMEOUT_S = 1.0  # the worker checks its stop flag and watchdog between reads

_PARITY = {"N": serial.PARITY_NONE, "E": serial.PARITY_EVEN, "O": serial.PARITY_ODD}


class PortSettingsError(ValueError):
    """A port setting is invalid; `field` names it, as configuration errors must."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


def url_scheme(port: str) -> str:
    """The pyserial URL scheme of a port name, or "" for a device path or COM name."""
    scheme, sep, _ = port.partition("://")
    return scheme.lower() if sep else ""


def is_network_port(port: str) -> bool:
    """True for ports reached over TCP, where a silent peer may be a dead connection."""
    return url_scheme(port) in NETWORK_SCHEMES


def _scheme_is_known(scheme: str) -> bool:
    # serial_for_url resolves a scheme by importing <package>.protocol_<scheme>; asking the
    # same question up front turns a typo into a configuration error instead of endless retries.
    for package in serial.protocol_handler_packages:
        try:
            if importlib.util.find_spec(f"{package}.protocol_{scheme}") is not None:
                return True
        except (ImportError, ValueError):
            continue
    return False


@dataclass(frozen=True, slots=True)
class PortSettings:
    """How to open one physical port. Line settings are ignored by socket:// ports."""

    port: str
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1
    timeout_s: float = 0.1
    write_timeout_s: float = 0.5

    def __post_init__(self) -> None:
        self._check_port()
        self._check_line()
        self._check_timeouts()

    def _check_port(self) -> None:
        if not isinstance(self.port, str) or not self.port.strip():
            raise PortSettingsError("port", "a device path, COM name or pyserial URL is needed")
        scheme = url_scheme(self.port)
        if scheme and not _scheme_is_known(scheme):
            raise PortSettingsError("port", f"unknown URL scheme {scheme!r} in {self.port!r}")

    def _check_line(self) -> None:
        if isinstance(self.baudrate, bool) or not isinstance(self.baudrate, int):
            raise PortSettingsError("baudrate", f"must be a whole number, not {self.baudrate!r}")
        if not 50 <= self.baudrate <= 4_000_000:
            raise PortSettingsError("baudrate", f"{self.baudrate} is outside 50..4000000")
        if self.bytesize not in (7, 8):
            raise PortSettingsError("bytesize", f"must be 7 or 8, not {self.bytesize!r}")
        if self.parity not in _PARITY:
            raise PortSettingsError("parity", f"must be one of N, E, O, not {self.parity!r}")
        if self.stopbits not in (1, 2):
            raise PortSettingsError("stopbits", f"must be 1 or 2, not {self.stopbits!r}")

    def _check_timeouts(self) -> None:
        if not _is_number(self.timeout_s) or not 0 < self.timeout_s <= MAX_TIMEOUT_S:
            raise PortSettingsError(
                "timeout_s",
                f"must be above 0 and at most {MAX_TIMEOUT_S} s, not {self.timeout_s!r}",
            )
        if not _is_number(self.write_timeout_s) or self.write_timeout_s <= 0:
            raise PortSettingsError(
                "write_timeout_s", f"must be above 0, not {self.write_timeout_s!r}"
            )

    def describe(self) -> str:
        """Short form for logs and the diagnostics screen: "/dev/ttyUSB0 9600 7E1"."""
        if url_scheme(self.port) == "socket":
            return self.port
        return f"{self.port} {self.baudrate} {self.bytesize}{self.parity}{self.stopbits}"


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def open_port(settings: PortSettings) -> serial.SerialBase:
    """Open a port by path, COM name or URL; raises serial.SerialException if it cannot.

    Blocks: a TCP connect may take seconds. Call it on the worker thread only.
    """
    port = serial.serial_for_url(settings.port, do_not_open=True)
    port.baudrate = settings.baudrate
    port.bytesize = settings.bytesize
    port.parity = _PARITY[settings.parity]
    port.stopbits = settings.stopbits
    port.timeout = settings.timeout_s
    if url_scheme(settings.port) != "rfc2217":
        # pyserial's RFC 2217 client refuses any write timeout (NotImplementedError).
        port.write_timeout = settings.write_timeout_s
    if isinstance(port, serial.Serial):
        # A second reader on the same port steals bytes from both; fail loudly instead.
        port.exclusive = True
    port.open()
    return port


def read_some(port: serial.SerialBase) -> bytes:
    """Wait up to the port's timeout for data and return what came (b"" when nothing did)."""
    if isinstance(port, _SocketSerial):
        # pyserial's socket in_waiting says 0 or 1, not how many bytes wait, so `in_waiting or 1`
        # would read one byte per call; a large read returns at the timeout with what arrived.
        return port.read(SOCKET_CHUNK)
    return port.read(port.in_waiting or 1)


def interrupt(port: serial.SerialBase) -> None:
    """Wake a read or write blocked on another thread, where the port type supports it."""
    for name in ("cancel_read", "cancel_write"):
        cancel = getattr(port, name, None)
        if cancel is None:
            continue
        # If the port closed under us, the blocked call has returned already.
        with contextlib.suppress(OSError, serial.SerialException):
            cancel()


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """Waits between attempts to reopen a lost port: 0.2, 0.4, 0.8, 1.6, 2, 2, … s.

    The 2 s cap is what keeps "replugged, read again within 3 s": the longest wait plus an
    open and the first frame. No jitter: one station has a handful of ports, not a fleet.
    """

    initial_s: float = 0.2
    factor: float = 2.0
    max_s: float = 2.0

    def __post_init__(self) -> None:
        if not 0 < self.initial_s <= self.max_s:
            raise PortSettingsError("initial_s", "must be above 0 and at most max_s")
        if self.factor < 1:
            raise PortSettingsError("factor", "must be at least 1")

    def delay(self, failures: int) -> float:
        """Wait before the next attempt after `failures` consecutive failures (1 = first)."""
        if failures <= 0:
            return 0.0
        # Capping the exponent first avoids float overflow after days of failures.
        exponent = min(failures - 1, 64)
        return min(self.max_s, self.initial_s * self.factor**exponent)


@dataclass
class Backoff:
    """Counts consecutive failures and waits as the policy says.

    `sleep` is injected so a worker can make the wait interruptible (an Event's `wait`)
    and tests can run the schedule without waiting.
    """

    policy: ReconnectPolicy = field(default_factory=ReconnectPolicy)
    sleep: Callable[[float], object] = time.sleep
    failures: int = 0

    def failed(self) -> float:
        """Record a failure and return how long the next `wait()` will last."""
        self.failures += 1
        return self.policy.delay(self.failures)

    def wait(self) -> float:
        delay = self.policy.delay(self.failures)
        if delay > 0:
            self.sleep(delay)
        return delay

    def succeeded(self) -> None:
        self.failures = 0
