"""What the first-run wizard collects, and the files it makes at Finish. No Qt here.

The wizard fills a `SetupPlan`; nothing touches the disk until `finish_setup`, which runs
on a worker thread. The configuration text comes from the same writer as
`main.py config --write-demo` (`station.config.station_config_text`) and is checked by the
same validator as every start (`parse_config`, then the drivers' own option checks) before
anything is written. The province's key is written to the data folder readable by its
owner only, and read back with the upload's own reader.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from drivers.lanes.plan import SUPPORTED, plan_devices
from drivers.modbus import MapError, load_map, shipped_maps
from drivers.probe import PROTOCOLS as PROBE_PROTOCOLS
from drivers.probe import ProbeError, ProbeOptions, run_probe
from drivers.protocols import PROTOCOLS as STREAM_PROTOCOLS
from drivers.signs.onbon import DEFAULT_PORT as SIGN_PORT
from station.config import (
    SecuritySection,
    StationConfig,
    load_config,
    parse_config,
    station_config_text,
    write_text_atomic,
)
from station.security import LoginPolicy
from station.storage.accounts import create_admin
from station.storage.database import open_database
from station.upload.keys import KEY_HEX_LENGTH, load_key

SERIAL, NETWORK = "serial", "network"
MODES = ("STATIC", "AXLE", "WIM")
KINDS = ("scale", "axle_scale", "wim", "camera", "io", "sign")
MAX_LANES = 4
KEY_FILE_NAME = "province.key"
MAX_KEY_FILE_BYTES = 4096  # a key file is 64 characters and a newline; more is not one
PROBE_READINGS = 3
DEFAULT_PROBE_TIMEOUT_S = 5.0
MODBUS_MAP_KINDS = {"modbus-weight": "weight", "modbus-io": "io", "modbus-wim": "wim"}
# The weighing device a new lane starts with, by lane mode.
FIRST_DEVICE = {"STATIC": ("scale", "toledo"), "AXLE": ("axle_scale", "yaohua-tf0"),
                "WIM": ("wim", "modbus-wim")}  # fmt: skip
# Drivers that need settings the wizard does not ask for (a regex profile): set them up in
# the configuration file afterwards.
NEEDS_THE_FILE = ("ascii",)
DEFAULT_TCP_PORT = {"stream": 4001, "modbus": 502, "sign": SIGN_PORT, "camera": 8080}
HEADER = """\
# Configuration of one overload detection station (治超检测站).
# Written by the first-run wizard (main.py setup); every key is described in
# docs/configuration.md. Keys left out take their default. Relative paths are resolved
# against the folder of this file. Change it later in the desktop (Station > Settings).
"""


class SetupError(Exception):
    """Finish cannot go on; the message says why. Nothing is left half written."""


class KeyTextError(ValueError):
    """Not a 64-hex key; ``found`` is how many characters there were (-1: not text)."""

    def __init__(self, found: int) -> None:
        super().__init__(
            f"must be exactly {KEY_HEX_LENGTH} hex characters (0-9, a-f); found "
            + (f"{found} characters" if found >= 0 else "bytes that are not text")
        )
        self.found = found


def admin_policy() -> LoginPolicy:
    """The password rule of a new station: the configuration's defaults."""
    return LoginPolicy(SecuritySection().password_min_length)


# ---- drivers -----------------------------------------------------------------------------


def family(driver: str) -> str:
    """How a driver is reached: stream (indicators), modbus, camera or sign."""
    if driver in MODBUS_MAP_KINDS:
        return "modbus"
    if driver in STREAM_PROTOCOLS:
        return "stream"
    return "sign" if driver == "onbon" else "camera"


def drivers_for(kind: str) -> tuple[str, ...]:
    return tuple(name for name in SUPPORTED.get(kind, ()) if name not in NEEDS_THE_FILE)


def can_probe(driver: str) -> bool:
    return driver in PROBE_PROTOCOLS


def links_for(driver: str) -> tuple[str, ...]:
    """Serial and network for indicators and Modbus; cameras and signs are on the network."""
    return (SERIAL, NETWORK) if family(driver) in ("stream", "modbus") else (NETWORK,)


@cache
def maps_of_kind(kind: str) -> tuple[str, ...]:
    """The shipped Modbus register maps of one kind (weight, io, wim), by name."""
    names = []
    for name, path in shipped_maps().items():
        try:
            if load_map(path).kind == kind:
                names.append(name)
        except MapError:
            continue
    return tuple(names)


