"""Raw counts to legal kg: the calibration coefficients of a scale whose transmitter sends counts.

Where the app turns a transmitter's raw counts (A/D counts of the load cells) into weight,
the coefficients doing it are legally relevant parameters of the instrument: they live in
the station's calibration log (station/storage/calibration.py, changed only by a technician
with the seal open, each change raising the calibration event counter), and this module is
the one formula that uses them:

    kg = round_to_e((counts - zero_counts) * span_kg_per_count)

Everything is exact: counts are integers, coefficients integers or decimals (never floats,
they are evidence), the product a Decimal, and the result a whole number of the scale's
division e, rounded to the nearest one with halves away from zero (symmetric, as indicators
show a negative load: -15 kg at e = 10 shows -20).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO_COUNTS = "zero_counts"
SPAN = "span_kg_per_count"
NAMES = (ZERO_COUNTS, SPAN)


class CoefficientError(ValueError):
    """Coefficients or an input that cannot make a legal weight; the text names which."""


def _exact(name: str, value: object) -> Decimal:
    """An int, a Decimal or a decimal string as an exact Decimal; floats are refused."""
    if isinstance(value, float):
        raise CoefficientError(
            f"{name}: give an integer or a decimal string, not the float {value!r} "
            "(a float is not exact evidence)"
        )
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise CoefficientError(f"{name}: {value!r} is not a decimal number") from None
    else:
        raise CoefficientError(
            f"{name}: give an integer or a decimal string, not {type(value).__name__}"
        )
    if not number.is_finite():
        raise CoefficientError(f"{name}: must be a finite number, not {value!r}")
    return number


@dataclass(frozen=True, slots=True)
class RawCountCoefficients:
    """Zero (counts with the platform empty) and span (kg per count), exact."""

    zero_counts: Decimal
    span_kg_per_count: Decimal

    def __post_init__(self) -> None:
        zero = _exact(ZERO_COUNTS, self.zero_counts)
        span = _exact(SPAN, self.span_kg_per_count)
        if span <= 0:
            raise CoefficientError(f"{SPAN}: must be above 0, not {self.span_kg_per_count}")
        object.__setattr__(self, "zero_counts", zero)
        object.__setattr__(self, "span_kg_per_count", span)

    @classmethod
    def from_stored(cls, values: Mapping[str, object]) -> RawCountCoefficients:
        """From the coefficients in force (storage.calibration.current_coefficients).

        Exactly the two names are required: a coefficient this formula does not apply
        would be a legally relevant parameter silently ignored.
        """
        missing = [name for name in NAMES if name not in values]
        if missing:
            raise CoefficientError(f"missing {', '.join(missing)} (needs {', '.join(NAMES)})")
        unknown = sorted(str(name) for name in values if name not in NAMES)
        if unknown:
            raise CoefficientError(
                f"unknown coefficient {', '.join(unknown)} (a raw-count scale has only "
                f"{', '.join(NAMES)})"
            )
        return cls(values[ZERO_COUNTS], values[SPAN])  # type: ignore[arg-type]


def round_to_e(kg: Decimal | int, e_kg: int) -> int:
    """`kg` to the nearest whole multiple of the division e (halves away from zero)."""
    if isinstance(e_kg, bool) or not isinstance(e_kg, int) or e_kg < 1:
        raise CoefficientError(f"e_kg: the division is a whole number of kg >= 1, not {e_kg!r}")
    if isinstance(kg, bool) or not isinstance(kg, int | Decimal):
        raise CoefficientError(f"kg: must be an integer or a Decimal, not {type(kg).__name__}")
    steps = (Decimal(kg) / e_kg).to_integral_value(rounding=ROUND_HALF_UP)
    return int(steps) * e_kg


def _counts(name: str, counts: object) -> int:
    if isinstance(counts, bool) or not isinstance(counts, int):
        raise CoefficientError(f"{name}: raw counts are an integer, not {counts!r}")
    return counts


def counts_to_kg(counts: int, coefficients: RawCountCoefficients, e_kg: int) -> int:
    """The weight in kg the transmitter's `counts` stand for, on the scale's grid of e."""
    counts = _counts("counts", counts)
    kg = (counts - coefficients.zero_counts) * coefficients.span_kg_per_count
    return round_to_e(kg, e_kg)


def count_span_to_kg(counts: int, coefficients: RawCountCoefficients, e_kg: int) -> int:
    """A difference of counts (a tare held by the transmitter) in kg: the span, no zero."""
    counts = _counts("counts", counts)
    return round_to_e(counts * coefficients.span_kg_per_count, e_kg)
