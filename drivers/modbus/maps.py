"""Register-map files for Modbus devices: load, validate strictly, return plain frozen values.

A map is a TOML file (JSON with the same structure is accepted too) with ``format = 1`` and
``kind`` one of ``"weight"``, ``"io"``, ``"wim"``. Addresses are 0-based, as on the wire (a
manual's 40001 is address 0). Every error is a :class:`MapError` whose text names the file,
the key and what is allowed; unknown keys are errors so a typo never goes unnoticed. The
file format is described in docs/wim-modbus-map.md (WIM) and by the shipped maps in
``drivers/modbus/maps/``.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

SHIPPED_DIR = Path(__file__).resolve().parent / "maps"
FORMAT = 1
MAX_READ_REGISTERS = 125  # Modbus limit for FC03/FC04
REGISTERS_PER_TYPE = {"int16": 1, "uint16": 1, "int32": 2, "uint32": 2, "float32": 2}
WORD_ORDERS = ("big", "little")
WEIGHT_UNITS = ("kg", "t")
REGISTER_FUNCTIONS = ("holding", "input")
STATUS_BIT_NAMES = ("stable", "motion", "overload", "underload", "centre_of_zero", "net")
_STATUS_ALIASES = {"zero": "centre_of_zero"}
COMMAND_NAMES = ("zero", "tare", "clear_tare")
COMMAND_KINDS = ("coil", "register", "pulse_bit")
WEIGHT_FIELDS = ("weight", "gross", "net", "tare")
WIM_STATUS_BITS = ("record_ready", "sensor_fault", "queue_overflow", "maintenance")
WIM_FLAG_BITS = (
    "complete",
    "reverse",
    "speed_change",
    "overload",
    "sensor_fault",
    "off_centre",
    "stopped",
    "too_many_axles",
    "speed_out_of_range",
    "tailgating",
)
# Each WIM field with its width in registers per item; the two arrays have max_axles items.
WIM_FIELDS = {
    "magic": 1,
    "version": 1,
    "session": 1,
    "status": 1,
    "queued": 1,
    "dropped": 1,
    "counter": 2,
    "flags": 1,
    "axle_count": 1,
    "speed": 1,
    "gross": 2,
    "axle_weights": 2,
    "axle_spacings": 1,
    "counter_check": 2,
}
_WIM_ARRAYS = ("axle_weights", "axle_spacings")
_MISSING = object()
_M = TypeVar("_M", "WeightMap", "IoMap", "WimMap")


class MapError(ValueError):
    """A map file is unreadable or invalid. ``str()`` is ``"<file>: <key>: <problem>"``."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(": ".join(part for part in (source, key, problem) if part))
        self.source = source
        self.key = key
        self.problem = problem


# --------------------------------------------------------------------------- result types


@dataclass(frozen=True)
class Field:
    """One numeric value in registers; ``kg = raw * scale * (1000 if unit == 't' else 1)``."""

    address: int
    type: str
    word_order: str = "big"
    scale: Decimal = Decimal(1)

    @property
    def count(self) -> int:
        return REGISTERS_PER_TYPE[self.type]


@dataclass(frozen=True)
class StatusMap:
    function: str
    address: int
    type: str  # uint16 or uint32
    word_order: str
    bits: Mapping[str, int]

    @property
    def count(self) -> int:
        return REGISTERS_PER_TYPE[self.type]


@dataclass(frozen=True)
class Command:
    """How to ask for zero/tare/clear_tare.

    coil: write ``value`` (1 = ON) to coil ``address``. register: write ``value`` as ``type``.
    pulse_bit: write 0, then ``1 << bit`` to the register, for devices that act on 0->1 edges.
    """

    kind: str
    address: int
    value: int = 1
    type: str = "uint16"
    word_order: str = "big"
    bit: int = 0


