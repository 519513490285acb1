"""Station configuration: one TOML file per station, validated at start.

The file is given with ``--config FILE``, else ``station.paths.default_config_path()`` is
used. Every key, its type, default, allowed values and documentation live in one
declarative schema below (``SECTIONS``, ``LANE_TABLE``, ``DEVICE_TABLE``); validation and
the commented demo file (``demo_config_text``) are both derived from it.

Every error is a :class:`ConfigError` naming the file, the line of the key, the key as a
dotted path with array indexes (``lanes[1].devices[0].port``, indexes count from 0) and
what is allowed. ``tomllib`` gives no positions for keys, so :class:`_Locator` scans the
text for table headers and ``key = value`` lines.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import re
import string
import tempfile
import textwrap
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from station import paths
from station.domain.penalty import BandEnd, FineRounding, PenaltyPolicy, parse_percent

__all__ = [
    "ConfigError",
    "DatabaseSection",
    "DeviceConfig",
    "LaneConfig",
    "PrintingSection",
    "ProvinceSection",
    "SecuritySection",
    "SignalStep",
    "StationConfig",
    "StationSection",
    "WorkflowSection",
    "check_field",
    "default_config",
    "demo_config_text",
    "load_config",
    "parse_config",
    "station_config_text",
    "write_demo_config",
    "write_text_atomic",
]


class ConfigError(ValueError):
    """A configuration file is missing, unreadable or invalid.

    ``str()`` is ``"<file>:<line>: <key>: <problem>"``; parts that are unknown are left out.
    """

    def __init__(
        self, problem: str, *, path: Path | None = None, line: int | None = None, key: str = ""
    ) -> None:
        self.problem = problem
        self.path = path
        self.line = line
        self.key = key
        where = str(path) if path is not None else "<config>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(": ".join(part for part in (where, key, problem) if part))


# --------------------------------------------------------------------------- result types


@dataclass(frozen=True)
class StationSection:
    site_code: str
    name: str
    language: str = "zh_CN"


@dataclass(frozen=True)
class DatabaseSection:
    url: str
    backup_dir: Path


@dataclass(frozen=True)
class SecuritySection:
    password_min_length: int = 10
    max_failed_logins: int = 5
    lockout_minutes: int = 15


@dataclass(frozen=True)
class ProvinceSection:
    url: str = ""
    site_code: str = ""  # "" = the station's own site code
    key_file: Path | None = None
    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    batch_size: int = 200
    timeout_s: int = 30
    upload_time: str = "02:00"

    @property
    def upload_enabled(self) -> bool:
        return bool(self.url)


@dataclass(frozen=True)
class DeviceConfig:
    id: str
    kind: str
    driver: str
    port: str
    simulate: bool
    options: dict


@dataclass(frozen=True)
class SignalStep:
    """What the lane's light, barrier and LED sign do at one step of the workflow."""

    light: str  # "red" or "green"
    barrier: str  # "closed" or "open"
    sign: str  # text with {plate} {sum_kg} {limit_kg} {over_kg} {notice} {lane} {reason}


MAX_UNLOAD_DEADLINE_HOURS = 720  # 30 days; longer is not a deadline an operator can follow
SIGNAL_STEPS = ("idle", "weighing", "pass", "over", "hold")
SIGN_FIELDS = ("plate", "sum_kg", "limit_kg", "over_kg", "notice", "lane", "reason")
DEFAULT_SIGNALS: Mapping[str, SignalStep] = {
    "idle": SignalStep("red", "closed", "请依次上磅 限速5公里"),
    "weighing": SignalStep("red", "closed", "正在称重 请匀速通过"),
    "pass": SignalStep("green", "open", "{plate} 未超限 请通行"),
    "over": SignalStep("red", "closed", "{plate} 超限{over_kg}公斤 请到卸载区卸载"),
    "hold": SignalStep("red", "closed", "{plate} 请停车 {reason}"),
}


@dataclass(frozen=True)
class LaneConfig:
    number: int
    direction: int
    mode: str
    name: str
    devices: tuple[DeviceConfig, ...]
    signals: Mapping[str, SignalStep] = dataclasses.field(
        default_factory=lambda: dict(DEFAULT_SIGNALS)
    )


@dataclass(frozen=True)
class WorkflowSection:
    detect_kg: int = 500
    zero_band_kg: int = 100
    stable_ms: int = 1500
    plate_wait_ms: int = 4000
    plate_before_ms: int = 20000
    reweigh_window_hours: int = 72
    unload_deadline_hours: int = 24
    require_daily_scale_check: bool = False


PRINT_KINDS = ("ticket", "unload", "sheet", "report")
MAX_PRINT_OFFSET_MM = 50


@dataclass(frozen=True)
class PrintingSection:
    """CUPS printer per document kind ("" = none: PDF only) and offsets for pre-printed forms."""

    ticket_printer: str = ""
    unload_printer: str = ""
    sheet_printer: str = ""
    report_printer: str = ""
    offsets: Mapping[str, tuple[float, float]] = dataclasses.field(default_factory=dict)

    def printer_for(self, kind: str) -> str:
        """The default printer of a document kind; "" when there is none."""
        return str(getattr(self, f"{kind}_printer", ""))

    def offset_of(self, printer: str) -> tuple[float, float]:
        """The (x right, y down) shift in mm of printer's forms; (0, 0) when not configured."""
        return self.offsets.get(printer, (0.0, 0.0))


@dataclass(frozen=True)
class StationConfig:
    path: Path | None
    station: StationSection
    database: DatabaseSection
    data_dir: Path
    policy: PenaltyPolicy
    extra_limit_tables: tuple[Path, ...]
    extra_penalty_tables: tuple[Path, ...]
    security: SecuritySection
    lanes: tuple[LaneConfig, ...]
    province: ProvinceSection
    workflow: WorkflowSection = WorkflowSection()
    printing: PrintingSection = PrintingSection()


