"""Modbus weight transmitters and indicators, driven by a register map (drivers.modbus.maps).

``poll()`` reads what a WeightReading needs - the weight, the status register and the tare
- in as few requests as the map allows (one when the registers are contiguous), and turns
them into integer kg with Decimal arithmetic. Which weight is reported: the map's ``weight``
field (what the indicator displays: net in net mode) if it has one, else ``gross``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from drivers.modbus import codec
from drivers.modbus.errors import DeviceOnBus, DriverError
from drivers.modbus.maps import Command, Field, WeightMap
from drivers.modbus.tap import AnyBus
from station.domain.readings import WeightReading


@dataclass(frozen=True)
class ReadBlock:
    function: str
    address: int
    count: int

    def describe(self) -> str:
        last = self.address + self.count - 1
        span = f"{self.address}" if last == self.address else f"{self.address}-{last}"
        return f"{self.function} register{'s' if last != self.address else ''} {span}"


Span = tuple[str, int, int]  # function, first address, register count


def plan_reads(
    needed: Iterable[Span], known: Iterable[Span] = (), max_registers: int = 125
) -> tuple[ReadBlock, ...]:
    """The fewest reads that cover ``needed``, reading only registers the map names.

    ``known`` spans (other fields of the map) may be read along to join two needed spans
    into one request. Gaps are never bridged: many devices answer "illegal data address"
    for a register that is not in their table, so reading across one would fail the poll.
    """
    wanted = set(needed)
    spans = sorted(wanted | set(known))
    blocks: list[ReadBlock] = []
    run: list[tuple[Span, bool]] = []
    for span in spans:
        if run and not _continues(run[-1][0], span):
            blocks += _pack(run, max_registers)
            run = []
        run.append((span, span in wanted))
    if run:
        blocks += _pack(run, max_registers)
    return tuple(blocks)


def _continues(previous: Span, span: Span) -> bool:
    return span[0] == previous[0] and span[1] <= previous[1] + previous[2]


def _pack(run: list[tuple[Span, bool]], max_registers: int) -> list[ReadBlock]:
    """Split one contiguous run into reads of at most max_registers, trimming unneeded ends."""
    blocks: list[ReadBlock] = []
    current: list[tuple[Span, bool]] = []
    for item in run:
        span = item[0]
        if current and span[1] + span[2] - current[0][0][1] > max_registers:
            blocks += _trimmed(current)
            current = []
        current.append(item)
    return blocks + _trimmed(current)


def _trimmed(items: list[tuple[Span, bool]]) -> list[ReadBlock]:
    used = [span for span, needed in items if needed]
    if not used:
        return []
    first = min(span[1] for span in used)
    end = max(span[1] + span[2] for span in used)
    return [ReadBlock(used[0][0], first, end - first)]


class ModbusWeightDriver(DeviceOnBus):
    """A weight transmitter on a Modbus bus. Raises DriverError naming device and register."""

    def __init__(
        self,
        bus: AnyBus,
        weight_map: WeightMap,
        device_id: str,
        unit: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bus = bus
        self.map = weight_map
        self.device_id = device_id
        self.unit = weight_map.unit_id if unit is None else unit
        self._clock = clock
        fields = weight_map.fields
        self._weight_name = "weight" if "weight" in fields else "gross"
        self._tare_names = _tare_source(fields)
        needed = [_field_span(weight_map, name) for name in (self._weight_name, *self._tare_names)]
        known = [_field_span(weight_map, name) for name in fields]
        if weight_map.status is not None:
            status = weight_map.status
            needed.append((status.function, status.address, status.count))
        self.plan = plan_reads(needed, known, weight_map.max_registers)

    # ----------------------------------------------------------------- reading

    def poll(self) -> WeightReading:
        registers, raw = self._read_all()
        t_mono = self._clock()
        status = self._status(registers)
        weight_kg = self._kg(registers, self._weight_name)
        return WeightReading(
            device_id=self.device_id,
            weight_kg=weight_kg,
            stable=_stable(status),
            t_mono=t_mono,
            net=self._weight_name == "weight" and status.get("net", False),
            tare_kg=self._tare_kg(registers),
            overload=status.get("overload", False),
            underload=status.get("underload", False),
            centre_of_zero=status.get("centre_of_zero", False),
            raw=raw,
        )

    def _read_all(self) -> tuple[dict[tuple[str, int], int], bytes]:
        registers: dict[tuple[str, int], int] = {}
        raw = bytearray()
        for block in self.plan:
            values = self._request(
                block.describe(),
                lambda b=block: self.bus.read_registers(b.function, b.address, b.count, self.unit),
            )
            for offset, value in enumerate(values):
                registers[(block.function, block.address + offset)] = value
                raw += value.to_bytes(2, "big")
        return registers, bytes(raw)

    def _kg(self, registers: Mapping[tuple[str, int], int], name: str) -> int:
        item = self.map.fields[name]
        words = _words(registers, self.map.function, item)
        try:
            value = codec.decode(words, item.type, item.word_order)
            return codec.raw_to_kg(value, item.scale, self.map.unit)
        except ValueError as exc:
            what = f"fields.{name} ({self.map.function} register {item.address})"
            raise DriverError(self._name(), what, "format", str(exc)) from None

    def _tare_kg(self, registers: Mapping[tuple[str, int], int]) -> int:
        if self._tare_names == ("tare",):
            return self._kg(registers, "tare")
        if self._tare_names:
            gross, minus = self._tare_names
            return self._kg(registers, gross) - self._kg(registers, minus)
        return 0

    def _status(self, registers: Mapping[tuple[str, int], int]) -> dict[str, bool]:
        status = self.map.status
        if status is None:
            return {}
        words = [registers[(status.function, status.address + i)] for i in range(status.count)]
        word = int(codec.decode(words, status.type, status.word_order))
        return {name: codec.bit(word, number) for name, number in status.bits.items()}

    # ----------------------------------------------------------------- commands

    def zero(self) -> None:
        """Ask the device to zero (most devices only obey when stable and near zero)."""
        self._command("zero")

    def tare(self) -> None:
        self._command("tare")

    def clear_tare(self) -> None:
        self._command("clear_tare")

    def _command(self, name: str) -> None:
        command = self.map.commands.get(name)
        if command is None:
            problem = f"the map for {self.map.model} ({self.map.source}) has no {name!r} command"
            raise DriverError(self._name(), f"commands.{name}", "config", problem)
        what = f"commands.{name} ({_target(command)})"
        with self.bus.exclusive():
            for write in _writes(command, self.map.write):
                self._request(what, lambda w=write: w(self.bus, self.unit))

    # ----------------------------------------------------------------- helpers


def _field_span(weight_map: WeightMap, name: str) -> Span:
    item = weight_map.fields[name]
    return (weight_map.function, item.address, item.count)


def _tare_source(fields: Mapping[str, Field]) -> tuple[str, ...]:
    """Where the tare comes from: its own register, or gross minus net (or minus the display,
    which equals gross outside net mode)."""
    if "tare" in fields:
        return ("tare",)
    for minus in ("net", "weight"):
        if "gross" in fields and minus in fields:
            return ("gross", minus)
    return ()


def _words(registers: Mapping[tuple[str, int], int], function: str, item: Field) -> list[int]:
    return [registers[(function, item.address + i)] for i in range(item.count)]


def _stable(status: Mapping[str, bool]) -> bool:
    # Without a stability bit the device cannot vouch for stability; the station decides.
    if "stable" in status:
        return status["stable"]
    if "motion" in status:
        return not status["motion"]
    return False


def _target(command: Command) -> str:
    if command.kind == "coil":
        return f"coil {command.address}"
    if command.kind == "pulse_bit":
        return f"holding register {command.address} bit {command.bit}"
    return f"holding register {command.address}"


Write = Callable[[AnyBus, int], None]


def _writes(command: Command, style: str) -> list[Write]:
    """The writes that carry out a command, in order."""
    if command.kind == "coil":
        return [lambda bus, unit: bus.write_coil(command.address, bool(command.value), unit)]
    if command.kind == "pulse_bit":
        # Edge-triggered devices act on 0 -> 1; writing 0 first makes a repeat command work.
        return [
            _register_write(command.address, [0], style),
            _register_write(command.address, [1 << command.bit], style),
        ]
    words = codec.encode(command.value, command.type, command.word_order)
    return [_register_write(command.address, words, style)]


def _register_write(address: int, words: list[int], style: str) -> Write:
    if len(words) == 1 and style == "single":
        return lambda bus, unit: bus.write_register(address, words[0], unit)
    return lambda bus, unit: bus.write_registers(address, words, unit)
