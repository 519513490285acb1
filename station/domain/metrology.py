"""Metrology of weighing instruments: maximum permissible errors and verification test values.

Static truck scales are class III (JJG 539 / OIML R 76); dynamic (WIM) scales follow JJG 907 /
OIML R 134. Every legal number is data in station/data/metrology/*.toml; the code holds only
the arithmetic. Masses come in as kg (int, float or Decimal, at most 3 decimals) and are
turned into integer grams at once, so a band edge or an MPE is never off by a float error
(0.5 e with e = 5 kg is exactly 2500 g). See docs/metrology.md and domain.md §5.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from station.domain.tabledata import Reader, TableDataError

Kg = int | float | Decimal

STATIC_TABLE_FILE = "jjg539-class-iii.toml"
DYNAMIC_TABLE_FILE = "oiml-r134-2006.toml"
STATUSES = ("sourced", "unverified")


class MetrologyInputError(ValueError):
    """A bad argument; `argument` is its name (e.g. "load_kg") so a form can mark the field."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument


class MetrologyTableError(TableDataError):
    """A metrology table file is malformed (raised at load, never while computing)."""


# ---- masses in grams ------------------------------------------------------------------


def _grams(argument: str, value: Kg) -> int:
    """Exact integer grams of a kg value; a float is read as the decimal it prints as."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise MetrologyInputError(argument, f"{argument} must be a number of kg, not {value!r}")
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not amount.is_finite():
        raise MetrologyInputError(argument, f"{argument} must be a finite number, not {value}")
    grams = amount * 1000
    if grams != grams.to_integral_value():
        raise MetrologyInputError(
            argument, f"{argument} {value} has more than 3 decimals (the smallest step is 1 g)"
        )
    return int(grams)


def _kg_text(grams: int) -> str:
    """120000000 -> "120000", 2500 -> "2.5": kg as a person would write them."""
    return format(Decimal(grams) / 1000, "f")


def _positive(argument: str, value: Kg) -> int:
    grams = _grams(argument, value)
    if grams <= 0:
        raise MetrologyInputError(argument, f"{argument} must be above 0, not {_kg_text(grams)}")
    return grams


def _not_negative(argument: str, value: Kg) -> int:
    grams = _grams(argument, value)
    if grams < 0:
        raise MetrologyInputError(argument, f"{argument} must be 0 or more, not {_kg_text(grams)}")
    return grams


def _whole_grams(argument: str, amount: Decimal, what: str) -> int:
    """An MPE or a test value must come out in whole grams; a tiny e (a few g) may not."""
    if amount != amount.to_integral_value():
        raise MetrologyInputError(argument, f"{argument}: {what} is not a whole number of grams")
    return int(amount)


# ---- tables ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Band:
    """A range of loads in multiples of e and the MPE there, in e."""

    from_e: int
    to_e: int
    mpe_e: Decimal

    @property
    def name(self) -> str:
        low = "0" if self.from_e == 0 else f"{self.from_e}e"
        return f"{low}-{self.to_e}e"


@dataclass(frozen=True, slots=True)
class StaticTable:
    id: str
    origin: str
    status: str  # "sourced" or "unverified"
    sources: tuple[str, ...]
    accuracy_class: str
    n_min: int
    n_max: int
    bands: tuple[Band, ...]
    in_service_factor: int
    zero_setting_e: Decimal
    zero_total_range_percent: Decimal
    zero_initial_range_percent: Decimal
    discrimination_d: Decimal
    eccentric_min_divisor: int


@dataclass(frozen=True, slots=True)
class AxleClass:
    """Axle-load maximum permissible deviations (%) of one class, per reference vehicle."""

    two_axle_rigid_initial: Decimal
    two_axle_rigid_in_service: Decimal
    other_initial: Decimal
    other_in_service: Decimal


@dataclass(frozen=True, slots=True)
class DynamicTable:
    id: str
    origin: str
    status: str
    sources: tuple[str, ...]
    vehicle_classes: Mapping[str, tuple[Decimal, Decimal]]  # class -> (initial %, in-service %)
    axle_classes: Mapping[str, AxleClass]


def _number(reader: Reader, key: str) -> Decimal:
    """A non-negative number; read through its printed form so 0.1 stays exactly 0.1."""
    value = reader.get(key, object)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise reader.fail(key, f"must be a number, got {value!r}")
    if value < 0:
        raise reader.fail(key, f"must be 0 or more, got {value}")
    return Decimal(repr(value))


@dataclass(frozen=True, slots=True)
class _Header:
    top: Reader
    head: Reader
    id: str
    status: str
    sources: tuple[str, ...]


def _header(data: Any, origin: str, sections: set[str], head_keys: set[str]) -> _Header:
    """The [table] part every metrology table has: id, title, status and its sources."""
    top = Reader(data, origin, MetrologyTableError, sections | {"table"})
    head = top.sub("table", {"id", "title", "status", "sources"} | head_keys)
    head.get("title", str)
    status = head.get("status", str)
    if status not in STATUSES:
        raise head.fail("status", f"must be one of {', '.join(STATUSES)}, got {status!r}")
    sources = head.get("sources", list)
    if not sources or not all(isinstance(item, str) for item in sources):
        raise head.fail("sources", "must name at least one source, as strings")
    return _Header(top, head, head.get("id", str), status, tuple(sources))


def _bands(top: Reader) -> tuple[Band, ...]:
    """Bands must start at 0 and follow one another without a gap or an overlap."""
    bands: list[Band] = []
    for i, item in enumerate(top.get("bands", list)):
        row = Reader(
            item, f"{top.where}.bands[{i}]", MetrologyTableError, {"from_e", "to_e", "mpe_e"}
        )
        expected = bands[-1].to_e if bands else 0
        from_e = row.get("from_e", int)
        if from_e != expected:
            raise row.fail("from_e", f"must be {expected} (where the band before ends)")
        to_e = row.get("to_e", int, minimum=from_e + 1)
        bands.append(Band(from_e, to_e, _number(row, "mpe_e")))
    if not bands:
        raise top.fail("bands", "needs at least one band")
    return tuple(bands)


def static_table_from_mapping(data: Mapping[str, Any], origin: str) -> StaticTable:
    sections = {"divisions", "bands", "in_service", "zero", "discrimination", "eccentric"}
    header = _header(data, origin, sections, {"accuracy_class"})
    top = header.top
    divisions = top.sub("divisions", {"n_min", "n_max"})
    n_min = divisions.get("n_min", int, minimum=1)
    n_max = divisions.get("n_max", int, minimum=n_min)
    bands = _bands(top)
    if n_max > bands[-1].to_e:
        raise divisions.fail("n_max", f"{n_max} is beyond the last band ({bands[-1].to_e} e)")
    zero = top.sub(
        "zero",
        {"setting_accuracy_e", "total_range_percent_of_max", "initial_range_percent_of_max"},
    )
    return StaticTable(
        id=header.id,
        origin=origin,
        status=header.status,
        sources=header.sources,
        accuracy_class=header.head.get("accuracy_class", str),
        n_min=n_min,
        n_max=n_max,
        bands=bands,
        in_service_factor=top.sub("in_service", {"factor"}).get("factor", int, minimum=1),
        zero_setting_e=_number(zero, "setting_accuracy_e"),
        zero_total_range_percent=_number(zero, "total_range_percent_of_max"),
        zero_initial_range_percent=_number(zero, "initial_range_percent_of_max"),
        discrimination_d=_number(top.sub("discrimination", {"load_d"}), "load_d"),
        eccentric_min_divisor=top.sub("eccentric", {"min_divisor"}).get(
            "min_divisor", int, minimum=1
        ),
    )


def _class_rows(top: Reader, key: str, fields: Iterable[str]) -> dict[str, list[Decimal]]:
    rows: dict[str, list[Decimal]] = {}
    for i, item in enumerate(top.get(key, list)):
        row = Reader(item, f"{top.where}.{key}[{i}]", MetrologyTableError, {"class", *fields})
        name = row.get("class", str)
        if name in rows:
            raise row.fail("class", f"{name!r} appears twice")
        rows[name] = [_number(row, field) for field in fields]
    if not rows:
        raise top.fail(key, "needs at least one class")
    return rows


def dynamic_table_from_mapping(data: Mapping[str, Any], origin: str) -> DynamicTable:
    header = _header(data, origin, {"vehicle_classes", "axle_classes"}, set())
    vehicle = _class_rows(header.top, "vehicle_classes", ("initial_percent", "in_service_percent"))
    axle_fields = (
        "two_axle_rigid_initial_percent",
        "two_axle_rigid_in_service_percent",
        "other_initial_percent",
        "other_in_service_percent",
    )
    axle = _class_rows(header.top, "axle_classes", axle_fields)
    return DynamicTable(
        id=header.id,
        origin=origin,
        status=header.status,
        sources=header.sources,
        vehicle_classes={name: (pair[0], pair[1]) for name, pair in vehicle.items()},
        axle_classes={name: AxleClass(*values) for name, values in axle.items()},
    )


def _shipped(name: str) -> tuple[str, dict[str, Any]]:
    """The packaged table, read the way station.tables reads the other legal tables."""
    origin = f"station/data/metrology/{name}"
    text = (resources.files("station") / "data" / "metrology" / name).read_text(encoding="utf-8")
    try:
        return origin, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MetrologyTableError(f"{origin}: {exc}") from None


@lru_cache(maxsize=1)
def default_static_table() -> StaticTable:
    origin, data = _shipped(STATIC_TABLE_FILE)
    return static_table_from_mapping(data, origin)


@lru_cache(maxsize=1)
def default_dynamic_table() -> DynamicTable:
    origin, data = _shipped(DYNAMIC_TABLE_FILE)
    return dynamic_table_from_mapping(data, origin)


# ---- static truck scale (class III) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mpe:
    """A maximum permissible error (a magnitude: the limit is +-mpe) and the band it comes from."""

    mpe_g: int
    band: str  # e.g. "0-500e", "500e-2000e", "2000e-10000e"

    @property
    def mpe_kg(self) -> int | float:
        """Whole kg as an int; otherwise the float nearest the exact gram value (2500 g -> 2.5)."""
        whole, rest = divmod(self.mpe_g, 1000)
        return whole if rest == 0 else self.mpe_g / 1000


def _check_divisions(max_g: int, e_g: int, table: StaticTable) -> None:
    if max_g % e_g:
        raise MetrologyInputError(
            "max_kg", f"max_kg {_kg_text(max_g)} is not a multiple of e_kg {_kg_text(e_g)}"
        )
    n = max_g // e_g
    if not table.n_min <= n <= table.n_max:
        raise MetrologyInputError(
            "max_kg",
            f"max_kg {_kg_text(max_g)} / e_kg {_kg_text(e_g)} = {n} divisions; a class "
            f"{table.accuracy_class} truck scale needs {table.n_min} to {table.n_max}",
        )


def _scale(max_kg: Kg, e_kg: Kg, table: StaticTable) -> tuple[int, int]:
    """Max and e in grams, checked: e first, since Max is judged in multiples of e."""
    e_g = _positive("e_kg", e_kg)
    max_g = _positive("max_kg", max_kg)
    _check_divisions(max_g, e_g, table)
    return max_g, e_g


def _band(load_g: int, e_g: int, table: StaticTable) -> Band:
    """The first band whose upper edge is at or above the load: 500 e is in 0-500e."""
    for band in table.bands:
        if load_g <= band.to_e * e_g:
            return band
    raise AssertionError("unreachable: loads are at most Max, and Max is within the bands")


def static_mpe(
    max_kg: Kg,
    e_kg: Kg,
    load_kg: Kg,
    *,
    in_service: bool = False,
    table: StaticTable | None = None,
) -> Mpe:
    """The MPE of a class III truck scale at a load (initial/subsequent, or in service)."""
    table = table or default_static_table()
    max_g, e_g = _scale(max_kg, e_kg, table)
    load_g = _not_negative("load_kg", load_kg)
    if load_g > max_g:
        raise MetrologyInputError(
            "load_kg", f"load_kg {_kg_text(load_g)} is above max_kg {_kg_text(max_g)}"
        )
    band = _band(load_g, e_g, table)
    mpe_g = _whole_grams("e_kg", band.mpe_e * e_g, f"{band.mpe_e} e")
    factor = table.in_service_factor if in_service else 1
    return Mpe(mpe_g * factor, band.name)


def zero_setting_limit_g(e_kg: Kg, *, table: StaticTable | None = None) -> int:
    """The zero-setting accuracy: the zero may be off by at most this (0.25 e)."""
    table = table or default_static_table()
    e_g = _positive("e_kg", e_kg)
    return _whole_grams("e_kg", table.zero_setting_e * e_g, f"{table.zero_setting_e} e")


def discrimination_load_g(d_kg: Kg, *, table: StaticTable | None = None) -> int:
    """The extra load (1.4 d) that, gently added or removed, must change the indication."""
    table = table or default_static_table()
    d_g = _positive("d_kg", d_kg)
    return _whole_grams("d_kg", table.discrimination_d * d_g, f"{table.discrimination_d} d")


def error_before_rounding_g(indication_kg: Kg, added_g: int, load_kg: Kg, e_kg: Kg) -> int:
    """The change-point (闪变点) error E = I + 0.5 e - ΔL - L, in grams (domain.md §5.3 item 4).

    I is the indication, L the load and ΔL the small weights added until the indication
    stepped up by one e. The indication steps at half an interval, hence the 0.5 e: it is
    part of the method, not a legal limit.
    """
    if isinstance(added_g, bool) or not isinstance(added_g, int) or added_g < 0:
        raise MetrologyInputError("added_g", f"added_g must be whole grams, 0 or more: {added_g!r}")
    e_g = _positive("e_kg", e_kg)
    half_e_g = _whole_grams("e_kg", Decimal(e_g) / 2, "0.5 e")
    indication_g = _not_negative("indication_kg", indication_kg)
    load_g = _not_negative("load_kg", load_kg)
    return indication_g + half_e_g - added_g - load_g


def eccentric_load_kg(
    max_kg: Kg, supports: int, max_tare_kg: Kg = 0, *, table: StaticTable | None = None
) -> int:
    """The test load per support for the eccentric (偏载) test, in whole kg.

    About (Max + maximum additive tare) / (N - 1) for N supports (domain.md §5.3 item 5), the
    divisor at least the table's min_divisor (3: OIML R 76 for up to four supports). The
    rule says "about"; rounding down to a whole kg keeps the load from exceeding the share.
    """
    table = table or default_static_table()
    if isinstance(supports, bool) or not isinstance(supports, int) or supports < 2:
        raise MetrologyInputError(
            "supports", f"supports must be an integer 2 or more: {supports!r}"
        )
    total_g = _positive("max_kg", max_kg) + _not_negative("max_tare_kg", max_tare_kg)
    divisor = max(supports - 1, table.eccentric_min_divisor)
    return total_g // (divisor * 1000)


def repeatability_ok(readings_kg: Iterable[Kg], mpe_g: int) -> bool:
    """True when the spread of repeated readings of one load is within |MPE| (§5.3 item 7)."""
    grams = [_grams("readings_kg", reading) for reading in readings_kg]
    if len(grams) < 2:
        raise MetrologyInputError("readings_kg", "readings_kg needs at least 2 readings")
    if isinstance(mpe_g, bool) or not isinstance(mpe_g, int):
        raise MetrologyInputError("mpe_g", f"mpe_g must be whole grams, not {mpe_g!r}")
    return max(grams) - min(grams) <= abs(mpe_g)


# ---- dynamic (WIM) scales: OIML R 134 / JJG 907 ---------------------------------------


def _class_entry(accuracy_class: str, classes: Mapping[str, Any]) -> Any:
    if accuracy_class not in classes:
        raise MetrologyInputError(
            "accuracy_class",
            f"accuracy_class {accuracy_class!r} is not one of {', '.join(classes)}",
        )
    return classes[accuracy_class]


def _percent_of(percent: Decimal, reference_g: int) -> Decimal:
    return percent * reference_g / 100


def _round_half_up(amount: Decimal, step_g: int) -> int:
    """To the nearest multiple of step_g; an exact half goes up (away from zero)."""
    steps = (amount / step_g).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(steps) * step_g


def vehicle_mpe_g(
    accuracy_class: str,
    reference_kg: Kg,
    d_kg: Kg,
    *,
    in_service: bool,
    table: DynamicTable | None = None,
) -> int:
    """The in-motion MPE of a vehicle's mass, % of the reference mass rounded to the nearest d."""
    table = table or default_dynamic_table()
    initial, in_use = _class_entry(accuracy_class, table.vehicle_classes)
    reference_g = _positive("reference_kg", reference_kg)
    d_g = _positive("d_kg", d_kg)
    return _round_half_up(_percent_of(in_use if in_service else initial, reference_g), d_g)


