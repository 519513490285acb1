"""Gross-mass limits of 62号令 Art. 3 / the 2016 认定标准 chart (domain.md §1.3, §2.2).

Every expected number below is written out from the law, never read from the code's tables.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from station.domain.limits import LimitBook, LimitTableError, NoLimitRule, table_from_mapping
from station.domain.penalty import PenaltyPolicy
from station.domain.vehicle import Axle, Configuration, Tyres, Vehicle
from station.judge import JudgeInputError, judge_request, parse_request
from station.tables import default_limit_book, default_penalty_book, load_limit_book

DAY = "2026-06-01"


def ax(
    weight: int = 5000,
    *,
    tyres: str = "dual",
    drive: bool = False,
    air: bool = False,
    spacing: int | None = None,
    steering: bool | None = None,
) -> dict[str, Any]:
    axle: dict[str, Any] = {"weight": weight, "tyres": tyres, "drive": drive, "airSuspension": air}
    if spacing is not None:
        axle["spacing"] = spacing
    if steering is not None:
        axle["steering"] = steering
    return axle


def steer(weight: int = 5000, spacing: int | None = None) -> dict[str, Any]:
    return ax(weight, tyres="single", spacing=spacing)


def drive(
    weight: int = 5000, air: bool = False, tyres: str = "dual", spacing: int | None = None
) -> dict[str, Any]:
    return ax(weight, tyres=tyres, drive=True, air=air, spacing=spacing)


def trailer(weight: int = 5000, tyres: str = "dual", spacing: int | None = None) -> dict[str, Any]:
    return ax(weight, tyres=tyres, spacing=spacing)


def judged(payload: dict[str, Any], policy: PenaltyPolicy | None = None) -> dict[str, Any]:
    body = {"date": DAY, **payload}
    request = parse_request(body)
    return judge_request(
        request, default_limit_book(), default_penalty_book(), policy or PenaltyPolicy()
    )


def vehicle(configuration: str, axles: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"configuration": configuration, "axles": axles, **extra}


def mentions_axle(text: str, number: int) -> bool:
    return re.search(rf"axle\s*#?\s*{number}\b", text, re.IGNORECASE) is not None


# ---- 1. every row of the limit table -----------------------------------------------------

TRUCK_2 = [steer(), drive()]
TRUCK_3 = [steer(), drive(), drive()]
TRUCK_4 = [steer(), ax(tyres="single", steering=True), drive(), drive()]
ART_3 = [steer(), drive(), trailer()]
CENTRE_3 = [steer(), drive(), trailer()]
ART_4 = [steer(), drive(), trailer(spacing=1310), trailer()]
ART_4_QUALIFYING = [steer(), drive(air=True), trailer(spacing=1800), trailer()]
CENTRE_4 = [steer(), drive(), trailer(), trailer()]
FULL_4 = [steer(), drive(), trailer(), trailer()]
COMB_5 = [steer(), drive(), drive(), trailer(), trailer()]


def tandem_drive(axles: int) -> list[dict[str, Any]]:
    return [steer(), drive(), drive()] + [trailer() for _ in range(axles - 3)]


def single_drive(axles: int) -> list[dict[str, Any]]:
    return [steer(), drive()] + [trailer() for _ in range(axles - 2)]


def no_drive_marked(axles: int) -> list[dict[str, Any]]:
    return [steer()] + [trailer() for _ in range(axles - 1)]


ROWS = [
    pytest.param("truck", TRUCK_2, {}, 18000, "2axle-truck", id="2-axle truck"),
    pytest.param("truck", TRUCK_3, {}, 25000, "3axle-truck", id="3-axle truck"),
    pytest.param("truck", TRUCK_4, {}, 31000, "4axle-truck", id="4-axle truck"),
    pytest.param("centre_axle", CENTRE_3, {}, 27000, "3axle-centre-axle", id="3-axle centre"),
    pytest.param("articulated", ART_3, {}, 27000, "3axle-articulated", id="3-axle artic"),
    pytest.param("centre_axle", CENTRE_4, {}, 36000, "4axle-centre-axle", id="4-axle centre"),
    pytest.param("articulated", ART_4, {}, 36000, "4axle-articulated", id="4-axle artic"),
    pytest.param(
        "articulated",
        ART_4_QUALIFYING,
        {},
        37000,
        "4axle-articulated-drive-dual-air",
        id="4-axle artic dual+air d=1800",
    ),
    pytest.param("full_trailer", FULL_4, {}, 36000, "4axle-full-trailer", id="4-axle full"),
    pytest.param("articulated", COMB_5, {}, 43000, "5axle-combination", id="5-axle artic"),
    pytest.param("centre_axle", COMB_5, {}, 43000, "5axle-combination", id="5-axle centre"),
    pytest.param("full_trailer", COMB_5, {}, 43000, "5axle-combination", id="5-axle full"),
]
for _config in ("articulated", "centre_axle", "full_trailer"):
    for _n in (6, 7, 8):
        ROWS += [
            pytest.param(
                _config,
                tandem_drive(_n),
                {},
                49000,
                "6axle-combination",
                id=f"{_n}-axle {_config} tandem drive",
            ),
            pytest.param(
                _config,
                tandem_drive(_n),
                {"tractorDriveAxles": 2},
                49000,
                "6axle-combination",
                id=f"{_n}-axle {_config} tractorDriveAxles=2",
            ),
            pytest.param(
                _config,
                single_drive(_n),
                {},
                46000,
                "6axle-combination-single-drive",
                id=f"{_n}-axle {_config} one axle marked drive",
            ),
            pytest.param(
                _config,
                no_drive_marked(_n),
                {"tractorDriveAxles": 1},
                46000,
                "6axle-combination-single-drive",
                id=f"{_n}-axle {_config} tractorDriveAxles=1",
            ),
        ]


@pytest.mark.parametrize(("configuration", "axles", "extra", "limit", "row"), ROWS)
def test_limit_table_row(
    configuration: str, axles: list[dict[str, Any]], extra: dict[str, Any], limit: int, row: str
) -> None:
    out = judged(vehicle(configuration, axles, **extra))
    assert out["limitWeight"] == limit
    assert out["vehicleClass"] == f"GB1589-2016:{row}"
    assert out["adjustments"] == []


@pytest.mark.parametrize(
    ("axles", "why"),
    [
        ([steer(), drive(air=True), trailer(spacing=1799), trailer()], "spacing 1799 mm"),
        ([steer(), drive(air=False), trailer(spacing=1800), trailer()], "no air suspension"),
        (
            [steer(), drive(air=True, tyres="single"), trailer(spacing=1800), trailer()],
            "single tyres on the drive axle",
        ),
        ([steer(), drive(air=True), trailer(), trailer()], "spacing unknown"),
    ],
)
def test_4axle_articulated_not_qualifying_for_37000(axles: list[dict[str, Any]], why: str) -> None:
    out = judged(vehicle("articulated", axles))
    assert out["limitWeight"] == 36000, why
    assert out["vehicleClass"] == "GB1589-2016:4axle-articulated"


def test_4axle_articulated_wider_spacing_still_37000() -> None:
    axles = [steer(), drive(air=True), trailer(spacing=2500), trailer()]
    assert judged(vehicle("articulated", axles))["limitWeight"] == 37000


@pytest.mark.parametrize(
    ("special", "row"),
    [
        ("tractor", "registered-mass-tractor"),
        ("agricultural", "registered-mass-agricultural"),
        ("low_speed", "registered-mass-low-speed"),
    ],
)
@pytest.mark.parametrize("registered", [3000, 4495, 25000])
def test_special_types_take_registered_mass(special: str, row: str, registered: int) -> None:
    out = judged(
        vehicle("truck", [steer(2000), drive(2600)], specialType=special, registeredMass=registered)
    )
    assert out["limitWeight"] == registered
    assert out["vehicleClass"] == f"GB1589-2016:{row}"
    assert out["sumWeight"] == 4600
    assert out["isOver"] is (registered < 4600)


@pytest.mark.parametrize("special", ["tractor", "agricultural", "low_speed"])
def test_special_type_without_registered_mass_is_an_error(special: str) -> None:
    request = parse_request(
        {"date": DAY, **vehicle("truck", [steer(), drive()], specialType=special)}
    )
    with pytest.raises(JudgeInputError) as caught:
        judge_request(request, default_limit_book(), default_penalty_book(), PenaltyPolicy())
    assert caught.value.field == "registeredMass"
    assert str(caught.value).startswith("registeredMass:")


def test_special_type_ignores_the_axle_table() -> None:
    """A 3-axle low-speed truck is judged by its registration, not the 25000 kg row."""
    out = judged(vehicle("truck", TRUCK_3, specialType="low_speed", registeredMass=7500))
    assert out["limitWeight"] == 7500


def test_2axle_truck_capped_by_lower_registered_mass() -> None:
    out = judged(vehicle("truck", [steer(6000), drive(10000)], registeredMass=16000))
    assert out["limitWeight"] == 16000
    assert out["vehicleClass"] == "GB1589-2016:2axle-truck"
    assert out["isOver"] is False
    assert len(out["adjustments"]) == 1
    assert "16000" in out["adjustments"][0]


@pytest.mark.parametrize("registered", [18000, 20000, 31000])
def test_2axle_truck_not_raised_by_higher_registered_mass(registered: int) -> None:
    out = judged(vehicle("truck", [steer(6000), drive(13000)], registeredMass=registered))
    assert out["limitWeight"] == 18000
    assert out["overWeight"] == 1000
    assert out["isOver"] is True


def test_registered_mass_does_not_cap_a_combination() -> None:
    """Only the 2-axle truck row says 'and not above the registered total mass'."""
    out = judged(vehicle("articulated", tandem_drive(6), registeredMass=40000))
    assert out["limitWeight"] == 49000


def test_sum_weight_is_the_sum_of_the_axles() -> None:
    axles = [
        steer(7120),
        drive(11890),
        drive(12040),
        trailer(11330),
        trailer(11500),
        trailer(11500),
    ]
    out = judged(vehicle("articulated", axles))
    assert out["sumWeight"] == 65380


def test_5axle_truck_has_no_row() -> None:
    request = parse_request({"date": DAY, **vehicle("truck", [steer()] + [drive()] * 4)})
    with pytest.raises(JudgeInputError) as caught:
        judge_request(request, default_limit_book(), default_penalty_book(), PenaltyPolicy())
    assert caught.value.field == "axles"


# ---- 2. adjustments ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("configuration", "axles", "limit", "adjusted"),
    [
        pytest.param(
            "truck",
            [steer(), drive(air=True), drive(air=True)],
            26000,
            True,
            id="3-axle truck dual+air",
        ),
        pytest.param(
            "truck",
            [steer(), ax(tyres="single", steering=True), drive(air=True), drive(air=True)],
            32000,
            True,
            id="4-axle truck dual+air",
        ),
        pytest.param(
            "truck",
            [steer(), drive(air=True), trailer()],
            26000,
            True,
            id="3-axle truck 6x2 dual+air",
        ),
        pytest.param(
            "truck",
            [steer(), drive(air=True), drive(air=False)],
            25000,
            False,
            id="3-axle truck one drive axle without air",
        ),
        pytest.param(
            "truck",
            [steer(), drive(air=True, tyres="single"), drive(air=True)],
            25000,
            False,
            id="3-axle truck single-tyre drive axle",
        ),
        pytest.param(
            "truck", [steer(), drive(air=True)], 18000, False, id="2-axle truck dual+air: no bonus"
        ),
        pytest.param(
            "articulated",
            [steer(), drive(air=True), trailer()],
            27000,
            False,
            id="3-axle artic dual+air: no bonus",
        ),
        pytest.param(
            "centre_axle",
            [steer(), drive(air=True), trailer()],
            27000,
            False,
            id="3-axle centre dual+air: no bonus",
        ),
        pytest.param(
            "articulated",
            [steer(), drive(air=True), trailer(spacing=1800), trailer()],
            37000,
            False,
            id="4-axle artic dual+air: 37000 row, no +1000",
        ),
        pytest.param(
            "full_trailer",
            [steer(), drive(air=True), trailer(), trailer()],
            36000,
            False,
            id="4-axle full dual+air: no bonus",
        ),
        pytest.param(
            "articulated",
            [steer(), drive(air=True), drive(air=True), trailer(), trailer(), trailer()],
            49000,
            False,
            id="6-axle artic dual+air: no bonus",
        ),
    ],
)
def test_truck_drive_dual_air_bonus(
    configuration: str, axles: list[dict[str, Any]], limit: int, adjusted: bool
) -> None:
    out = judged(vehicle(configuration, axles))
    assert out["limitWeight"] == limit
    assert bool(out["adjustments"]) is adjusted
    if adjusted:
        assert len(out["adjustments"]) == 1
        assert "+1000" in out["adjustments"][0]


@pytest.mark.parametrize(
    ("configuration", "axles", "limit", "reduced_axles"),
    [
        pytest.param(
            "articulated",
            [steer(), drive(), drive(), trailer(tyres="single"), trailer()],
            40000,
            [4],
            id="5-axle artic, axle 4 single",
        ),
        pytest.param(
            "articulated",
            [steer(), drive(), drive(), trailer(tyres="single"), trailer(tyres="single")],
            37000,
            [4, 5],
            id="5-axle artic, axles 4+5 single",
        ),
        pytest.param(
            "articulated",
            [steer(), drive(), drive(), trailer(), trailer(), trailer(tyres="single")],
            46000,
            [6],
            id="6-axle artic, axle 6 single",
        ),
        pytest.param(
            "full_trailer",
            [steer(), drive(), trailer(tyres="single"), trailer(tyres="single")],
            30000,
            [3, 4],
            id="4-axle full, axles 3+4 single",
        ),
        pytest.param(
            "truck",
            [steer(), drive(), trailer(tyres="single")],
            22000,
            [3],
            id="3-axle truck, non-drive tag axle single",
        ),
        pytest.param(
            "articulated",
            [steer(), drive(), drive(), trailer(tyres="wide_single"), trailer(tyres="wide_single")],
            43000,
            [],
            id="wide single: no reduction",
        ),
        pytest.param(
            "articulated",
            [steer(), drive(tyres="single"), drive(), trailer(), trailer()],
            43000,
            [],
            id="single-tyre drive axle: no reduction",
        ),
        pytest.param(
            "articulated",
            [ax(tyres="single", steering=False), drive(), drive(), trailer(), trailer()],
            43000,
            [],
            id="first axle is always steering",
        ),
        pytest.param(
            "truck",
            [steer(), ax(tyres="single", steering=True), drive(), drive()],
            31000,
            [],
            id="axle flagged steering: no reduction",
        ),
        pytest.param(
            "truck",
            [steer(), ax(tyres="single"), drive(), drive()],
            28000,
            [2],
            id="second front axle not flagged steering: reduced",
        ),
        pytest.param(
            "truck",
            [steer(spacing=1900), ax(tyres="single", spacing=4000), drive(spacing=1350), drive()],
            31000,
            [],
            id="8x4 twin steer, spacings known: axle 2 in no group, not reduced",
        ),
        pytest.param(
            "truck",
            [steer(spacing=4000), drive(spacing=1350), ax(tyres="single")],
            22000,
            [3],
            id="single-tyre tag axle in a tandem with the drive axle",
        ),
        pytest.param(
            "truck",
            [steer(spacing=3800), ax(tyres="single", spacing=0)],
            18000,
            [],
            id="2-axle truck, single rear axle alone: not in a group, not reduced",
        ),
        pytest.param(
            "articulated",
            [
                steer(spacing=3200),
                drive(spacing=6000),
                trailer(tyres="single", spacing=5000),
                trailer(spacing=1310),
                trailer(),
            ],
            40000,
            [3],
            id="spread trailer axle: still a trailer axle, reduced",
        ),
    ],
)
def test_single_tyre_reduction(
    configuration: str, axles: list[dict[str, Any]], limit: int, reduced_axles: list[int]
) -> None:
    out = judged(vehicle(configuration, axles))
    assert out["limitWeight"] == limit
    assert len(out["adjustments"]) == len(reduced_axles)
    for text, number in zip(out["adjustments"], reduced_axles, strict=True):
        assert "-3000" in text
        assert mentions_axle(text, number), (text, number)


@pytest.mark.parametrize(
    ("axles", "limit", "reductions"),
    [
        ([steer(), drive(air=True), trailer(tyres="single")], 25000 + 1000 - 3000, 1),
        (
            [steer(), ax(tyres="single", steering=True), drive(air=True), trailer(tyres="single")],
            31000 + 1000 - 3000,
            1,
        ),
        (
            [steer(), ax(tyres="single"), drive(air=True), trailer(tyres="single")],
            31000 + 1000 - 3000 - 3000,
            2,
        ),
    ],
)
def test_bonus_and_reduction_combine(
    axles: list[dict[str, Any]], limit: int, reductions: int
) -> None:
    out = judged(vehicle("truck", axles))
    assert out["limitWeight"] == limit
    assert sum("+1000" in a for a in out["adjustments"]) == 1
    assert sum("-3000" in a for a in out["adjustments"]) == reductions


def test_single_tyre_reduction_on_the_37000_row() -> None:
    axles = [steer(), drive(air=True), trailer(spacing=1800, tyres="single"), trailer()]
    out = judged(vehicle("articulated", axles))
    assert out["vehicleClass"] == "GB1589-2016:4axle-articulated-drive-dual-air"
    assert out["limitWeight"] == 34000
    assert mentions_axle(out["adjustments"][0], 3)


def test_single_tyre_reduction_on_the_46000_row() -> None:
    axles = [steer(), drive()] + [trailer(tyres="single")] + [trailer() for _ in range(3)]
    out = judged(vehicle("articulated", axles))
    assert out["vehicleClass"] == "GB1589-2016:6axle-combination-single-drive"
    assert out["limitWeight"] == 43000


def test_registered_mass_cap_after_reduction() -> None:
    """2-axle truck, single-tyre non-drive rear axle: 18000 - 3000 = 15000.

    A registered mass of 16000 does not raise it.
    """
    out = judged(vehicle("truck", [steer(), ax(tyres="single")], registeredMass=16000))
    assert out["limitWeight"] == 15000


# ---- 6. tables are data ------------------------------------------------------------------


def shipped_text() -> str:
    return (resources.files("station") / "data" / "limits" / "gb1589-2016.toml").read_text(
        encoding="utf-8"
    )


def revised_text() -> str:
    """A hypothetical 2030 revision: new id, new start, the 2-axle truck row raised to 20000."""
    text = shipped_text()
    text = re.sub(r'^id = "GB1589-2016"$', 'id = "GB1589-2030"', text, count=1, flags=re.M)
    text = re.sub(
        r"^effective_from = 2016-09-21$", "effective_from = 2030-01-01", text, count=1, flags=re.M
    )
    text, n = re.subn(
        r'(id = "2axle-truck"\n(?:[^\[\n][^\n]*\n)*?limit_kg = )18000', r"\g<1>20000", text, count=1
    )
    assert n == 1
    return text


def closed_2016_text() -> str:
    text, n = re.subn(
        r"^effective_from = 2016-09-21$",
        "effective_from = 2016-09-21\neffective_until = 2029-12-31",
        shipped_text(),
        count=1,
        flags=re.M,
    )
    assert n == 1
    return text


def two_table_book() -> LimitBook:
    return LimitBook(
        [
            table_from_mapping(tomllib.loads(closed_2016_text()), "old.toml"),
            table_from_mapping(tomllib.loads(revised_text()), "new.toml"),
        ]
    )


def test_revised_table_beside_open_ended_one_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "gb1589-2030.toml").write_text(revised_text(), encoding="utf-8")
    with pytest.raises(LimitTableError) as caught:
        load_limit_book([tmp_path])
    assert "GB1589-2016" in str(caught.value)
    assert "GB1589-2030" in str(caught.value)


def test_extra_folder_without_tables_changes_nothing(tmp_path: Path) -> None:
    book = load_limit_book([tmp_path])
    assert [t.id for t in book.tables] == ["GB1589-2016"]


def test_malformed_toml_in_extra_folder_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("[table\nid = 1\n", encoding="utf-8")
    with pytest.raises(LimitTableError, match=re.escape("broken.toml")):
        load_limit_book([tmp_path])


@pytest.mark.parametrize(
    ("day", "limit", "table_id"),
    [
        (date(2016, 9, 21), 18000, "GB1589-2016"),
        (date(2029, 12, 31), 18000, "GB1589-2016"),
        (date(2030, 1, 1), 20000, "GB1589-2030"),
        (date(2041, 5, 5), 20000, "GB1589-2030"),
    ],
)
def test_date_selects_the_table(day: date, limit: int, table_id: str) -> None:
    book = two_table_book()
    truck = Vehicle(
        Configuration.TRUCK,
        (Axle(7000, Tyres.SINGLE), Axle(12000, Tyres.DUAL, drive=True)),
    )
    verdict = book.judge(truck, day)
    assert verdict.limit_weight_kg == limit
    assert verdict.vehicle_class == f"{table_id}:2axle-truck"
    assert verdict.is_over is (limit < 19000)


@pytest.mark.parametrize(("day", "limit"), [("2029-12-31", 18000), ("2030-01-01", 20000)])
def test_json_date_selects_the_table(day: str, limit: int) -> None:
    request = parse_request(vehicle("truck", [steer(7000), drive(12000)], date=day))
    out = judge_request(request, two_table_book(), default_penalty_book(), PenaltyPolicy())
    assert out["limitWeight"] == limit
    assert out["overWeight"] == max(0, 19000 - limit)


def test_revised_table_keeps_unchanged_rows() -> None:
    truck = Vehicle(Configuration.ARTICULATED, tuple(Axle(10000) for _ in range(6)))
    assert two_table_book().judge(truck, date(2030, 1, 1)).limit_weight_kg == 49000


@pytest.mark.parametrize("day", [date(2016, 9, 20), date(2004, 10, 1)])
def test_date_before_any_table_is_an_error_naming_date(day: date) -> None:
    truck = Vehicle(Configuration.TRUCK, (Axle(7000), Axle(12000, drive=True)))
    for book in (two_table_book(), default_limit_book()):
        with pytest.raises(NoLimitRule) as caught:
            book.judge(truck, day)
        assert caught.value.field == "date"
        assert str(caught.value).startswith("date")


def test_json_date_before_2016_09_21_is_an_input_error() -> None:
    request = parse_request(vehicle("truck", [steer(), drive()], date="2016-09-20"))
    with pytest.raises(JudgeInputError) as caught:
        judge_request(request, default_limit_book(), default_penalty_book(), PenaltyPolicy())
    assert caught.value.field == "date"
    assert str(caught.value).startswith("date:")


def test_table_in_force_from_its_first_day() -> None:
    out = judged(vehicle("truck", [steer(), drive()], date="2016-09-21"))
    assert out["limitWeight"] == 18000


def _shipped_mapping() -> dict[str, Any]:
    return tomllib.loads(shipped_text())


def test_shipped_table_parses() -> None:
    table = table_from_mapping(_shipped_mapping(), "gb")
    assert table.id == "GB1589-2016"
    assert table.effective_from == date(2016, 9, 21)
    assert (table.outline.height_mm, table.outline.width_mm, table.outline.length_mm) == (
        4000,
        2550,
        18100,
    )


def _row_index(data: dict[str, Any], row_id: str) -> int:
    return next(i for i, row in enumerate(data["rows"]) if row["id"] == row_id)


def _mutate_unknown_row_key(data: dict[str, Any]) -> None:
    data["rows"][_row_index(data, "3axle-truck")]["limit_kgs"] = 25000


def _mutate_unknown_condition(data: dict[str, Any]) -> None:
    data["rows"][_row_index(data, "4axle-articulated")]["when"] = {"drive_quad_air": True}


def _mutate_missing_limit(data: dict[str, Any]) -> None:
    del data["rows"][_row_index(data, "4axle-truck")]["limit_kg"]


def _mutate_unknown_top_key(data: dict[str, Any]) -> None:
    data["limitz"] = []


def _mutate_unknown_adjustment_key(data: dict[str, Any]) -> None:
    data["adjustments"][0]["amount"] = 1000


def _mutate_unknown_axle_condition(data: dict[str, Any]) -> None:
    data["adjustments"][-1]["axle_when"]["tyre_width"] = 425


def _mutate_missing_outline_height(data: dict[str, Any]) -> None:
    del data["outline"]["height_mm"]


def _mutate_wrong_condition_type(data: dict[str, Any]) -> None:
    data["rows"][_row_index(data, "6axle-combination-single-drive")]["when"] = {
        "tractor_drive_axles": "1"
    }


@pytest.mark.parametrize(
    ("mutate", "named"),
    [
        (_mutate_unknown_row_key, "limit_kgs"),
        (_mutate_unknown_condition, "drive_quad_air"),
        (_mutate_missing_limit, "limit_kg"),
        (_mutate_unknown_top_key, "limitz"),
        (_mutate_unknown_adjustment_key, "amount"),
        (_mutate_unknown_axle_condition, "tyre_width"),
        (_mutate_missing_outline_height, "height_mm"),
        (_mutate_wrong_condition_type, "tractor_drive_axles"),
    ],
)
def test_malformed_table_names_the_key(mutate: Any, named: str) -> None:
    data = _shipped_mapping()
    mutate(data)
    with pytest.raises(LimitTableError, match=re.escape(named)):
        table_from_mapping(data, "bad.toml")


def _mutate_limit_as_text(data: dict[str, Any]) -> None:
    data["rows"][_row_index(data, "2axle-truck")]["limit_kg"] = "18000"


def _mutate_negative_limit(data: dict[str, Any]) -> None:
    data["rows"][_row_index(data, "2axle-truck")]["limit_kg"] = -18000


def _mutate_axles_min_as_text(data: dict[str, Any]) -> None:
    data["rows"][_row_index(data, "6axle-combination")]["axles_min"] = "6"


def _mutate_cap_flag_as_text(data: dict[str, Any]) -> None:
    data["rows"][_row_index(data, "3axle-truck")]["cap_by_registered_mass"] = "no"


def _mutate_misspelt_tyre_value(data: dict[str, Any]) -> None:
    data["adjustments"][-1]["axle_when"]["tyres"] = "singel"


def _mutate_until_as_text(data: dict[str, Any]) -> None:
    data["table"]["effective_until"] = "2029-12-31"


def _mutate_until_before_from(data: dict[str, Any]) -> None:
    data["table"]["effective_until"] = date(2016, 1, 1)


@pytest.mark.parametrize(
    ("mutate", "named"),
    [
        (_mutate_limit_as_text, "limit_kg"),
        (_mutate_negative_limit, "limit_kg"),
        (_mutate_axles_min_as_text, "axles_min"),
        (_mutate_cap_flag_as_text, "cap_by_registered_mass"),
        (_mutate_misspelt_tyre_value, "tyres"),
        (_mutate_until_as_text, "effective_until"),
        (_mutate_until_before_from, "effective_until"),
    ],
)
def test_malformed_table_values_are_rejected_at_load(mutate: Any, named: str) -> None:
    """A wrong value must fail when the table is loaded, not be accepted and misjudge later.

    E.g. tyres = "singel" in the single-tyre adjustment silently switches the -3000 kg
    reduction off; limit_kg = "18000" makes every later judgement crash with a TypeError.
    """
    data = _shipped_mapping()
    mutate(data)
    with pytest.raises(LimitTableError, match=re.escape(named)):
        table_from_mapping(data, "bad.toml")


def test_malformed_table_in_extra_folder_fails_at_load(tmp_path: Path) -> None:
    text = closed_2016_text().replace("limit_kg = 25000", "limit_kgs = 25000", 1)
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    with pytest.raises(LimitTableError, match="limit_kgs"):
        load_limit_book([tmp_path])


# ---- property: arithmetic of the verdict -------------------------------------------------

AXLE = st.fixed_dictionaries(
    {
        "weight": st.integers(0, 30000),
        "tyres": st.sampled_from(["single", "dual", "wide_single"]),
        "drive": st.booleans(),
        "airSuspension": st.booleans(),
    },
    optional={"spacing": st.integers(0, 5000), "steering": st.booleans()},
)


@st.composite
def vehicles(draw: st.DrawFn) -> dict[str, Any]:
    configuration = draw(st.sampled_from(["truck", "articulated", "centre_axle", "full_trailer"]))
    low, high = {"truck": (2, 4), "full_trailer": (4, 8)}.get(configuration, (3, 8))
    count = draw(st.integers(low, high))
    payload: dict[str, Any] = {
        "configuration": configuration,
        "axles": draw(st.lists(AXLE, min_size=count, max_size=count)),
        "date": draw(st.dates(date(2016, 9, 21), date(2040, 12, 31))).isoformat(),
    }
    if draw(st.booleans()):
        payload["tractorDriveAxles"] = draw(st.integers(0, 3))
    if draw(st.booleans()):
        payload["registeredMass"] = draw(st.integers(1000, 60000))
        if draw(st.integers(0, 4)) == 0:
            payload["specialType"] = draw(st.sampled_from(["tractor", "agricultural", "low_speed"]))
    if draw(st.booleans()):
        payload["dimensions"] = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "length": st.integers(1, 30000),
                    "width": st.integers(1, 4000),
                    "height": st.integers(1, 5000),
                },
            )
        )
    return payload


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vehicles())
def test_verdict_arithmetic_property(payload: dict[str, Any]) -> None:
    out = parse_request(payload)
    result = judge_request(out, default_limit_book(), default_penalty_book(), PenaltyPolicy())
    total = sum(axle["weight"] for axle in payload["axles"])
    limit = result["limitWeight"]
    assert result["sumWeight"] == total
    assert limit > 0
    assert result["overWeight"] == max(0, total - limit)
    assert result["isOver"] is (total > limit)
    rate = result["overRate"]
    assert re.fullmatch(r"\d+\.\d\d", rate), rate
    expected = (Decimal(result["overWeight"] * 100) / Decimal(limit)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    assert Decimal(rate) == expected
    assert 0 <= result["penalty"]["fineYuan"] <= 30000
    if not result["isOver"] and not result["dimensionsOver"]:
        assert result["penalty"] == {"action": "NONE", "fineYuan": 0}
    if result["penalty"]["fineYuan"] > 0:
        assert result["penalty"]["action"] == "FINE"
    if not result["dimensionsOver"]:
        over = result["overWeight"]
        # Art. 43 (2): up to 1000 kg warning, then 500 yuan per full 1000 kg (default), max 30000
        fine = 0 if over <= 1000 else min(30000, over // 1000 * 500)
        action = "NONE" if over == 0 else "WARNING" if over <= 1000 else "FINE"
        assert result["penalty"] == {"action": action, "fineYuan": fine}


def law_limit(payload: dict[str, Any]) -> int:
    """The limit written from 62号令 Art. 3 and the 2016 chart (domain.md §1.3), independently."""
    if "specialType" in payload:
        return payload["registeredMass"]
    axles = payload["axles"]
    count = len(axles)
    configuration = payload["configuration"]
    drives = [i for i, a in enumerate(axles) if a["drive"]]
    drive_dual_air = bool(drives) and all(
        axles[i]["tyres"] == "dual" and axles[i]["airSuspension"] for i in drives
    )
    if configuration == "truck":
        limit = {2: 18000, 3: 25000, 4: 31000}[count]
        if count in (3, 4) and drive_dual_air:
            limit += 1000
    elif count == 3:
        limit = 27000
    elif count == 4:
        semitrailer = axles[drives[-1] + 1 :] if drives else []
        qualifies = (
            configuration == "articulated"
            and drive_dual_air
            and len(semitrailer) == 2
            and semitrailer[0].get("spacing", 0) >= 1800
        )
        limit = 37000 if qualifies else 36000
    elif count == 5:
        limit = 43000
    else:
        tractor_drives = payload.get("tractorDriveAxles", len(drives))
        limit = 46000 if tractor_drives == 1 else 49000

    def grouped_or_trailer(index: int) -> bool:
        # Art. 3 para. 2: the dual-tyre assumption covers axle groups and trailer axles.
        if configuration != "truck" and (not drives or index > drives[-1]):
            return True
        before = axles[index - 1].get("spacing") if index > 0 else 1800
        after = axles[index].get("spacing") if index < count - 1 else 1800
        if before is None or after is None:
            return True  # a group cannot be ruled out
        return before < 1800 or after < 1800

    for index, axle in enumerate(axles):
        steering = index == 0 or axle.get("steering", False)
        if axle["tyres"] == "single" and not axle["drive"] and not steering:
            limit -= 3000 if grouped_or_trailer(index) else 0
    if configuration == "truck" and count == 2 and "registeredMass" in payload:
        limit = min(limit, payload["registeredMass"])
    return limit


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vehicles())
def test_limit_matches_the_law_property(payload: dict[str, Any]) -> None:
    result = judge_request(
        parse_request(payload), default_limit_book(), default_penalty_book(), PenaltyPolicy()
    )
    assert result["limitWeight"] == law_limit(payload)
