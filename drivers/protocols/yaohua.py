"""Yaohua (耀华) XK3190 family and the many indicators that copy it (protocols.md §1.3).

Four wire formats, one decoder class each:

* `YaohuaTf0Protocol`: tF=0 continuous 12-byte frame `STX sign dddddd dec XH XL ETX`.
* `YaohuaEqProtocol`: the "=" continuous formats: format 1 (`=` + 7 characters lowest digit
  first + sign byte), format 2 (`=` + sign + 7 characters in normal order) and the variant
  with no sign byte written `543.210=`; also the replies of the A22 in bidirectional mode.
* `YaohuaWProtocol`: the A12/A12E 15-byte `WG004.139kg3D\\r\\n` frame.
* `YaohuaTf1Protocol`: tF=1 command mode, `STX addr cmd XH XL ETX` and its replies.

The checksum is an XOR sent as two ASCII characters, one per nibble. Most models send
upper-case hex (+0x30, or +0x37 above 9); the A22 adds 0x30 even above 9, so the encoding
is an option ("standard" or "a22").

None of these formats carries a motion flag, so every value is emitted with stable=False.
The worker decides stability from consecutive readings (`stability.StabilityTracker`).
tF=0, "=" and tF=1 frames do not carry the unit either: `unit` ("kg" or "t") says what the
indicator is set to.
"""

from __future__ import annotations

from typing import NamedTuple

from drivers.base import FrameError, IndicatorValue
from drivers.protocols._stream import (
    BufferedProtocol,
    check_choice,
    check_unit,
    display_text,
    fixed_width,
    number_kg,
    scaled_kg,
    unsigned_kg,
)

STX = 0x02
ETX = 0x03
NIBBLE_ENCODINGS = ("standard", "a22")
EQ_LAYOUTS = ("reversed", "normal", "reversed-nosign")
TF1_ADDRESSES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
TF1_POLL_COMMANDS = ("B", "C", "D")


# ---- checksum ----------------------------------------------------------------------------------


def xor(data: bytes) -> int:
    result = 0
    for byte in data:
        result ^= byte
    return result


def _nibble_char(nibble: int, encoding: str) -> int:
    if nibble <= 9 or encoding == "a22":
        return nibble + 0x30
    return nibble + 0x37


# Every frame needs one: a table lookup instead of two branches and a bytes() per frame.
_CHECKSUM_TEXT = {
    encoding: [
        bytes([_nibble_char(v >> 4, encoding), _nibble_char(v & 15, encoding)]) for v in range(256)
    ]
    for encoding in NIBBLE_ENCODINGS
}


def checksum_chars(data: bytes, encoding: str = "standard") -> bytes:
    """The two checksum characters of `data`: XOR high nibble, then low nibble."""
    table = _CHECKSUM_TEXT.get(encoding)
    if table is None:
        raise ValueError(f"nibbles must be one of {', '.join(NIBBLE_ENCODINGS)}; got {encoding!r}")
    return table[xor(data)]


def _verify(data: bytes, sent: bytes, encoding: str) -> None:
    expected = checksum_chars(data, encoding)
    if sent != expected:
        raise FrameError("checksum", f"checksum {sent!r} != {expected!r}")


# ---- sign + 6 digits + decimals (tF=0 and tF=1) --------------------------------------------------


def _signed_digits_kg(field: bytes, unit: str) -> int:
    sign, digits, decimals = field[0], field[1:7], field[7]
    if sign not in b"+-" or not digits.isdigit() or not 0x30 <= decimals <= 0x34:
        raise FrameError("format", f"sign, 6 digits and decimals 0-4 expected: {field!r}")
    weight = scaled_kg(digits.decode("ascii"), decimals - 0x30, unit)
    return -weight if sign == 0x2D else weight


