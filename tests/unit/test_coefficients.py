"""Raw counts to kg (station/domain/coefficients.py): exact, on the grid of e, never floats."""

from __future__ import annotations

from decimal import Decimal

import pytest

from station.domain.coefficients import (
    CoefficientError,
    RawCountCoefficients,
    count_span_to_kg,
    counts_to_kg,
    round_to_e,
)

STORED = {"zero_counts": 1234, "span_kg_per_count": "0.0123"}


def test_the_conversion_is_exact_decimal_arithmetic():
    c = RawCountCoefficients.from_stored(STORED)
    assert (c.zero_counts, c.span_kg_per_count) == (Decimal(1234), Decimal("0.0123"))
    # (1_627_488 - 1234) * 0.0123 = 20 002.9242 kg
    assert counts_to_kg(1_627_488, c, 1) == 20003
    assert counts_to_kg(1_627_488, c, 10) == 20000
    assert counts_to_kg(1_627_488, c, 20) == 20000
    assert counts_to_kg(1234, c, 10) == 0
    # 350 x 0.7 is exactly 245 kg, half a division of 10: 250. In floats it is
    # 244.99999999999997 and would round down to 240.
    assert 350 * 0.7 < 245
    assert counts_to_kg(350, RawCountCoefficients(0, "0.7"), 10) == 250
    span = RawCountCoefficients(0, "0.1")
    assert counts_to_kg(3, span, 1) == 0  # 0.3 kg
    assert round_to_e(Decimal("0.30000000000000004"), 1) == 0
    big = RawCountCoefficients(0, "0.001")
    assert counts_to_kg(123_456_789, big, 1) == 123_457  # 123 456.789 kg


@pytest.mark.parametrize(
    ("kg", "e", "shown"),
    [
        (Decimal("14"), 10, 10),
        (Decimal("15"), 10, 20),  # a half goes away from zero
        (Decimal("16"), 10, 20),
        (Decimal("24.99"), 10, 20),
        (Decimal("25"), 20, 20),  # 1.25 e -> 1 e
        (Decimal("30"), 20, 40),  # 1.5 e -> 2 e
        (Decimal("2.5"), 5, 5),
        (Decimal("-14"), 10, -10),
        (Decimal("-15"), 10, -20),  # symmetric below zero
        (Decimal("-16"), 10, -20),
        (0, 10, 0),
        (12345, 1, 12345),
    ],
)
def test_rounding_to_the_division_e(kg, e, shown):
    assert round_to_e(kg, e) == shown


def test_counts_below_zero_give_a_negative_weight():
    c = RawCountCoefficients.from_stored({"zero_counts": 5000, "span_kg_per_count": "2"})
    assert counts_to_kg(4990, c, 10) == -20
    assert counts_to_kg(4996, c, 10) == -10  # -8 kg
    assert counts_to_kg(-100, c, 10) == -10200  # counts may be signed (int32 registers)
    assert count_span_to_kg(-3, c, 10) == -10  # a tare is a span: no zero taken off


def test_a_tare_in_counts_takes_only_the_span():
    c = RawCountCoefficients.from_stored(STORED)
    assert count_span_to_kg(81_301, c, 10) == 1000  # 999.99 kg
    assert count_span_to_kg(0, c, 10) == 0


@pytest.mark.parametrize(
    ("stored", "problem"),
    [
        ({"zero_counts": 1234, "span_kg_per_count": 0.0123}, "not the float 0.0123"),
        ({"zero_counts": 1234.0, "span_kg_per_count": "0.0123"}, "not the float 1234.0"),
        ({"zero_counts": True, "span_kg_per_count": "0.0123"}, "not bool"),
        ({"zero_counts": 1234, "span_kg_per_count": "zwei"}, "not a decimal number"),
        ({"zero_counts": 1234, "span_kg_per_count": "NaN"}, "finite"),
        ({"zero_counts": 1234, "span_kg_per_count": "Infinity"}, "finite"),
        ({"zero_counts": 1234, "span_kg_per_count": "0"}, "must be above 0"),
        ({"zero_counts": 1234, "span_kg_per_count": "-0.01"}, "must be above 0"),
        ({"zero_counts": 1234}, "missing span_kg_per_count"),
        ({}, "missing zero_counts, span_kg_per_count"),
        ({**STORED, "span": "0.0123"}, "unknown coefficient span"),
        ({"zero_counts": [1], "span_kg_per_count": "1"}, "not list"),
    ],
)
def test_unusable_coefficients_are_refused_with_the_reason(stored, problem):
    with pytest.raises(CoefficientError, match=problem.replace(".", r"\.")):
        RawCountCoefficients.from_stored(stored)


def test_stored_decimal_strings_and_decimals_are_kept_exactly():
    c = RawCountCoefficients(" 1234.5 ", Decimal("0.01231"))
    assert (c.zero_counts, c.span_kg_per_count) == (Decimal("1234.5"), Decimal("0.01231"))
    assert counts_to_kg(1234, c, 1) == 0  # -0.006155 kg
    with pytest.raises(CoefficientError, match="not the float"):
        RawCountCoefficients(0, 0.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("counts", [1.0, 12.5, True, "12", Decimal(12), None])
def test_counts_must_be_an_integer(counts):
    c = RawCountCoefficients.from_stored(STORED)
    with pytest.raises(CoefficientError, match="raw counts are an integer"):
        counts_to_kg(counts, c, 10)  # type: ignore[arg-type]


@pytest.mark.parametrize("e", [0, -10, 2.5, True, Decimal(10)])
def test_the_division_must_be_a_whole_number_of_kg(e):
    with pytest.raises(CoefficientError, match="e_kg"):
        round_to_e(Decimal(100), e)  # type: ignore[arg-type]


def test_a_float_weight_is_not_rounded_as_if_it_were_exact():
    with pytest.raises(CoefficientError, match="not float"):
        round_to_e(14.5, 10)  # type: ignore[arg-type]