# ---- the plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProbeOutcome:
    ok: bool
    readings: tuple[dict, ...]
    message: str


@dataclass
class DevicePlan:
    id: str
    kind: str
    driver: str
    link: str = SERIAL
    serial_port: str = ""
    baud: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1
    host: str = ""
    tcp_port: int = 4001
    path: str = ""  # a camera's URL path
    map: str = ""  # a Modbus register map
    unit: int = 1
    probe: ProbeOutcome | None = None

    @property
    def family(self) -> str:
        return family(self.driver)

    def port(self) -> str:
        """The configuration's `port`: a serial device, or the URL of the network link."""
        if self.link == SERIAL and self.family in ("stream", "modbus"):
            return self.serial_port.strip()
        host = self.host.strip()
        host = f"[{host}]" if ":" in host else host
        scheme = {"stream": "socket", "modbus": "tcp", "sign": "tcp", "camera": "http"}
        address = f"{scheme[self.family]}://{host}:{self.tcp_port}"
        if self.family == "camera":
            path = self.path.strip() or "/"
            return address + (path if path.startswith("/") else f"/{path}")
        return address

    def options(self) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if self.family == "modbus":
            options.update(map=self.map, unit=self.unit)
        if self.link == SERIAL and self.family in ("stream", "modbus"):
            options.update(baud=self.baud, bytesize=self.bytesize, parity=self.parity,
                           stopbits=self.stopbits)  # fmt: skip
        return options

    def table(self) -> dict[str, Any]:
        """The device's [[lanes.devices]] keys."""
        table: dict[str, Any] = {
            "id": self.id.strip(),
            "kind": self.kind,
            "driver": self.driver,
            "port": self.port(),
            "simulate": False,
        }
        options = self.options()
        if options:
            table["options"] = options
        return table

    def probe_options(self, timeout_s: float) -> ProbeOptions:
        return ProbeOptions(
            protocol=self.driver, port=self.port(), baud=self.baud, bytesize=self.bytesize,
            parity=self.parity, stopbits=self.stopbits, unit=self.unit, map=self.map or None,
            count=PROBE_READINGS, timeout_s=timeout_s,
        )  # fmt: skip


def default_id(lane: int, kind: str) -> str:
    return f"lane{lane}-{kind.replace('_', '-')}"


def new_device(lane: int, kind: str, taken: set[str], driver: str = "") -> DevicePlan:
    """A device of `kind` (with `driver`, else the first for the kind), its id not in `taken`."""
    base = default_id(lane, kind)
    device_id, number = base, 2
    while device_id in taken:
        device_id, number = f"{base}-{number}", number + 1
    device = DevicePlan(device_id, kind, driver or drivers_for(kind)[0])
    set_driver(device, device.driver, lane)
    return device


def set_driver(device: DevicePlan, driver: str, lane: int) -> None:
    """Give the device another driver, with a link, port and map that make sense for it."""
    device.driver, device.probe = driver, None
    links = links_for(driver)
    if device.link not in links:
        device.link = links[0]
    device.tcp_port = DEFAULT_TCP_PORT[device.family]
    if device.family == "camera":
        device.host = device.host or "0.0.0.0"
        device.path = f"/anpr/lane{lane}"
    maps = maps_of_kind(MODBUS_MAP_KINDS[driver]) if driver in MODBUS_MAP_KINDS else ()
    device.map = device.map if device.map in maps else (maps[0] if maps else "")


@dataclass
class LanePlan:
    number: int
    mode: str = "STATIC"
    direction: int = 0
    name: str = ""
    devices: list[DevicePlan] = field(default_factory=list)

    def table(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "direction": self.direction,
            "mode": self.mode,
            "name": self.name.strip() or f"{self.number}号车道",
            "devices": [device.table() for device in self.devices],
        }


def new_lane(number: int, taken: set[str]) -> LanePlan:
    """A static lane with its platform scale's indicator, the usual first lane."""
    lane = LanePlan(number)
    kind, driver = FIRST_DEVICE[lane.mode]
    lane.devices.append(new_device(number, kind, taken, driver))
    return lane