def _signed_digits(weight_kg: int, decimals: int, unit: str) -> bytes:
    if not 0 <= decimals <= 4:
        raise ValueError("decimals must be 0..4")
    digits = fixed_width(display_text(weight_kg, decimals, unit).replace(".", ""), 6, "weight")
    sign = "-" if weight_kg < 0 else "+"
    return f"{sign}{digits}{decimals}".encode("ascii")


class _StxEtxProtocol(BufferedProtocol):
    """Hunts STX ... ETX frames of the given lengths (ETX never occurs inside a frame)."""

    LENGTHS: tuple[int, ...] = ()

    def _decode(self, buf: bytes, out: list[IndicatorValue]) -> int:
        pos, longest = 0, max(self.LENGTHS)
        while True:
            stx = self._seek(buf, pos, b"\x02")
            if stx < 0:
                return len(buf)
            etx = buf.find(b"\x03", stx + 1, stx + longest)
            if etx < 0 and len(buf) - stx < longest:
                return stx
            if etx < 0 or etx - stx + 1 not in self.LENGTHS:
                self._discard(1)  # a stray STX or a truncated frame
                pos = stx + 1
                continue
            self._frame(buf[stx : etx + 1], out)
            pos = etx + 1

    def _frame(self, frame: bytes, out: list[IndicatorValue]) -> None:
        raise NotImplementedError


# ---- (a) tF=0 -----------------------------------------------------------------------------------


def decode_tf0(frame: bytes, *, unit: str = "kg", nibbles: str = "standard") -> IndicatorValue:
    """Decode `STX sign dddddd dec XH XL ETX`; raise FrameError if it is not valid."""
    _verify(frame[1:9], frame[9:11], nibbles)
    return IndicatorValue(weight_kg=_signed_digits_kg(frame[1:9], unit), stable=False, raw=frame)


class YaohuaTf0Protocol(_StxEtxProtocol):
    """tF=0 continuous output. unit: what the indicator displays ("kg" or "t")."""

    LENGTHS = (12,)

    def __init__(self, *, unit: str = "kg", nibbles: str = "standard") -> None:
        super().__init__()
        self._unit = check_unit(unit)
        self._nibbles = check_choice(nibbles, NIBBLE_ENCODINGS, "nibbles")

    def _frame(self, frame: bytes, out: list[IndicatorValue]) -> None:
        try:
            value = decode_tf0(frame, unit=self._unit, nibbles=self._nibbles)
        except FrameError as error:
            self._reject(error)
            return
        self._accept(value, out)


def encode_tf0(
    value: IndicatorValue, *, decimals: int = 0, unit: str = "kg", nibbles: str = "standard"
) -> bytes:
    body = _signed_digits(value.weight_kg, decimals, check_unit(unit))
    return b"\x02" + body + checksum_chars(body, nibbles) + b"\x03"


# ---- (b) "=" formats ----------------------------------------------------------------------------

EQ_FIELD = 7  # characters of the value, decimal point included
_EQ_ALPHABET = frozenset(b"0123456789.-")


