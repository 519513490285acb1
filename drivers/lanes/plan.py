"""The lanes' devices checked before anything starts: one frozen plan per device.

Every option is read here, typed and range-checked, so a typo in the configuration fails at
start-up with a ValueError naming the key (``lanes[0].devices[2].options.poll_s``) and what
is allowed, and nothing is half started. Keys a driver does not know are refused too; the
keys of an indicator protocol go on to `drivers.protocols.make`, which refuses its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn
from urllib.parse import urlsplit

from drivers.axle_scale import DEFAULT_PLATFORM_LENGTH_M
from drivers.cameras.digest import DigestCredentials
from drivers.cameras.listener import DAHUA, DAHUA_PREFIX, VENDORS
from drivers.lanes.specs import (
    AxleSpec,
    CameraSpec,
    IoSpec,
    ModbusLine,
    ModbusSpec,
    Planned,
    SignSpec,
    StreamSpec,
)
from drivers.modbus import MapError, load_map, parse_port, shipped_map
from drivers.modbus.maps import AnyMap, IoMap, WeightMap, WimMap
from drivers.protocols import PROTOCOLS, make
from drivers.signs.onbon import DEFAULT_PORT as SIGN_PORT
from drivers.signs.onbon import SCREEN_ADDRESS
from drivers.transport import PortSettings, PortSettingsError
from station.config import DeviceConfig, LaneConfig

STREAM_DRIVERS = tuple(PROTOCOLS)
MODBUS_MAP_KINDS: dict[str, type] = {
    "modbus-weight": WeightMap,
    "modbus-io": IoMap,
    "modbus-wim": WimMap,
}
SUPPORTED: dict[str, tuple[str, ...]] = {
    "axle_scale": (*STREAM_DRIVERS, "modbus-weight"),
    "scale": (*STREAM_DRIVERS, "modbus-weight"),
    "wim": ("modbus-wim",),
    "camera": tuple(sorted(VENDORS)),
    "io": ("modbus-io",),
    "sign": ("onbon",),
}
# Read by `main.py simulate` (drivers.simulate), not by the drivers: allowed, ignored here.
SIMULATOR_KEYS = frozenset({"sim_port", "sim_every_s", "sim_zero_counts", "sim_kg_per_count"})

DEFAULT_RATE_HZ = 25
# Ends a passage after this much sample-clock time with an empty platform. Above 15 s because
# a semi-trailer's 7.6 m axle gap takes 14 s at 2 km/h (docs/axle-segmentation.md).
DEFAULT_VEHICLE_GAP_S = 20.0
DEFAULT_STREAM_POLL_S = 0.2
DEFAULT_POLL_S = {"modbus-weight": 0.1, "modbus-io": 0.05, "modbus-wim": 0.2}
# An axle scale's transmitter is asked once per sample; a Modbus request and its answer take
# a few ms on TCP and tens of ms on RTU, so faster sample clocks cannot be polled.
MAX_POLLED_RATE_HZ = 100
# Short enough that close() ends a thread blocked in a request within about 2 s.
DEFAULT_MODBUS_TIMEOUT_S = 0.5
DEFAULT_SIGN_TIMEOUT_S = 1.0
DEFAULT_SIGN_PING_S = 10.0
NOT_WIRED = -1  # a channel option set to -1: the device does not drive or report it
# The named inputs an axle scale may take as its vehicle separator ("" = none).
SEPARATORS = ("", "loop", "curtain")


class Options:
    """One device's options table: typed reads that name the key; unread keys are refused."""

    def __init__(self, where: str, raw: Mapping[str, Any]) -> None:
        self.where = where
        self._raw = dict(raw)
        self._read: set[str] = set(SIMULATOR_KEYS)

    def fail(self, key: str, problem: str) -> NoReturn:
        raise ValueError(f"{self.where}.options.{key}: {problem}")

    def has(self, key: str) -> bool:
        return key in self._raw

    def _get(self, key: str, default: Any) -> Any:
        self._read.add(key)
        return self._raw.get(key, default)

    def number(self, key: str, default: float, *, low: float = 0.0) -> float:
        """A number above `low` (int or float)."""
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > low:
            self.fail(key, f"must be a number above {low:g}, not {value!r}")
        return float(value)

    def integer(self, key: str, default: int | None, *, low: int, high: int) -> int | None:
        value = self._get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(key, f"must be a whole number from {low} to {high}, not {value!r}")
        return value

    def text(self, key: str, default: str | None = None) -> str:
        value = self._get(key, default)
        if value is None:
            self.fail(key, "is required")
        if not isinstance(value, str):
            self.fail(key, f"must be a string, not {value!r}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            self.fail(key, f"must be true or false, not {value!r}")
        return value

    def rest(self) -> dict[str, Any]:
        """The keys not read so far (an indicator protocol's own options)."""
        return {key: value for key, value in self._raw.items() if key not in self._read}

    def done(self, allowed: Sequence[str]) -> None:
        for key in self._raw:
            if key not in self._read:
                self.fail(key, f"unknown option; allowed: {', '.join(allowed)}")


# --------------------------------------------------------------------------- per driver

_LINE_KEYS = ("baud", "bytesize", "parity", "stopbits")
# PortSettings names its bad field; the configuration key it came from is named instead.
_SETTING_KEYS = {
    "baudrate": "options.baud",
    "bytesize": "options.bytesize",
    "parity": "options.parity",
    "stopbits": "options.stopbits",
}


def _line(options: Options) -> dict[str, Any]:
    parity = options.text("parity", "N").upper()
    if parity not in ("N", "E", "O"):
        options.fail("parity", f"{parity!r}; allowed: N, E, O")
    return {
        "baudrate": options.integer("baud", 9600, low=50, high=4_000_000),
        "bytesize": options.integer("bytesize", 8, low=7, high=8),
        "parity": parity,
        "stopbits": options.integer("stopbits", 1, low=1, high=2),
    }


def _rate(options: Options) -> int:
    """The indicator's output rate: an axle scale's sample clock. Elsewhere only the
    simulators read it (drivers.sim.traffic), so it is checked and allowed there too."""
    rate = options.integer("rate_hz", DEFAULT_RATE_HZ, low=1, high=2000)
    assert rate is not None
    return rate


def _separator(options: Options) -> str | None:
    name = options.text("separator", "")
    if name not in SEPARATORS:
        options.fail("separator", f"{name!r}; allowed: {', '.join(map(repr, SEPARATORS))}")
    return name or None


def _axle_spec(options: Options, rate: int) -> AxleSpec:
    return AxleSpec(
        rate_hz=rate,
        platform_length_m=options.number("platform_length_m", DEFAULT_PLATFORM_LENGTH_M),
        vehicle_gap_s=options.number("vehicle_gap_s", DEFAULT_VEHICLE_GAP_S),
        separator=_separator(options),
    )


def _stream(device: DeviceConfig, options: Options, where: str) -> StreamSpec:
    line = _line(options)
    try:
        settings = PortSettings(device.port, **line)
    except PortSettingsError as exc:
        raise ValueError(f"{where}.{_SETTING_KEYS.get(exc.field, 'port')}: {exc}") from None
    axles = None
    rate = _rate(options)
    if device.kind == "axle_scale":
        axles = _axle_spec(options, rate)
        # A polled indicator is asked once per sample: the sample clock counts answers.
        poll_s = 1.0 / rate
    else:
        poll_s = options.number("poll_s", DEFAULT_STREAM_POLL_S)
    protocol_options = options.rest()
    try:
        polled = make(device.driver, **protocol_options).poll_request() is not None
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}.options: {exc}") from None
    if polled and poll_s < 2 * settings.timeout_s:
        # The worker asks only between reads, and a read waits up to the port's timeout for
        # bytes that will not come before the next request: keep it within half a poll.
        settings = dataclasses.replace(settings, timeout_s=poll_s / 2)
    return StreamSpec(settings, protocol_options, poll_s, axles, rate)


