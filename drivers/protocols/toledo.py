"""Mettler-Toledo "standard continuous output" (protocols.md §1.1).

    STX SWA SWB SWC wwwwww tttttt CR [checksum]

Weight and tare are six digits with no sign and no point: the sign is SWB bit 1 and the
decimal position SWA bits 0-2. Terminals usually send 7E1. Opened as 7E1 the bytes arrive
clean; opened as 8N1 the parity bit shows up as bit 7 (STX seen as 0x82), so by default
every byte is masked with 0x7F before framing.

The station weighs in kg: lb frames (and g, oz, short tons, N) are rejected as unit errors,
t frames are converted.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from drivers.base import FrameError, IndicatorValue
from drivers.protocols._stream import (
    PARITY_MASK,
    BufferedProtocol,
    check_choice,
    check_unit,
    display_text,
    fixed_width,
    scaled_kg,
)

STX = 0x02
CR = 0x0D
FRAME_LENGTH = 17  # without the optional checksum
CHECKSUM_MODES = ("required", "detect", "absent")

# SWA bits 0-2: (decimals, dummy zeros) of the displayed value.
_POINT = {0: (0, 2), 1: (0, 1), 2: (0, 0), 3: (1, 0), 4: (2, 0), 5: (3, 0), 6: (4, 0), 7: (5, 0)}
_INCREMENT = {1: 1, 2: 2, 3: 5}
# SWC bits 0-2; 000 means "lb or kg, as SWB bit 4 says".
_UNIT_EXTENSION = {1: "g", 2: "t", 3: "oz", 6: "ton", 7: "N"}


@dataclass(frozen=True, slots=True)
class ToledoStatus:
    """The three status words of one frame, decoded bit by bit."""

    decimals: int
    dummy_zeros: int
    increment: int
    net: bool
    negative: bool
    out_of_range: bool
    motion: bool
    unit: str  # "kg", "lb", "t", "g", "oz", "ton", "N" or "SWC code nnn"
    power_up: bool  # zero not captured since power-up
    print_request: bool
    expanded: bool  # x10 service display


@functools.lru_cache(maxsize=512)  # a terminal sends the same few status words all day
def parse_status(swa: int, swb: int, swc: int) -> ToledoStatus:
    """Decode SWA/SWB/SWC (parity bit already cleared).

    The fixed bits of SWA and SWC are checked because, without a checksum, they are the
    only guard against a corrupted frame. SWB bit 5 is not: vendors disagree on it.
    """
    if swa & 0x60 != 0x20 or swc & 0x20 == 0:
        raise FrameError("status", f"fixed status bits wrong: SWA {swa:#04x}, SWC {swc:#04x}")
    increment = _INCREMENT.get((swa >> 3) & 0x03)
    if increment is None:
        raise FrameError("status", f"SWA {swa:#04x} has no increment size")
    decimals, dummy_zeros = _POINT[swa & 0x07]
    extension = swc & 0x07
    if extension:
        unit = _UNIT_EXTENSION.get(extension, f"SWC code {extension:03b}")
    else:
        unit = "kg" if swb & 0x10 else "lb"
    return ToledoStatus(
        decimals=decimals,
        dummy_zeros=dummy_zeros,
        increment=increment,
        net=bool(swb & 0x01),
        negative=bool(swb & 0x02),
        out_of_range=bool(swb & 0x04),
        motion=bool(swb & 0x08),
        unit=unit,
        power_up=bool(swb & 0x40),
        print_request=bool(swc & 0x08),
        expanded=bool(swc & 0x10),
    )


def checksum(frame: bytes) -> int:
    """The byte that makes the 7-bit sum of the whole frame zero."""
    return -sum(frame) & 0x7F


def decode_frame(frame: bytes, *, dummy_zeros_in_field: bool = True) -> IndicatorValue:
    """Decode one 17- or 18-byte frame (parity already masked); raise FrameError if invalid."""
    if len(frame) == FRAME_LENGTH + 1 and sum(frame) & 0x7F:
        raise FrameError("checksum", f"checksum {frame[17]:#04x} != {checksum(frame[:17]):#04x}")
    status = parse_status(frame[1], frame[2], frame[3])
    if status.unit not in ("kg", "t"):
        raise FrameError("unit", f"unit {status.unit} frames are not accepted; the station uses kg")
    if status.expanded:
        # The x10 service display shows a digit more than the approved resolution.
        raise FrameError("status", "expanded x10 display is not a legal weight")
    digits = frame[4:16]
    if not digits.isdigit():
        raise FrameError("format", f"weight/tare digits expected: {digits!r}")
    text = digits.decode("ascii")
    zeros = "" if dummy_zeros_in_field else "0" * status.dummy_zeros
    weight = scaled_kg(text[:6] + zeros, status.decimals, status.unit)
    tare = scaled_kg(text[6:] + zeros, status.decimals, status.unit)
    return IndicatorValue(
        weight_kg=-weight if status.negative else weight,
        stable=not (status.motion or status.power_up),
        net=status.net,
        tare_kg=tare,
        overload=status.out_of_range and not status.negative,
        underload=status.out_of_range and status.negative,
        raw=frame,
    )


class ToledoProtocol(BufferedProtocol):
    """Decoder of the standard continuous output.

    checksum: "required" (18-byte frames), "absent" (17) or "detect": the byte after CR is
        a checksum unless it is the next frame's STX. In "detect" mode a frame is emitted
        when the next byte arrives, i.e. one frame period late on a checksum-less stream.
    mask_parity: clear bit 7 of every byte (for 7E1 lines opened as 8N1).
    dummy_zeros_in_field: for SWA codes XXXX00/XXXXX0, whether the six digits already
        include the displayed dummy zeros (True) or they must be appended (False); the
        manuals do not say, check on the terminal.
    """

    def __init__(
        self,
        *,
        checksum: str = "detect",
        mask_parity: bool = True,
        dummy_zeros_in_field: bool = True,
    ) -> None:
        super().__init__()
        self._checksum = check_choice(checksum, CHECKSUM_MODES, "checksum")
        self._mask_parity = mask_parity
        self._dummy_zeros_in_field = dummy_zeros_in_field

    def _prepare(self, data: bytes) -> bytes:
        return data.translate(PARITY_MASK) if self._mask_parity else data

    def _decode(self, buf: bytes, out: list[IndicatorValue]) -> int:
        pos = 0
        while True:
            stx = self._seek(buf, pos, b"\x02")
            if stx < 0:
                return len(buf)
            size = self._frame_size(buf, stx)
            if size is None:
                return stx
            if size == 0:  # a stray 0x02, not a frame start
                self._discard(1)
                pos = stx + 1
                continue
            self._frame(buf[stx : stx + size], out)
            pos = stx + size

    def _frame_size(self, buf: bytes, stx: int) -> int | None:
        """Length of the frame at `stx`, 0 if there is none, None if more bytes are needed."""
        have = len(buf) - stx
        if have < FRAME_LENGTH:
            return None
        if buf[stx + 16] != CR:
            return 0
        if self._checksum == "absent":
            return FRAME_LENGTH
        if have < FRAME_LENGTH + 1:
            return None
        if self._checksum == "required" or buf[stx + 17] != STX:
            return FRAME_LENGTH + 1
        return self._detect_after_stx(buf, stx)

    @staticmethod
    def _detect_after_stx(buf: bytes, stx: int) -> int | None:
        if sum(buf[stx : stx + 18]) & 0x7F:
            return FRAME_LENGTH  # not a valid checksum: it is the next frame's STX
        # The checksum itself is 0x02: a checksum is followed by STX, an STX by SWA (>= 0x20).
        if len(buf) - stx < FRAME_LENGTH + 2:
            return None
        return FRAME_LENGTH + 1 if buf[stx + 18] == STX else FRAME_LENGTH

    def _frame(self, frame: bytes, out: list[IndicatorValue]) -> None:
        try:
            value = decode_frame(frame, dummy_zeros_in_field=self._dummy_zeros_in_field)
        except FrameError as error:
            self._reject(error)
            return
        self._accept(value, out)


_EXTENSION_OF = {"kg": 0, "t": 2}


def encode(
    value: IndicatorValue,
    *,
    decimals: int = 0,
    unit: str = "kg",
    increment: int = 1,
    checksum: bool = True,
    parity: bool = False,
    power_up: bool = False,
) -> bytes:
    """Encode a value as a Toledo frame; `parity=True` sets even parity in bit 7 (7E1 as 8N1).

    Overload needs a weight >= 0 and underload a weight <= 0: the frame has one
    out-of-range bit and the sign tells which. Centre of zero is not representable.
    """
    if not 0 <= decimals <= 5:
        raise ValueError("decimals must be 0..5")
    if (value.overload and value.weight_kg < 0) or (value.underload and value.weight_kg > 0):
        raise ValueError("out-of-range direction must agree with the sign of the weight")
    weight = _digits(value.weight_kg, decimals, unit, "weight")
    tare = _digits(value.tare_kg, decimals, unit, "tare")
    inc_code = {1: 1, 2: 2, 5: 3}[increment]
    swa = 0x20 | inc_code << 3 | (decimals + 2)
    swb = (
        0x30  # bit 5 set as Mettler-Toledo sends it, bit 4 = kg (and t, with SWC)
        | value.net
        | (value.weight_kg < 0 or value.underload) << 1
        | (value.overload or value.underload) << 2
        | (not value.stable) << 3
        | power_up << 6
    )
    swc = 0x20 | _EXTENSION_OF[unit]
    frame = bytes([STX, swa, swb, swc]) + (weight + tare).encode("ascii") + b"\r"
    if checksum:
        frame += bytes([-sum(frame) & 0x7F])
    return with_even_parity(frame) if parity else frame


def _digits(weight_kg: int, decimals: int, unit: str, what: str) -> str:
    return fixed_width(
        display_text(weight_kg, decimals, check_unit(unit)).replace(".", ""), 6, what
    )


def with_even_parity(data: bytes) -> bytes:
    """Set bit 7 where needed for even parity, as a 7E1 byte looks when read as 8N1."""
    return bytes(b | 0x80 if bin(b).count("1") % 2 else b for b in data)
