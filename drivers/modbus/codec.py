"""Registers <-> numbers <-> integer kg, shared by the drivers and the simulators.

Conversion goes through pymodbus' own ``convert_from_registers``/``convert_to_registers`` so
word order means exactly what it means to pymodbus; kg arithmetic is Decimal so a scale of
"0.01" t is applied exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pymodbus.client.mixin import ModbusClientMixin

from drivers.modbus.maps import REGISTERS_PER_TYPE

_DATATYPE = ModbusClientMixin.DATATYPE
_TYPES = {
    "int16": _DATATYPE.INT16,
    "uint16": _DATATYPE.UINT16,
    "int32": _DATATYPE.INT32,
    "uint32": _DATATYPE.UINT32,
    "float32": _DATATYPE.FLOAT32,
}
_UNIT_FACTOR = {"kg": Decimal(1), "t": Decimal(1000)}
_LIMITS = {
    "int16": (-(2**15), 2**15 - 1),
    "uint16": (0, 2**16 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
}

WordOrder = Literal["big", "little"]


def decode(registers: Sequence[int], vtype: str, word_order: str = "big") -> int | float:
    if len(registers) != REGISTERS_PER_TYPE[vtype]:
        raise ValueError(f"{vtype} needs {REGISTERS_PER_TYPE[vtype]} registers")
    value = ModbusClientMixin.convert_from_registers(
        list(registers), _TYPES[vtype], word_order=_order(word_order)
    )
    assert isinstance(value, int | float)
    return value


def encode(value: int | float, vtype: str, word_order: str = "big") -> list[int]:
    if vtype == "float32":
        value = float(value)
    else:
        low, high = _LIMITS[vtype]
        if isinstance(value, float) or not low <= value <= high:
            raise ValueError(f"{value!r} does not fit {vtype}")
    return ModbusClientMixin.convert_to_registers(
        value, _TYPES[vtype], word_order=_order(word_order)
    )


def raw_to_kg(raw: int | float, scale: Decimal, unit: str) -> int:
    """Device value -> integer kg, rounded half up like drivers.base.to_kg."""
    if isinstance(raw, float) and not math.isfinite(raw):
        raise ValueError(f"the device sent {raw!r}, not a weight")
    # Decimal(float) is the exact binary value the device sent; no decimal detour via str.
    kg = Decimal(raw) * scale * _UNIT_FACTOR[unit]
    return int(kg.to_integral_value(rounding=ROUND_HALF_UP))


def kg_to_raw(kg: int, vtype: str, scale: Decimal, unit: str) -> int | float:
    """Integer kg -> device value (simulators). Integer types need kg on the scale's grid."""
    value = Decimal(kg) / (scale * _UNIT_FACTOR[unit])
    if vtype == "float32":
        return float(value)
    if value != value.to_integral_value():
        raise ValueError(f"{kg} kg is not a whole number of {scale} {unit} steps")
    return int(value)


def bit(value: int, number: int) -> bool:
    return bool((value >> number) & 1)


def _order(word_order: str) -> WordOrder:
    return "little" if word_order == "little" else "big"