def _register_map(options: Options, driver: str) -> AnyMap:
    name = options.text("map")
    try:
        # The same rule as `main.py simulate`: a file by its suffix, else a shipped map.
        loaded = load_map(name) if name.endswith((".toml", ".json")) else shipped_map(name)
    except MapError as exc:
        options.fail("map", str(exc))
    wanted = MODBUS_MAP_KINDS[driver]
    if not isinstance(loaded, wanted):
        options.fail("map", f"{name} is a {loaded.kind} map; {driver} needs a {wanted.kind} map")
    return loaded


def _check_raw_counts(options: Options, weight_map: WeightMap) -> bool:
    """`raw_counts = true`: the station turns the counts into kg (station/lanes/rawcounts.py),
    so the map must hand them over unchanged: integers, scale 1, unit kg."""
    if not options.flag("raw_counts", False):
        return False
    names = [name for name in ("weight", "gross", "tare", "net") if name in weight_map.fields]
    for name in names:
        item = weight_map.fields[name]
        if item.type == "float32" or item.scale != 1 or weight_map.unit != "kg":
            options.fail(
                "raw_counts",
                f"the map {weight_map.model} ({weight_map.source}) gives fields.{name} as "
                f"{item.type} x {item.scale} {weight_map.unit}; a raw-count transmitter's map "
                'must give counts as they are: an integer type, scale = 1, unit = "kg"',
            )
    return True


