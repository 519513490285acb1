"""In-process Modbus device simulators for tests, benchmarks and bench-top demos.

Each simulator keeps a small device model (weight and status; inputs and outputs; a queue of
vehicle records) and serves it with a pymodbus SimDevice server, over TCP on 127.0.0.1 or
RTU on a serial port (e.g. one end of a socat pty pair). The server runs on its own asyncio
loop in a daemon thread, so synchronous code just calls ``start_tcp()`` / ``stop()``::

    with WeightTransmitterSim(shipped_map("flintec-ft112")).start_tcp() as sim:
        sim.set(gross_kg=49_380, stable=True)
        bus = ModbusBus(sim.url)

Registers are rendered from the model on every read (a SimDevice action), and writes are
interpreted before they are stored, so the model is the only truth. Addresses the map does
not name are not served: a driver that reads across a gap gets "illegal data address",
as from many real devices.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from pymodbus.constants import ExcCodes
from pymodbus.framer import FramerType
from pymodbus.server import ModbusSerialServer, ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from drivers.modbus import codec
from drivers.modbus.maps import WIM_FIELDS, IoMap, WeightMap, WimMap
from drivers.modbus.wim import next_counter

_TABLE_OF_FUNCTION = {1: "c", 5: "c", 15: "c", 2: "d", 3: "h", 6: "h", 16: "h", 4: "i"}
_TABLE_OF_NAME = {"holding": "h", "input": "i", "coils": "c", "discrete": "d"}
_START_TIMEOUT = 5.0

Registers = list[int]


# --------------------------------------------------------------------------- server plumbing


class SimServer:
    """Base: owns the loop thread and the pymodbus server; subclasses own the model.

    Subclasses describe their tables with ``_tables()`` and react in ``_on_read`` /
    ``_on_write``; both run on the server loop with ``self.lock`` held.
    """

    def __init__(self, unit: int) -> None:
        self.unit = unit
        self.lock = threading.RLock()
        self.port: int | None = None  # TCP port once started (kept for a restart)
        self.serial_port: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: ModbusTcpServer | ModbusSerialServer | None = None

    # ------------------------------------------------------------- public life cycle

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        """What to give ModbusBus: ``tcp://127.0.0.1:<port>`` or the serial port."""
        if self.serial_port is not None:
            return self.serial_port
        if self.port is None:
            raise RuntimeError("the simulator has not been started")
        return f"tcp://127.0.0.1:{self.port}"

    def start_tcp(self, host: str = "127.0.0.1", port: int | None = None) -> Self:
        """Serve Modbus TCP; port None reuses the previous port (a restart), else a free one."""
        wanted = self.port if port is None else port
        device = self._device()
        server = self._start(lambda: ModbusTcpServer(device, address=(host, wanted or 0)))
        self.port = server.transport.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.serial_port = None
        return self

    def start_rtu(
        self,
        serial_port: str,
        *,
        baudrate: int = 9600,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: int = 1,
    ) -> Self:
        device = self._device()
        self._start(
            lambda: ModbusSerialServer(
                device,
                framer=FramerType.RTU,
                port=serial_port,
                baudrate=baudrate,
                bytesize=bytesize,
                parity=parity,
                stopbits=stopbits,
            )
        )
        self.serial_port = serial_port
        return self

    def stop(self) -> None:
        """Stop serving and end the loop thread; safe to call twice."""
        loop, thread, server = self._loop, self._thread, self._server
        self._loop = self._thread = self._server = None
        if loop is None or thread is None:
            return
        if server is not None:
            asyncio.run_coroutine_threadsafe(_shutdown(server), loop).result(_START_TIMEOUT)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(_START_TIMEOUT)
        loop.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------- internals

    def _start(self, make: Callable[[], Any]) -> Any:
        if self._loop is not None:
            raise RuntimeError("the simulator is already running; stop() it first")
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name=type(self).__name__, daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread

        async def boot() -> Any:
            server = make()
            await server.serve_forever(background=True)
            return server

        try:
            self._server = asyncio.run_coroutine_threadsafe(boot(), loop).result(_START_TIMEOUT)
        except BaseException:
            self.stop()
            raise
        return self._server

    def _device(self) -> SimDevice:
        tables = self._tables()
        blocks = tuple(_blocks(tables.get(name, set()), name in "cd") for name in "cdhi")
        return SimDevice(id=self.unit, simdata=blocks, action=self._action)  # type: ignore[arg-type]

    async def _action(
        self,
        function_code: int,
        start: int,
        address: int,
        _count: int,
        registers: Registers,
        values: list[int] | list[bool] | None,
    ) -> ExcCodes | None:
        table = _TABLE_OF_FUNCTION.get(function_code)
        if table is None:
            return ExcCodes.ILLEGAL_FUNCTION
        view = _TableView(table, start, registers)
        with self.lock:
            if values is not None:
                return self._on_write(view, address, list(values))
            self._on_read(view)
        return None

    # Subclasses:
    def _tables(self) -> dict[str, set[int]]:
        raise NotImplementedError

    def _on_read(self, view: _TableView) -> None:
        raise NotImplementedError

    def _on_write(self, view: _TableView, address: int, values: list[Any]) -> ExcCodes | None:
        raise NotImplementedError