# --------------------------------------------------------------------------- line locator


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _split_key(text: str) -> list[str]:
    """Split a (possibly dotted, possibly quoted) TOML key into its parts."""
    parts: list[str] = []
    current = ""
    quote = ""
    escaped = False
    for char in text:
        if quote:
            if escaped:
                current, escaped = current + char, False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
            else:
                current += char
        elif char in "\"'":
            quote = char
        elif char == ".":
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return parts


def _find_equals(line: str) -> int:
    """Index of the ``=`` that ends the key of a ``key = value`` line, or -1."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "=":
            return index
    return -1


class _ValueScanner:
    """Follows a value over several lines: open brackets and multi-line strings."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote = ""

    @property
    def open(self) -> bool:
        return self.depth > 0 or len(self.quote) == 3

    def feed(self, line: str) -> None:
        index = 0
        while index < len(line):
            index = self._in_string(line, index) if self.quote else self._outside(line, index)
        if len(self.quote) == 1:  # a single-line string cannot continue
            self.quote = ""

    def _in_string(self, line: str, index: int) -> int:
        if line[index] == "\\" and self.quote[0] == '"':
            return index + 2
        if line.startswith(self.quote, index):
            length = len(self.quote)
            self.quote = ""
            return index + length
        return index + 1

    def _outside(self, line: str, index: int) -> int:
        char = line[index]
        if char == "#":
            return len(line)
        if line.startswith(('"""', "'''"), index):
            self.quote = line[index : index + 3]
            return index + 3
        if char in "\"'":
            self.quote = char
        elif char in "[{":
            self.depth += 1
        elif char in "]}":
            self.depth -= 1
        return index + 1


class _Locator:
    """Maps dotted key paths (``lanes[1].devices[0].port``) to 1-based line numbers."""

    def __init__(self, text: str) -> None:
        self._lines: dict[str, int] = {}
        self._arrays: dict[str, int] = {}
        self._table = ""
        scanner = _ValueScanner()
        for number, raw in enumerate(text.split("\n"), start=1):
            if scanner.open:
                scanner.feed(raw)
                continue
            line = raw.strip()
            if line.startswith("[["):
                self._array_header(line, number)
            elif line.startswith("["):
                self._table_header(line, number)
            elif line and not line.startswith("#"):
                scanner = self._key_line(line, number)

    def line_of(self, key: str) -> int:
        """Line of ``key``; else of its nearest enclosing table or key; else 1."""
        while key:
            if key in self._lines:
                return self._lines[key]
            key = re.sub(r"(\[\d+\]|\.[^.\[]*|^[^.\[]*)$", "", key)
        return 1

    def _record(self, key: str, number: int) -> None:
        self._lines.setdefault(key, number)

    def _resolve(self, parts: Iterable[str]) -> str:
        path = ""
        for part in parts:
            path = _join(path, part)
            if path in self._arrays:
                path += f"[{self._arrays[path] - 1}]"
        return path

    def _array_header(self, line: str, number: int) -> None:
        end = line.find("]]")
        parts = _split_key(line[2 : end if end >= 0 else len(line)])
        name = _join(self._resolve(parts[:-1]), parts[-1])
        count = self._arrays.get(name, 0)
        self._arrays[name] = count + 1
        self._table = f"{name}[{count}]"
        self._record(name, number)
        self._record(self._table, number)

    def _table_header(self, line: str, number: int) -> None:
        end = line.find("]")
        self._table = self._resolve(_split_key(line[1 : end if end >= 0 else len(line)]))
        self._record(self._table, number)

    def _key_line(self, line: str, number: int) -> _ValueScanner:
        scanner = _ValueScanner()
        equals = _find_equals(line)
        if equals < 0:
            return scanner
        path = self._table
        for part in _split_key(line[:equals]):
            path = _join(path, part)
            self._record(path, number)
        scanner.feed(line[equals + 1 :])
        return scanner


# --------------------------------------------------------------------------- schema


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()

_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    list: "an array",
    dict: "a table",
}


@dataclass
class _Context:
    """What a check needs: where errors point and what relative paths resolve against."""

    path: Path | None
    locator: _Locator
    base: Path

    def fail(self, key: str, problem: str) -> NoReturn:
        raise ConfigError(problem, path=self.path, line=self.locator.line_of(key), key=key)

    def resolve(self, text: str) -> Path:
        candidate = Path(text).expanduser()
        return candidate if candidate.is_absolute() else self.base / candidate


Check = Callable[[_Context, str, Any], Any]


@dataclass(frozen=True)
class Field:
    """One key: its TOML type, default (or REQUIRED), documentation and value check.

    ``check(ctx, key, value)`` validates a value of the right type and returns it converted;
    it also runs on the default, so "" defaults turn into computed values in one place.
    """

    name: str
    type: type
    default: Any
    doc: str
    allowed: str = ""
    choices: tuple[Any, ...] = ()
    check: Check | None = None
    example: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def allowed_text(self) -> str:
        if self.allowed:
            return self.allowed
        if self.choices:
            return ", ".join(str(choice) for choice in self.choices)
        return _TYPE_NAMES[self.type]


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    fields: tuple[Field, ...]
    array: bool = False

    @property
    def header(self) -> str:
        return f"[[{self.name}]]" if self.array else f"[{self.name}]"

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.fields)


def _default_of(cls: type, name: str) -> Any:
    return next(item.default for item in dataclasses.fields(cls) if item.name == name)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str | int | float) else type(value).__name__


def _describe(value: Any) -> str:
    names = {bool: "", str: "the string ", int: "the integer ", float: "the float "}
    for kind, name in names.items():
        if isinstance(value, kind):
            return f"{name}{_show(value)}"
    return _TYPE_NAMES.get(type(value), f"a {type(value).__name__}")


# --- checks (each validates a value of the right TOML type and returns it converted)


def _non_empty(ctx: _Context, key: str, value: str) -> str:
    if not value.strip():
        ctx.fail(key, "must not be empty")
    return value


def _positive(ctx: _Context, key: str, value: int) -> int:
    if value < 1:
        ctx.fail(key, f"must be a positive integer (1 or more); got {value}")
    return value


def _non_negative(ctx: _Context, key: str, value: int) -> int:
    if value < 0:
        ctx.fail(key, f"must be an integer >= 0; got {value}")
    return value


