"""A thin synchronous Modbus master over pymodbus: one owner per bus, one request at a time.

Every device on an RS-485 line (or behind one TCP gateway) shares one :class:`ModbusBus`.
It is meant to be created and used on the worker thread that owns the port; the lock makes
concurrent use from several drivers safe anyway. Ports:

* ``tcp://host:port`` (port 502 if left out) - Modbus TCP;
* anything else - Modbus RTU on a serial device (``/dev/ttyUSB0``, ``COM3``) or a pyserial
  URL (``socket://host:4001`` for a transparent serial server, ``rfc2217://...``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException
from pymodbus.framer import FramerType

from drivers.modbus.errors import BusError, exception_text

TCP_SCHEME = "tcp://"
DEFAULT_TCP_PORT = 502
RECONNECT_DELAYS = (1.0, 2.0, 5.0, 10.0)  # seconds between connection attempts, then repeats
_RTU_MIN_GAP = 0.002  # a little above the 1.75 ms the RTU spec fixes above 19200 baud

_claims: dict[str, ModbusBus] = {}
_claims_lock = threading.Lock()


@dataclass(frozen=True)
class PortSpec:
    text: str
    host: str = ""
    port: int = DEFAULT_TCP_PORT
    device: str = ""

    @property
    def is_tcp(self) -> bool:
        return bool(self.host)

    @property
    def key(self) -> str:
        """What identifies the physical bus, for the one-owner rule."""
        return f"tcp://{self.host.lower()}:{self.port}" if self.is_tcp else self.device


def parse_port(text: str) -> PortSpec:
    text = text.strip()
    if not text:
        raise ValueError("a Modbus port is empty; give tcp://host:port or a serial device")
    if not text.lower().startswith(TCP_SCHEME):
        return PortSpec(text, device=text)
    rest = text[len(TCP_SCHEME) :].rstrip("/")
    if rest.startswith("["):  # IPv6 literal, tcp://[::1]:502
        host, _, tail = rest[1:].partition("]")
        port_text = tail.removeprefix(":")
    else:
        host, _, port_text = rest.partition(":")
    if not host:
        raise ValueError(f"{text!r}: no host; write tcp://host:port")
    if not port_text:
        return PortSpec(text, host=host)
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"{text!r}: the port must be a number from 1 to 65535")
    return PortSpec(text, host=host, port=int(port_text))


def rtu_gap(baudrate: int, bytesize: int = 8, parity: str = "N", stopbits: int = 1) -> float:
    """The 3.5-character silence RTU needs between frames, at least _RTU_MIN_GAP."""
    bits = 1 + bytesize + (0 if parity.upper() == "N" else 1) + stopbits
    return max(3.5 * bits / baudrate, _RTU_MIN_GAP)


class ModbusBus:
    """The one owner of a Modbus port. Methods raise :class:`BusError`; drivers name the device.

    ``inter_message_delay`` is the quiet time kept after each answer before the next request
    (default: none on TCP, 3.5 characters on RTU; slow devices may need 20-50 ms). After a
    failed connection attempt the bus does not try again before the next of
    ``reconnect_delays`` has passed; requests in between fail at once instead of blocking.
    """

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 9600,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: int = 1,
        timeout: float = 1.0,
        retries: int = 1,
        inter_message_delay: float | None = None,
        reconnect_delays: Sequence[float] = RECONNECT_DELAYS,
        trace: Callable[[bool, bytes], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spec = parse_port(port)
        self._trace = trace
        self._clock = clock
        self._reconnect_delays = tuple(reconnect_delays) or (0.0,)
        self._lock = threading.RLock()
        self._next_send = 0.0
        self._hold_off_until = 0.0
        self._failures = 0
        self._closed = False
        self._connected_once = False
        self.reconnects = 0  # connections opened after the first, whatever the cause
        common: dict[str, Any] = {"timeout": timeout, "retries": retries}
        if trace is not None:
            common["trace_packet"] = self._traced
        if self.spec.is_tcp:
            self.gap = inter_message_delay or 0.0
            self._client: ModbusTcpClient | ModbusSerialClient = ModbusTcpClient(
                self.spec.host, port=self.spec.port, **common
            )
        else:
            self.gap = (
                rtu_gap(baudrate, bytesize, parity, stopbits)
                if inter_message_delay is None
                else inter_message_delay
            )
            self._client = ModbusSerialClient(
                self.spec.device,
                framer=FramerType.RTU,
                baudrate=baudrate,
                bytesize=bytesize,
                parity=parity,
                stopbits=stopbits,
                **common,
            )
        _claim(self)

    # ----------------------------------------------------------------- life cycle

    @property
    def name(self) -> str:
        return self.spec.text

    @property
    def connected(self) -> bool:
        return bool(self._client.connected)

    def exclusive(self) -> threading.RLock:
        """Hold the bus across several requests (``with bus.exclusive(): ...``)."""
        return self._lock

    def drop_connection(self) -> None:
        """Close the connection (not the bus): the next request opens it again at once,
        without the hold-off after failures. Waits for a request in progress."""
        with self._lock:
            self._client.close()
            self._hold_off_until = 0.0
            self._failures = 0

    def close(self) -> None:
        with self._lock:
            self._client.close()
            if not self._closed:
                self._closed = True
                _release(self)

    def __enter__(self) -> ModbusBus:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ModbusBus({self.spec.text!r})"

    # ----------------------------------------------------------------- requests

    def read_registers(self, function: str, address: int, count: int, unit: int) -> list[int]:
        if function == "holding":
            call = self._client.read_holding_registers
        elif function == "input":
            call = self._client.read_input_registers
        else:
            raise ValueError(f"register function must be holding or input, not {function!r}")
        response = self._execute(lambda: call(address, count=count, device_id=unit))
        registers = list(response.registers)
        if len(registers) != count:
            raise BusError("format", f"asked for {count} registers, got {len(registers)}")
        return registers

    def read_bits(self, function: str, address: int, count: int, unit: int) -> list[bool]:
        if function == "coils":
            call = self._client.read_coils
        elif function == "discrete":
            call = self._client.read_discrete_inputs
        else:
            raise ValueError(f"bit function must be coils or discrete, not {function!r}")
        response = self._execute(lambda: call(address, count=count, device_id=unit))
        bits = list(response.bits)
        if len(bits) < count:
            raise BusError("format", f"asked for {count} bits, got {len(bits)}")
        return bits[:count]  # answers are padded to whole bytes

    def write_register(self, address: int, value: int, unit: int) -> None:
        self._execute(lambda: self._client.write_register(address, value, device_id=unit))

    def write_registers(self, address: int, values: Sequence[int], unit: int) -> None:
        self._execute(lambda: self._client.write_registers(address, list(values), device_id=unit))

    def write_coil(self, address: int, on: bool, unit: int) -> None:
        self._execute(lambda: self._client.write_coil(address, on, device_id=unit))

    # ----------------------------------------------------------------- internals

    def _execute(self, call: Callable[[], Any]) -> Any:
        with self._lock:
            if self._closed:
                raise BusError("connection", f"{self.name} is closed")
            self._connect()
            self._keep_gap()
            try:
                response = call()
            except ModbusIOException as exc:
                self._after_timeout()
                raise BusError("timeout", f"no valid answer within the timeout ({exc})") from None
            except ConnectionException as exc:
                self._client.close()
                raise BusError("connection", f"connection to {self.name} lost ({exc})") from None
            except ModbusException as exc:
                raise BusError("format", str(exc)) from None
            finally:
                self._next_send = self._clock() + self.gap
            if response.isError():
                code = getattr(response, "exception_code", 0)
                raise BusError("exception", exception_text(code), code)
            return response

    def _connect(self) -> None:
        if self._client.connected:
            return
        now = self._clock()
        if now < self._hold_off_until:
            wait = self._hold_off_until - now
            raise BusError("connection", f"{self.name} is offline; next attempt in {wait:.1f} s")
        if self._client.connect():
            self._failures = 0
            if self._connected_once:
                self.reconnects += 1
            self._connected_once = True
            return
        delay = self._reconnect_delays[min(self._failures, len(self._reconnect_delays) - 1)]
        self._failures += 1
        self._hold_off_until = now + delay
        raise BusError("connection", f"cannot connect to {self.name}")

    def _keep_gap(self) -> None:
        wait = self._next_send - self._clock()
        if wait > 0:
            time.sleep(wait)

    def _after_timeout(self) -> None:
        # On TCP a late answer would carry a stale transaction id; a fresh connection is
        # cheaper than sorting it out. RTU clears its receive buffer before each send anyway.
        if self.spec.is_tcp:
            self._client.close()

    def _traced(self, sending: bool, data: bytes) -> bytes:
        if self._trace is not None:
            self._trace(sending, data)
        return data


def _claim(bus: ModbusBus) -> None:
    with _claims_lock:
        owner = _claims.get(bus.spec.key)
        if owner is not None:
            bus._client.close()
            raise BusError("in_use", f"{bus.spec.key} already has an owner: {owner!r}")
        _claims[bus.spec.key] = bus


def _release(bus: ModbusBus) -> None:
    with _claims_lock:
        if _claims.get(bus.spec.key) is bus:
            del _claims[bus.spec.key]