async def _shutdown(server: Any) -> None:
    await server.shutdown()
    current = asyncio.current_task()
    pending = [task for task in asyncio.all_tasks() if task is not current]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


def _blocks(addresses: set[int], bits: bool) -> list[SimData]:
    """One SimData per contiguous run of addresses; an empty table gets one unused block."""
    if not addresses:
        # SimDevice needs every table; a lone bit at the far end stays out of the way.
        if bits:
            return [SimData(0xFFF0, count=16, values=False, datatype=DataType.BITS)]
        return [SimData(0xFFFF, datatype=DataType.INVALID)]
    blocks = []
    for first, count in _runs(sorted(addresses)):
        datatype = DataType.BITS if bits else DataType.REGISTERS
        blocks.append(SimData(first, count=count, values=False if bits else 0, datatype=datatype))
    return blocks


def _runs(ordered: Sequence[int]) -> Iterable[tuple[int, int]]:
    first = previous = ordered[0]
    for address in ordered[1:]:
        if address != previous + 1:
            yield first, previous - first + 1
            first = address
        previous = address
    yield first, previous - first + 1


@dataclass
class _TableView:
    """One pymodbus table as the action sees it; writes outside the table are ignored."""

    table: str  # "c", "d", "h", "i"
    start: int  # first register of the table (bit tables: first 16-bit word)
    registers: Registers

    def put_words(self, address: int, words: Sequence[int]) -> None:
        for offset, word in enumerate(words):
            index = address + offset - self.start
            if 0 <= index < len(self.registers):
                self.registers[index] = word

    def word(self, address: int) -> int:
        index = address - self.start
        return self.registers[index] if 0 <= index < len(self.registers) else 0

    def put_bit(self, address: int, on: bool) -> None:
        index = address // 16 - self.start
        if 0 <= index < len(self.registers):
            mask = 1 << (address % 16)
            self.registers[index] = (
                (self.registers[index] | mask) if on else (self.registers[index] & ~mask)
            )


# --------------------------------------------------------------------------- weight transmitter


