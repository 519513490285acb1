"""Validation of the `judge` JSON contract: every error names the offending field's JSON path."""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from typing import Any

import pytest

from station.domain.penalty import PenaltyPolicy
from station.domain.vehicle import Configuration, SpecialType, Tyres
from station.judge import (
    JudgeInputError,
    judge_request,
    parse_request,
    parse_request_text,
)
from station.tables import default_limit_book, default_penalty_book


def axle(weight: int = 8000, **extra: Any) -> dict[str, Any]:
    return {"weight": weight, "tyres": "dual", "drive": False, "airSuspension": False, **extra}


VALID: dict[str, Any] = {
    "configuration": "articulated",
    "axles": [
        axle(7000, tyres="single"),
        axle(11000, drive=True),
        axle(11000, drive=True, spacing=1350),
        axle(10000, spacing=1310),
        axle(10000, spacing=1310),
        axle(10000),
    ],
    "date": "2026-06-01",
}


def with_change(path: tuple[Any, ...], value: Any = ..., delete: bool = False) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


def names_field(message: str, field: str) -> bool:
    """The message starts with exactly this path (not a longer path that begins with it)."""
    return re.match(rf"{re.escape(field)}(?![\w.\[])", message) is not None


def judge_all(data: Any) -> dict[str, Any]:
    request = parse_request(data)
    return judge_request(request, default_limit_book(), default_penalty_book(), PenaltyPolicy())


def test_valid_request_parses() -> None:
    request = parse_request(copy.deepcopy(VALID))
    vehicle = request.vehicle
    assert request.day == date(2026, 6, 1)
    assert vehicle.configuration is Configuration.ARTICULATED
    assert vehicle.axle_count == 6
    assert vehicle.sum_weight_kg == 59000
    assert vehicle.axles[0].tyres is Tyres.SINGLE
    assert vehicle.axles[2].spacing_mm == 1350
    assert vehicle.axles[5].spacing_mm is None
    assert vehicle.is_steering(0)
    assert not vehicle.is_steering(1)
    assert vehicle.drive_axle_count() == 2


def test_optional_fields_parse() -> None:
    data = copy.deepcopy(VALID)
    data.update(
        tractorDriveAxles=1,
        registeredMass=4500,
        specialType="agricultural",
        dimensions={"length": 18000, "width": 2500, "height": 3900},
    )
    data["axles"][1]["steering"] = True
    vehicle = parse_request(data).vehicle
    assert vehicle.tractor_drive_axles == 1
    assert vehicle.registered_mass_kg == 4500
    assert vehicle.special_type is SpecialType.AGRICULTURAL
    assert vehicle.dimensions is not None
    assert (vehicle.dimensions.length_mm, vehicle.dimensions.width_mm) == (18000, 2500)
    assert vehicle.dimensions.height_mm == 3900
    assert vehicle.is_steering(1)


def test_minimal_axles_default_to_dual_non_drive() -> None:
    vehicle = parse_request({"configuration": "truck", "axles": [{"weight": 1}, {"weight": 0}]})
    assert vehicle.vehicle.axles[1].tyres is Tyres.DUAL
    assert vehicle.vehicle.axles[1].drive is False
    assert vehicle.vehicle.axles[1].air_suspension is False


def test_date_defaults_to_today() -> None:
    data = copy.deepcopy(VALID)
    del data["date"]
    day = parse_request(data).day
    assert abs((day - date.today()).days) <= 1


@pytest.mark.parametrize("day", ["2028-02-29", "2016-09-21", "2026-12-31"])
def test_valid_dates(day: str) -> None:
    assert parse_request(with_change(("date",), day)).day == date.fromisoformat(day)


