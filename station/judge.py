"""The `judge` contract: one JSON vehicle in, one JSON verdict out.

Input and output field names are a stable contract used by acceptance checks
(README, "Judging a vehicle"). Every validation error names the offending field
with its JSON path, e.g. ``axles[2].weight``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from station.domain.limits import LimitBook, NoLimitRule, Verdict
from station.domain.penalty import PenaltyBook, PenaltyEstimate, PenaltyPolicy, estimate
from station.domain.vehicle import Axle, Configuration, Dimensions, SpecialType, Tyres, Vehicle
from station.timeutil import beijing_today

MAX_AXLES = 20
MAX_AXLE_KG = 100_000
MAX_MASS_KG = 1_000_000
MAX_SPACING_MM = 30_000
MAX_DIMENSION_MM = 100_000

_TOP_KEYS = {
    "configuration",
    "axles",
    "tractorDriveAxles",
    "registeredMass",
    "specialType",
    "date",
    "dimensions",
}
_AXLE_KEYS = {"weight", "tyres", "drive", "airSuspension", "spacing", "steering"}
_DIMENSION_KEYS = {"length", "width", "height"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class JudgeInputError(ValueError):
    """Bad input; the message starts with the path of the bad field."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


@dataclass(frozen=True, slots=True)
class JudgeRequest:
    vehicle: Vehicle
    day: date


def _enum_choices(kind: type) -> str:
    return ", ".join(f'"{m.value}"' for m in kind)


def _integer(value: Any, field: str, low: int, high: int) -> int:
    if type(value) is not int:
        raise JudgeInputError(
            field, f"must be an integer, got {json.dumps(value, ensure_ascii=False)}"
        )
    if not low <= value <= high:
        raise JudgeInputError(field, f"must be between {low} and {high}, got {value}")
    return value


def _boolean(value: Any, field: str) -> bool:
    if type(value) is not bool:
        raise JudgeInputError(field, "must be true or false")
    return value


def _choice(value: Any, kind: type, field: str) -> Any:
    try:
        return kind(value)
    except (ValueError, TypeError):
        raise JudgeInputError(field, f"must be one of {_enum_choices(kind)}") from None


def _object(value: Any, field: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise JudgeInputError(field, "must be a JSON object")
    for key in value:
        if key not in allowed:
            where = f"{field}.{key}" if field != "$" else key
            raise JudgeInputError(where, f"unknown field; allowed: {', '.join(sorted(allowed))}")
    return value


def _axle(data: Any, index: int) -> Axle:
    field = f"axles[{index}]"
    obj = _object(data, field, _AXLE_KEYS)
    if "weight" not in obj:
        raise JudgeInputError(f"{field}.weight", "is required (integer kg)")
    spacing = obj.get("spacing")
    return Axle(
        weight_kg=_integer(obj["weight"], f"{field}.weight", 0, MAX_AXLE_KG),
        tyres=_choice(obj.get("tyres", "dual"), Tyres, f"{field}.tyres"),
        drive=_boolean(obj.get("drive", False), f"{field}.drive"),
        air_suspension=_boolean(obj.get("airSuspension", False), f"{field}.airSuspension"),
        spacing_mm=None
        if spacing is None
        else _integer(spacing, f"{field}.spacing", 0, MAX_SPACING_MM),
        steering=_boolean(obj.get("steering", index == 0), f"{field}.steering"),
    )


def _axles(value: Any) -> tuple[Axle, ...]:
    if not isinstance(value, list):
        raise JudgeInputError("axles", "must be an array of axle objects, front to rear")
    if not 2 <= len(value) <= MAX_AXLES:
        raise JudgeInputError("axles", f"must have 2 to {MAX_AXLES} axles, got {len(value)}")
    return tuple(_axle(item, i) for i, item in enumerate(value))


def _dimensions(value: Any) -> Dimensions | None:
    if value is None:
        return None
    obj = _object(value, "dimensions", _DIMENSION_KEYS)
    parts = {
        key: None
        if obj.get(key) is None
        else _integer(obj[key], f"dimensions.{key}", 1, MAX_DIMENSION_MM)
        for key in _DIMENSION_KEYS
    }
    return Dimensions(length_mm=parts["length"], width_mm=parts["width"], height_mm=parts["height"])


def _day(value: Any) -> date:
    if value is None:
        return beijing_today()
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise JudgeInputError("date", "must be a date written yyyy-MM-dd")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise JudgeInputError("date", f"is not a calendar date: {value}") from None


def parse_request(data: Any) -> JudgeRequest:
    """Validate a decoded JSON object and build the vehicle it describes."""
    obj = _object(data, "$", _TOP_KEYS)
    if "configuration" not in obj:
        raise JudgeInputError(
            "configuration", f"is required: one of {_enum_choices(Configuration)}"
        )
    if "axles" not in obj:
        raise JudgeInputError("axles", "is required")
    special = obj.get("specialType")
    drive_axles = obj.get("tractorDriveAxles")
    registered = obj.get("registeredMass")
    vehicle = Vehicle(
        configuration=_choice(obj["configuration"], Configuration, "configuration"),
        axles=_axles(obj["axles"]),
        tractor_drive_axles=None
        if drive_axles is None
        else _integer(drive_axles, "tractorDriveAxles", 0, MAX_AXLES),
        registered_mass_kg=None
        if registered is None
        else _integer(registered, "registeredMass", 1, MAX_MASS_KG),
        special_type=None if special is None else _choice(special, SpecialType, "specialType"),
        dimensions=_dimensions(obj.get("dimensions")),
    )
    return JudgeRequest(vehicle=vehicle, day=_day(obj.get("date")))


def parse_request_text(text: str) -> JudgeRequest:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JudgeInputError(
            "$", f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    return parse_request(data)


def verdict_json(verdict: Verdict, penalty: PenaltyEstimate) -> dict[str, Any]:
    return {
        "sumWeight": verdict.sum_weight_kg,
        "limitWeight": verdict.limit_weight_kg,
        "overWeight": verdict.over_weight_kg,
        "overRate": verdict.over_rate,
        "isOver": verdict.is_over,
        "vehicleClass": verdict.vehicle_class,
        "adjustments": list(verdict.adjustments),
        "dimensionsOver": list(verdict.dimensions_over),
        "penalty": {"action": penalty.action.value, "fineYuan": penalty.fine_yuan},
    }


def judge_request(
    request: JudgeRequest, limits: LimitBook, penalties: PenaltyBook, policy: PenaltyPolicy
) -> dict[str, Any]:
    """Judge a parsed request; NoLimitRule errors are turned into JudgeInputError."""
    try:
        verdict = limits.judge(request.vehicle, request.day)
        table = penalties.table_for(request.day)
    except NoLimitRule as exc:
        message = str(exc)
        prefix = f"{exc.field}: "
        raise JudgeInputError(exc.field, message.removeprefix(prefix)) from None
    penalty = estimate(verdict, request.vehicle.dimensions, table, policy)
    return verdict_json(verdict, penalty)