def _deadline_hours(ctx: _Context, key: str, value: int) -> int:
    if not 1 <= value <= MAX_UNLOAD_DEADLINE_HOURS:
        ctx.fail(key, f"must be an integer from 1 to {MAX_UNLOAD_DEADLINE_HOURS}; got {value}")
    return value


_SITE_CODE_ALLOWED = (
    '12 characters: the 6-digit GB/T 2260 administrative division code, then "21", '
    'then a 4-digit station number, e.g. "410102210001"'
)


def _site_code(ctx: _Context, key: str, value: str) -> str:
    if not re.fullmatch(r"[0-9]{6}21[0-9]{4}", value):
        ctx.fail(key, f"{value!r} is not a valid station code; allowed: {_SITE_CODE_ALLOWED}")
    return value


def _optional_site_code(ctx: _Context, key: str, value: str) -> str:
    return _site_code(ctx, key, value) if value else value


MAX_BATCH = 200  # province-api.md §3


def _batch_size(ctx: _Context, key: str, value: int) -> int:
    if not 1 <= value <= MAX_BATCH:
        ctx.fail(key, f"must be an integer from 1 to {MAX_BATCH}; got {value}")
    return value


def _timeout(ctx: _Context, key: str, value: int) -> int:
    if not 1 <= value <= 600:
        ctx.fail(key, f"must be an integer from 1 to 600 (seconds); got {value}")
    return value


def _optional_path(ctx: _Context, key: str, value: str) -> Path | None:
    return ctx.resolve(value) if value else None


def _optional_file(ctx: _Context, key: str, value: str) -> Path | None:
    found = _optional_path(ctx, key, value)
    if found is not None and not found.is_file():
        ctx.fail(key, f"file not found: {found}")
    return found


def _folders(ctx: _Context, key: str, value: list) -> tuple[Path, ...]:
    found = []
    for index, item in enumerate(value):
        where = f"{key}[{index}]"
        if not isinstance(item, str) or not item:
            ctx.fail(where, f"must be a non-empty string (a folder path); got {_describe(item)}")
        folder = ctx.resolve(item)
        if not folder.is_dir():
            ctx.fail(where, f"folder not found: {folder}")
        found.append(folder)
    return tuple(found)


_DB_URL_ALLOWED = (
    '"" (SQLite file station.sqlite3 in the data folder), "sqlite:///PATH" '
    'or "postgresql+psycopg://USER:PASSWORD@HOST/DATABASE"'
)


def _database_url(ctx: _Context, key: str, value: str) -> str:
    if not value:
        return value
    if not re.match(r"(sqlite|postgresql)(\+[a-z0-9_]+)?://", value):
        ctx.fail(key, f"{value!r} is not allowed; allowed: {_DB_URL_ALLOWED}")
    prefix = "sqlite:///"
    if value.startswith(prefix):
        file, mark, query = value[len(prefix) :].partition("?")
        if file and file != ":memory:" and not Path(file).is_absolute():
            return f"{prefix}{ctx.resolve(file).as_posix()}{mark}{query}"
    return value