def axle_mpd_g(
    accuracy_class: str,
    reference_kg: Kg,
    *,
    two_axle_rigid: bool,
    in_service: bool,
    table: DynamicTable | None = None,
) -> int:
    """The maximum permissible deviation of a single-axle or axle-group load from its mean.

    The percentage depends on the reference vehicle (a 2-axle rigid one or another). The
    result is rounded to the nearest gram; R 134's rounding for axle loads is not in
    domain.md, so the wizard compares deviations in grams against this exact share.
    """
    table = table or default_dynamic_table()
    limits: AxleClass = _class_entry(accuracy_class, table.axle_classes)
    if two_axle_rigid:
        percent = limits.two_axle_rigid_in_service if in_service else limits.two_axle_rigid_initial
    else:
        percent = limits.other_in_service if in_service else limits.other_initial
    reference_g = _positive("reference_kg", reference_kg)
    return _round_half_up(_percent_of(percent, reference_g), 1)


__all__ = [
    "AxleClass",
    "Band",
    "DynamicTable",
    "Kg",
    "MetrologyInputError",
    "MetrologyTableError",
    "Mpe",
    "StaticTable",
    "axle_mpd_g",
    "default_dynamic_table",
    "default_static_table",
    "discrimination_load_g",
    "dynamic_table_from_mapping",
    "eccentric_load_kg",
    "error_before_rounding_g",
    "repeatability_ok",
    "static_mpe",
    "static_table_from_mapping",
    "vehicle_mpe_g",
    "zero_setting_limit_g",
]