def _axle_transmitter(options: Options) -> tuple[AxleSpec, float]:
    """An axle scale's transmitter: its segmenter and its poll period, one poll a sample."""
    if options.has("poll_s"):
        options.fail(
            "poll_s",
            "an axle scale's transmitter is polled once per sample, every 1/rate_hz s; "
            "set rate_hz (the sample clock) instead",
        )
    rate = _rate(options)
    if rate > MAX_POLLED_RATE_HZ:
        options.fail(
            "rate_hz",
            f"{rate}: an axle scale's transmitter is polled once per sample; "
            f"allowed: 1 to {MAX_POLLED_RATE_HZ}",
        )
    return _axle_spec(options, rate), 1.0 / rate


def _channel(options: Options, key: str, default: int | None, count: int, what: str) -> int | None:
    """A channel number; -1 means none. A default the map has no channel for means none."""
    if not options.has(key):
        return default if default is not None and default < count else None
    if count == 0:
        value = options.integer(key, None, low=NOT_WIRED, high=NOT_WIRED)
        if value != NOT_WIRED:
            options.fail(key, f"the map has no {what}; allowed: -1 (none)")
        return None
    value = options.integer(key, None, low=NOT_WIRED, high=count - 1)
    return None if value == NOT_WIRED else value


def _io(options: Options, io_map: IoMap) -> IoSpec:
    inputs = io_map.inputs.count if io_map.inputs else 0
    outputs = io_map.outputs.count if io_map.outputs else 0
    return IoSpec(
        loop_input=_channel(options, "loop_input", 0, inputs, "inputs"),
        curtain_input=_channel(options, "curtain_input", None, inputs, "inputs"),
        light_output=_channel(options, "light_output", 0, outputs, "outputs"),
        barrier_output=_channel(options, "barrier_output", 1, outputs, "outputs"),
    )


def _modbus(device: DeviceConfig, options: Options, where: str) -> ModbusSpec:
    register_map = _register_map(options, device.driver)
    try:
        parse_port(device.port)
    except ValueError as exc:
        raise ValueError(f"{where}.port: {exc}") from None
    line = ModbusLine(
        device.port,
        **_line(options),
        timeout_s=options.number("timeout_s", DEFAULT_MODBUS_TIMEOUT_S),
    )
    unit = options.integer("unit", None, low=0, high=255)
    axles, raw_counts = None, False
    if device.kind == "axle_scale":
        axles, poll_s = _axle_transmitter(options)
    else:
        poll_s = options.number("poll_s", DEFAULT_POLL_S[device.driver])
    if device.driver == "modbus-weight":
        _rate(options)
        assert isinstance(register_map, WeightMap)
        raw_counts = _check_raw_counts(options, register_map)
    io = _io(options, register_map) if isinstance(register_map, IoMap) else None
    return ModbusSpec(line, register_map, unit, poll_s, io, axles, raw_counts)