_BASE_URL_ALLOWED = (
    '"" (upload disabled), an https:// URL, or an http:// URL only to this computer '
    "(127.x.x.x, localhost, [::1])"
)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: where plain HTTP may go (province-api.md §1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _base_url(ctx: _Context, key: str, value: str) -> str:
    if not value:
        return value
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        host, parts = "", urlsplit("")
    secure = parts.scheme == "https" and host
    local = parts.scheme == "http" and is_loopback(host)
    if not (secure or local):
        ctx.fail(key, f"{value!r} is not allowed; allowed: {_BASE_URL_ALLOWED}")
    return value


def _clock_time(ctx: _Context, key: str, value: str) -> str:
    if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
        ctx.fail(key, f"{value!r} is not allowed; allowed: a time of day HH:MM, 00:00 to 23:59")
    return value


def _percent(ctx: _Context, key: str, value: str) -> Any:
    try:
        return parse_percent(value)
    except ValueError as exc:
        ctx.fail(key, f'{exc}; allowed: a decimal number from 0 to 100 as a string, e.g. "2.5"')


_PORT_ALLOWED = (
    'a serial device path ("/dev/ttyUSB0"), a COM port name ("COM3") or a pyserial URL '
    '("socket://192.168.1.20:4001", "rfc2217://...", "sim://..."); '
    '"" only when simulate = true'
)
_PORT_RE = re.compile(r"/\S+|COM[1-9][0-9]*|\\\\\.\\COM[1-9][0-9]*|[a-z][a-z0-9+.-]*://\S*", re.I)


def _port(ctx: _Context, key: str, value: str) -> str:
    if value and not _PORT_RE.fullmatch(value):
        ctx.fail(key, f"{value!r} is not allowed; allowed: {_PORT_ALLOWED}")
    return value


def _options(ctx: _Context, key: str, value: dict) -> dict:
    return dict(value)


def _devices(ctx: _Context, key: str, value: list) -> tuple[DeviceConfig, ...]:
    if not all(isinstance(item, dict) for item in value):
        ctx.fail(key, "must be an array of tables ([[lanes.devices]])")
    return tuple(_device(ctx, item, f"{key}[{index}]") for index, item in enumerate(value))


_SIGNALS_ALLOWED = (
    f"a table with steps {', '.join(SIGNAL_STEPS)}; each a table of "
    'light = "red"|"green", barrier = "closed"|"open" (open only at "pass"), '
    f"sign = text with {{{'}, {'.join(SIGN_FIELDS)}}}"
)
_STEP_VALUES = {"light": ("red", "green"), "barrier": ("closed", "open")}


def _sign_text(ctx: _Context, key: str, value: Any) -> str:
    if not isinstance(value, str):
        ctx.fail(key, f"must be a string; got {_describe(value)}")
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
    except ValueError as exc:
        ctx.fail(key, f"{exc}; write {{{{ and }}}} for literal braces")
    unknown = sorted(names - set(SIGN_FIELDS))
    if unknown:
        ctx.fail(key, f"unknown field {{{unknown[0]}}}; allowed: {', '.join(SIGN_FIELDS)}")
    return value


def _signal_step(ctx: _Context, key: str, step: str, raw: Any) -> SignalStep:
    if not isinstance(raw, dict):
        ctx.fail(key, f"must be a table; allowed: {_SIGNALS_ALLOWED}")
    default = DEFAULT_SIGNALS[step]
    values = {"light": default.light, "barrier": default.barrier, "sign": default.sign}
    for name, value in raw.items():
        where = f"{key}.{name}"
        if name not in values:
            ctx.fail(where, f"unknown key {name!r}; allowed: light, barrier, sign")
        if name == "sign":
            values[name] = _sign_text(ctx, where, value)
        elif value not in _STEP_VALUES[name]:
            ctx.fail(
                where, f"{_show(value)} is not allowed; allowed: {', '.join(_STEP_VALUES[name])}"
            )
        else:
            values[name] = value
    if values["barrier"] == "open" and step != "pass":
        ctx.fail(
            f"{key}.barrier",
            "the barrier opens only for a vehicle within the limit (step pass) or by a "
            "supervisor's override",
        )
    return SignalStep(**values)


def _signals(ctx: _Context, key: str, value: dict) -> dict[str, SignalStep]:
    steps = dict(DEFAULT_SIGNALS)
    for step, raw in value.items():
        if step not in SIGNAL_STEPS:
            ctx.fail(f"{key}.{step}", f"unknown step {step!r}; allowed: {', '.join(SIGNAL_STEPS)}")
        steps[step] = _signal_step(ctx, f"{key}.{step}", step, raw)
    return steps


_PRINTER_ALLOWED = (
    'a CUPS printer name (no spaces, "/" or "#"; `lpstat -p` lists them); "" = none: PDF only'
)
_PRINTER_RE = re.compile(r"[^\s/#\\'\"-][^\s/#\\'\"]*")
_OFFSETS_ALLOWED = (
    f"a table of printer name = [x_mm, y_mm], each from -{MAX_PRINT_OFFSET_MM} to "
    f"{MAX_PRINT_OFFSET_MM}; x moves the print right, y moves it down"
)


def _printer(ctx: _Context, key: str, value: str) -> str:
    if value and not _PRINTER_RE.fullmatch(value):
        ctx.fail(key, f"{_show(value)} is not allowed; allowed: {_PRINTER_ALLOWED}")
    return value


def _offset(ctx: _Context, key: str, value: Any) -> tuple[float, float]:
    numbers = isinstance(value, list) and all(
        isinstance(item, int | float) and not isinstance(item, bool) for item in value
    )
    if not numbers or len(value) != 2:
        ctx.fail(key, f"must be [x_mm, y_mm], two numbers; got {_describe(value)}")
    for item in value:
        if not -MAX_PRINT_OFFSET_MM <= item <= MAX_PRINT_OFFSET_MM:
            ctx.fail(key, f"{_show(item)} mm is out of range; allowed: {_OFFSETS_ALLOWED}")
    return float(value[0]), float(value[1])


def _offsets(ctx: _Context, key: str, value: dict) -> dict[str, tuple[float, float]]:
    result = {}
    for printer, offset in value.items():
        where = f"{key}.{printer}"
        _printer(ctx, where, printer)
        result[printer] = _offset(ctx, where, offset)
    return result


_DEFAULT_POLICY = PenaltyPolicy()

STATION_TABLE = Table(
    "station",
    "The station itself (检测站).",
    (
        Field(
            "site_code",
            str,
            REQUIRED,
            "Station code (检测站编码), used in records and uploads.",
            allowed=_SITE_CODE_ALLOWED,
            check=_site_code,
        ),
        Field(
            "name",
            str,
            REQUIRED,
            "Station name (检测站名称), shown and printed on documents.",
            allowed="a non-empty string",
            check=_non_empty,
        ),
        Field(
            "language",
            str,
            _default_of(StationSection, "language"),
            "User interface language (界面语言).",
            choices=("zh_CN", "en"),
        ),
    ),
)

STORAGE_TABLE = Table(
    "storage",
    "Local files (本地存储).",
    (
        Field(
            "data_dir",
            str,
            "",
            "Data folder (数据目录) for the database, evidence images and documents.",
            allowed='a folder path; "" = the per-user data folder of this computer',
            check=_optional_path,
        ),
    ),
)

DATABASE_TABLE = Table(
    "database",
    "Where records are kept (数据库).",
    (
        Field(
            "url",
            str,
            "",
            "Database URL (SQLAlchemy form).",
            allowed=_DB_URL_ALLOWED,
            check=_database_url,
        ),
        Field(
            "backup_dir",
            str,
            "",
            "Folder for database backups (备份目录).",
            allowed='a folder path; "" = the folder "backups" inside the data folder',
            check=_optional_path,
        ),
    ),
)

RULES_TABLE = Table(
    "rules",
    "Extra legal data tables, loaded in addition to the shipped ones.",
    (
        Field(
            "extra_limit_tables",
            list,
            [],
            "Folders with extra limit tables (限值表, *.toml), e.g. a revised standard.",
            allowed="an array of paths of existing folders",
            check=_folders,
        ),
        Field(
            "extra_penalty_tables",
            list,
            [],
            "Folders with extra penalty tables (罚款标准, *.toml).",
            allowed="an array of paths of existing folders",
            check=_folders,
        ),
    ),
)

POLICY_TABLE = Table(
    "policy",
    "Provincial penalty policy (裁量基准); defaults: the literal law.",
    (
        Field(
            "fine_rounding",
            str,
            _DEFAULT_POLICY.fine_rounding.value,
            "How a part of 1000 kg over the limit counts for the fine (per_full_1000kg: 1500 kg "
            "over = 1 unit; per_started_1000kg: = 2 units; proportional: = 1.5 units).",
            choices=tuple(item.value for item in FineRounding),
            check=lambda ctx, key, value: FineRounding(value),
        ),
        Field(
            "tolerance_kg",
            int,
            _DEFAULT_POLICY.tolerance_kg,
            "Overweight up to this many kg is tolerated (no penalty).",
            allowed="an integer >= 0",
            check=_non_negative,
        ),
        Field(
            "tolerance_percent",
            str,
            str(_DEFAULT_POLICY.tolerance_percent),
            "Overweight up to this percent of the limit is tolerated (no penalty).",
            allowed='a decimal number from 0 to 100 written as a string, e.g. "2.5"',
            check=_percent,
        ),
        Field(
            "dimension_fine",
            str,
            _DEFAULT_POLICY.dimension_fine.value,
            "Which end of a dimension fine band (超限尺寸罚款幅度) is shown.",
            choices=tuple(item.value for item in BandEnd),
            check=lambda ctx, key, value: BandEnd(value),
        ),
    ),
)

SECURITY_TABLE = Table(
    "security",
    "Operator accounts (账户安全).",
    (
        Field(
            "password_min_length",
            int,
            _default_of(SecuritySection, "password_min_length"),
            "Minimum password length.",
            allowed="a positive integer",
            check=_positive,
        ),
        Field(
            "max_failed_logins",
            int,
            _default_of(SecuritySection, "max_failed_logins"),
            "Failed logins in a row before the account is locked.",
            allowed="a positive integer",
            check=_positive,
        ),
        Field(
            "lockout_minutes",
            int,
            _default_of(SecuritySection, "lockout_minutes"),
            "How long a locked account stays locked, in minutes.",
            allowed="a positive integer",
            check=_positive,
        ),
    ),
)

PROVINCE_TABLE = Table(
    "province",
    "Upload to the provincial platform (省级治超平台, province-api.md).",
    (
        Field(
            "url",
            str,
            "",
            'Base address of the provincial platform; "" switches the upload off.',
            allowed=_BASE_URL_ALLOWED,
            check=_base_url,
            example='url = "https://zc.example-province.cn/zc/v1"',
        ),
        Field(
            "site_code",
            str,
            "",
            "The siteCode the province issued with the key (sent as X-Site-Code).",
            allowed=f'"" (the [station] site_code) or the same code; {_SITE_CODE_ALLOWED}',
            check=_optional_site_code,
        ),
        Field(
            "key_file",
            str,
            "",
            "File holding the 64-hex secret key issued by the province. Only this "
            "computer's station account may read it.",
            allowed='the path of an existing file; "" = none (the upload refuses to run)',
            check=_optional_file,
        ),
        Field(
            "ca_file",
            str,
            "",
            "CA certificate bundle (PEM) the platform's certificate is verified against.",
            allowed='the path of an existing file; "" = the system certificates',
            check=_optional_file,
        ),
        Field(
            "client_cert",
            str,
            "",
            "Client certificate (PEM) when the province asks for one.",
            allowed='the path of an existing file; "" = none',
            check=_optional_file,
        ),
        Field(
            "client_key",
            str,
            "",
            "Private key (PEM) of the client certificate.",
            allowed='the path of an existing file; "" = the key is inside client_cert',
            check=_optional_file,
        ),
        Field(
            "batch_size",
            int,
            _default_of(ProvinceSection, "batch_size"),
            "Records per request (the platform takes at most 200).",
            allowed="an integer from 1 to 200",
            check=_batch_size,
        ),
        Field(
            "timeout_s",
            int,
            _default_of(ProvinceSection, "timeout_s"),
            "Seconds to wait for the platform before a request counts as failed.",
            allowed="an integer from 1 to 600",
            check=_timeout,
        ),
        Field(
            "upload_time",
            str,
            "02:00",
            "Time of day of the nightly upload pass.",
            allowed="HH:MM, 00:00 to 23:59",
            check=_clock_time,
        ),
    ),
)

_W = WorkflowSection()


def _ms_field(name: str, doc: str) -> Field:
    return Field(
        name, int, _default_of(WorkflowSection, name), doc,
        allowed="an integer >= 0 (milliseconds)", check=_non_negative,
    )  # fmt: skip


WORKFLOW_TABLE = Table(
    "workflow",
    "How every lane turns readings into weighings and cases (称重流程).",
    (
        Field(
            "detect_kg",
            int,
            _W.detect_kg,
            "A static platform holds a vehicle once it reads at least this (车辆上磅阈值).",
            allowed="a positive integer (kg)",
            check=_positive,
        ),
        Field(
            "zero_band_kg",
            int,
            _W.zero_band_kg,
            "The scale counts as back at zero within this band (回零范围); a vehicle weighed "
            "without the scale returning to zero first is flagged NO_RETURN_TO_ZERO.",
            allowed="a positive integer (kg)",
            check=_positive,
        ),
        _ms_field("stable_ms", "A static weight is taken after it stays stable this long."),
        _ms_field(
            "plate_wait_ms",
            "After the axles are in, wait this long for the camera's plate before asking the "
            "operator to type it.",
        ),
        _ms_field(
            "plate_before_ms",
            "A plate read up to this long before the vehicle was detected still belongs to it.",
        ),
        Field(
            "reweigh_window_hours",
            int,
            _W.reweigh_window_hours,
            "A weighing of a plate with an open case within this many hours of the first "
            "weighing is its re-weighing (复检).",
            allowed="a positive integer (hours)",
            check=_positive,
        ),
        Field(
            "unload_deadline_hours",
            int,
            _W.unload_deadline_hours,
            "An open case is due (unloaded and re-weighed) this many hours after it was "
            "opened; the unload notice and the open-cases list show the deadline (卸载期限).",
            allowed=f"an integer from 1 to {MAX_UNLOAD_DEADLINE_HOURS} (hours)",
            check=_deadline_hours,
        ),
        Field(
            "require_daily_scale_check",
            bool,
            _W.require_daily_scale_check,
            "Refuse enforcement output (unload notices, cases) until the day's scale check "
            "(每日校秤) is recorded.",
            allowed="true or false",
        ),
    ),
)


def _printer_field(kind: str, doc: str) -> Field:
    return Field(
        f"{kind}_printer", str, "", doc, allowed=_PRINTER_ALLOWED, check=_printer,
    )  # fmt: skip


PRINTING_TABLE = Table(
    "printing",
    "Printers (打印机): documents are always saved as PDF; these send them to CUPS too.",
    (
        _printer_field(
            "ticket",
            "Default printer of the detection ticket (检测单), e.g. a receipt or A5 printer.",
        ),
        _printer_field("unload", "Default printer of the unload notice (卸载通知书)."),
        _printer_field(
            "sheet", "Default printer of the weighing and unloading sheet (称重和卸载单)."
        ),
        _printer_field("report", "Default printer of the shift and period reports (报表)."),
        Field(
            "offsets",
            dict,
            {},
            "Per-printer shift of the printed page in mm, for pre-printed forms (套打偏移): "
            "[printing.offsets] with one line per printer.",
            allowed=_OFFSETS_ALLOWED,
            check=_offsets,
            example='[printing.offsets] "Receipt-A5" = [2.5, -1.0]',
        ),
    ),
)

SECTIONS: tuple[Table, ...] = (
    STATION_TABLE,
    STORAGE_TABLE,
    DATABASE_TABLE,
    RULES_TABLE,
    POLICY_TABLE,
    SECURITY_TABLE,
    PROVINCE_TABLE,
    WORKFLOW_TABLE,
    PRINTING_TABLE,
)

LANE_TABLE = Table(
    "lanes",
    "One [[lanes]] table per lane (车道).",
    (
        Field(
            "number",
            int,
            REQUIRED,
            "Lane number (车道号), unique in the station.",
            allowed="a positive integer, unique",
            check=_positive,
        ),
        Field(
            "direction",
            int,
            0,
            "Direction of travel (行驶方向).",
            allowed="0 (上行, up) or 1 (下行, down)",
            choices=(0, 1),
        ),
        Field(
            "mode",
            str,
            "STATIC",
            "Weighing mode: STATIC = platform scale (静态称重), AXLE = axle scale (轴重称重), "
            "WIM = weigh-in-motion (动态称重).",
            choices=("STATIC", "AXLE", "WIM"),
        ),
        Field(
            "name",
            str,
            "",
            "Lane name shown to the operator.",
            allowed='a string; "" = "N号车道" from the lane number',
        ),
        Field(
            "devices",
            list,
            [],
            "Devices of this lane: one [[lanes.devices]] table each.",
            allowed="an array of tables",
            check=_devices,
        ),
        Field(
            "signals",
            dict,
            {},
            "What the light, barrier and LED sign do at each step (idle, weighing, pass, over, "
            "hold); steps and keys left out keep their defaults.",
            allowed=_SIGNALS_ALLOWED,
            check=_signals,
            example='[lanes.signals.over] sign = "{plate} 超限 请卸载"',
        ),
    ),
    array=True,
)

DEVICE_TABLE = Table(
    "lanes.devices",
    "One [[lanes.devices]] table per device of the lane.",
    (
        Field(
            "id",
            str,
            REQUIRED,
            "Device id, unique in the station (used in logs and records).",
            allowed="a non-empty string, unique",
            check=_non_empty,
        ),
        Field(
            "kind",
            str,
            REQUIRED,
            "What the device is (设备类型).",
            choices=("scale", "axle_scale", "wim", "camera", "io", "sign", "other"),
        ),
        Field(
            "driver",
            str,
            REQUIRED,
            "Name of the driver that talks to the device.",
            allowed='a non-empty string, e.g. "simulator"',
            check=_non_empty,
        ),
        Field(
            "port", str, "", "Where the device is connected.", allowed=_PORT_ALLOWED, check=_port
        ),
        Field(
            "simulate",
            bool,
            False,
            "Use a simulated device instead of the real one (模拟).",
            allowed="true or false",
        ),
        Field(
            "options",
            dict,
            {},
            "Driver-specific settings, passed to the driver as they are "
            "(raw_counts = true: the transmitter sends raw counts, turned into kg by the "
            "station with the scale's calibration coefficients).",
            allowed="a table (free-form; raw_counts true or false)",
            check=_options,
        ),
    ),
    array=True,
)

_TOP_KEYS = (*(table.name for table in SECTIONS), LANE_TABLE.name)


# --------------------------------------------------------------------------- validation


def _typed(ctx: _Context, item: Field, key: str, value: Any) -> Any:
    matches = type(value) is item.type if item.type in (int, bool) else isinstance(value, item.type)
    if not matches:
        ctx.fail(key, f"must be {_TYPE_NAMES[item.type]}; got {_describe(value)}")
    if item.choices and value not in item.choices:
        ctx.fail(key, f"{_show(value)} is not allowed; allowed: {item.allowed_text}")
    return item.check(ctx, key, value) if item.check else value


def _read_table(ctx: _Context, table: Table, raw: Mapping[str, Any], where: str) -> dict:
    for key in raw:
        if key not in table.keys:
            ctx.fail(
                _join(where, key),
                f"unknown key {key!r} in {table.header}; allowed: {', '.join(table.keys)}",
            )
    values = {}
    for item in table.fields:
        key = _join(where, item.name)
        if item.name not in raw and item.required:
            ctx.fail(key, f"missing required key in {table.header}; allowed: {item.allowed_text}")
        values[item.name] = _typed(ctx, item, key, raw.get(item.name, item.default))
    return values


def _section(ctx: _Context, data: Mapping[str, Any], table: Table) -> dict:
    raw = data.get(table.name, {})
    if not isinstance(raw, dict):
        ctx.fail(table.name, f"must be a table ({table.header}); got {_describe(raw)}")
    return _read_table(ctx, table, raw, table.name)


# Device options the station itself reads (the rest go to the driver as they are).
RAW_COUNTS_DRIVERS = ("modbus-weight",)
RAW_COUNTS_KINDS = ("scale", "axle_scale")


def _station_options(ctx: _Context, values: Mapping[str, Any], where: str) -> None:
    """`raw_counts`: the transmitter sends raw counts, which the station turns into kg with
    the scale's calibration coefficients (station/lanes/rawcounts.py)."""
    options = values["options"]
    if "raw_counts" not in options:
        return
    key = f"{where}.options.raw_counts"
    value = options["raw_counts"]
    if type(value) is not bool:
        ctx.fail(key, f"must be true or false; got {_describe(value)}")
    kind, driver = values["kind"], values["driver"]
    if value and (kind not in RAW_COUNTS_KINDS or driver not in RAW_COUNTS_DRIVERS):
        kinds = " or ".join(f'"{name}"' for name in RAW_COUNTS_KINDS)
        ctx.fail(
            key,
            f"only a weight transmitter sends raw counts: kind = {kinds} with driver "
            f"{' or '.join(map(repr, RAW_COUNTS_DRIVERS))}, not kind {kind!r} "
            f"with driver {driver!r}",
        )


def _device(ctx: _Context, raw: Mapping[str, Any], where: str) -> DeviceConfig:
    values = _read_table(ctx, DEVICE_TABLE, raw, where)
    if not values["port"] and not values["simulate"]:
        ctx.fail(
            f"{where}.port", f"must not be empty unless simulate = true; allowed: {_PORT_ALLOWED}"
        )
    _station_options(ctx, values, where)
    return DeviceConfig(**values)


def _lane(ctx: _Context, raw: Mapping[str, Any], where: str) -> LaneConfig:
    values = _read_table(ctx, LANE_TABLE, raw, where)
    values["name"] = values["name"] or f"{values['number']}号车道"
    return LaneConfig(**values)


def _check_unique(ctx: _Context, items: Iterable[tuple[str, Any]], what: str) -> None:
    seen: dict[Any, str] = {}
    for key, value in items:
        if value in seen:
            ctx.fail(
                key,
                f"{what} {_show(value)} is already used at {seen[value]} "
                f"(line {ctx.locator.line_of(seen[value])}); it must be unique",
            )
        seen[value] = key


def _lanes(ctx: _Context, data: Mapping[str, Any]) -> tuple[LaneConfig, ...]:
    raw = data.get(LANE_TABLE.name, [])
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        ctx.fail(LANE_TABLE.name, f"must be an array of tables ({LANE_TABLE.header})")
    lanes = tuple(_lane(ctx, item, f"lanes[{index}]") for index, item in enumerate(raw))
    _check_unique(
        ctx, ((f"lanes[{i}].number", lane.number) for i, lane in enumerate(lanes)), "lane number"
    )
    ids = (
        (f"lanes[{i}].devices[{j}].id", device.id)
        for i, lane in enumerate(lanes)
        for j, device in enumerate(lane.devices)
    )
    _check_unique(ctx, ids, "device id")
    return lanes


def _province(ctx: _Context, values: dict[str, Any], station_code: str) -> ProvinceSection:
    code = values["site_code"]
    if code and code != station_code:
        ctx.fail(
            "province.site_code",
            f"{code!r} differs from [station] site_code {station_code!r}; records carry the "
            "station's code, so the two must be the same (or leave province.site_code empty)",
        )
    return ProvinceSection(**{**values, "site_code": code or station_code})


def _build(ctx: _Context, data: Mapping[str, Any]) -> StationConfig:
    for key in data:
        if key not in _TOP_KEYS:
            ctx.fail(key, f"unknown key {key!r} at the top level; allowed: {', '.join(_TOP_KEYS)}")
    sections = {table.name: _section(ctx, data, table) for table in SECTIONS}
    data_dir = sections["storage"]["data_dir"] or paths.data_dir().absolute()
    database = sections["database"]
    rules = sections["rules"]
    return StationConfig(
        path=ctx.path,
        station=StationSection(**sections["station"]),
        database=DatabaseSection(
            url=database["url"] or f"sqlite:///{data_dir.as_posix()}/station.sqlite3",
            backup_dir=database["backup_dir"] or data_dir / "backups",
        ),
        data_dir=data_dir,
        policy=PenaltyPolicy(**sections["policy"]),
        extra_limit_tables=rules["extra_limit_tables"],
        extra_penalty_tables=rules["extra_penalty_tables"],
        security=SecuritySection(**sections["security"]),
        lanes=_lanes(ctx, data),
        province=_province(ctx, sections["province"], sections["station"]["site_code"]),
        workflow=WorkflowSection(**sections["workflow"]),
        printing=PrintingSection(**sections["printing"]),
    )


# --------------------------------------------------------------------------- public API


def _toml_error(exc: tomllib.TOMLDecodeError, text: str, path: Path | None) -> ConfigError:
    message = str(exc)
    line = getattr(exc, "lineno", None)
    found = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
    if found:
        line = line or int(found.group(1))
        message = message[: found.start()]
    elif message.endswith("(at end of document)"):
        line = line or text.count("\n") + 1
        message = message.removesuffix("(at end of document)").rstrip() + " at end of file"
    return ConfigError(f"invalid TOML: {message}", path=path, line=line)


def parse_config(text: str, path: Path | None = None) -> StationConfig:
    """Validate configuration text; ``path`` names it in errors and anchors relative paths."""
    shown = Path(path).absolute() if path is not None else None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(exc, text, shown) from None
    base = shown.parent if shown is not None else Path.cwd()
    return _build(_Context(shown, _Locator(text), base), data)


def load_config(path: Path | None = None) -> StationConfig:
    """Load ``path``; without one, the default file if it exists, else ``default_config()``."""
    if path is None:
        path = paths.default_config_path()
        if not path.exists():
            return default_config()
    path = Path(path).absolute()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError("configuration file not found", path=path) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror or exc}", path=path) from None
    return parse_config(text, path)