class WeightTransmitterSim(SimServer):
    """A transmitter for any weight map: settable weight and status; obeys zero/tare/clear.

    ``load_kg`` is what stands on the platform; ``gross = load - zero offset``; the map's
    ``weight`` field shows net (gross - tare) while a tare is set, else gross.
    """

    def __init__(self, weight_map: WeightMap, unit: int | None = None) -> None:
        super().__init__(weight_map.unit_id if unit is None else unit)
        self.map = weight_map
        self.load_kg = 0
        self.zero_offset_kg = 0
        self.tare_kg = 0
        self.stable = True
        self.overload = False
        self.underload = False
        self.centre_of_zero: bool | None = None  # None: on whenever gross is 0
        self.commands: list[str] = []

    @property
    def gross_kg(self) -> int:
        return self.load_kg - self.zero_offset_kg

    def set(
        self,
        *,
        gross_kg: int | None = None,
        tare_kg: int | None = None,
        stable: bool | None = None,
        overload: bool | None = None,
        underload: bool | None = None,
        centre_of_zero: bool | None = None,
    ) -> None:
        """Change the model; raises ValueError if the map's registers cannot show the result.

        Left-out arguments keep their value. ``centre_of_zero`` follows the gross (on at 0)
        until set here; assign ``sim.centre_of_zero = None`` to make it follow again.
        """
        with self.lock:
            before = self._snapshot()
            if gross_kg is not None:
                self.load_kg = gross_kg + self.zero_offset_kg
            if tare_kg is not None:
                self.tare_kg = tare_kg
            changes = {
                "stable": stable,
                "overload": overload,
                "underload": underload,
                "centre_of_zero": centre_of_zero,
            }
            for name, value in changes.items():
                if value is not None:
                    setattr(self, name, value)
            try:
                self._render_all()
            except ValueError:
                self._restore(before)
                raise

    def field_kg(self, name: str) -> int:
        """The kg value a field shows now."""
        net = self.gross_kg - self.tare_kg
        return {
            "gross": self.gross_kg,
            "net": net,
            "tare": self.tare_kg,
            "weight": net if self.tare_kg else self.gross_kg,
        }[name]

    def status_word(self) -> int:
        flags = {
            "stable": self.stable,
            "motion": not self.stable,
            "overload": self.overload,
            "underload": self.underload,
            "centre_of_zero": (
                self.gross_kg == 0 if self.centre_of_zero is None else self.centre_of_zero
            ),
            "net": self.tare_kg != 0,
        }
        status = self.map.status
        bits = status.bits if status is not None else {}
        return sum(1 << bit for name, bit in bits.items() if flags[name])

    # ------------------------------------------------------------- server side

    def _tables(self) -> dict[str, set[int]]:
        tables: dict[str, set[int]] = {}
        value_table = _TABLE_OF_NAME[self.map.function]
        for item in self.map.fields.values():
            tables.setdefault(value_table, set()).update(
                range(item.address, item.address + item.count)
            )
        if self.map.status is not None:
            status = self.map.status
            span = range(status.address, status.address + status.count)
            tables.setdefault(_TABLE_OF_NAME[status.function], set()).update(span)
        for command in self.map.commands.values():
            table = "c" if command.kind == "coil" else "h"
            words = 2 if command.type == "uint32" else 1
            tables.setdefault(table, set()).update(range(command.address, command.address + words))
        return tables

    def _on_read(self, view: _TableView) -> None:
        for table, address, words in self._render_all():
            if table == view.table:
                view.put_words(address, words)

    def _render_all(self) -> list[tuple[str, int, list[int]]]:
        rendered = []
        table = _TABLE_OF_NAME[self.map.function]
        for name, item in self.map.fields.items():
            raw = codec.kg_to_raw(self.field_kg(name), item.type, item.scale, self.map.unit)
            rendered.append((table, item.address, codec.encode(raw, item.type, item.word_order)))
        status = self.map.status
        if status is not None:
            words = codec.encode(self.status_word(), status.type, status.word_order)
            rendered.append((_TABLE_OF_NAME[status.function], status.address, words))
        return rendered

    def _on_write(self, view: _TableView, address: int, values: list[Any]) -> ExcCodes | None:
        for name, command in self.map.commands.items():
            if self._matches(command, view, address, values):
                self._obey(name)
        return None

    def _matches(self, command: Any, view: _TableView, address: int, values: list[Any]) -> bool:
        if command.kind == "coil":
            return (
                view.table == "c"
                and address == command.address
                and values[0] == bool(command.value)
            )
        if view.table != "h" or address != command.address:
            return False
        if command.kind == "pulse_bit":
            rising = values[0] & ~view.word(address)
            return codec.bit(rising, command.bit)
        words = values[: 2 if command.type == "uint32" else 1]
        if len(words) != (2 if command.type == "uint32" else 1):
            return False
        return codec.decode(words, command.type, command.word_order) == command.value

    def _obey(self, name: str) -> None:
        self.commands.append(name)
        if name == "zero":
            self.zero_offset_kg = self.load_kg
        elif name == "tare":
            self.tare_kg = self.gross_kg
        elif name == "clear_tare":
            self.tare_kg = 0

    def _snapshot(self) -> dict[str, Any]:
        names = ("load_kg", "tare_kg", "stable", "overload", "underload", "centre_of_zero")
        return {name: getattr(self, name) for name in names}

    def _restore(self, snapshot: dict[str, Any]) -> None:
        for name, value in snapshot.items():
            setattr(self, name, value)