class YaohuaEqProtocol(BufferedProtocol):
    """The "=" continuous formats.

    layout: "reversed" (format 1, `=000.3000` is 3.000), "normal" (format 2, `=0003.000`)
        or "reversed-nosign" (`543.210=` is 12.345; a minus, if any, is part of the field).
    negative_sign: the sign byte of a negative value ("-"; the A22 sends "1").
    poll_command / address / nibbles: for the A22 bidirectional mode, the command sent
        each poll (e.g. "R") as `STX addr cmd XH XL ETX`; None for a continuous stream.

    Frames are split on "=". With a sign byte a frame is "=" plus 8 bytes; without, the
    7 bytes before "=". Longer chunks before "=" keep their last 7 bytes only when the byte
    before those cannot be part of a value: otherwise the field boundary is ambiguous and
    the chunk is rejected rather than misread.
    """

    def __init__(
        self,
        *,
        layout: str = "reversed",
        unit: str = "kg",
        negative_sign: str = "-",
        poll_command: str | None = None,
        address: str = "A",
        nibbles: str = "a22",
    ) -> None:
        super().__init__()
        self._layout = check_choice(layout, EQ_LAYOUTS, "layout")
        self._unit = check_unit(unit)
        if len(negative_sign) != 1 or negative_sign in "0=":
            raise ValueError("negative_sign must be one character other than '0' and '='")
        self._negative = ord(negative_sign)
        self._poll = None if poll_command is None else request(poll_command, address, nibbles)

    def poll_request(self) -> bytes | None:
        return self._poll

    def _decode(self, buf: bytes, out: list[IndicatorValue]) -> int:
        if self._layout == "reversed-nosign":
            return self._decode_terminated(buf, out)
        return self._decode_started(buf, out)

    def _decode_started(self, buf: bytes, out: list[IndicatorValue]) -> int:
        pos = 0
        while True:
            start = self._seek(buf, pos, b"=")
            if start < 0:
                return len(buf)
            if len(buf) - start < EQ_FIELD + 2:
                return start
            body = buf[start + 1 : start + EQ_FIELD + 2]
            restart = body.find(b"=")
            if restart >= 0:  # a truncated frame: the next one starts inside it
                self._discard(restart + 1)
                pos = start + restart + 1
                continue
            self._signed_frame(buf[start : start + EQ_FIELD + 2], out)
            pos = start + EQ_FIELD + 2

    def _signed_frame(self, frame: bytes, out: list[IndicatorValue]) -> None:
        if self._layout == "reversed":
            field, sign = frame[1:8][::-1], frame[8]
        else:
            sign, field = frame[1], frame[2:9]
        try:
            if sign not in (0x30, self._negative):
                raise FrameError("format", f"sign byte {bytes([sign])!r} in {frame!r}")
            weight = unsigned_kg(field.decode("latin-1"), self._unit)
        except FrameError as error:
            self._reject(error)
            return
        self._accept(
            IndicatorValue(weight_kg=-weight if sign != 0x30 else weight, stable=False, raw=frame),
            out,
        )

    def _decode_terminated(self, buf: bytes, out: list[IndicatorValue]) -> int:
        pos = 0
        while True:
            end = buf.find(b"=", pos)
            if end < 0:
                # More than a field and the byte before it cannot become a frame: drop it now.
                excess = len(buf) - pos - (EQ_FIELD + 1)
                self._discard(excess)
                return pos + max(excess, 0)
            self._unsigned_chunk(buf[pos:end], buf[pos : end + 1], out)
            pos = end + 1

    def _unsigned_chunk(self, chunk: bytes, raw: bytes, out: list[IndicatorValue]) -> None:
        if len(chunk) < EQ_FIELD:
            self._discard(len(raw))  # the tail of a frame we started in the middle of
            return
        if len(chunk) > EQ_FIELD:
            if chunk[-EQ_FIELD - 1] in _EQ_ALPHABET:
                self._discard(len(chunk) - EQ_FIELD - 1)
                self._reject(FrameError("format", f"{EQ_FIELD} characters expected: {raw!r}"))
                return
            self._discard(len(chunk) - EQ_FIELD)
            raw = raw[-EQ_FIELD - 1 :]
        try:
            weight = number_kg(raw[:EQ_FIELD][::-1].decode("latin-1"), self._unit)
        except FrameError as error:
            self._reject(error)
            return
        self._accept(IndicatorValue(weight_kg=weight, stable=False, raw=raw), out)


def encode_eq(
    value: IndicatorValue,
    *,
    layout: str = "reversed",
    decimals: int = 0,
    unit: str = "kg",
    negative_sign: str = "-",
) -> bytes:
    check_choice(layout, EQ_LAYOUTS, "layout")
    text = display_text(value.weight_kg, decimals, check_unit(unit))
    negative = value.weight_kg < 0
    if layout == "reversed-nosign":
        field = ("-" + fixed_width(text, EQ_FIELD - 1, "weight")) if negative else text
        return fixed_width(field, EQ_FIELD, "weight")[::-1].encode("ascii") + b"="
    field = fixed_width(text, EQ_FIELD, "weight")
    sign = negative_sign if negative else "0"
    if layout == "reversed":
        return f"={field[::-1]}{sign}".encode("ascii")
    return f"={sign}{field}".encode("ascii")