DEFAULT_SITE_CODE = "000000210000"
DEMO_STATION = {"site_code": "410102210001", "name": "示例超限检测站"}


def default_config() -> StationConfig:
    """Configuration used when there is no file: schema defaults, no lanes."""
    data = {"station": {"site_code": DEFAULT_SITE_CODE, "name": DEMO_STATION["name"]}}
    return _build(_Context(None, _Locator(""), paths.config_dir()), data)


# --------------------------------------------------------------------------- demo file


def _sim_device(
    device_id: str, kind: str, driver: str, port: str, **options: Any
) -> dict[str, Any]:
    """A device that `main.py simulate` stands in for, on a loopback port."""
    device = {"id": device_id, "kind": kind, "driver": driver, "port": port, "simulate": True}
    if options:
        device["options"] = options
    return device


DEMO_LANES: tuple[dict[str, Any], ...] = (
    {
        "number": 1,
        "direction": 0,
        "mode": "AXLE",
        "name": "1号车道",
        "devices": [
            _sim_device(
                "lane1-axle-scale",
                "axle_scale",
                "yaohua-tf0",
                "socket://127.0.0.1:47011",
                rate_hz=100,
                separator="loop",
            ),
            _sim_device("lane1-camera", "camera", "hikvision", "http://127.0.0.1:47080/anpr/lane1"),
            _sim_device("lane1-io", "io", "modbus-io", "tcp://127.0.0.1:47502", map="adam-6050"),
            _sim_device("lane1-sign", "sign", "onbon", "tcp://127.0.0.1:47005"),
        ],
    },
    {
        "number": 2,
        "direction": 1,
        "mode": "STATIC",
        "name": "2号车道（静态复检）",
        "devices": [
            _sim_device("lane2-platform", "scale", "toledo", "socket://127.0.0.1:47012"),
            _sim_device("lane2-camera", "camera", "dahua", "http://127.0.0.1:47080/lane2"),
        ],
    },
)

