"""Mettler-Toledo MT-SICS, levels 0/1 (protocols.md §1.2).

Every command and reply is one ASCII line ended by CR LF; a reply is
`<command> <status> [<value> <unit>]`, or a bare `ES`/`ET`/`EL`. Fields are split on
whitespace: the value is documented as right-aligned in a fixed-width field, but the width
is not the same on every device.

Only `S`/`SI`/`SIR` replies with status `S` (stable) or `D` (dynamic) carry a weight.
Overload/underload (`+`/`-`) carry none, so nothing is emitted: the reply is counted as a
status error and shows in `stats.last_error`. Every parsed reply is kept in `last_reply`, so
a caller that sent `Z`, `T` or `TAC` can see the acknowledgement or the refusal.

MT-SICS weight replies do not say gross or net. The decoder knows a tare is active only
when it saw the terminal confirm one (`T S`, `TI S`/`D`, `TA A`) and until `TAC A`.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from drivers.base import FrameError, IndicatorValue
from drivers.protocols._stream import (
    BufferedProtocol,
    check_choice,
    check_unit,
    display_text,
    number_kg,
)

COMMANDS = ("S", "SI", "Z", "T", "TAC", "SIR", "ZI", "TI", "TA", "@")
POLL_COMMANDS = ("SI", "S")

_WEIGHT_REPLIES = frozenset({"S", "SI", "SIR"})
_TARE_REPLIES = {
    "T": ("S",),
    "TI": ("S", "D"),
    "TA": ("A",),
}  # command -> statuses that report a tare
_DONE_REPLIES = frozenset({"Z", "ZI", "TAC"})
_REFUSALS = {
    "I": "command not executable now (busy or not stable)",
    "L": "logical error (parameter not allowed)",
    "+": "overload",
    "-": "underload",
}
_GENERAL_ERRORS = {"ES": "syntax error", "ET": "transmission error", "EL": "logical error"}

# Everything up to the last byte that cannot be part of a reply line is line noise.
_UP_TO_LAST_CONTROL = re.compile(rb"(?s).*[^\x20-\x7e]")


class SicsReply(NamedTuple):
    """One reply line as parsed: `Z A`, `S I`, `T S 15000 kg` (value in kg), `ES`."""

    command: str
    status: str
    value_kg: int | None = None
    raw: bytes = b""


def command(name: str) -> bytes:
    """The bytes of a parameterless command, e.g. `command("Z") == b"Z\\r\\n"`."""
    if name not in COMMANDS:
        raise ValueError(f"unknown MT-SICS command {name!r}; known: {', '.join(COMMANDS)}")
    return name.encode("ascii") + b"\r\n"


class MtSicsProtocol(BufferedProtocol):
    """Decoder of MT-SICS replies; `poll_request()` asks for a weight with `SI` (or `S`).

    `SI` answers at once with the current weight, dynamic or not; `S` waits for a stable
    one and may answer `S I` after its timeout, so `SI` suits a continuous live display.
    """

    def __init__(self, *, poll: str = "SI") -> None:
        super().__init__()
        self._poll = command(check_choice(poll, POLL_COMMANDS, "poll"))
        self.last_reply: SicsReply | None = None
        self._tare_active = False
        self._tare_kg = 0

    command = staticmethod(command)

    def poll_request(self) -> bytes:
        return self._poll

    def _decode(self, buf: bytes, out: list[IndicatorValue]) -> int:
        pos = 0
        while True:
            end = buf.find(b"\n", pos)
            if end < 0:
                return pos
            self._line(buf[pos : end + 1], out)
            pos = end + 1

    def _line(self, line: bytes, out: list[IndicatorValue]) -> None:
        body = line[:-2] if line.endswith(b"\r\n") else line[:-1]
        noise = _UP_TO_LAST_CONTROL.match(body)
        start = noise.end() if noise else 0
        if start == len(body):
            self._discard(len(line))
            return
        self._discard(start)
        try:
            value = self._reply(body[start:].decode("ascii").split(), line[start:])
        except FrameError as error:
            self._reject(error)
            return
        if value is None:
            self._acknowledge()
        else:
            self._accept(value, out)

    def _reply(self, tokens: list[str], raw: bytes) -> IndicatorValue | None:
        name = tokens[0]
        if len(tokens) == 1 and name in _GENERAL_ERRORS:
            self.last_reply = SicsReply(name, "", raw=raw)
            raise FrameError("status", f"{name}: {_GENERAL_ERRORS[name]}")
        if len(tokens) not in (2, 4):
            raise FrameError("format", f"reply of {len(tokens)} fields: {raw!r}")
        status = tokens[1]
        self.last_reply = SicsReply(name, status, raw=raw)
        if len(tokens) == 2 and status in _REFUSALS:
            raise FrameError("status", f"{name} {status}: {_REFUSALS[status]}")
        if len(tokens) == 4:
            value_kg = number_kg(tokens[2], tokens[3])
            self.last_reply = self.last_reply._replace(value_kg=value_kg)
            return self._with_value(name, status, value_kg, raw)
        return self._without_value(name, status, raw)

    def _with_value(
        self, name: str, status: str, value_kg: int, raw: bytes
    ) -> IndicatorValue | None:
        if name in _WEIGHT_REPLIES and status in ("S", "D"):
            return IndicatorValue(
                weight_kg=value_kg,
                stable=status == "S",
                net=self._tare_active,
                tare_kg=self._tare_kg,
                raw=raw,
            )
        if status in _TARE_REPLIES.get(name, ()):
            self._tare_active, self._tare_kg = True, value_kg
            return None
        raise FrameError("format", f"unexpected reply {raw!r}")

    def _without_value(self, name: str, status: str, raw: bytes) -> None:
        if name not in _DONE_REPLIES or status != "A":
            raise FrameError("format", f"unexpected reply {raw!r}")
        if name == "TAC":
            self._tare_active, self._tare_kg = False, 0


def reply(name: str, status: str, value_kg: int | None = None, *, decimals: int = 0) -> bytes:
    """A reply line as a terminal sends it, value right-aligned in 10 columns, in kg."""
    if value_kg is None:
        return f"{name} {status}\r\n".encode("ascii")
    sign = "-" if value_kg < 0 else ""
    text = sign + display_text(value_kg, decimals, "kg")
    return f"{name} {status} {text:>10} kg\r\n".encode("ascii")


def encode(
    value: IndicatorValue, *, command: str = "S", decimals: int = 0, unit: str = "kg"
) -> bytes:
    """Encode a value as the reply to `S`/`SI`; overload/underload become `S +`/`S -`."""
    if value.overload:
        return f"{command} +\r\n".encode("ascii")
    if value.underload:
        return f"{command} -\r\n".encode("ascii")
    status = "S" if value.stable else "D"
    sign = "-" if value.weight_kg < 0 else ""
    text = sign + display_text(value.weight_kg, decimals, check_unit(unit))
    return f"{command} {status} {text:>10} {unit}\r\n".encode("ascii")
