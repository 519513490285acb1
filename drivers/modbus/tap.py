"""One device's view of a shared ModbusBus that logs its requests for the diagnostics screen.

Devices on one RS-485 line (or behind one gateway) share a ModbusBus, but the technician looks
at them one by one, so each device's driver gets its own `TappedBus` over the shared bus.
A request is logged as it is sent and its answer (or failure) as it comes back, as small
objects; the PDU bytes and the note are only built when the screen asks (drivers.diagnostics).
The data shown is the PDU as on the wire (function code, address, count or values), without
the MBAP header (TCP) or the unit byte and CRC (RTU); the note names the unit.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from drivers.diagnostics import RX, TX, FrameLog
from drivers.modbus.client import ModbusBus
from drivers.modbus.errors import BusError

READ_CODES = {"coils": 1, "discrete": 2, "holding": 3, "input": 4}
WRITE_COIL, WRITE_REGISTER, WRITE_REGISTERS = 5, 6, 16


def _word(value: int) -> bytes:
    return (value & 0xFFFF).to_bytes(2, "big")


def _packed(bits: Sequence[bool]) -> bytes:
    """Bits as a Modbus answer carries them: 8 a byte, the first in the lowest bit."""
    out = bytearray((len(bits) + 7) // 8)
    for index, bit in enumerate(bits):
        if bit:
            out[index // 8] |= 1 << (index % 8)
    return bytes(out)


class _Rendered:
    """Base of the logged summaries: rendered once, on the first snapshot that shows it."""

    __slots__ = ("_pieces",)

    def __init__(self) -> None:
        self._pieces: tuple[tuple[bytes, str], ...] | None = None

    def render(self) -> Sequence[tuple[bytes, str]]:
        if self._pieces is None:
            self._pieces = (self._build(),)
        return self._pieces

    def _build(self) -> tuple[bytes, str]:
        raise NotImplementedError


class _Read(_Rendered):
    __slots__ = ("address", "count", "function", "unit")

    def __init__(self, function: str, address: int, count: int, unit: int) -> None:
        super().__init__()
        self.function, self.address, self.count, self.unit = function, address, count, unit

    def _build(self) -> tuple[bytes, str]:
        code = READ_CODES.get(self.function, 0)
        pdu = bytes([code]) + _word(self.address) + _word(self.count)
        return pdu, f"unit {self.unit}: read {self.function} {self.address} x{self.count}"


class _Write(_Rendered):
    __slots__ = ("address", "code", "unit", "values")

    def __init__(self, code: int, address: int, values: Sequence[int], unit: int) -> None:
        super().__init__()
        self.code, self.address, self.values, self.unit = code, address, values, unit

    def _build(self) -> tuple[bytes, str]:
        values = list(self.values)
        if self.code == WRITE_COIL:
            on = bool(values[0])
            pdu = bytes([WRITE_COIL]) + _word(self.address) + (b"\xff\x00" if on else b"\x00\x00")
            return pdu, f"unit {self.unit}: write coil {self.address} = {'ON' if on else 'OFF'}"
        if self.code == WRITE_REGISTER:
            pdu = bytes([WRITE_REGISTER]) + _word(self.address) + _word(values[0])
            return pdu, f"unit {self.unit}: write register {self.address} = {values[0]}"
        head = bytes([WRITE_REGISTERS]) + _word(self.address) + _word(len(values))
        pdu = head + bytes([2 * len(values)]) + b"".join(_word(v) for v in values)
        return pdu, f"unit {self.unit}: write registers {self.address} = {values}"


class _Answer(_Rendered):
    """A good answer: the values read, or the echo of a write."""

    __slots__ = ("request", "values")

    def __init__(self, request: _Read | _Write, values: Sequence[int] | Sequence[bool]) -> None:
        super().__init__()
        self.request, self.values = request, values

    def _build(self) -> tuple[bytes, str]:
        request = self.request
        if isinstance(request, _Write):
            pdu, _ = request.render()[0]
            echo = pdu[:5]  # 5 and 6 echo the request; 16 echoes function, address, count
            return echo, f"unit {request.unit}: ok"
        code = READ_CODES.get(request.function, 0)
        if request.function in ("coils", "discrete"):
            bits = [bool(v) for v in self.values]
            data = _packed(bits)
            shown = "".join("1" if bit else "0" for bit in bits)
        else:
            data = b"".join(_word(int(v)) for v in self.values)
            shown = str([int(v) for v in self.values])
        where = f"{request.function} {request.address}"
        return bytes([code, len(data)]) + data, f"unit {request.unit}: {where} = {shown}"


class _Failure(_Rendered):
    """No good answer: a Modbus exception (shown as its PDU), a timeout or a lost link."""

    __slots__ = ("error", "request")

    def __init__(self, request: _Read | _Write, error: BusError) -> None:
        super().__init__()
        self.request, self.error = request, error

    def _build(self) -> tuple[bytes, str]:
        error, request = self.error, self.request
        note = f"unit {request.unit}: {error.kind}: {error}"
        if error.kind != "exception" or error.code is None:
            return b"", note
        code = request.render()[0][0][0]
        return bytes([code | 0x80, error.code & 0xFF]), note


class TappedBus:
    """The requests of one device on a shared ModbusBus, logged into that device's FrameLog.

    Has the bus's request methods (what the drivers call) and passes everything through;
    the log is written before a request and after its answer, never while the bus is held
    by another device. Counts requests, failures and timeouts of this device.
    """

    def __init__(self, bus: ModbusBus, log: FrameLog) -> None:
        self.bus = bus
        self.log = log
        self._lock = threading.Lock()
        self.requests = 0
        self.failures = 0
        self.timeouts = 0

    # ----------------------------------------------------------------- what drivers use

    @property
    def name(self) -> str:
        return self.bus.name

    @property
    def reconnects(self) -> int:
        return self.bus.reconnects

    def exclusive(self) -> threading.RLock:
        return self.bus.exclusive()

    def drop_connection(self) -> None:
        self.bus.drop_connection()

    def read_registers(self, function: str, address: int, count: int, unit: int) -> list[int]:
        request = _Read(function, address, count, unit)
        self._sent(request)
        try:
            registers = self.bus.read_registers(function, address, count, unit)
        except BusError as exc:
            self._failed(request, exc)
            raise
        self.log.add(RX, _Answer(request, registers))
        return registers

    def read_bits(self, function: str, address: int, count: int, unit: int) -> list[bool]:
        request = _Read(function, address, count, unit)
        self._sent(request)
        try:
            bits = self.bus.read_bits(function, address, count, unit)
        except BusError as exc:
            self._failed(request, exc)
            raise
        self.log.add(RX, _Answer(request, bits))
        return bits

    def write_register(self, address: int, value: int, unit: int) -> None:
        self._write(_Write(WRITE_REGISTER, address, (value,), unit))

    def write_registers(self, address: int, values: Sequence[int], unit: int) -> None:
        self._write(_Write(WRITE_REGISTERS, address, tuple(values), unit))

    def write_coil(self, address: int, on: bool, unit: int) -> None:
        self._write(_Write(WRITE_COIL, address, (int(on),), unit))

    def __repr__(self) -> str:
        return f"TappedBus({self.bus!r})"

    # ----------------------------------------------------------------- internals

    def _write(self, request: _Write) -> None:
        self._sent(request)
        values = request.values
        try:
            if request.code == WRITE_COIL:
                self.bus.write_coil(request.address, bool(values[0]), request.unit)
            elif request.code == WRITE_REGISTER:
                self.bus.write_register(request.address, values[0], request.unit)
            else:
                self.bus.write_registers(request.address, values, request.unit)
        except BusError as exc:
            self._failed(request, exc)
            raise
        self.log.add(RX, _Answer(request, ()))

    def _sent(self, request: _Read | _Write) -> None:
        self.log.add(TX, request)
        with self._lock:
            self.requests += 1

    def _failed(self, request: _Read | _Write, error: BusError) -> None:
        self.log.add(RX, _Failure(request, error))
        with self._lock:
            self.failures += 1
            if error.kind == "timeout":
                self.timeouts += 1


AnyBus = ModbusBus | TappedBus  # what a device driver is given
