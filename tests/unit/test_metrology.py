"""Metrology core: class III MPE bands (JJG 539 / OIML R 76), verification test values, R 134.

Facts and worked examples: domain.md §5.1 to §5.3. Masses are exact integer grams.
"""

from __future__ import annotations

import dataclasses
import tomllib
from decimal import Decimal
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.domain.metrology import (
    MetrologyInputError,
    MetrologyTableError,
    Mpe,
    axle_mpd_g,
    default_dynamic_table,
    default_static_table,
    discrimination_load_g,
    eccentric_load_kg,
    error_before_rounding_g,
    repeatability_ok,
    static_mpe,
    static_table_from_mapping,
    vehicle_mpe_g,
    zero_setting_limit_g,
)

# ---- band edges: 500 e belongs to the first band, 500 e + 1 g to the second ----------

BAND_EDGES = [
    # (Max kg, e kg, load kg, MPE g at initial verification, band)
    (100000, 20, 0, 10000, "0-500e"),
    (100000, 20, 10000, 10000, "0-500e"),
    (100000, 20, Decimal("10000.001"), 20000, "500e-2000e"),
    (100000, 20, 10020, 20000, "500e-2000e"),
    (100000, 20, 40000, 20000, "500e-2000e"),
    (100000, 20, Decimal("40000.001"), 30000, "2000e-10000e"),
    (100000, 20, 40020, 30000, "2000e-10000e"),
    (100000, 20, 100000, 30000, "2000e-10000e"),
    (30000, 5, 2500, 2500, "0-500e"),
    (30000, 5, Decimal("2500.001"), 5000, "500e-2000e"),
    (30000, 5, 2505, 5000, "500e-2000e"),
    (30000, 5, 10000, 5000, "500e-2000e"),
    (30000, 5, 10005, 7500, "2000e-10000e"),
    (30000, 5, 30000, 7500, "2000e-10000e"),
    (200000, 50, 25000, 25000, "0-500e"),
    (200000, 50, 25050, 50000, "500e-2000e"),
    (200000, 50, 100000, 50000, "500e-2000e"),
    (200000, 50, Decimal("100000.001"), 75000, "2000e-10000e"),
    (200000, 50, 200000, 75000, "2000e-10000e"),
    (2000, Decimal("0.5"), 0, 250, "0-500e"),
    (2000, Decimal("0.5"), 250, 250, "0-500e"),
    (2000, Decimal("0.5"), Decimal("250.001"), 500, "500e-2000e"),
    (2000, Decimal("0.5"), Decimal("250.5"), 500, "500e-2000e"),
    (2000, Decimal("0.5"), 1000, 500, "500e-2000e"),
    (2000, Decimal("0.5"), Decimal("1000.5"), 750, "2000e-10000e"),
    (2000, Decimal("0.5"), 2000, 750, "2000e-10000e"),
]


@pytest.mark.parametrize(("max_kg", "e_kg", "load_kg", "mpe_g", "band"), BAND_EDGES)
def test_every_band_edge_is_exactly_as_the_table(max_kg, e_kg, load_kg, mpe_g, band) -> None:
    assert static_mpe(max_kg, e_kg, load_kg) == Mpe(mpe_g, band)


@pytest.mark.parametrize(("max_kg", "e_kg", "load_kg", "mpe_g", "band"), BAND_EDGES)
def test_in_service_is_twice_the_verification_mpe(max_kg, e_kg, load_kg, mpe_g, band) -> None:
    assert static_mpe(max_kg, e_kg, load_kg, in_service=True) == Mpe(2 * mpe_g, band)


def test_floats_ints_and_decimals_give_the_same_grams() -> None:
    # 0.1 and 0.5 as floats are read as the decimals they print as, never as binary fractions.
    assert static_mpe(2000, 0.5, 250.001) == static_mpe(2000, Decimal("0.5"), Decimal("250.001"))
    assert static_mpe(2000.0, 0.5, 250).mpe_g == 250
    assert static_mpe(100000, 20, 10000.001).band == "500e-2000e"


def test_mpe_kg_is_an_int_when_whole_and_an_exact_decimal_otherwise() -> None:
    whole = static_mpe(100000, 20, 30000).mpe_kg
    assert whole == 20
    assert type(whole) is int
    assert static_mpe(30000, 5, 2500).mpe_kg == 2.5
    assert static_mpe(2000, 0.5, 100).mpe_kg == 0.25
    assert static_mpe(2000, 0.5, 2000, in_service=True).mpe_kg == 1.5


# ---- worked examples, domain.md §5.2 ---------------------------------------------------