_DEMO_HEADER = """\
# Configuration of one overload detection station (治超检测站).
# Written by station.config.write_demo_config(); every key is described in
# docs/configuration.md. Keys left out take their default; only station.site_code and
# station.name are required. Relative paths are resolved against the folder of this file.
# This demo uses simulated devices; change driver, port and simulate for real hardware.
"""


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return "{" + ", ".join(f"{key} = {_toml(item)}" for key, item in value.items()) + "}"


def _comment(item: Field, brief: bool = False) -> list[str]:
    """What a key is and what is allowed; unless ``brief``, also its default and example."""
    text = f"{item.doc} Allowed: {item.allowed_text}."
    if not brief:
        text += " Required." if item.required else f" Default: {_toml(item.default)}."
    lines = [f"# {line}" for line in textwrap.wrap(text, 94)]
    if item.example and not brief:
        lines.append(f"# Example: {item.example}")
    return lines


def _render_table(
    table: Table, values: Mapping[str, Any], skip: tuple[str, ...] = (), brief: bool = False
) -> list[str]:
    """A table with its keys; ``brief`` leaves defaults out of repeated comments."""
    lines = ["", f"# {table.header} {table.doc}", table.header]
    for item in table.fields:
        if item.name not in skip:
            value = _toml(values.get(item.name, item.default))
            lines += [*_comment(item, brief), f"{item.name} = {value}"]
    return lines