# ---- (c) A12/A12E "W" frame ---------------------------------------------------------------------

W_BODY = 13  # bytes before CR LF
_BLANKS = b" " * 9
_OUT_OF_RANGE = {b"OL": "overload", b"LO": "underload"}


def decode_w(frame: bytes, *, nibbles: str = "standard") -> IndicatorValue:
    """Decode `W G|N wwwwwww uu XH XL CR LF`; overload/underload frames carry no weight."""
    _verify(frame[:11], frame[11:13], nibbles)
    if frame[:9] == _BLANKS and frame[9:11] in _OUT_OF_RANGE:
        raise FrameError("status", f"{_OUT_OF_RANGE[frame[9:11]]}: no weight displayed")
    if frame[0] != 0x57 or frame[1] not in b"GN":
        raise FrameError("format", f"'WG' or 'WN' expected: {frame!r}")
    field = frame[2:9].decode("latin-1")
    unit = frame[9:11].decode("latin-1").strip()
    weight = number_kg(field.strip(" "), unit)
    return IndicatorValue(weight_kg=weight, stable=False, net=frame[1] == 0x4E, raw=frame)


class YaohuaWProtocol(BufferedProtocol):
    """A12/A12E "W" format, framed on CR LF so the OL/LO frames (no leading W) are found."""

    def __init__(self, *, nibbles: str = "standard") -> None:
        super().__init__()
        self._nibbles = check_choice(nibbles, NIBBLE_ENCODINGS, "nibbles")

    def _decode(self, buf: bytes, out: list[IndicatorValue]) -> int:
        pos = 0
        while True:
            end = buf.find(b"\r\n", pos)
            if end < 0:
                # Keep one frame body plus a CR that may be waiting for its LF.
                excess = len(buf) - pos - (W_BODY + 1)
                self._discard(excess)
                return pos + max(excess, 0)
            self._chunk(end - pos, buf[max(pos, end - W_BODY) : end + 2], out)
            pos = end + 2

    def _chunk(self, length: int, frame: bytes, out: list[IndicatorValue]) -> None:
        if length < W_BODY:
            self._discard(len(frame))
            return
        # The checksum guards the frame, so a longer chunk can safely keep its last 13 bytes.
        self._discard(length - W_BODY)
        try:
            value = decode_w(frame, nibbles=self._nibbles)
        except FrameError as error:
            self._reject(error)
            return
        self._accept(value, out)


def encode_w(
    value: IndicatorValue, *, decimals: int = 0, unit: str = "kg", nibbles: str = "standard"
) -> bytes:
    """Encode a value as a W frame; overload/underload become the OL/LO frames."""
    if value.overload or value.underload:
        body = _BLANKS + (b"OL" if value.overload else b"LO")
    else:
        text = display_text(value.weight_kg, decimals, check_unit(unit))
        width = EQ_FIELD - 1 if decimals == 0 else EQ_FIELD  # a blank replaces the point
        if value.weight_kg < 0:
            text = "-" + fixed_width(text, width - 1, "weight")
        field = fixed_width(text, width, "weight").ljust(EQ_FIELD)
        kind = "N" if value.net else "G"
        body = f"W{kind}{field}{unit:<2}".encode("ascii")
    return body + checksum_chars(body, nibbles) + b"\r\n"


# ---- (d) tF=1 command mode ----------------------------------------------------------------------


class Tf1Reply(NamedTuple):
    """A reply in command mode; `value_kg` for B/C/D, None for the handshake and others."""

    address: str
    command: str
    value_kg: int | None
    raw: bytes


def _check_address(address: str) -> str:
    if len(address) != 1 or address not in TF1_ADDRESSES:
        raise ValueError(f"address must be one letter A..Z, not {address!r}")
    return address