@pytest.mark.parametrize(
    ("load_kg", "mpe_kg"),
    [(0, 20), (10000, 20), (10020, 40), (40000, 40), (40020, 60), (100000, 60)],
)
def test_max_100_t_e_20_kg_in_service(load_kg: int, mpe_kg: int) -> None:
    # S74: <= 10 t +-20 kg, 10-40 t +-40 kg, 40-100 t +-60 kg; verification half of these.
    assert static_mpe(100000, 20, load_kg, in_service=True).mpe_kg == mpe_kg
    assert static_mpe(100000, 20, load_kg).mpe_g * 2 == mpe_kg * 1000


@pytest.mark.parametrize(
    ("load_kg", "initial_kg", "periodic_kg"),
    [(5000, 10, 20), (10000, 10, 20), (20000, 20, 40), (40000, 20, 40), (60000, 30, 60)],
)
def test_max_60_t_e_20_kg(load_kg: int, initial_kg: int, periodic_kg: int) -> None:
    # S75: initial +-10 / +-20 / +-30 kg; periodic (in service) +-20 / +-40 / +-60 kg.
    assert static_mpe(60000, 20, load_kg).mpe_kg == initial_kg
    assert static_mpe(60000, 20, load_kg, in_service=True).mpe_kg == periodic_kg


# ---- invalid input: a ValueError that names the argument -------------------------------


@pytest.mark.parametrize(
    ("max_kg", "e_kg", "load_kg", "argument", "message"),
    [
        (100000, 0, 10, "e_kg", "e_kg must be above 0, not 0"),
        (100000, -20, 10, "e_kg", "e_kg must be above 0, not -20"),
        (0, 20, 0, "max_kg", "max_kg must be above 0, not 0"),
        (-100000, 20, 0, "max_kg", "max_kg must be above 0, not -100000"),
        (100000, 20, -1, "load_kg", "load_kg must be 0 or more, not -1"),
        (100000, 20, 120000, "load_kg", "load_kg 120000 is above max_kg 100000"),
        (
            100000,
            20,
            Decimal("100000.001"),
            "load_kg",
            "load_kg 100000.001 is above max_kg 100000",
        ),
        (100010, 20, 10, "max_kg", "max_kg 100010 is not a multiple of e_kg 20"),
        (
            39980,
            20,
            10,
            "max_kg",
            "max_kg 39980 / e_kg 20 = 1999 divisions; a class III truck scale needs 2000 to 10000",
        ),
        (
            200020,
            20,
            10,
            "max_kg",
            "max_kg 200020 / e_kg 20 = 10001 divisions;"
            " a class III truck scale needs 2000 to 10000",
        ),
        (100000, Decimal("0.0005"), 10, "e_kg", "e_kg 0.0005 has more than 3 decimals"),
        (
            10,
            Decimal("0.001"),
            Decimal("0.1"),
            "e_kg",
            "e_kg: 0.5 e is not a whole number of grams",
        ),
        ("100000", 20, 10, "max_kg", "max_kg must be a number of kg, not '100000'"),
        (True, 20, 10, "max_kg", "max_kg must be a number of kg, not True"),
        (100000, 20, float("nan"), "load_kg", "load_kg must be a finite number, not nan"),
    ],
)
def test_bad_input_names_the_argument(max_kg, e_kg, load_kg, argument, message) -> None:
    with pytest.raises(MetrologyInputError, match=message.replace(".", r"\.")) as caught:
        static_mpe(max_kg, e_kg, load_kg)
    assert caught.value.argument == argument
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("max_kg", "n", "band"), [(40000, 2000, "500e-2000e"), (200000, 10000, "2000e-10000e")]
)
def test_both_ends_of_the_division_range_are_allowed(max_kg: int, n: int, band: str) -> None:
    assert max_kg // 20 == n
    assert static_mpe(max_kg, 20, max_kg).band == band


# ---- verification test values, domain.md §5.3 ------------------------------------------


def test_zero_setting_accuracy_is_a_quarter_e() -> None:
    assert zero_setting_limit_g(20) == 5000
    assert zero_setting_limit_g(Decimal("0.5")) == 125
    assert zero_setting_limit_g(5) == 1250


def test_discrimination_load_is_1_4_d() -> None:
    assert discrimination_load_g(20) == 28000
    assert discrimination_load_g(0.5) == 700
    with pytest.raises(MetrologyInputError, match="d_kg must be above 0"):
        discrimination_load_g(0)


def test_change_point_error_is_i_plus_half_e_minus_added_minus_load() -> None:
    # E = I + 0.5 e - ΔL - L: the indication stepped up after 0.2 e (4 kg) was added.
    assert error_before_rounding_g(10000, 4000, 10000, 20) == 6000
    assert error_before_rounding_g(10020, 14000, 10000, 20) == 16000
    assert error_before_rounding_g(250, 100, 250, Decimal("0.5")) == 150
    assert error_before_rounding_g(Decimal("249.5"), 300, 250, Decimal("0.5")) == -550