@dataclass
class ProvincePlan:
    enabled: bool = False
    url: str = ""
    site_code: str = ""
    ca_file: str = ""
    key: str = field(default="", repr=False)  # the secret, in memory until Finish
    key_source: str = ""  # where it came from ("" = pasted), for the summary


@dataclass
class SetupPlan:
    config_path: Path
    data_dir: Path
    language: str = "zh_CN"
    site_code: str = ""
    name: str = ""
    lanes: list[LanePlan] = field(default_factory=list)
    province: ProvincePlan = field(default_factory=ProvincePlan)
    admin_password: str = field(default="", repr=False)

    @property
    def key_path(self) -> Path:
        return self.data_dir / KEY_FILE_NAME

    def devices(self) -> list[DevicePlan]:
        return [device for lane in self.lanes for device in lane.devices]

    def config_text(self, key_file: Path | None) -> str:
        province = self.province
        values: dict[str, dict[str, Any]] = {
            "station": {"site_code": self.site_code.strip(), "name": self.name.strip(),
                        "language": self.language},
            "storage": {"data_dir": self.data_dir.as_posix()},
        }  # fmt: skip
        if province.enabled:
            values["province"] = {
                "url": province.url.strip(),
                "site_code": province.site_code.strip(),
                "key_file": key_file.as_posix() if key_file else "",
                "ca_file": Path(province.ca_file.strip()).as_posix() if province.ca_file else "",
            }
        return station_config_text(values, [lane.table() for lane in self.lanes], HEADER)


# ---- checks ------------------------------------------------------------------------------


def parse_key(text: str) -> str:
    """The 64-hex key in `text` (spaces and line ends around it ignored), lower case."""
    key = text.strip()
    if len(key) != KEY_HEX_LENGTH or any(char not in "0123456789abcdefABCDEF" for char in key):
        raise KeyTextError(len(key))
    return key.lower()


def read_key_file(path: Path) -> str:
    """The key in a file the province handed over (a worker reads it, never the GUI)."""
    with path.open("rb") as handle:
        data = handle.read(MAX_KEY_FILE_BYTES + 1)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise KeyTextError(-1) from None
    return parse_key(text)


def is_file(path: str) -> bool:
    return Path(path).expanduser().is_file()


def probe_device(options: ProbeOptions) -> ProbeOutcome:
    """The probe of `main.py probe`, its readings kept instead of printed."""
    out = io.StringIO()
    try:
        code, message = run_probe(options, out)
    except ProbeError as exc:
        return ProbeOutcome(False, (), str(exc))
    readings = tuple(json.loads(line) for line in out.getvalue().splitlines() if line.strip())
    return ProbeOutcome(code == 0, readings, message)


# ---- Finish ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetupResult:
    config: StationConfig
    admin_created: bool  # False: the database had accounts; their passwords are unchanged
    key_file: Path | None


def save_key(path: Path, key: str) -> Path:
    """Write the key readable by its owner only (mode 600), atomically; check it back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp makes the file 0600 from the start: the key is never readable by others.
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(parse_key(key).encode("ascii") + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    load_key(path)  # the upload's reader: mode and content as it wants them
    return path


def check_plan(plan: SetupPlan) -> StationConfig:
    """Everything the start-up checks, except the key file, which exists only after Finish."""
    config = parse_config(plan.config_text(None), plan.config_path)
    try:
        plan_devices(config.lanes)
    except ValueError as exc:
        raise SetupError(str(exc)) from None
    return config


def finish_setup(plan: SetupPlan) -> SetupResult:
    """Check, then key, database and admin, then the configuration file last, so a setup
    that fails half way leaves no configuration and the wizard runs again at the next start.

    Raises ConfigError, SetupError, StorageError, KeyFileError or OSError.
    """
    check_plan(plan)
    if plan.config_path.exists():
        raise SetupError(f"{plan.config_path} already exists; it was not replaced")
    plan.data_dir.mkdir(parents=True, exist_ok=True)
    key = plan.province.key if plan.province.enabled else ""
    key_file = save_key(plan.key_path, key) if key else None
    text = plan.config_text(key_file)
    config = parse_config(text, plan.config_path)
    database, _ = open_database(config.database.url, config.database.backup_dir)
    try:
        created = create_admin(database, plan.admin_password, admin_policy())
    finally:
        database.dispose()
    write_text_atomic(plan.config_path, text)
    return SetupResult(load_config(plan.config_path), created, key_file)
