"""The shapes every serial protocol implementation shares.

A protocol is a pure object: bytes go in through `feed()`, decoded values come out. It
keeps its own bounded buffer, resynchronises after garbage, and counts what it had to
throw away. It never sees a port, a clock or a thread: the worker does (drivers.worker).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Protocol

MAX_BUFFER = 4096  # bytes kept while hunting for a frame; more is garbage by definition


class FrameError(ValueError):
    """A frame was found but is not valid (checksum, format, unit). Never emitted as weight."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # "checksum", "format", "unit", "status"


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    """A weight as an indicator reported it, converted to integer kg (no device or time yet)."""

    weight_kg: int
    stable: bool
    net: bool = False
    tare_kg: int = 0
    overload: bool = False
    underload: bool = False
    centre_of_zero: bool = False
    raw: bytes = b""


@dataclass
class DecoderStats:
    """Counters a protocol keeps; the worker adds transport counters beside them."""

    frames: int = 0
    checksum_errors: int = 0
    format_errors: int = 0
    resyncs: int = 0
    discarded_bytes: int = 0
    last_error: str = ""

    def reject(self, error: FrameError) -> None:
        if error.kind == "checksum":
            self.checksum_errors += 1
        else:
            self.format_errors += 1
        self.last_error = str(error)


class StreamProtocol(Protocol):
    """What a worker drives: bytes in, values out; optionally a request to send each poll."""

    stats: DecoderStats

    def feed(self, data: bytes) -> list[IndicatorValue]: ...

    def poll_request(self) -> bytes | None:
        """Bytes to send to ask for the next value (command protocols), or None (continuous)."""
        ...

    def reset(self) -> None:
        """Drop any partial frame; called by the worker after every reconnect."""
        ...


_UNIT_TO_KG = {"kg": Decimal(1), "t": Decimal(1000)}


def to_kg(text: str, unit: str = "kg") -> int:
    """Convert a displayed value ("49380", "12.34", "-0.020") in kg or t to integer kg.

    Values finer than 1 kg are rounded half up; legal truck weights are whole kg.
    """
    factor = _UNIT_TO_KG.get(unit.strip().lower())
    if factor is None:
        raise FrameError("unit", f"unit {unit!r} is not supported; the station weighs in kg or t")
    try:
        value = Decimal(text.strip()) * factor
    except InvalidOperation:
        raise FrameError("format", f"not a number: {text!r}") from None
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))