def test_change_point_error_refuses_bad_arguments() -> None:
    with pytest.raises(MetrologyInputError, match="added_g") as caught:
        error_before_rounding_g(10000, -1, 10000, 20)
    assert caught.value.argument == "added_g"
    with pytest.raises(MetrologyInputError, match="added_g"):
        error_before_rounding_g(10000, 2.5, 10000, 20)
    with pytest.raises(MetrologyInputError, match=r"0\.5 e is not a whole number of grams"):
        error_before_rounding_g(10, 0, 10, Decimal("0.005"))
    with pytest.raises(MetrologyInputError, match="e_kg must be above 0"):
        error_before_rounding_g(10, 0, 10, 0)


@pytest.mark.parametrize(
    ("max_kg", "supports", "tare_kg", "expected_kg"),
    [
        (100000, 8, 0, 14285),  # 100000 / 7 = 14285.7: rounded down
        (100000, 6, 2000, 20400),  # (Max + tare) / 5
        (60000, 4, 0, 20000),  # 1/3: N - 1 = 3
        (60000, 3, 0, 20000),  # R 76: at most four supports still 1/3 [unverified]
        (60000, 2, 0, 20000),
        (Decimal("2000"), 10, Decimal("0.5"), 222),  # 2000.5 / 9 = 222.3
    ],
)
def test_eccentric_load(max_kg, supports: int, tare_kg, expected_kg: int) -> None:
    assert eccentric_load_kg(max_kg, supports, tare_kg) == expected_kg


def test_eccentric_load_follows_the_table_divisor() -> None:
    plain = dataclasses.replace(default_static_table(), eccentric_min_divisor=1)
    assert eccentric_load_kg(60000, 2, table=plain) == 60000  # (Max + tare) / (N - 1) exactly
    assert eccentric_load_kg(60000, 3, table=plain) == 30000


@pytest.mark.parametrize(
    ("supports", "argument"), [(1, "supports"), (0, "supports"), (True, "supports")]
)
def test_eccentric_load_needs_two_supports(supports, argument: str) -> None:
    with pytest.raises(MetrologyInputError, match="supports must be an integer 2 or more") as c:
        eccentric_load_kg(60000, supports)
    assert c.value.argument == argument


def test_eccentric_load_refuses_a_negative_tare() -> None:
    with pytest.raises(MetrologyInputError, match="max_tare_kg must be 0 or more"):
        eccentric_load_kg(60000, 8, -1)


def test_repeatability_spread_within_the_mpe() -> None:
    assert repeatability_ok([30000, 30010, 30020], 20000)
    assert repeatability_ok([30000, 30020], -20000)  # a signed MPE counts by its magnitude
    assert not repeatability_ok([30000, Decimal("30020.001")], 20000)
    assert repeatability_ok([Decimal("250.5"), 250, Decimal("250.25")], 500)
    assert repeatability_ok(iter([10, 10]), 0)


def test_repeatability_needs_two_readings_and_whole_grams() -> None:
    with pytest.raises(MetrologyInputError, match="at least 2 readings"):
        repeatability_ok([30000], 20000)
    with pytest.raises(MetrologyInputError, match="mpe_g must be whole grams"):
        repeatability_ok([30000, 30000], 20.5)


# ---- dynamic (OIML R 134, unverified) --------------------------------------------------


@pytest.mark.parametrize(
    ("accuracy_class", "reference_kg", "d_kg", "in_service", "mpe_g"),
    [
        ("2", 40000, 20, False, 400000),  # 1 % of 40 t
        ("2", 40000, 20, True, 800000),
        ("0.2", 30000, 10, False, 30000),  # 0.10 %
        ("0.5", 30000, 10, True, 150000),  # 0.50 %
        ("10", 49000, 50, True, 4900000),  # 10 %
        ("1", 49123, 20, False, 240000),  # 245.615 kg -> 240 kg (nearest d)
        ("2", 49123, 20, False, 500000),  # 491.23 kg -> 500 kg
        ("1", 50000, 20, False, 260000),  # 250 kg = 12.5 d: a half goes up
        ("5", 18000, Decimal("0.5"), False, 450000),  # 2.5 % = 450 kg
    ],
)
def test_vehicle_mpe_rounded_to_the_nearest_d(
    accuracy_class, reference_kg, d_kg, in_service, mpe_g
) -> None:
    assert vehicle_mpe_g(accuracy_class, reference_kg, d_kg, in_service=in_service) == mpe_g