def _render_device(device: Mapping[str, Any], first: bool) -> list[str]:
    lines = _render_table(DEVICE_TABLE, device, skip=("options",), brief=not first)
    values = device.get("options", {})
    if first or values:
        options = next(item for item in DEVICE_TABLE.fields if item.name == "options")
        lines += [*_comment(options, brief=not first), "[lanes.devices.options]"]
        for key, value in values.items():
            lines += [f"# Driver option {key} (docs/devices.md).", f"{key} = {_toml(value)}"]
        if not values:
            lines.append("# baud = 9600")
    return lines


def _render_signals() -> list[str]:
    """The default signals written out, so a station sees what it can change."""
    signals = next(item for item in LANE_TABLE.fields if item.name == "signals")
    lines = _comment(signals, brief=True)
    docs = {
        "light": "# Traffic light: red or green.",
        "barrier": "# Barrier: closed, or open (only at pass).",
        "sign": "# LED sign text.",
    }
    for step, values in DEFAULT_SIGNALS.items():
        lines.append(f"[lanes.signals.{step}]")
        for key, doc in docs.items():
            lines += [doc, f"{key} = {_toml(getattr(values, key))}"]
    return lines


def station_config_text(
    values: Mapping[str, Mapping[str, Any]], lanes: Sequence[Mapping[str, Any]], header: str
) -> str:
    """A complete, commented configuration: every section with its documentation, the
    ``values`` (section name -> key -> value) in place of the defaults, then ``lanes``,
    each a lane table's keys with its ``devices`` (device tables' keys and ``options``)."""
    lines = [header.rstrip("\n")]
    for table in SECTIONS:
        lines += _render_table(table, values.get(table.name, {}))
    first_device = True
    for lane_index, lane in enumerate(lanes):
        lines += _render_table(LANE_TABLE, lane, skip=("devices", "signals"), brief=lane_index > 0)
        if lane_index == 0:
            lines += _render_signals()
        for device in lane.get("devices", ()):
            lines += _render_device(device, first=first_device)
            first_device = False
    return "\n".join(lines) + "\n"


def demo_config_text() -> str:
    """A complete, commented configuration of a demo station with simulated devices."""
    return station_config_text({STATION_TABLE.name: DEMO_STATION}, DEMO_LANES, _DEMO_HEADER)


def check_field(table_name: str, key: str, value: Any) -> Any:
    """Check one value as the file's validator does, for forms that build a file.

    Returns the value converted; raises ConfigError naming ``table_name.key`` with what is
    allowed. Checks across keys (a province code against the station's, unique ids) are
    the whole file's, in `parse_config`.
    """
    tables = {table.name: table for table in (*SECTIONS, LANE_TABLE, DEVICE_TABLE)}
    item = next(item for item in tables[table_name].fields if item.name == key)
    context = _Context(None, _Locator(""), paths.config_dir())
    return _typed(context, item, _join(table_name, key), value)


def write_demo_config(path: Path, overwrite: bool = False) -> None:
    """Write the demo configuration to ``path`` atomically; refuse to replace a file."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise ConfigError(
            "file already exists; not overwritten (pass overwrite=True to replace it)",
            path=path.absolute(),
        )
    write_text_atomic(path, demo_config_text())


def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8): a power cut leaves the old or the new file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
