"""A configurable decoder for ASCII indicators that have no dedicated protocol.

Built from a plain dict, as it comes from a `[lanes.devices.options]` TOML table:

    start = "\\u0002"            # optional start bytes
    end = "\\r\\n"                # end bytes, and/or
    length = 14                 # the fixed frame length, delimiters included
    pattern = '(?P<sign>[ -])(?P<weight>[ \\d]{6})(?P<unit>kg|t )(?P<status>..)'
    unit = "kg"                 # used when the pattern has no `unit` group
    units = { K = "kg", T = "t" }   # unit texts as the indicator writes them
    flags = { MO = { stable = false }, OC = { overload = true } }
    stable = true               # stability when no status flag says otherwise
    reverse_digits = false      # the weight field is sent lowest digit first
    negative_signs = "-"        # sign-group characters meaning negative
    mask_parity = false         # clear bit 7 (7E1 read as 8N1)
    poll = "\\u0005"             # bytes sent each poll (e.g. ENQ), or absent for a stream

The pattern must match the whole frame body (the frame without start and end bytes).
Groups: `weight` (required), `sign`, `unit`, `status`, `decimals` (digits count, when the
weight has no point). The status text is read left to right, longest `flags` key first;
spaces are ignored and any other unknown character rejects the frame. Flags: stable, net,
overload, underload, centre_of_zero.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from drivers.base import FrameError, IndicatorValue
from drivers.protocols._stream import (
    PARITY_MASK,
    BufferedProtocol,
    as_bytes,
    check_unit,
    display_text,
    fixed_width,
    number_kg,
    with_point,
)

FLAG_NAMES = ("stable", "net", "overload", "underload", "centre_of_zero")
GROUPS = ("weight", "sign", "unit", "status", "decimals")
MAX_FRAME = 256  # a start byte with no end this far away was not a frame start


class ProfileError(ValueError):
    """A profile setting is wrong; `key` names it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


@dataclass(frozen=True)
class AsciiProfile:
    """A validated profile; build it with `AsciiProfile.from_dict`."""

    pattern: re.Pattern[str]
    start: bytes = b""
    end: bytes = b""
    length: int | None = None
    unit: str = "kg"
    units: Mapping[str, str] = field(default_factory=dict)
    flags: Mapping[str, Mapping[str, bool]] = field(default_factory=dict)
    stable: bool = False
    reverse_digits: bool = False
    negative_signs: str = "-"
    mask_parity: bool = False
    poll: bytes | None = None

    @classmethod
    def from_dict(cls, config: Mapping[str, Any]) -> AsciiProfile:
        known = {f.name for f in fields(cls)}
        for key in config:
            if key not in known:
                raise ProfileError(key, f"unknown setting; known: {', '.join(sorted(known))}")
        if "pattern" not in config:
            raise ProfileError("pattern", "required")
        values: dict[str, Any] = {"pattern": _pattern(config["pattern"])}
        for key in ("start", "end"):
            if key in config:
                values[key] = _bytes(config, key)
        values.update(_framing(config, values))
        values.update(_units(config))
        values.update(_options(config))
        return cls(**values)

    @property
    def max_frame(self) -> int:
        return self.length if self.length is not None else MAX_FRAME


def _bytes(config: Mapping[str, Any], key: str) -> bytes:
    try:
        return as_bytes(config[key], key)
    except ValueError as error:
        raise ProfileError(key, str(error)) from None


def _pattern(text: Any) -> re.Pattern[str]:
    if not isinstance(text, str):
        raise ProfileError("pattern", "must be a string")
    try:
        pattern = re.compile(text, re.ASCII)
    except re.error as error:
        raise ProfileError("pattern", f"not a regular expression: {error}") from None
    if "weight" not in pattern.groupindex:
        raise ProfileError("pattern", "needs a named group 'weight'")
    unknown = set(pattern.groupindex) - set(GROUPS)
    if unknown:
        raise ProfileError("pattern", f"unknown groups {sorted(unknown)}; known: {GROUPS}")
    return pattern