BAD_OBJECTS = [
    pytest.param([], "$", id="array"),
    pytest.param("truck", "$", id="string"),
    pytest.param(None, "$", id="null"),
    pytest.param(42, "$", id="number"),
    pytest.param(with_change(("configuration",), delete=True), "configuration", id="no config"),
    pytest.param(with_change(("configuration",), "lorry"), "configuration", id="bad config"),
    pytest.param(with_change(("configuration",), "Truck"), "configuration", id="config case"),
    pytest.param(with_change(("configuration",), None), "configuration", id="config null"),
    pytest.param(with_change(("configuration",), ["truck"]), "configuration", id="config list"),
    pytest.param(with_change(("configuration",), {"a": 1}), "configuration", id="config object"),
    pytest.param(with_change(("axles",), delete=True), "axles", id="no axles"),
    pytest.param(with_change(("axles", 2), None), "axles[2]", id="axle null"),
    pytest.param(with_change(("axles", 1, "weight"), 10**40), "axles[1].weight", id="weight huge"),
    pytest.param(
        with_change(("axles", 1, "weight"), float("nan")), "axles[1].weight", id="weight NaN"
    ),
    pytest.param(with_change(("axles", 3, "tyres"), ["dual"]), "axles[3].tyres", id="tyres list"),
    pytest.param(with_change(("axles", 3, "tyres"), None), "axles[3].tyres", id="tyres null"),
    pytest.param(
        with_change(("dimensions",), {"height": True}), "dimensions.height", id="dimension bool"
    ),
    pytest.param(with_change(("axles",), {"weight": 1}), "axles", id="axles object"),
    pytest.param(with_change(("axles",), "6"), "axles", id="axles string"),
    pytest.param(with_change(("axles",), [axle()]), "axles", id="1 axle"),
    pytest.param(with_change(("axles",), []), "axles", id="0 axles"),
    pytest.param(with_change(("axles",), [axle(2000) for _ in range(21)]), "axles", id="21 axles"),
    pytest.param(with_change(("axles", 1), 11000), "axles[1]", id="axle not object"),
    pytest.param(
        with_change(("axles", 1, "weight"), delete=True), "axles[1].weight", id="weight missing"
    ),
    pytest.param(with_change(("axles", 1, "weight"), 1000.0), "axles[1].weight", id="weight float"),
    pytest.param(
        with_change(("axles", 1, "weight"), 1000.5), "axles[1].weight", id="weight fraction"
    ),
    pytest.param(with_change(("axles", 1, "weight"), -1), "axles[1].weight", id="weight negative"),
    pytest.param(
        with_change(("axles", 1, "weight"), "11000"), "axles[1].weight", id="weight string"
    ),
    pytest.param(with_change(("axles", 1, "weight"), True), "axles[1].weight", id="weight bool"),
    pytest.param(with_change(("axles", 1, "weight"), None), "axles[1].weight", id="weight null"),
    pytest.param(with_change(("axles", 3, "tyres"), "triple"), "axles[3].tyres", id="tyres bad"),
    pytest.param(with_change(("axles", 3, "tyres"), "DUAL"), "axles[3].tyres", id="tyres case"),
    pytest.param(with_change(("axles", 2, "drive"), "yes"), "axles[2].drive", id="drive string"),
    pytest.param(with_change(("axles", 2, "drive"), 1), "axles[2].drive", id="drive int"),
    pytest.param(
        with_change(("axles", 2, "airSuspension"), 0), "axles[2].airSuspension", id="air int"
    ),
    pytest.param(
        with_change(("axles", 4, "spacing"), -1), "axles[4].spacing", id="spacing negative"
    ),
    pytest.param(
        with_change(("axles", 4, "spacing"), 1310.0), "axles[4].spacing", id="spacing float"
    ),
    pytest.param(
        with_change(("axles", 4, "steering"), "no"), "axles[4].steering", id="steering string"
    ),
    pytest.param(with_change(("axle",), []), "axle", id="unknown top-level field"),
    pytest.param(with_change(("plate",), "豫A12345"), "plate", id="unknown field 2"),
    pytest.param(
        with_change(("axles", 5, "wieght"), 1), "axles[5].wieght", id="unknown axle field"
    ),
    pytest.param(with_change(("date",), "2026/01/01"), "date", id="date slashes"),
    pytest.param(with_change(("date",), "2026-02-30"), "date", id="impossible date"),
    pytest.param(with_change(("date",), "2026-13-01"), "date", id="month 13"),
    pytest.param(with_change(("date",), "2026-1-01"), "date", id="short month"),
    pytest.param(with_change(("date",), "2026-01-01T00:00:00"), "date", id="datetime"),
    pytest.param(with_change(("date",), "20260101"), "date", id="basic format"),
    pytest.param(with_change(("date",), 20260101), "date", id="date number"),
    pytest.param(with_change(("date",), "２０２６-01-01"), "date", id="full-width digits"),
    pytest.param(
        with_change(("dimensions",), {"length": -1}), "dimensions.length", id="dimension negative"
    ),
    pytest.param(
        with_change(("dimensions",), {"height": 4000.5}), "dimensions.height", id="dimension float"
    ),
    pytest.param(
        with_change(("dimensions",), {"width": "2550"}), "dimensions.width", id="dimension string"
    ),
    pytest.param(
        with_change(("dimensions",), {"depth": 1}), "dimensions.depth", id="dimension unknown"
    ),
    pytest.param(
        with_change(("dimensions",), [4000, 2550, 18100]), "dimensions", id="dimensions array"
    ),
    pytest.param(
        with_change(("tractorDriveAxles",), "1"), "tractorDriveAxles", id="tractorDriveAxles string"
    ),
    pytest.param(
        with_change(("tractorDriveAxles",), -1),
        "tractorDriveAxles",
        id="tractorDriveAxles negative",
    ),
    pytest.param(
        with_change(("tractorDriveAxles",), True), "tractorDriveAxles", id="tractorDriveAxles bool"
    ),
    pytest.param(
        with_change(("registeredMass",), -18000), "registeredMass", id="registeredMass negative"
    ),
    pytest.param(
        with_change(("registeredMass",), 18000.0), "registeredMass", id="registeredMass float"
    ),
    pytest.param(with_change(("specialType",), "bus"), "specialType", id="specialType bad"),
]


