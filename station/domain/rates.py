"""Exact percentage arithmetic for legal values (integers only, no floats)."""

from __future__ import annotations


def over_rate(over_kg: int, limit_kg: int) -> str:
    """Return over / limit x 100 as text with two decimals, rounded half up ("33.43")."""
    if limit_kg <= 0:
        raise ValueError("limit must be positive")
    if over_kg < 0:
        raise ValueError("over amount must not be negative")
    hundredths, remainder = divmod(over_kg * 10000, limit_kg)
    if 2 * remainder >= limit_kg:
        hundredths += 1
    whole, fraction = divmod(hundredths, 100)
    return f"{whole}.{fraction:02d}"
