"""What every stream decoder here shares: the bounded buffer, hunting state and the counters.

A decoder subclass implements `_decode(buf, out) -> consumed`: it walks `buf` from the start,
appends decoded values to `out` and reports garbage, rejected frames and accepted frames
through the helpers below. Whatever it has not consumed is kept for the next `feed()`.
"""

from __future__ import annotations

import re

from drivers.base import MAX_BUFFER, DecoderStats, FrameError, IndicatorValue, to_kg

# 7E1 read as 8N1 puts the parity bit in bit 7; clearing it restores the ASCII byte.
PARITY_MASK = bytes(b & 0x7F for b in range(256))

# A displayed number: optional sign, digits, at most one decimal point, at least one digit.
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)", re.ASCII)
UNSIGNED = re.compile(r"\d+\.?\d*|\.\d+", re.ASCII)


class BufferedProtocol:
    """Base of the stream decoders: bytes in, values out, garbage counted once per episode.

    `resyncs` counts how often the decoder lost sync (entered hunting), not how many
    `feed()` calls saw garbage, so the counters do not depend on how the bytes were chunked.
    """

    def __init__(self) -> None:
        self.stats = DecoderStats()
        self._buffer = b""
        self._in_sync = True

    def feed(self, data: bytes) -> list[IndicatorValue]:
        """Decode what `data` completes; keep a partial frame for the next call."""
        out: list[IndicatorValue] = []
        # Slicing a large read keeps every frame in it while the buffer stays bounded.
        for start in range(0, len(data), MAX_BUFFER):
            buf = self._buffer + self._prepare(data[start : start + MAX_BUFFER])
            consumed = self._decode(buf, out)
            self._buffer = self._bounded(buf[consumed:])
        return out

    def poll_request(self) -> bytes | None:
        return None

    def reset(self) -> None:
        """Forget a partial frame (after a reconnect), keeping the counters.

        Half a frame from the old connection must never be completed by bytes from the new
        one: with no checksum that could read as a valid-looking wrong weight.
        """
        self._buffer = b""
        self._in_sync = True

    @property
    def buffered(self) -> int:
        """Bytes held while waiting for the rest of a frame (never more than MAX_BUFFER)."""
        return len(self._buffer)

    # ---- for subclasses ---------------------------------------------------------------------

    def _prepare(self, data: bytes) -> bytes:
        return data

    def _decode(self, buf: bytes, out: list[IndicatorValue]) -> int:
        raise NotImplementedError

    def _seek(self, buf: bytes, pos: int, marker: bytes) -> int:
        """Index of the next `marker` from `pos`, what lies before it discarded; -1 if none
        (then everything from `pos` is discarded)."""
        start = buf.find(marker, pos)
        self._discard((len(buf) if start < 0 else start) - pos)
        return start

    def _discard(self, count: int) -> None:
        if count <= 0:
            return
        self.stats.discarded_bytes += count
        if self._in_sync:
            self.stats.resyncs += 1
            self._in_sync = False

    def _accept(self, value: IndicatorValue, out: list[IndicatorValue]) -> None:
        out.append(value)
        self._acknowledge()

    def _acknowledge(self) -> None:
        """Count a frame that decoded cleanly but carries no weight (a reply, a tare)."""
        self.stats.frames += 1
        self._in_sync = True

    def _reject(self, error: FrameError) -> None:
        # The frame boundaries were sound, so framing is in sync even though the content is not.
        self.stats.reject(error)
        self._in_sync = True

    def _bounded(self, rest: bytes) -> bytes:
        excess = len(rest) - MAX_BUFFER
        if excess > 0:
            self._discard(excess)
            return rest[excess:]
        return rest


def with_point(digits: str, decimals: int) -> str:
    """Insert a decimal point `decimals` places from the right of a digit string."""
    if decimals == 0:
        return digits
    return f"{digits[:-decimals]}.{digits[-decimals:]}"


def scaled_kg(digits: str, decimals: int, unit: str) -> int:
    """Integer kg of a digit field with an implied decimal position (no sign, no point)."""
    if decimals == 0 and unit == "kg":
        return int(digits)  # the common case, and exactly what to_kg would return
    return to_kg(with_point(digits, decimals), unit)


def number_kg(text: str, unit: str) -> int:
    """Integer kg of a displayed number such as "-12.345"; anything else is a format error."""
    if NUMBER.fullmatch(text) is None:
        raise FrameError("format", f"not a weight: {text!r}")
    if unit == "kg" and text.isdigit():
        return int(text)
    return to_kg(text, unit)


def unsigned_kg(text: str, unit: str) -> int:
    """Integer kg of an unsigned displayed number such as "0012.34"."""
    if UNSIGNED.fullmatch(text) is None:
        raise FrameError("format", f"not a weight: {text!r}")
    if unit == "kg" and text.isdigit():
        return int(text)
    return to_kg(text, unit)


def check_unit(unit: str, option: str = "unit") -> str:
    """Validate a configured weight unit; the station only weighs in kg or t."""
    if unit not in ("kg", "t"):
        raise ValueError(f"{option} must be 'kg' or 't', not {unit!r}")
    return unit


def check_choice(value: str, choices: tuple[str, ...], option: str) -> str:
    if value not in choices:
        raise ValueError(f"{option} must be one of {', '.join(choices)}; got {value!r}")
    return value


def as_bytes(value: str | bytes, option: str) -> bytes:
    """Delimiters come from TOML as strings; code may pass bytes. Latin-1 maps 1:1 to bytes."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        try:
            return value.encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError(f"{option} must contain only byte values (U+0000..U+00FF)") from None
    raise ValueError(f"{option} must be a string, not {type(value).__name__}")


def fixed_width(text: str, width: int, what: str) -> str:
    """Right-align `text` with zeros; an encoder must not silently truncate a weight."""
    if len(text) > width:
        raise ValueError(f"{what} {text!r} does not fit in {width} characters")
    return text.zfill(width)


def display_text(weight_kg: int, decimals: int, unit: str) -> str:
    """The unsigned display digits (with point) that decode back to exactly `weight_kg`."""
    kg_per_unit = 1000 if unit == "t" else 1
    scaled, remainder = divmod(abs(weight_kg) * 10**decimals, kg_per_unit)
    if remainder:
        raise ValueError(f"{weight_kg} kg is not representable in {unit} with {decimals} decimals")
    return with_point(str(scaled).zfill(decimals + 1), decimals)