@dataclass(frozen=True)
class WeightMap:
    source: str
    model: str
    function: str
    unit: str
    fields: Mapping[str, Field]
    status: StatusMap | None = None
    commands: Mapping[str, Command] = field(default_factory=lambda: MappingProxyType({}))
    unit_id: int = 1
    max_registers: int = MAX_READ_REGISTERS
    write: str = "single"  # "multiple": the device only accepts FC16, even for one register
    kind: str = "weight"


@dataclass(frozen=True)
class BitBlock:
    function: str  # "discrete" (FC02) or "coils" (FC01/FC05)
    address: int
    count: int


@dataclass(frozen=True)
class IoMap:
    source: str
    model: str
    inputs: BitBlock | None
    outputs: BitBlock | None
    unit_id: int = 1
    kind: str = "io"


@dataclass(frozen=True)
class WimMap:
    source: str
    model: str
    function: str
    word_order: str
    magic: int
    version: int
    max_axles: int
    fields: Mapping[str, int]  # field name -> first address
    ack_address: int  # holding register pair the station writes the counter to
    status_bits: Mapping[str, int]
    flag_bits: Mapping[str, int]
    unit_id: int = 1
    kind: str = "wim"

    def span(self, name: str) -> tuple[int, int]:
        """First address and register count of a field (arrays: all max_axles items)."""
        items = self.max_axles if name in _WIM_ARRAYS else 1
        return self.fields[name], WIM_FIELDS[name] * items

    @property
    def window(self) -> tuple[int, int]:
        """First address and count of the one read that covers every field."""
        spans = [self.span(name) for name in self.fields]
        first = min(start for start, _ in spans)
        return first, max(start + count for start, count in spans) - first


AnyMap = WeightMap | IoMap | WimMap


# --------------------------------------------------------------------------- loading


