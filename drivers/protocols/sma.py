"""SMA SCP-0499 levels 1/2 (protocols.md §1.6): Avery Weigh-Tronix, Cardinal, Rice Lake, ...

Command `<LF> cmd <CR>`; standard reply, 20 bytes:

    <LF> s r n m f wwwwwwwwww uuu <CR>

s status (`Z` centre of zero, `O`/`U` over/under capacity, `E`/`I`/`T` zero, initial-zero
and tare errors, blank none), r range, n `G`/`N` (`g`/`n` high resolution, `T` a tare
weight), m `M` in motion, f reserved, a right-aligned weight with sign and point, a unit.
For E/I/T the weight field is dashes: nothing is emitted.
"""

from __future__ import annotations

from drivers.base import FrameError, IndicatorValue
from drivers.protocols._stream import BufferedProtocol, check_unit, display_text, number_kg

COMMANDS = ("W", "R", "H", "Z", "T", "M", "D", "A", "B", "I", "N")
REPLY_BODY = 18  # bytes between LF and CR
LONGEST_REPLY = 40  # the about/information replies are short text lines

_ERRORS = {"E": "zero error", "I": "initial zero error", "T": "tare error"}
_KINDS = frozenset(b"GNTgn")


def command(name: str) -> bytes:
    """`<LF> name <CR>`, e.g. `command("W") == b"\\nW\\r"`."""
    if name not in COMMANDS:
        raise ValueError(f"unknown SMA command {name!r}; known: {', '.join(COMMANDS)}")
    return b"\n" + name.encode("ascii") + b"\r"


class SmaProtocol(BufferedProtocol):
    """Decoder of SMA replies; `poll_request()` asks for the displayed weight (`W`).

    A reply with n=`T` (to `M`) is the tare weight: it is remembered and attached to
    later net values, not emitted. `<LF>?<CR>` (command not understood) is a status error.
    Other short text replies (`SMA:`, `MFG:`, ...) are kept in `last_reply`.
    """

    def __init__(self) -> None:
        super().__init__()
        self._tare_kg = 0
        self.last_reply = b""

    command = staticmethod(command)

    def poll_request(self) -> bytes:
        return b"\nW\r"

    def _decode(self, buf: bytes, out: list[IndicatorValue]) -> int:
        pos = 0
        while True:
            start = self._seek(buf, pos, b"\n")
            if start < 0:
                return len(buf)
            limit = start + 1 + LONGEST_REPLY
            end = buf.find(b"\r", start + 1, limit)
            restart = buf.find(b"\n", start + 1, limit if end < 0 else end)
            if restart >= 0:  # a reply cut short; the next one starts here
                self._discard(restart - start)
                pos = restart
                continue
            if end < 0:
                if len(buf) < limit:
                    return start
                self._discard(1)
                pos = start + 1
                continue
            self._reply(buf[start : end + 1], out)
            pos = end + 1

    def _reply(self, frame: bytes, out: list[IndicatorValue]) -> None:
        self.last_reply = frame
        try:
            value = self._decode_reply(frame)
        except FrameError as error:
            self._reject(error)
            return
        if value is None:
            self._acknowledge()
        else:
            self._accept(value, out)

    def _decode_reply(self, frame: bytes) -> IndicatorValue | None:
        body = frame[1:-1]
        if body == b"?":
            raise FrameError("status", "command not understood by the indicator")
        if len(body) != REPLY_BODY:
            if body[:4] in (b"SMA:", b"MFG:", b"MOD:", b"REV:"):
                return None
            raise FrameError("format", f"{REPLY_BODY}-byte reply expected: {frame!r}")
        status, kind, motion = chr(body[0]), body[2], body[3]
        if status in _ERRORS:
            raise FrameError("status", f"{_ERRORS[status]}: no weight displayed")
        if status not in " ZOU" or not body[1:2].isdigit() or kind not in _KINDS:
            raise FrameError("format", f"status fields not understood: {frame!r}")
        if motion not in b" M":
            raise FrameError("status", f"motion field {chr(motion)!r}")
        weight = self._weight(body, status)
        if kind == 0x54:  # 'T': the tare weight, in reply to M
            self._tare_kg = weight
            return None
        net = kind in b"Nn"
        return IndicatorValue(
            weight_kg=weight,
            stable=motion != 0x4D,
            net=net,
            tare_kg=self._tare_kg if net else 0,
            overload=status == "O",
            underload=status == "U",
            centre_of_zero=status == "Z",
            raw=frame,
        )

    @staticmethod
    def _weight(body: bytes, status: str) -> int:
        text = body[5:15].decode("latin-1").strip(" ")
        if status in "OU" and (not text or set(text) == {"-"}):
            raise FrameError("status", "over/under capacity: no weight displayed")
        return number_kg(text, body[15:18].decode("latin-1").strip(" "))


def encode(
    value: IndicatorValue, *, decimals: int = 0, unit: str = "kg", tare: bool = False
) -> bytes:
    """Encode a value as the reply to `W` (or, with `tare=True`, to `M`)."""
    if value.overload:
        status = "O"
    elif value.underload:
        status = "U"
    else:
        status = "Z" if value.centre_of_zero else " "
    kind = "T" if tare else "N" if value.net else "G"
    motion = " " if value.stable else "M"
    sign = "-" if value.weight_kg < 0 else ""
    text = sign + display_text(value.weight_kg, decimals, check_unit(unit))
    if len(text) > 10:
        raise ValueError(f"weight {text!r} does not fit in 10 characters")
    return f"\n{status}1{kind}{motion} {text:>10}{unit:<3}\r".encode("ascii")


def encode_error(status: str) -> bytes:
    """A reply for the error statuses E/I/T, whose weight field is dashes."""
    if status not in _ERRORS:
        raise ValueError(f"status must be one of {', '.join(_ERRORS)}")
    return f"\n{status}1G  {'-' * 10}kg \r".encode("ascii")