# --------------------------------------------------------------------------- I/O module


class IoModuleSim(SimServer):
    """An I/O module or relay board: settable inputs; outputs follow coil writes and are logged."""

    def __init__(self, io_map: IoMap, unit: int | None = None) -> None:
        super().__init__(io_map.unit_id if unit is None else unit)
        self.map = io_map
        self.inputs = [False] * (io_map.inputs.count if io_map.inputs else 0)
        self.outputs = [False] * (io_map.outputs.count if io_map.outputs else 0)
        self.output_log: list[tuple[int, bool]] = []  # (channel, state) per coil written

    def set_input(self, channel: int, state: bool) -> None:
        with self.lock:
            self.inputs[channel] = state

    def set_inputs(self, states: Sequence[bool]) -> None:
        with self.lock:
            if len(states) != len(self.inputs):
                raise ValueError(f"{len(self.inputs)} inputs, not {len(states)}")
            self.inputs = list(states)

    def _tables(self) -> dict[str, set[int]]:
        tables: dict[str, set[int]] = {}
        for block in (self.map.inputs, self.map.outputs):
            if block is not None:
                span = range(block.address, block.address + block.count)
                tables.setdefault(_TABLE_OF_NAME[block.function], set()).update(span)
        return tables

    def _on_read(self, view: _TableView) -> None:
        for block, states in ((self.map.inputs, self.inputs), (self.map.outputs, self.outputs)):
            if block is not None and _TABLE_OF_NAME[block.function] == view.table:
                for channel, state in enumerate(states):
                    view.put_bit(block.address + channel, state)

    def _on_write(self, view: _TableView, address: int, values: list[Any]) -> ExcCodes | None:
        block = self.map.outputs
        if block is None or view.table != "c":
            return None
        for offset, state in enumerate(values):
            channel = address + offset - block.address
            if 0 <= channel < block.count:
                self.outputs[channel] = bool(state)
                self.output_log.append((channel, bool(state)))
        return None


# --------------------------------------------------------------------------- WIM controller


@dataclass
class SimVehicle:
    counter: int
    weights_kg: tuple[int, ...]
    spacings_mm: tuple[int, ...]
    speed_kmh_x10: int
    flags: frozenset[str] = field(default_factory=frozenset)
    gross_kg: int | None = None  # None: the sum of the axles


