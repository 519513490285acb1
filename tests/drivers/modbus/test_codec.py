"""Register conversion: pymodbus word orders, exact Decimal scaling to integer kg."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from drivers.modbus import codec


def test_float32_word_orders_match_the_verified_example() -> None:
    # protocols.md §2.4 [verified]: 0x4640, 0xE600 -> 12345.5 big, -1.5e23 little.
    assert codec.decode([0x4640, 0xE600], "float32", "big") == 12345.5
    assert math.isclose(codec.decode([0x4640, 0xE600], "float32", "little"), -1.5e23, rel_tol=0.02)


@pytest.mark.parametrize("vtype", ["int16", "uint16", "int32", "uint32", "float32"])
@pytest.mark.parametrize("order", ["big", "little"])
def test_encode_and_decode_round_trip(vtype: str, order: str) -> None:
    value = 1234 if vtype.endswith("16") else 123456
    assert codec.decode(codec.encode(value, vtype, order), vtype, order) == value


def test_int32_word_order_puts_the_high_word_first_only_when_big() -> None:
    assert codec.encode(0x00012345, "int32", "big") == [0x0001, 0x2345]
    assert codec.encode(0x00012345, "int32", "little") == [0x2345, 0x0001]
    assert codec.decode([0xFFFF, 0xCFC7], "int32", "big") == -12345


def test_values_that_do_not_fit_are_refused() -> None:
    with pytest.raises(ValueError, match="does not fit uint16"):
        codec.encode(-1, "uint16")
    with pytest.raises(ValueError, match="does not fit int16"):
        codec.encode(40000, "int16")


@pytest.mark.parametrize(
    ("raw", "scale", "unit", "kg"),
    [
        (4938, "0.01", "t", 49380),
        (-125, "0.01", "t", -1250),
        (49380, "1", "kg", 49380),
        (4938, "10", "kg", 49380),
        (12345.5, "1", "kg", 12346),  # half up, like drivers.base.to_kg
        (49.38, "1", "t", 49380),  # float32 0.001 t error still lands on the kg
        (1, "0.001", "t", 1),
    ],
)
def test_raw_to_kg_is_exact(raw: float, scale: str, unit: str, kg: int) -> None:
    assert codec.raw_to_kg(raw, Decimal(scale), unit) == kg


def test_a_nan_is_not_a_weight() -> None:
    with pytest.raises(ValueError, match="not a weight"):
        codec.raw_to_kg(float("nan"), Decimal(1), "kg")


def test_kg_to_raw_needs_the_scale_grid_for_integers() -> None:
    assert codec.kg_to_raw(49380, "int32", Decimal("0.01"), "t") == 4938
    with pytest.raises(ValueError, match="not a whole number"):
        codec.kg_to_raw(49385, "int32", Decimal("0.01"), "t")
    assert codec.kg_to_raw(49385, "float32", Decimal(1), "t") == 49.385