def request(command: str, address: str = "A", nibbles: str = "standard") -> bytes:
    """Host frame `STX addr cmd XH XL ETX`, e.g. `request("B") == b"\\x02AB03\\x03"`."""
    check_choice(nibbles, NIBBLE_ENCODINGS, "nibbles")
    if len(command) != 1 or not 0x20 < ord(command) < 0x7F:
        raise ValueError(f"command must be one printable character, not {command!r}")
    body = (_check_address(address) + command).encode("ascii")
    return b"\x02" + body + checksum_chars(body, nibbles) + b"\x03"


def decode_request(frame: bytes, nibbles: str = "standard") -> tuple[str, str]:
    """(address, command) of a host frame; for device simulators."""
    if len(frame) != 6 or frame[0] != STX or frame[5] != ETX:
        raise FrameError("format", f"6-byte STX..ETX request expected: {frame!r}")
    _verify(frame[1:3], frame[3:5], nibbles)
    return chr(frame[1]), chr(frame[2])


class YaohuaTf1Protocol(_StxEtxProtocol):
    """tF=1 command mode: polls `poll` ("B" gross, "D" net, "C" tare) at `address`.

    Replies to B and D are emitted (D as net, with the tare of the last C reply). A C reply
    only updates that tare. Frames for other addresses and echoes of requests on a
    half-duplex line are skipped; the last reply of any kind is in `last_reply`.
    """

    LENGTHS = (6, 14)

    def __init__(
        self,
        *,
        address: str = "A",
        poll: str = "B",
        unit: str = "kg",
        nibbles: str = "standard",
    ) -> None:
        super().__init__()
        self._address = ord(_check_address(address))
        self._nibbles = check_choice(nibbles, NIBBLE_ENCODINGS, "nibbles")
        self._poll = request(check_choice(poll, TF1_POLL_COMMANDS, "poll"), address, nibbles)
        self._unit = check_unit(unit)
        self._tare_kg = 0
        self.last_reply: Tf1Reply | None = None

    def poll_request(self) -> bytes:
        return self._poll

    def command(self, name: str) -> bytes:
        """A request to this indicator, e.g. "A" (handshake) or a vendor's zero/tare letter."""
        return request(name, chr(self._address), self._nibbles)

    def _frame(self, frame: bytes, out: list[IndicatorValue]) -> None:
        try:
            value = self._reply(frame)
        except FrameError as error:
            self._reject(error)
            return
        if value is not None:
            self._accept(value, out)

    def _reply(self, frame: bytes) -> IndicatorValue | None:
        _verify(frame[1:-3], frame[-3:-1], self._nibbles)
        command = chr(frame[2])
        if frame[1] != self._address or (len(frame) == 6 and command != "A"):
            self._in_sync = True  # sound framing, just not a reply for us
            return None
        weight = _signed_digits_kg(frame[3:11], self._unit) if len(frame) == 14 else None
        self.last_reply = Tf1Reply(chr(frame[1]), command, weight, frame)
        if weight is None or command not in "BCD":
            self._acknowledge()
            return None
        if command == "C":
            self._tare_kg = weight
            self._acknowledge()
            return None
        net = command == "D"
        tare = self._tare_kg if net else 0
        return IndicatorValue(weight_kg=weight, stable=False, net=net, tare_kg=tare, raw=frame)


def encode_tf1(
    value: IndicatorValue,
    *,
    command: str = "B",
    address: str = "A",
    decimals: int = 0,
    unit: str = "kg",
    nibbles: str = "standard",
) -> bytes:
    """The indicator's reply carrying `value` (B gross, C tare, D net)."""
    body = (_check_address(address) + command).encode("ascii")
    body += _signed_digits(value.weight_kg, decimals, check_unit(unit))
    return b"\x02" + body + checksum_chars(body, nibbles) + b"\x03"


def handshake_reply(address: str = "A", nibbles: str = "standard") -> bytes:
    return request("A", address, nibbles)
