"""Over amounts, over rate and the 62号令 Art. 43 penalty estimate (domain.md §2.2, §2.3, §3.1).

Expected amounts are the law's, written out: up to 1000 kg over -> warning; above it 500 yuan per
1000 kg, at most 30000; outline bands 0-200 / 200-1000 / 1000-3000; fines add, capped at 30000.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from station.domain.penalty import (
    BandEnd,
    FineRounding,
    PenaltyPolicy,
    PenaltyTableError,
    penalty_table_from_mapping,
)
from station.domain.rates import over_rate
from station.judge import judge_request, parse_request
from station.tables import default_limit_book, default_penalty_book, load_penalty_book

DAY = "2026-06-01"
LIMIT_6_AXLE = 49000  # 62号令 Art. 3 (8), tandem-drive tractor


def six_axle(total: int) -> list[dict[str, Any]]:
    """A 6-axle articulated vehicle (tandem drive) whose axle weights add up to ``total``."""
    base, rest = divmod(total, 6)
    weights = [base + (1 if i < rest else 0) for i in range(6)]
    tyres = ["single", "dual", "dual", "dual", "dual", "dual"]
    drives = [False, True, True, False, False, False]
    return [
        {"weight": w, "tyres": t, "drive": d, "airSuspension": False}
        for w, t, d in zip(weights, tyres, drives, strict=True)
    ]


def judged(payload: dict[str, Any], policy: PenaltyPolicy | None = None) -> dict[str, Any]:
    request = parse_request({"date": DAY, **payload})
    return judge_request(
        request, default_limit_book(), default_penalty_book(), policy or PenaltyPolicy()
    )


def judged_6(
    total: int, policy: PenaltyPolicy | None = None, dimensions: dict[str, int] | None = None
) -> dict[str, Any]:
    payload: dict[str, Any] = {"configuration": "articulated", "axles": six_axle(total)}
    if dimensions is not None:
        payload["dimensions"] = dimensions
    return judged(payload, policy)


def registered(mass: int, total: int) -> dict[str, Any]:
    """A low-speed truck: its limit is the registered mass (Art. 3 para. 2)."""
    first = total // 2
    axles = [
        {"weight": first, "tyres": "single", "drive": False, "airSuspension": False},
        {"weight": total - first, "tyres": "dual", "drive": True, "airSuspension": False},
    ]
    return judged(
        {
            "configuration": "truck",
            "axles": axles,
            "specialType": "low_speed",
            "registeredMass": mass,
        }
    )


PER_FULL = PenaltyPolicy(fine_rounding=FineRounding.PER_FULL_UNIT)
PER_STARTED = PenaltyPolicy(fine_rounding=FineRounding.PER_STARTED_UNIT)
PROPORTIONAL = PenaltyPolicy(fine_rounding=FineRounding.PROPORTIONAL)


# ---- 3. weight boundaries ----------------------------------------------------------------


def test_exactly_at_the_limit_is_legal() -> None:
    out = judged_6(49000)
    assert out["sumWeight"] == 49000
    assert out["limitWeight"] == 49000
    assert out["overWeight"] == 0
    assert out["isOver"] is False
    assert out["overRate"] == "0.00"
    assert out["penalty"] == {"action": "NONE", "fineYuan": 0}


def test_under_the_limit() -> None:
    out = judged_6(31200)
    assert out["overWeight"] == 0
    assert out["isOver"] is False
    assert out["overRate"] == "0.00"
    assert out["penalty"] == {"action": "NONE", "fineYuan": 0}


@pytest.mark.parametrize(
    ("over", "rate", "action", "fine"),
    [
        (1, "0.00", "WARNING", 0),
        (500, "1.02", "WARNING", 0),
        (999, "2.04", "WARNING", 0),
        (1000, "2.04", "WARNING", 0),
        (1001, "2.04", "FINE", 500),
        (1999, "4.08", "FINE", 500),
        (2000, "4.08", "FINE", 1000),
        (2001, "4.08", "FINE", 1000),
        (16380, "33.43", "FINE", 8000),
        (59999, "122.45", "FINE", 29500),
        (60000, "122.45", "FINE", 30000),
        (60001, "122.45", "FINE", 30000),
        (61000, "124.49", "FINE", 30000),
        (200000, "408.16", "FINE", 30000),
    ],
)
def test_weight_penalty_default_policy(over: int, rate: str, action: str, fine: int) -> None:
    out = judged_6(LIMIT_6_AXLE + over)
    assert out["limitWeight"] == 49000
    assert out["overWeight"] == over
    assert out["isOver"] is True
    assert out["overRate"] == rate
    assert out["penalty"] == {"action": action, "fineYuan": fine}


def test_default_policy_is_per_full_1000kg() -> None:
    assert judged_6(49000 + 1500)["penalty"]["fineYuan"] == 500
    assert judged_6(49000 + 1500, PER_FULL)["penalty"]["fineYuan"] == 500


@pytest.mark.parametrize(
    ("over", "per_full", "per_started", "proportional"),
    [
        (1000, 0, 0, 0),
        (1001, 500, 1000, 501),  # 1001 * 0.5 = 500.5 -> 501 (half up)
        (1002, 500, 1000, 501),
        (1500, 500, 1000, 750),
        (1999, 500, 1000, 1000),  # 999.5 -> 1000
        (2000, 1000, 1000, 1000),
        (2001, 1000, 1500, 1001),  # 1000.5 -> 1001
        (16380, 8000, 8500, 8190),
        (59001, 29500, 30000, 29501),  # 29500.5 -> 29501, below the cap
        (60000, 30000, 30000, 30000),
        (61000, 30000, 30000, 30000),
    ],
)
def test_fine_rounding_policies(
    over: int, per_full: int, per_started: int, proportional: int
) -> None:
    total = LIMIT_6_AXLE + over
    assert judged_6(total, PER_FULL)["penalty"]["fineYuan"] == per_full
    assert judged_6(total, PER_STARTED)["penalty"]["fineYuan"] == per_started
    assert judged_6(total, PROPORTIONAL)["penalty"]["fineYuan"] == proportional
    for policy in (PER_FULL, PER_STARTED, PROPORTIONAL):
        expected = "WARNING" if over <= 1000 else "FINE"
        assert judged_6(total, policy)["penalty"]["action"] == expected


def test_worked_example_6_axle_65380() -> None:
    """News report (§3.1): 6 axles, 65.38 t vs 49 t -> 16.38 t over, 33.43 %."""
    axles = [
        {"weight": 7120, "tyres": "single", "drive": False, "airSuspension": False},
        {"weight": 11890, "tyres": "dual", "drive": True, "airSuspension": False},
        {"weight": 12040, "tyres": "dual", "drive": True, "airSuspension": False},
        {"weight": 11330, "tyres": "dual", "drive": False, "airSuspension": False},
        {"weight": 11500, "tyres": "dual", "drive": False, "airSuspension": False},
        {"weight": 11500, "tyres": "dual", "drive": False, "airSuspension": False},
    ]
    out = judged({"configuration": "articulated", "axles": axles})
    assert out["sumWeight"] == 65380
    assert out["limitWeight"] == 49000
    assert out["overWeight"] == 16380
    assert out["overRate"] == "33.43"
    assert out["isOver"] is True
    assert out["vehicleClass"] == "GB1589-2016:6axle-combination"
    assert out["penalty"] == {"action": "FINE", "fineYuan": 8000}


@pytest.mark.parametrize(
    ("mass", "total", "rate"),
    [
        (8000, 8001, "0.01"),  # 0.0125 % -> 0.01
        (4000, 4005, "0.13"),  # 0.125 % -> 0.13 (half up, not half even)
        (800, 801, "0.13"),  # 0.125 %
        (4000, 4015, "0.38"),  # 0.375 %
        (8000, 8003, "0.04"),  # 0.0375 %
        (8000, 8004, "0.05"),  # 0.05 %
        (3000, 3001, "0.03"),  # 0.0333.. %
        (3000, 3002, "0.07"),  # 0.0666.. %
        (1000, 2000, "100.00"),
        (1000, 3500, "250.00"),
    ],
)
def test_over_rate_rounds_half_up(mass: int, total: int, rate: str) -> None:
    out = registered(mass, total)
    assert out["limitWeight"] == mass
    assert out["overWeight"] == total - mass
    assert out["overRate"] == rate


@pytest.mark.parametrize(
    ("over", "limit", "rate"),
    [
        (0, 49000, "0.00"),
        (1, 8000, "0.01"),
        (5, 4000, "0.13"),
        (15, 4000, "0.38"),
        (25, 4000, "0.63"),
        (1, 800, "0.13"),
        (16380, 49000, "33.43"),
        (1, 200000, "0.00"),
        (1, 20000, "0.01"),  # 0.005 % -> 0.01
        (49000, 49000, "100.00"),
    ],
)
def test_over_rate_function(over: int, limit: int, rate: str) -> None:
    assert over_rate(over, limit) == rate


@pytest.mark.parametrize(("over", "limit"), [(1, 0), (1, -5), (-1, 1000)])
def test_over_rate_rejects_nonsense(over: int, limit: int) -> None:
    with pytest.raises(ValueError):
        over_rate(over, limit)


# ---- 4. dimensions -----------------------------------------------------------------------

LEGAL = {"height": 4000, "width": 2550, "length": 18100}


def test_dimensions_equal_to_thresholds_are_legal() -> None:
    out = judged_6(40000, dimensions=dict(LEGAL))
    assert out["dimensionsOver"] == []
    assert out["penalty"] == {"action": "NONE", "fineYuan": 0}


@pytest.mark.parametrize(("name", "value"), [("height", 4001), ("width", 2551), ("length", 18101)])
def test_one_mm_over_a_threshold(name: str, value: int) -> None:
    out = judged_6(40000, dimensions={**LEGAL, name: value})
    assert out["dimensionsOver"] == [name]
    assert out["isOver"] is False
    assert out["penalty"] == {"action": "FINE", "fineYuan": 200}


def test_all_three_over() -> None:
    out = judged_6(40000, dimensions={"height": 4100, "width": 2600, "length": 18200})
    assert sorted(out["dimensionsOver"]) == ["height", "length", "width"]
    assert out["penalty"] == {"action": "FINE", "fineYuan": 200}


def test_only_measured_dimensions_are_judged() -> None:
    out = judged_6(40000, dimensions={"height": 4300})
    assert out["dimensionsOver"] == ["height"]
    assert out["penalty"]["fineYuan"] == 1000
    assert judged_6(40000, dimensions={})["dimensionsOver"] == []


# Art. 43 (1): band 1 h<=4.2 m, w<=3 m AND l<=20 m: <=200; band 2 h<=4.5, w<=3.75, l<=28: 200-1000;
# band 3 h>4.5 OR w>3.75 OR l>28: 1000-3000.
BANDS = [
    ({"height": 4200}, 200, 0),
    ({"height": 4201}, 1000, 200),
    ({"height": 4500}, 1000, 200),
    ({"height": 4501}, 3000, 1000),
    ({"width": 3000}, 200, 0),
    ({"width": 3001}, 1000, 200),
    ({"width": 3750}, 1000, 200),
    ({"width": 3751}, 3000, 1000),
    ({"length": 20000}, 200, 0),
    ({"length": 20001}, 1000, 200),
    ({"length": 28000}, 1000, 200),
    ({"length": 28001}, 3000, 1000),
    ({"height": 4200, "width": 3000, "length": 20000}, 200, 0),
    ({"height": 4100, "width": 3001, "length": 19000}, 1000, 200),
    ({"height": 4100, "width": 2600, "length": 28001}, 3000, 1000),
    ({"height": 4600, "width": 2600, "length": 18500}, 3000, 1000),
]


@pytest.mark.parametrize(("change", "max_fine", "min_fine"), BANDS)
def test_dimension_bands(change: dict[str, int], max_fine: int, min_fine: int) -> None:
    dims = {**LEGAL, **change}
    top = judged_6(40000, PenaltyPolicy(dimension_fine=BandEnd.MAX), dims)
    assert top["penalty"] == {"action": "FINE", "fineYuan": max_fine}
    assert judged_6(40000, None, dims)["penalty"]["fineYuan"] == max_fine  # default is max
    bottom = judged_6(40000, PenaltyPolicy(dimension_fine=BandEnd.MIN), dims)
    expected_action = "FINE" if min_fine else "WARNING"
    assert bottom["penalty"] == {"action": expected_action, "fineYuan": min_fine}


def test_dimension_only_violation_with_zero_fine_is_a_warning() -> None:
    out = judged_6(40000, PenaltyPolicy(dimension_fine=BandEnd.MIN), {**LEGAL, "height": 4100})
    assert out["isOver"] is False
    assert out["dimensionsOver"] == ["height"]
    assert out["penalty"] == {"action": "WARNING", "fineYuan": 0}


@pytest.mark.parametrize(
    ("over", "dims", "policy", "fine"),
    [
        (16380, {"height": 4600}, None, 8000 + 3000),
        (16380, {"width": 3100}, None, 8000 + 1000),
        (16380, {"length": 18500}, None, 8000 + 200),
        (16380, {"height": 4600}, PenaltyPolicy(dimension_fine=BandEnd.MIN), 8000 + 1000),
        (500, {"height": 4100}, None, 200),  # weight within the warning band, outline fined
        (55000, {"height": 4600}, None, 30000),  # 27500 + 3000 = 30500 -> capped
        (59999, {"height": 4600}, None, 30000),
        (61000, {"height": 4600}, None, 30000),
        (61000, {"width": 2600}, None, 30000),
        (54000, {"height": 4600}, None, 27000 + 3000),  # exactly the cap
    ],
)
def test_weight_and_dimension_fines_add_and_are_capped(
    over: int, dims: dict[str, int], policy: PenaltyPolicy | None, fine: int
) -> None:
    out = judged_6(LIMIT_6_AXLE + over, policy, {**LEGAL, **dims})
    assert out["penalty"] == {"action": "FINE", "fineYuan": fine}


# ---- 5. tolerance policy -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "over", "action", "fine"),
    [
        (PenaltyPolicy(tolerance_kg=2000), 1, "NONE", 0),
        (PenaltyPolicy(tolerance_kg=2000), 1500, "NONE", 0),
        (PenaltyPolicy(tolerance_kg=2000), 2000, "NONE", 0),
        (PenaltyPolicy(tolerance_kg=2000), 2001, "FINE", 1000),  # fine on all 2001 kg
        (PenaltyPolicy(tolerance_kg=2000), 3999, "FINE", 1500),
        (PenaltyPolicy(tolerance_kg=500), 501, "WARNING", 0),
        # Hunan-style 10 %: 10 % of 49000 = 4900 kg
        (PenaltyPolicy(tolerance_percent=Decimal(10)), 4900, "NONE", 0),
        (PenaltyPolicy(tolerance_percent=Decimal(10)), 4901, "FINE", 2000),
        (PenaltyPolicy(tolerance_percent=Decimal("2.5")), 1225, "NONE", 0),
        (PenaltyPolicy(tolerance_percent=Decimal("2.5")), 1226, "FINE", 500),
        (
            PenaltyPolicy(
                tolerance_percent=Decimal(10), fine_rounding=FineRounding.PER_STARTED_UNIT
            ),
            4901,
            "FINE",
            2500,
        ),
    ],
)
def test_tolerance(policy: PenaltyPolicy, over: int, action: str, fine: int) -> None:
    out = judged_6(LIMIT_6_AXLE + over, policy)
    assert out["isOver"] is True
    assert out["overWeight"] == over
    assert out["penalty"] == {"action": action, "fineYuan": fine}


def test_tolerance_does_not_excuse_outline() -> None:
    out = judged_6(49000 + 1500, PenaltyPolicy(tolerance_kg=2000), {**LEGAL, "height": 4300})
    assert out["isOver"] is True
    assert out["penalty"] == {"action": "FINE", "fineYuan": 1000}


def test_tolerance_on_a_registered_mass_limit() -> None:
    request = parse_request(
        {
            "date": DAY,
            "configuration": "truck",
            "specialType": "tractor",
            "registeredMass": 4000,
            "axles": [
                {"weight": 2000, "tyres": "single", "drive": False, "airSuspension": False},
                {"weight": 2400, "tyres": "dual", "drive": True, "airSuspension": False},
            ],
        }
    )
    policy = PenaltyPolicy(tolerance_percent=Decimal(10))
    out = judge_request(request, default_limit_book(), default_penalty_book(), policy)
    assert out["overWeight"] == 400
    assert out["overRate"] == "10.00"
    assert out["penalty"] == {"action": "NONE", "fineYuan": 0}


# ---- penalty tables are data -------------------------------------------------------------


def shipped_penalty_text() -> str:
    path = resources.files("station") / "data" / "penalties" / "jtb2016-62-art43.toml"
    return path.read_text(encoding="utf-8")


def test_second_open_penalty_table_is_rejected(tmp_path: Path) -> None:
    text = shipped_penalty_text()
    text = re.sub(r'^id = "JTB2016-62-Art43"$', 'id = "JTB2030"', text, count=1, flags=re.M)
    text = re.sub(
        r"^effective_from = 2016-09-21$", "effective_from = 2030-01-01", text, count=1, flags=re.M
    )
    (tmp_path / "art43-2030.toml").write_text(text, encoding="utf-8")
    with pytest.raises(PenaltyTableError, match="JTB2030"):
        load_penalty_book([tmp_path])


def test_penalty_table_not_in_force_before_2016_09_21() -> None:
    request = parse_request(
        {
            "date": "2016-09-20",
            "configuration": "articulated",
            "axles": six_axle(50000),
        }
    )
    with pytest.raises(ValueError, match=r"^date"):
        judge_request(request, default_limit_book(), default_penalty_book(), PenaltyPolicy())


def test_shipped_penalty_table_parses() -> None:
    table = penalty_table_from_mapping(tomllib.loads(shipped_penalty_text()), "art43")
    assert (table.warning_up_to_kg, table.unit_kg, table.yuan_per_unit) == (1000, 1000, 500)
    assert (table.weight_max_yuan, table.total_max_yuan) == (30000, 30000)


def _rename(mapping: dict[str, Any], old: str, new: str) -> None:
    mapping[new] = mapping.pop(old)


@pytest.mark.parametrize(
    ("section", "old", "new"),
    [
        ("band-1", "max_height_mm", "max_heigth_mm"),
        ("band-2", "max_length_mm", "max_lenght_mm"),
        ("weight", "warning_up_to_kg", "warning_upto_kg"),
    ],
)
def test_misspelt_penalty_table_key_is_rejected(section: str, old: str, new: str) -> None:
    """A misspelt key must not be ignored: "max_heigth_mm" would leave band 1 without a height
    cap, so a 4.6 m high vehicle would be shown the band-1 fine (200) instead of 1000-3000."""
    data = tomllib.loads(shipped_penalty_text())
    if section == "weight":
        data["weight"][new] = 3000  # an extra, unknown key beside the right one
    else:
        band = next(b for b in data["dimension_bands"] if b["id"] == section)
        _rename(band, old, new)
    with pytest.raises(PenaltyTableError, match=re.escape(new)):
        penalty_table_from_mapping(data, "art43.toml")