class WimControllerSim(SimServer):
    """A WIM/axle controller speaking the station WIM map, honouring the acknowledge handshake.

    Vehicles queue up; the oldest is presented until the station writes its counter to the
    acknowledge register. Fault injection: ``tear_next`` (the next reads see a record being
    rewritten), ``fail_next_ack`` (acknowledges answered with an exception, applied or not).
    """

    def __init__(
        self, wim_map: WimMap, unit: int | None = None, *, session: int = 1, capacity: int = 32
    ) -> None:
        super().__init__(wim_map.unit_id if unit is None else unit)
        self.map = wim_map
        self.session = session
        self.capacity = capacity
        self.queue: deque[SimVehicle] = deque()
        self.counter = 0  # last number given to a vehicle
        self.dropped = 0
        self.status_flags: set[str] = set()  # sensor_fault, maintenance (queue_overflow: auto)
        self.acked: list[int] = []
        self._last_presented = 0
        self._tear = 0
        self._fail_acks = 0
        self._fail_applied = False

    def queue_vehicle(
        self,
        weights_kg: Sequence[int],
        spacings_mm: Sequence[int] = (),
        speed_kmh_x10: int = 0,
        flags: Iterable[str] = ("complete",),
        gross_kg: int | None = None,
    ) -> int:
        """Add a vehicle; returns its counter. A full queue drops it but spends the number."""
        with self.lock:
            self.counter = next_counter(self.counter)
            if len(self.queue) >= self.capacity:
                self.dropped += 1
                return self.counter
            vehicle = SimVehicle(
                self.counter,
                tuple(weights_kg),
                tuple(spacings_mm),
                speed_kmh_x10,
                frozenset(flags),
                gross_kg,
            )
            self.queue.append(vehicle)
            return self.counter

    @property
    def pending(self) -> int:
        with self.lock:
            return len(self.queue)

    def tear_next(self, reads: int = 1) -> None:
        with self.lock:
            self._tear = reads

    def fail_next_ack(self, times: int = 1, *, applied: bool = False) -> None:
        with self.lock:
            self._fail_acks, self._fail_applied = times, applied

    def restart(self, session: int | None = None) -> None:
        """A controller power cycle: new session, counting from 1, queue lost."""
        with self.lock:
            self.session = (self.session + 1) % 0x10000 if session is None else session
            self.queue.clear()
            self.counter = self._last_presented = self.dropped = 0

    # ------------------------------------------------------------- server side

    def _tables(self) -> dict[str, set[int]]:
        first, count = self.map.window
        tables = {_TABLE_OF_NAME[self.map.function]: set(range(first, first + count))}
        tables.setdefault("h", set()).update({self.map.ack_address, self.map.ack_address + 1})
        return tables

    def _on_read(self, view: _TableView) -> None:
        if view.table != _TABLE_OF_NAME[self.map.function]:
            return
        for _name, address, words in self._render():
            view.put_words(address, words)

    def _render(self) -> list[tuple[str, int, list[int]]]:
        head = self.queue[0] if self.queue else None
        if head is not None:
            self._last_presented = head.counter
        counter = self._last_presented
        check = counter
        if head is not None and self._tear > 0:
            self._tear -= 1
            check = (counter - 1) % 2**32  # the controller is still writing this record
        scalars = {
            "magic": self.map.magic,
            "version": self.map.version,
            "session": self.session,
            "status": self._status_word(head is not None),
            "queued": len(self.queue),
            "dropped": min(self.dropped, 0xFFFF),
            "counter": counter,
            "counter_check": check,
            **self._record_scalars(head),
        }
        rendered = [
            (name, self.map.fields[name], self._words(name, value))
            for name, value in scalars.items()
        ]
        weights = list(head.weights_kg if head else ())[: self.map.max_axles]
        spacings = list(head.spacings_mm if head else ())[: self.map.max_axles]
        weights += [0] * (self.map.max_axles - len(weights))
        spacings += [0] * (self.map.max_axles - len(spacings))
        weight_words = [
            w for kg in weights for w in codec.encode(kg, "uint32", self.map.word_order)
        ]
        rendered.append(("axle_weights", self.map.fields["axle_weights"], weight_words))
        rendered.append(("axle_spacings", self.map.fields["axle_spacings"], spacings))
        return rendered

    def _record_scalars(self, head: SimVehicle | None) -> dict[str, int]:
        if head is None:
            return {"flags": 0, "axle_count": 0, "speed": 0, "gross": 0}
        flag_word = sum(1 << bit for name, bit in self.map.flag_bits.items() if name in head.flags)
        gross = sum(head.weights_kg) if head.gross_kg is None else head.gross_kg
        return {
            "flags": flag_word,
            "axle_count": len(head.weights_kg),
            "speed": head.speed_kmh_x10,
            "gross": gross,
        }

    def _status_word(self, ready: bool) -> int:
        active = set(self.status_flags)
        if ready:
            active.add("record_ready")
        if self.dropped:
            active.add("queue_overflow")
        return sum(1 << bit for name, bit in self.map.status_bits.items() if name in active)

    def _words(self, name: str, value: int) -> list[int]:
        vtype = "uint32" if WIM_FIELDS[name] == 2 else "uint16"
        return codec.encode(value, vtype, self.map.word_order)

    def _on_write(self, view: _TableView, address: int, values: list[Any]) -> ExcCodes | None:
        if view.table != "h" or address != self.map.ack_address or len(values) != 2:
            return None
        acked = int(codec.decode(values, "uint32", self.map.word_order))
        head = self.queue[0] if self.queue else None
        if head is None or acked != head.counter:
            return None  # an acknowledge for anything but the presented record is ignored
        if self._fail_acks > 0:
            self._fail_acks -= 1
            if not self._fail_applied:
                return ExcCodes.DEVICE_FAILURE
            self._pop(acked)
            return ExcCodes.DEVICE_FAILURE
        self._pop(acked)
        return None

    def _pop(self, counter: int) -> None:
        self.queue.popleft()
        self.acked.append(counter)