def _framing(config: Mapping[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    length = config.get("length")
    if length is not None and (type(length) is not int or length < 1 or length > MAX_FRAME):
        raise ProfileError("length", f"must be an integer 1..{MAX_FRAME}")
    if not values.get("end") and length is None:
        raise ProfileError("end", "give 'end' bytes or a fixed 'length'")
    if not values.get("end") and not values.get("start"):
        raise ProfileError("start", "fixed-length frames need 'start' bytes to find them")
    delimiters = len(values.get("start", b"")) + len(values.get("end", b""))
    if length is not None and length <= delimiters:
        raise ProfileError("length", "must be longer than the start and end bytes")
    return {"length": length}


def _units(config: Mapping[str, Any]) -> dict[str, Any]:
    unit = config.get("unit", "kg")
    try:
        check_unit(unit)
    except ValueError as error:
        raise ProfileError("unit", str(error)) from None
    units = config.get("units", {})
    if not isinstance(units, Mapping):
        raise ProfileError("units", "must be a table of indicator text -> 'kg' or 't'")
    for text, target in units.items():
        if target not in ("kg", "t"):
            raise ProfileError(f"units.{text}", f"must be 'kg' or 't', not {target!r}")
    return {"unit": unit, "units": dict(units)}


def _options(config: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {"flags": _flags(config.get("flags", {}))}
    for key in ("stable", "reverse_digits", "mask_parity"):
        if key in config:
            if not isinstance(config[key], bool):
                raise ProfileError(key, "must be true or false")
            values[key] = config[key]
    if "negative_signs" in config:
        if not isinstance(config["negative_signs"], str) or not config["negative_signs"]:
            raise ProfileError("negative_signs", "must be a non-empty string")
        values["negative_signs"] = config["negative_signs"]
    if "poll" in config:
        values["poll"] = _bytes(config, "poll") or None
    return values


def _flags(flags: Any) -> dict[str, dict[str, bool]]:
    if not isinstance(flags, Mapping):
        raise ProfileError("flags", "must be a table of status text -> {flag = true/false}")
    checked: dict[str, dict[str, bool]] = {}
    for text, settings in flags.items():
        key = f"flags.{text}"
        if not isinstance(text, str) or not text or " " in text:
            raise ProfileError(key, "status text must be non-empty, without spaces")
        if not isinstance(settings, Mapping):
            # An empty table is allowed: it marks a status text as known and harmless.
            raise ProfileError(key, f"must be a table of {', '.join(FLAG_NAMES)}")
        for name, setting in settings.items():
            if name not in FLAG_NAMES or not isinstance(setting, bool):
                raise ProfileError(f"{key}.{name}", f"flags are {FLAG_NAMES}, set true/false")
        checked[text] = dict(settings)
    return checked


class AsciiProfileProtocol(BufferedProtocol):
    """A stream decoder driven by an `AsciiProfile`."""

    def __init__(self, profile: AsciiProfile) -> None:
        super().__init__()
        self.profile = profile
        # Longest status keys first, so "MO" wins over "M".
        self._flag_keys = sorted(profile.flags, key=len, reverse=True)
        self._flags_of: dict[str | None, dict[str, bool]] = {}

    @classmethod
    def from_dict(cls, config: Mapping[str, Any]) -> AsciiProfileProtocol:
        return cls(AsciiProfile.from_dict(config))

    def poll_request(self) -> bytes | None:
        return self.profile.poll

    def _prepare(self, data: bytes) -> bytes:
        return data.translate(PARITY_MASK) if self.profile.mask_parity else data

    def _decode(self, buf: bytes, out: list[IndicatorValue]) -> int:
        if self.profile.start:
            return self._decode_started(buf, out)
        return self._decode_terminated(buf, out)

    def _decode_started(self, buf: bytes, out: list[IndicatorValue]) -> int:
        start, limit = self.profile.start, self.profile.max_frame
        pos = 0
        while True:
            found = buf.find(start, pos)
            if found < 0:
                keep = min(len(start) - 1, len(buf) - pos)  # a start split across reads
                self._discard(len(buf) - pos - keep)
                return len(buf) - keep
            self._discard(found - pos)
            size = self._frame_size(buf, found, limit)
            if size is None:
                return found
            if size == 0:
                self._discard(1)
                pos = found + 1
                continue
            self._frame(buf[found : found + size], out)
            pos = found + size

    def _frame_size(self, buf: bytes, found: int, limit: int) -> int | None:
        """Length of the frame at `found`, 0 if there is none, None if more bytes are needed."""
        end = self.profile.end
        if not end:
            return self.profile.length if len(buf) - found >= limit else None
        stop = buf.find(end, found + len(self.profile.start), found + limit)
        if stop < 0:
            return 0 if len(buf) - found >= limit else None
        size = stop + len(end) - found
        length = self.profile.length
        return size if length is None or size == length else 0

    def _decode_terminated(self, buf: bytes, out: list[IndicatorValue]) -> int:
        end, length = self.profile.end, self.profile.length
        pos = 0
        while True:
            stop = buf.find(end, pos)
            if stop < 0:
                return pos
            frame = buf[pos : stop + len(end)]
            pos = stop + len(end)
            if length is not None and len(frame) != length:
                if len(frame) < length:
                    self._discard(len(frame))
                    continue
                self._discard(len(frame) - length)
                frame = frame[-length:]
            self._frame(frame, out)

    def _frame(self, frame: bytes, out: list[IndicatorValue]) -> None:
        try:
            value = self.decode_frame(frame)
        except FrameError as error:
            self._reject(error)
            return
        self._accept(value, out)

    def decode_frame(self, frame: bytes) -> IndicatorValue:
        """Decode one frame, delimiters included; raise FrameError if it does not fit."""
        profile = self.profile
        body = frame[len(profile.start) : len(frame) - len(profile.end)].decode("latin-1")
        match = profile.pattern.fullmatch(body)
        if match is None:
            raise FrameError("format", f"frame does not match the profile pattern: {frame!r}")
        groups = match.groupdict()
        flags = self._flags(groups.get("status"))
        return IndicatorValue(weight_kg=self._weight(groups), raw=frame, **flags)

    def _flags(self, status: str | None) -> dict[str, bool]:
        flags = self._flags_of.get(status)
        if flags is None:
            flags = {"stable": self.profile.stable, **self._status_flags(status)}
            if len(self._flags_of) < 256:  # an indicator uses a handful of status texts
                self._flags_of[status] = flags
        return flags

    def _weight(self, groups: dict[str, str | None]) -> int:
        text = (groups["weight"] or "").strip(" ")
        if self.profile.reverse_digits:
            text = text[::-1].strip(" ")
        decimals = groups.get("decimals")
        if decimals:
            if not decimals.isdigit() or not text.isdigit() or int(decimals) >= len(text):
                raise FrameError("format", f"decimals {decimals!r} do not fit {text!r}")
            text = with_point(text, int(decimals))
        weight = number_kg(text, self._unit(groups.get("unit")))
        sign = (groups.get("sign") or "").strip(" ")
        if sign and sign in self.profile.negative_signs:
            return -weight
        if sign not in ("", "+", "0"):
            raise FrameError("format", f"sign {sign!r} not understood")
        return weight

    def _unit(self, text: str | None) -> str:
        if text is None:
            return self.profile.unit
        text = text.strip(" ")
        unit = self.profile.units.get(text, text)
        if unit not in ("kg", "t"):
            raise FrameError("unit", f"unit {text!r} is not supported; the station uses kg")
        return unit

    def _status_flags(self, status: str | None) -> dict[str, bool]:
        flags: dict[str, bool] = {}
        text, pos = status or "", 0
        while pos < len(text):
            if text[pos] == " ":
                pos += 1
                continue
            key = next((k for k in self._flag_keys if text.startswith(k, pos)), None)
            if key is None:
                raise FrameError("status", f"status {text!r} not understood at {text[pos]!r}")
            flags.update(self.profile.flags[key])
            pos += len(key)
        return flags


def make(**config: Any) -> AsciiProfileProtocol:
    """Registry entry: options are the profile settings."""
    return AsciiProfileProtocol.from_dict(config)


_FLAG_ORDER = ("overload", "underload", "centre_of_zero", "net")


def encode(
    value: IndicatorValue,
    *,
    template: str,
    decimals: int = 0,
    width: int = 6,
    unit: str = "kg",
    status: Mapping[str, str] | None = None,
    reverse_digits: bool = False,
) -> bytes:
    """Encode a value for a profile, for simulators and tests.

    template: `str.format` text with {sign} ("-" or " "), {weight} (the unsigned digits,
        right-aligned with zeros to `width`, point included), {unit} and {status}.
    status: flag name -> status text written when that flag is set ("motion" for not
        stable, "none" when nothing is set); the first set flag in overload, underload,
        centre_of_zero, net, motion wins, as a single status field can say only one thing.
    """
    text = fixed_width(display_text(value.weight_kg, decimals, check_unit(unit)), width, "weight")
    if reverse_digits:
        text = text[::-1]
    codes = status or {}
    active = [name for name in _FLAG_ORDER if getattr(value, name)]
    if not value.stable:
        active.append("motion")
    active.append("none")
    status_text = next((codes[name] for name in active if name in codes), "")
    sign = "-" if value.weight_kg < 0 else " "
    return template.format(sign=sign, weight=text, unit=unit, status=status_text).encode("latin-1")