def load_map(path: str | Path) -> AnyMap:
    """Read and validate a map file (``.toml`` or ``.json``)."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise MapError(source, "", f"cannot read the file: {exc.strerror or exc}") from None
    return parse_map(_decode(text, path.suffix.lower(), source), source)


def load_weight_map(path: str | Path) -> WeightMap:
    return _expect(load_map(path), WeightMap)


def load_io_map(path: str | Path) -> IoMap:
    return _expect(load_map(path), IoMap)


def load_wim_map(path: str | Path) -> WimMap:
    return _expect(load_map(path), WimMap)


def shipped_maps() -> dict[str, Path]:
    """The maps that come with the application, by file stem (e.g. ``"flintec-ft112"``)."""
    return {path.stem: path for path in sorted(SHIPPED_DIR.glob("*.toml"))}


def shipped_map(name: str) -> AnyMap:
    maps = shipped_maps()
    if name not in maps:
        raise MapError(name, "", f"no shipped map of that name; shipped: {', '.join(maps)}")
    return load_map(maps[name])


def parse_map(data: Mapping[str, Any], source: str = "<map>") -> AnyMap:
    root = _Section(source, "", data)
    root.integer("format", low=FORMAT, high=FORMAT)
    kind = root.choice("kind", ("weight", "io", "wim"))
    parser = {"weight": _weight_map, "io": _io_map, "wim": _wim_map}[kind]
    result = parser(root)
    root.done()
    return result


def _decode(text: str, suffix: str, source: str) -> Mapping[str, Any]:
    try:
        if suffix == ".json":
            data = json.loads(text)
        elif suffix == ".toml":
            data = tomllib.loads(text)
        else:
            raise MapError(source, "", "the file name must end in .toml or .json")
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise MapError(source, "", f"not valid {suffix[1:].upper()}: {exc}") from None
    if not isinstance(data, dict):
        raise MapError(source, "", "the file must hold a table (JSON object) at the top")
    return data


def _expect(loaded: AnyMap, cls: type[_M]) -> _M:
    if not isinstance(loaded, cls):
        wanted = cls.__name__.removesuffix("Map").lower()
        raise MapError(loaded.source, "kind", f"is {loaded.kind!r}; a {wanted!r} map is needed")
    return loaded


# --------------------------------------------------------------------------- validation helper


class _Section:
    """One table of the file; remembers the keys it handed out so leftovers can be reported."""

    def __init__(self, source: str, path: str, data: Mapping[str, Any]) -> None:
        self.source = source
        self.path = path
        self.data = data
        self.seen: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def error(self, name: str, problem: str) -> MapError:
        return MapError(self.source, self.key(name), problem)

    def has(self, name: str) -> bool:
        return name in self.data

    def raw(self, name: str, default: Any = _MISSING) -> Any:
        self.seen.add(name)
        if name in self.data:
            return self.data[name]
        if default is _MISSING:
            raise self.error(name, "is required")
        return default

    def integer(self, name: str, *, low: int, high: int, default: Any = _MISSING) -> int:
        value = self.raw(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(name, f"must be an integer from {low} to {high}, not {value!r}")
        if not low <= value <= high:
            raise self.error(name, f"{value} is out of range; allowed: {low} to {high}")
        return value

    def text(self, name: str, default: Any = _MISSING) -> str:
        value = self.raw(name, default)
        if not isinstance(value, str):
            raise self.error(name, f"must be a string, not {value!r}")
        return value

    def choice(self, name: str, allowed: tuple[str, ...], default: Any = _MISSING) -> str:
        value = self.raw(name, default)
        if value not in allowed:
            raise self.error(name, f"{value!r} is not allowed; allowed: {', '.join(allowed)}")
        return value

    def table(self, name: str, *, required: bool = False) -> _Section | None:
        value = self.raw(name, _MISSING if required else None)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error(name, f"must be a table, not {value!r}")
        return _Section(self.source, self.key(name), value)

    def require(self, name: str) -> _Section:
        section = self.table(name, required=True)
        assert section is not None  # table() raised if it was missing
        return section

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            allowed = ", ".join(sorted(self.seen)) or "none"
            raise self.error(unknown[0], f"unknown key; allowed here: {allowed}")


def _address(section: _Section, name: str = "address") -> int:
    return section.integer(name, low=0, high=0xFFFF)


def _scale(section: _Section, default: Decimal) -> Decimal:
    value = section.raw("scale", default)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise section.error("scale", f'write it as a string (e.g. "{value}") so it stays exact')
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise section.error("scale", f"must be a decimal string or an integer, not {value!r}")
    try:
        scale = Decimal(value)
    except InvalidOperation:
        raise section.error("scale", f"{value!r} is not a decimal number") from None
    if not scale.is_finite() or scale <= 0:
        raise section.error("scale", f"{value!r} must be a positive number")
    return scale


def _header(root: _Section) -> tuple[str, int]:
    root.text("source", "")
    root.text("notes", "")
    return root.text("model"), root.integer("unit_id", low=0, high=255, default=1)


# --------------------------------------------------------------------------- weight maps


def _weight_map(root: _Section) -> WeightMap:
    model, unit_id = _header(root)
    value = root.require("value")
    default = Field(
        address=0,
        type=value.choice("type", tuple(REGISTERS_PER_TYPE)),
        word_order=value.choice("word_order", WORD_ORDERS, "big"),
        scale=_scale(value, Decimal(1)),
    )
    function = value.choice("function", REGISTER_FUNCTIONS)
    unit = value.choice("unit", WEIGHT_UNITS)
    value.done()
    weight_map = WeightMap(
        source=root.source,
        model=model,
        function=function,
        unit=unit,
        fields=_weight_fields(root, default),
        status=_status(root, function, default.word_order),
        commands=_commands(root, default.word_order),
        unit_id=unit_id,
        max_registers=root.integer("max_registers", low=2, high=125, default=125),
        write=root.choice("write", ("single", "multiple"), "single"),
    )
    _check_overlaps(root, weight_map)
    return weight_map


def _weight_fields(root: _Section, default: Field) -> Mapping[str, Field]:
    section = root.require("fields")
    fields = {}
    for name in WEIGHT_FIELDS:
        if section.has(name):
            fields[name] = _weight_field(section, name, default)
    section.done()
    if "weight" not in fields and "gross" not in fields:
        raise root.error("fields", "needs 'weight' (the displayed weight) or 'gross'")
    return MappingProxyType(fields)


def _weight_field(section: _Section, name: str, default: Field) -> Field:
    if not isinstance(section.data[name], dict):
        return Field(_address(section, name), default.type, default.word_order, default.scale)
    table = section.require(name)
    result = Field(
        address=_address(table),
        type=table.choice("type", tuple(REGISTERS_PER_TYPE), default.type),
        word_order=table.choice("word_order", WORD_ORDERS, default.word_order),
        scale=_scale(table, default.scale),
    )
    table.done()
    return result


def _status(root: _Section, function: str, word_order: str) -> StatusMap | None:
    section = root.table("status")
    if section is None:
        return None
    vtype = section.choice("type", ("uint16", "uint32"), "uint16")
    bits = section.require("bits")
    status = StatusMap(
        function=section.choice("function", REGISTER_FUNCTIONS, function),
        address=_address(section),
        type=vtype,
        word_order=section.choice("word_order", WORD_ORDERS, word_order),
        bits=_status_bits(bits, 16 * REGISTERS_PER_TYPE[vtype]),
    )
    section.done()
    return status


def _status_bits(section: _Section, width: int) -> Mapping[str, int]:
    allowed = (*STATUS_BIT_NAMES, *_STATUS_ALIASES)
    bits: dict[str, int] = {}
    for name in list(section.data):
        if name not in allowed:
            raise section.error(name, f"unknown status bit; allowed: {', '.join(allowed)}")
        canonical = _STATUS_ALIASES.get(name, name)
        if canonical in bits:
            raise section.error(name, f"{canonical!r} is given twice")
        bits[canonical] = section.integer(name, low=0, high=width - 1)
    if "stable" in bits and "motion" in bits:
        raise section.error("motion", "give either 'stable' or 'motion' (its inverse), not both")
    owners: dict[int, str] = {}
    for name, bit in bits.items():
        first = owners.setdefault(bit, name)
        if first != name:
            raise section.error(name, f"bit {bit} is already {first!r}; one name per bit")
    section.done()
    return MappingProxyType(bits)


def _commands(root: _Section, word_order: str) -> Mapping[str, Command]:
    section = root.table("commands")
    if section is None:
        return MappingProxyType({})
    commands = {}
    for name in list(section.data):
        if name not in COMMAND_NAMES:
            raise section.error(name, f"unknown command; allowed: {', '.join(COMMAND_NAMES)}")
        table = section.require(name)
        commands[name] = _command(table, word_order)
        table.done()
    section.done()
    return MappingProxyType(commands)


def _command(table: _Section, word_order: str) -> Command:
    kind = table.choice("kind", COMMAND_KINDS)
    address = _address(table)
    if kind == "coil":
        on = table.raw("value", True)
        if not isinstance(on, bool):
            raise table.error("value", f"a coil value must be true or false, not {on!r}")
        return Command(kind, address, value=int(on))
    if kind == "pulse_bit":
        return Command(kind, address, value=0, bit=table.integer("bit", low=0, high=15))
    vtype = table.choice("type", ("uint16", "uint32"), "uint16")
    high = 0xFFFF if vtype == "uint16" else 0xFFFFFFFF
    return Command(
        kind,
        address,
        value=table.integer("value", low=0, high=high),
        type=vtype,
        word_order=table.choice("word_order", WORD_ORDERS, word_order),
    )


def _check_overlaps(root: _Section, weight_map: WeightMap) -> None:
    spans = [(f"fields.{n}", weight_map.function, f) for n, f in weight_map.fields.items()]
    status = weight_map.status
    if status is not None:
        spans.append(("status", status.function, Field(status.address, status.type)))
    taken: dict[tuple[str, int], str] = {}
    for key, function, item in spans:
        for address in range(item.address, item.address + item.count):
            other = taken.setdefault((function, address), key)
            if other != key:
                raise root.error(key, f"overlaps {other} at {function} register {address}")
        if item.address + item.count > 0x10000:
            raise root.error(key, "runs past register 65535")


# --------------------------------------------------------------------------- I/O maps


def _io_map(root: _Section) -> IoMap:
    model, unit_id = _header(root)
    inputs = _bit_block(root, "inputs", ("discrete", "coils"))
    outputs = _bit_block(root, "outputs", ("coils",))
    if inputs is None and outputs is None:
        raise root.error("inputs", "an I/O map needs [inputs], [outputs] or both")
    return IoMap(root.source, model, inputs, outputs, unit_id)


def _bit_block(root: _Section, name: str, functions: tuple[str, ...]) -> BitBlock | None:
    section = root.table(name)
    if section is None:
        return None
    block = BitBlock(
        function=section.choice("function", functions),
        address=_address(section),
        count=section.integer("count", low=1, high=2000),
    )
    section.done()
    if block.address + block.count > 0x10000:
        raise root.error(name, "runs past address 65535")
    return block


# --------------------------------------------------------------------------- WIM maps


def _wim_map(root: _Section) -> WimMap:
    model, unit_id = _header(root)
    registers = root.require("registers")
    function = registers.choice("function", REGISTER_FUNCTIONS)
    word_order = registers.choice("word_order", WORD_ORDERS, "big")
    registers.done()
    identity = root.require("identity")
    magic = identity.integer("magic", low=0, high=0xFFFF)
    version = identity.integer("version", low=0, high=0xFFFF)
    identity.done()
    ack = root.require("ack")
    ack.choice("function", ("holding",), "holding")
    ack_address = ack.integer("address", low=0, high=0xFFFE)
    ack.done()
    wim_map = WimMap(
        source=root.source,
        model=model,
        function=function,
        word_order=word_order,
        magic=magic,
        version=version,
        max_axles=root.integer("max_axles", low=2, high=32, default=12),
        fields=_wim_fields(root),
        ack_address=ack_address,
        status_bits=_named_bits(root, "status_bits", WIM_STATUS_BITS, ("record_ready",)),
        flag_bits=_named_bits(root, "flag_bits", WIM_FLAG_BITS, ("complete",)),
        unit_id=unit_id,
    )
    _check_wim_layout(root, wim_map)
    return wim_map


def _wim_fields(root: _Section) -> Mapping[str, int]:
    section = root.require("fields")
    fields = {name: _address(section, name) for name in WIM_FIELDS}
    section.done()
    return MappingProxyType(fields)


def _named_bits(
    root: _Section, name: str, allowed: tuple[str, ...], required: tuple[str, ...]
) -> Mapping[str, int]:
    section = root.require(name)
    for bit_name in section.data:
        if bit_name not in allowed:
            raise section.error(bit_name, f"unknown bit name; allowed: {', '.join(allowed)}")
    bits = {n: section.integer(n, low=0, high=15) for n in allowed if section.has(n)}
    for needed in required:
        if needed not in bits:
            raise section.error(needed, "is required")
    if len(set(bits.values())) != len(bits):
        raise root.error(name, "two names share one bit number")
    section.done()
    return MappingProxyType(bits)


def _check_wim_layout(root: _Section, wim_map: WimMap) -> None:
    taken: dict[int, str] = {}
    for name in WIM_FIELDS:
        start, count = wim_map.span(name)
        for address in range(start, start + count):
            other = taken.setdefault(address, name)
            if other != name:
                raise root.error(f"fields.{name}", f"overlaps fields.{other} at {address}")
    first, count = wim_map.window
    ack = range(wim_map.ack_address, wim_map.ack_address + 2)
    if wim_map.function == "holding" and (ack.start < first + count and first < ack.stop):
        raise root.error("ack.address", "the acknowledge pair lies inside the record")
    if count > MAX_READ_REGISTERS or first + count > 0x10000:
        raise root.error(
            "fields",
            f"the record spans {count} registers from {first}; it must fit one read "
            f"of at most {MAX_READ_REGISTERS} so the station sees it whole",
        )