def _camera(device: DeviceConfig, options: Options, where: str) -> CameraSpec:
    parts = urlsplit(device.port)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme != "http" or not parts.hostname or port is None:
        raise ValueError(
            f"{where}.port: {device.port!r} is not the URL the camera posts to; "
            "allowed: http://host:port/path (host and port the station listens on)"
        )
    path = parts.path or "/"
    if device.driver == DAHUA and path == "/":
        path = DAHUA_PREFIX  # where Dahua cameras post when given only an address
    username = options.text("username", "")
    password = options.text("password", "")
    if password and not username:
        options.fail("password", "needs a username")
    digest = DigestCredentials(username, password) if username else None
    return CameraSpec(
        device.driver, parts.hostname, port, path, options.text("source_ip", ""), digest
    )


def _tcp_address(port: str, where: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(port if "://" in port else f"tcp://{port}")
    try:
        number = parts.port
    except ValueError:  # not a number, or out of range
        number = -1
    if parts.scheme != "tcp" or not parts.hostname or number == -1:
        raise ValueError(f"{where}.port: {port!r}; allowed: tcp://host:port or host:port")
    return parts.hostname, default_port if number is None else number


def _sign(device: DeviceConfig, options: Options, where: str) -> SignSpec:
    host, port = _tcp_address(device.port, where, SIGN_PORT)
    address = options.integer("address", SCREEN_ADDRESS, low=0, high=0xFFFF)
    width = options.integer("width", 64, low=8, high=4096)
    height = options.integer("height", 32, low=8, high=4096)
    assert address is not None and width is not None and height is not None
    return SignSpec(
        host,
        port,
        address,
        width,
        height,
        timeout_s=options.number("timeout_s", DEFAULT_SIGN_TIMEOUT_S),
        ping_s=options.number("ping_s", DEFAULT_SIGN_PING_S),
    )


_BUILDERS = {
    **dict.fromkeys(STREAM_DRIVERS, _stream),
    **dict.fromkeys(MODBUS_MAP_KINDS, _modbus),
    **dict.fromkeys(VENDORS, _camera),
    "onbon": _sign,
}
# Every key each non-protocol driver reads, for the "unknown option" message.
ALLOWED_OPTIONS: dict[str, tuple[str, ...]] = {
    "modbus-weight": ("map", "unit", *_LINE_KEYS, "timeout_s", "poll_s", "rate_hz", "raw_counts"),
    "modbus-wim": ("map", "unit", *_LINE_KEYS, "timeout_s", "poll_s"),
    "modbus-io": (
        *("map", "unit", *_LINE_KEYS, "timeout_s", "poll_s"),
        *("loop_input", "curtain_input", "light_output", "barrier_output"),
    ),
    **dict.fromkeys(VENDORS, ("username", "password", "source_ip")),
    "onbon": ("address", "width", "height", "timeout_s", "ping_s"),
}
AXLE_TRANSMITTER_OPTIONS = (
    *("map", "unit", *_LINE_KEYS, "timeout_s", "rate_hz", "raw_counts"),
    *("platform_length_m", "vehicle_gap_s", "separator"),
)


def _allowed_options(device: DeviceConfig) -> tuple[str, ...] | None:
    """Every key the device's driver reads; None: an indicator protocol checks its own."""
    if device.kind == "axle_scale" and device.driver == "modbus-weight":
        return AXLE_TRANSMITTER_OPTIONS
    return ALLOWED_OPTIONS.get(device.driver)


def _plan(lane: LaneConfig, device: DeviceConfig, where: str) -> Planned:
    drivers = SUPPORTED.get(device.kind, ())
    if device.driver not in drivers:
        supported = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in SUPPORTED.items())
        raise ValueError(
            f"{where}.driver: {device.driver!r} is not supported for kind {device.kind!r}; "
            f"supported: {supported}"
        )
    if not device.port:
        raise ValueError(
            f"{where}.port: empty; give the port of the device, or of its simulator "
            "(`main.py simulate` serves each simulated device on its configured port)"
        )
    options = Options(where, device.options)
    spec = _BUILDERS[device.driver](device, options, where)
    allowed = _allowed_options(device)
    if allowed is not None:
        options.done(allowed)
    return Planned(lane.number, where, device, spec)