@pytest.mark.parametrize(("data", "field"), BAD_OBJECTS)
def test_bad_input_names_the_field(data: Any, field: str) -> None:
    with pytest.raises(JudgeInputError) as caught:
        judge_all(data)
    assert caught.value.field == field
    assert names_field(str(caught.value), field), str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("data", "field"), BAD_OBJECTS[4:])
def test_bad_input_through_text(data: Any, field: str) -> None:
    with pytest.raises(JudgeInputError) as caught:
        parse_request_text(json.dumps(data, ensure_ascii=False))
    assert caught.value.field == field


@pytest.mark.parametrize(
    "text",
    ["", "   ", "{", "{'configuration': 'truck'}", "not json", '{"a": 1} {"b": 2}', "[1,", "{}}"],
)
def test_not_json(text: str) -> None:
    with pytest.raises(JudgeInputError) as caught:
        parse_request_text(text)
    assert caught.value.field == "$"
    assert names_field(str(caught.value), "$")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("text", ["[]", '"truck"', "null", "3"])
def test_json_not_an_object(text: str) -> None:
    with pytest.raises(JudgeInputError) as caught:
        parse_request_text(text)
    assert caught.value.field == "$"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param(
            {"configuration": "truck", "axles": [axle(), axle(), axle(), axle(), axle()]},
            "axles",
            id="5-axle truck has no row",
        ),
        pytest.param(
            {"configuration": "truck", "axles": [axle() for _ in range(6)]},
            "axles",
            id="6-axle truck has no row",
        ),
        pytest.param(
            {"configuration": "articulated", "axles": [axle() for _ in range(2)]},
            "axles",
            id="2-axle combination has no row",
        ),
        pytest.param(
            {"configuration": "truck", "axles": [axle(), axle()], "specialType": "tractor"},
            "registeredMass",
            id="special type without registeredMass",
        ),
        pytest.param(
            {"configuration": "truck", "axles": [axle(), axle()], "date": "2016-09-20"},
            "date",
            id="before the first table",
        ),
    ],
)
def test_semantic_errors_name_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(JudgeInputError) as caught:
        judge_all(data)
    assert caught.value.field == field
    assert names_field(str(caught.value), field), str(caught.value)


def test_first_bad_axle_is_named() -> None:
    data = copy.deepcopy(VALID)
    data["axles"][2]["weight"] = "x"
    data["axles"][4]["weight"] = "y"
    with pytest.raises(JudgeInputError) as caught:
        parse_request(data)
    assert caught.value.field == "axles[2].weight"


def test_output_keys_and_types() -> None:
    out = judge_all(copy.deepcopy(VALID))
    assert set(out) == {
        "sumWeight",
        "limitWeight",
        "overWeight",
        "overRate",
        "isOver",
        "vehicleClass",
        "adjustments",
        "dimensionsOver",
        "penalty",
    }
    assert set(out["penalty"]) == {"action", "fineYuan"}
    for key in ("sumWeight", "limitWeight", "overWeight"):
        assert type(out[key]) is int
    assert type(out["penalty"]["fineYuan"]) is int
    assert type(out["isOver"]) is bool
    assert isinstance(out["overRate"], str)
    assert out["sumWeight"] == 59000
    assert out["limitWeight"] == 49000
    assert out["overWeight"] == 10000
    assert out["overRate"] == "20.41"
    assert out["penalty"] == {"action": "FINE", "fineYuan": 5000}
    json.dumps(out)  # serialisable as is
