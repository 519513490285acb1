"""Serial indicator protocols: pure framers/decoders (and encoders, for the simulators).

    make("toledo", checksum="required")          # a StreamProtocol for a worker
    encoder("yaohua-tf0", decimals=2, unit="t")  # IndicatorValue -> bytes, for simulators

Options are the keyword arguments of each decoder class (for "ascii", the profile settings
of `ascii_profile`); they come from a device's `[lanes.devices.options]` table.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from drivers.base import IndicatorValue, StreamProtocol
from drivers.protocols import ascii_profile, mtsics, sma, toledo, yaohua

PROTOCOLS: dict[str, Callable[..., StreamProtocol]] = {
    "toledo": toledo.ToledoProtocol,
    "mtsics": mtsics.MtSicsProtocol,
    "yaohua-tf0": yaohua.YaohuaTf0Protocol,
    "yaohua-eq": yaohua.YaohuaEqProtocol,
    "yaohua-w": yaohua.YaohuaWProtocol,
    "yaohua-tf1": yaohua.YaohuaTf1Protocol,
    "sma": sma.SmaProtocol,
    "ascii": ascii_profile.make,
}

ENCODERS: dict[str, Callable[..., bytes]] = {
    "toledo": toledo.encode,
    "mtsics": mtsics.encode,
    "yaohua-tf0": yaohua.encode_tf0,
    "yaohua-eq": yaohua.encode_eq,
    "yaohua-w": yaohua.encode_w,
    "yaohua-tf1": yaohua.encode_tf1,
    "sma": sma.encode,
    "ascii": ascii_profile.encode,
}


def _lookup(table: Mapping[str, Callable[..., Any]], name: str) -> Callable[..., Any]:
    try:
        return table[name]
    except KeyError:
        raise ValueError(f"unknown protocol {name!r}; known: {', '.join(table)}") from None


def _check_options(name: str, function: Callable[..., Any], *args: Any, **options: Any) -> None:
    # A misspelt option in a config file must fail at startup, naming the option.
    try:
        inspect.signature(function).bind(*args, **options)
    except TypeError as error:
        known = [p for p in inspect.signature(function).parameters if p not in ("self", "value")]
        raise ValueError(f"{name}: {error}; options: {', '.join(known) or 'none'}") from None


def make(name: str, **options: Any) -> StreamProtocol:
    """A new decoder for protocol `name`; ValueError for an unknown name or option."""
    factory = _lookup(PROTOCOLS, name)
    _check_options(name, factory, **options)
    return factory(**options)


def encoder(name: str, **options: Any) -> Callable[[IndicatorValue], bytes]:
    """The encoder of protocol `name` with `options` bound (decimals, unit, address, ...)."""
    function = _lookup(ENCODERS, name)
    _check_options(name, function, IndicatorValue(0, True), **options)
    return functools.partial(function, **options)


__all__ = ["ENCODERS", "PROTOCOLS", "encoder", "make"]