def _check_modbus_lines(planned: Sequence[Planned]) -> None:
    lines: dict[str, Planned] = {}
    for item in planned:
        if not isinstance(item.spec, ModbusSpec):
            continue
        first = lines.setdefault(item.spec.line.key, item)
        assert isinstance(first.spec, ModbusSpec)
        if first is not item and (item.spec.axles or first.spec.axles) is not None:
            # The sample clock counts its polls: a neighbour's requests would delay them.
            sampled, other = (item, first) if item.spec.axles is not None else (first, item)
            raise ValueError(
                f"{sampled.where}.port: an axle scale's transmitter is polled once per sample, "
                f"so it needs its Modbus port to itself; {other.where} is on "
                f"{item.spec.line.key} too"
            )
        if first.spec.line != item.spec.line:
            raise ValueError(
                f"{item.where}: shares the Modbus port {item.spec.line.key} with "
                f"{first.where} but not its line settings (baud, bytesize, parity, stopbits, "
                "timeout_s); devices on one port must agree"
            )


def _check_cameras(planned: Sequence[Planned]) -> None:
    hosts: dict[int, tuple[str, Planned]] = {}
    paths: dict[tuple[int, str], list[Planned]] = {}
    for item in planned:
        spec = item.spec
        if not isinstance(spec, CameraSpec):
            continue
        host, first = hosts.setdefault(spec.port, (spec.host, item))
        if host != spec.host:
            raise ValueError(
                f"{item.where}.port: listens on {spec.host}:{spec.port} but {first.where} on "
                f"{host}:{spec.port}; cameras on one port share one listening address"
            )
        paths.setdefault((spec.port, spec.path), []).append(item)
    for (port, path), items in paths.items():
        ips = [item.spec.source_ip for item in items if isinstance(item.spec, CameraSpec)]
        if len(items) > 1 and (not all(ips) or len(set(ips)) != len(ips)):
            names = ", ".join(item.device_id for item in items)
            raise ValueError(
                f"{items[-1].where}.options.source_ip: cameras {names} post to the same URL "
                f"(port {port}, path {path}); give each a different source_ip (the camera's "
                "address) or a different path"
            )


def io_inputs(spec: ModbusSpec) -> dict[str, int]:
    """The named inputs of an I/O module: name -> channel."""
    if spec.io is None:
        return {}
    named = (("loop", spec.io.loop_input), ("curtain", spec.io.curtain_input))
    return {name: channel for name, channel in named if channel is not None}


def axles_of(planned: Planned) -> AxleSpec | None:
    """The segmenter's settings of an axle scale (an indicator or a transmitter), else None."""
    spec = planned.spec
    return spec.axles if isinstance(spec, StreamSpec | ModbusSpec) else None


def _check_separators(planned: Sequence[Planned]) -> None:
    for item in planned:
        axles = axles_of(item)
        if axles is None or not axles.separator:
            continue
        name = axles.separator
        inputs = [
            io_inputs(other.spec)
            for other in planned
            if other.lane == item.lane and isinstance(other.spec, ModbusSpec)
        ]
        if not any(name in named for named in inputs):
            raise ValueError(
                f"{item.where}.options.separator: lane {item.lane} has no I/O module with a "
                f"{name!r} input ({name}_input)"
            )


def plan_devices(lanes: Sequence[LaneConfig]) -> list[Planned]:
    """Check every device of every lane; ValueError naming the first bad key."""
    planned: list[Planned] = []
    seen: dict[str, str] = {}
    for i, lane in enumerate(lanes):
        for j, device in enumerate(lane.devices):
            where = f"lanes[{i}].devices[{j}]"
            if device.id in seen:
                raise ValueError(f"{where}.id: {device.id!r} is already used at {seen[device.id]}")
            seen[device.id] = f"{where}.id"
            planned.append(_plan(lane, device, where))
    _check_modbus_lines(planned)
    _check_cameras(planned)
    _check_separators(planned)
    return planned