@pytest.mark.parametrize(
    ("accuracy_class", "reference_kg", "two_axle_rigid", "in_service", "mpd_g"),
    [
        ("A", 10000, True, False, 25000),
        ("A", 10000, False, True, 100000),
        ("C", 10000, True, False, 75000),
        ("C", 10000, False, True, 300000),
        ("D", 11500, False, False, 230000),
        ("F", 8000, False, True, 1280000),  # 16 %
        ("A", Decimal("0.2"), True, False, 1),  # 0.5 g: rounded to the nearest gram, half up
    ],
)
def test_axle_load_deviation(
    accuracy_class, reference_kg, two_axle_rigid, in_service, mpd_g
) -> None:
    got = axle_mpd_g(
        accuracy_class, reference_kg, two_axle_rigid=two_axle_rigid, in_service=in_service
    )
    assert got == mpd_g


def test_unknown_classes_are_refused_with_the_list() -> None:
    with pytest.raises(MetrologyInputError, match=r"'3' is not one of 0\.2, 0\.5, 1, 2, 5, 10"):
        vehicle_mpe_g("3", 40000, 20, in_service=False)
    with pytest.raises(MetrologyInputError, match="'G' is not one of A, B, C, D, E, F") as caught:
        axle_mpd_g("G", 10000, two_axle_rigid=True, in_service=False)
    assert caught.value.argument == "accuracy_class"
    with pytest.raises(MetrologyInputError, match="d_kg must be above 0"):
        vehicle_mpe_g("2", 40000, 0, in_service=False)


def test_dynamic_table_in_service_is_twice_initial_and_is_marked_unverified() -> None:
    table = default_dynamic_table()
    assert table.status == "unverified"
    for initial, in_service in table.vehicle_classes.values():
        assert in_service == 2 * initial
    for limits in table.axle_classes.values():
        assert limits.two_axle_rigid_in_service == 2 * limits.two_axle_rigid_initial
        assert limits.other_initial == 2 * limits.two_axle_rigid_initial
        assert limits.other_in_service == 2 * limits.other_initial


# ---- the tables themselves -------------------------------------------------------------


def _shipped_static() -> dict:
    path = resources.files("station") / "data" / "metrology" / "jjg539-class-iii.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_static_table_names_its_sources() -> None:
    table = default_static_table()
    assert table.status == "sourced"
    assert any("S72" in source for source in table.sources)
    assert (table.n_min, table.n_max, table.in_service_factor) == (2000, 10000, 2)


def test_a_band_gap_in_the_table_stops_the_load_naming_the_key() -> None:
    data = _shipped_static()
    data["bands"][1]["from_e"] = 600
    with pytest.raises(MetrologyTableError, match=r"bands\[1\]\.from_e: must be 500"):
        static_table_from_mapping(data, "test.toml")


def test_an_unknown_key_or_a_wrong_type_stops_the_load() -> None:
    data = _shipped_static()
    data["zero"]["setting_accurracy_e"] = 0.25
    with pytest.raises(MetrologyTableError, match="unknown key"):
        static_table_from_mapping(data, "test.toml")
    data = _shipped_static()
    data["bands"][0]["mpe_e"] = "0.5"
    with pytest.raises(MetrologyTableError, match=r"bands\[0\]\.mpe_e: must be a number"):
        static_table_from_mapping(data, "test.toml")
    data = _shipped_static()
    data["table"]["status"] = "checked"
    with pytest.raises(MetrologyTableError, match="status: must be one of sourced, unverified"):
        static_table_from_mapping(data, "test.toml")


# ---- properties --------------------------------------------------------------------------

E_STEPS = ["0.5", "1", "2", "5", "10", "20", "50", "100"]


@st.composite
def scale_and_loads(draw: st.DrawFn) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """A valid class III truck scale (Max, e) and two loads on it, lighter first (kg)."""
    e = Decimal(draw(st.sampled_from(E_STEPS)))
    n = draw(st.integers(2000, 10000))
    max_g = int(e * 1000) * n
    a, b = sorted(draw(st.lists(st.integers(0, max_g), min_size=2, max_size=2)))
    return e * n, e, Decimal(a) / 1000, Decimal(b) / 1000


@settings(max_examples=300, deadline=None)
@given(scale_and_loads())
def test_mpe_never_decreases_with_the_load(scale) -> None:
    max_kg, e_kg, lighter, heavier = scale
    assert static_mpe(max_kg, e_kg, lighter).mpe_g <= static_mpe(max_kg, e_kg, heavier).mpe_g


@settings(max_examples=300, deadline=None)
@given(scale_and_loads())
def test_in_service_is_exactly_twice_in_the_same_band(scale) -> None:
    max_kg, e_kg, load, _ = scale
    initial = static_mpe(max_kg, e_kg, load)
    in_service = static_mpe(max_kg, e_kg, load, in_service=True)
    assert in_service == Mpe(2 * initial.mpe_g, initial.band)
