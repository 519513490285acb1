"""Onbon (仰邦) BX-5/BX-6 LED sign controllers, font-card protocol (字库卡协议), over TCP.

Packet (protocols.md §3.4, checked against the Onbon protocol-analysis tool and three
literal frames; all multi-byte numbers little-endian):

    A5 ×8 | dst(2) src(2) reserved(3) barcode-flag(1) checksum-mode(1) display-mode(1)
          | device-type(1) protocol-version(1) data-length(2) | data | CRC-16/ARC(2) | 5A

protocols.md lists one reserved byte fewer; the literal frames have six zero bytes between
the source address and the device type, and the Onbon tool names the sixth as the barcode
flag (01 = a 16-byte barcode follows). The CRC covers dst..data before escaping. Between
preamble and end byte, A5 → A6 02, A6 → A6 01, 5A → 5B 02, 5B → 5B 01.

Data: command group, command, reply flag (01 reply, 02 none), a 2-byte length, payload.
The Onbon tool calls the length "reserved"; every literal frame carries the payload length
there (00 00 for ping and clear), so it is written that way. Controllers answer with
A0 00 (ack) or A0 01 (nack) + an error byte + 2 reserved bytes [source: a public C driver
header; the error codes are unverified].
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from drivers.diagnostics import RX, TX, FrameLog

logger = logging.getLogger(__name__)

PREAMBLE = b"\xa5" * 8
START = 0xA5
END = 0x5A
DEFAULT_PORT = 5005
SCREEN_ADDRESS = 0x0001
PC_ADDRESS = 0x8000
BROADCAST_ADDRESS = 0xFFFE
DEVICE_TYPE_ANY = 0xFE
PROTOCOL_VERSION = 0x02
CHECKSUM_CRC16 = 0x00
HEADER_SIZE = 14
BARCODE_SIZE = 16
MAX_PACKET = 64 * 1024  # the largest packet a 5E/6E/6Q accepts; others take 1 KB

REPLY = 0x01
NO_REPLY = 0x02
ACK_GROUP = 0xA0
ACK = 0x00
NACK = 0x01
PING = (0xA2, 0x00)
DYNAMIC_TEXT = (0xA3, 0x06)
CLEAR = (0xA3, 0x10)

_ESCAPE = {0xA5: b"\xa6\x02", 0xA6: b"\xa6\x01", 0x5A: b"\x5b\x02", 0x5B: b"\x5b\x01"}
_UNESCAPE = {(0xA6, 0x02): 0xA5, (0xA6, 0x01): 0xA6, (0x5B, 0x02): 0x5A, (0x5B, 0x01): 0x5B}


class OnbonError(Exception):
    """Base of every Onbon failure."""


class FrameError(OnbonError):
    """Bytes that are not a valid packet (escape, length, CRC)."""


class SignError(OnbonError):
    """The sign could not be reached or did not do what was asked."""


class SignConnectionError(SignError):
    """No TCP connection to the controller (refused, reset, unreachable)."""


class SignTimeout(SignError):
    """The controller did not answer in time."""


class SignNack(SignError):
    """The controller refused the command."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


# -- packets -------------------------------------------------------------------------------


def crc16_arc(data: bytes) -> int:
    """CRC-16/ARC: polynomial 0x8005 reflected (0xA001), initial value 0, no final XOR."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def escape(raw: bytes) -> bytes:
    return b"".join(_ESCAPE.get(byte, bytes((byte,))) for byte in raw)


def unescape(escaped: bytes) -> bytes:
    out = bytearray()
    pending: int | None = None
    for byte in escaped:
        if pending is not None:
            value = _UNESCAPE.get((pending, byte))
            if value is None:
                raise FrameError(f"bad escape {pending:02X} {byte:02X}")
            out.append(value)
            pending = None
        elif byte in (0xA6, 0x5B):
            pending = byte
        elif byte in (START, END):
            raise FrameError(f"unescaped {byte:02X} inside a packet")
        else:
            out.append(byte)
    if pending is not None:
        raise FrameError(f"packet ends inside an escape ({pending:02X})")
    return bytes(out)


@dataclass(frozen=True, slots=True)
class Frame:
    """One packet, unescaped. `data` is command group, command, flag, length, payload."""

    data: bytes
    dst: int = SCREEN_ADDRESS
    src: int = PC_ADDRESS
    device_type: int = DEVICE_TYPE_ANY
    protocol_version: int = PROTOCOL_VERSION
    display_mode: int = 0
    barcode: bytes = b""

    @property
    def command(self) -> tuple[int, int]:
        return (self.data[0], self.data[1]) if len(self.data) >= 2 else (-1, -1)

    @property
    def flag(self) -> int:
        """Reply flag of a request; the error code in an ack/nack."""
        return self.data[2] if len(self.data) > 2 else 0

    @property
    def payload(self) -> bytes:
        return self.data[5:]

    @property
    def is_ack(self) -> bool:
        return self.command == (ACK_GROUP, ACK)

    @property
    def is_nack(self) -> bool:
        return self.command == (ACK_GROUP, NACK)


def command_data(command: tuple[int, int], payload: bytes = b"", *, reply: bool = True) -> bytes:
    """The data field of a request."""
    flag = REPLY if reply else NO_REPLY
    return bytes((*command, flag)) + len(payload).to_bytes(2, "little") + payload


def ack_data(*, error: int = 0) -> bytes:
    """The data field a controller answers with: ack when `error` is 0, else nack."""
    return bytes((ACK_GROUP, NACK if error else ACK, error, 0, 0))


def _body(frame: Frame) -> bytes:
    if frame.barcode and len(frame.barcode) != BARCODE_SIZE:
        raise ValueError(f"barcode must be {BARCODE_SIZE} bytes")
    header = (
        frame.dst.to_bytes(2, "little")
        + frame.src.to_bytes(2, "little")
        + bytes(3)
        + bytes((1 if frame.barcode else 0,))
        + frame.barcode
        + bytes((CHECKSUM_CRC16, frame.display_mode, frame.device_type, frame.protocol_version))
        + len(frame.data).to_bytes(2, "little")
    )
    return header + frame.data


def encode(frame: Frame) -> bytes:
    """Escape and frame a packet for the wire."""
    body = _body(frame)
    return PREAMBLE + escape(body + crc16_arc(body).to_bytes(2, "little")) + bytes((END,))


def decode(packet: bytes) -> Frame:
    """Decode one packet: one or more A5, the escaped body, 5A. Raises FrameError."""
    inner = packet.lstrip(bytes((START,)))
    if len(inner) == len(packet) or not inner.endswith(bytes((END,))):
        raise FrameError("a packet starts with A5 and ends with 5A")
    return decode_body(unescape(inner[:-1]))


def decode_body(body: bytes) -> Frame:
    """Decode an unescaped body (header, data, CRC). Raises FrameError."""
    if len(body) < HEADER_SIZE + 2:
        raise FrameError(f"packet of {len(body)} bytes is shorter than a header")
    crc = int.from_bytes(body[-2:], "little")
    if crc16_arc(body[:-2]) != crc:
        raise FrameError(f"CRC {crc:04X} does not match {crc16_arc(body[:-2]):04X}")
    barcode_size = BARCODE_SIZE if body[7] == 1 else 0
    header_end = HEADER_SIZE + barcode_size
    length = int.from_bytes(body[header_end - 2 : header_end], "little")
    data = body[header_end:-2]
    if len(data) != length:
        raise FrameError(f"data length {len(data)} does not match the header's {length}")
    return Frame(
        data=data,
        dst=int.from_bytes(body[0:2], "little"),
        src=int.from_bytes(body[2:4], "little"),
        barcode=body[8 : 8 + barcode_size],
        display_mode=body[9 + barcode_size],
        device_type=body[10 + barcode_size],
        protocol_version=body[11 + barcode_size],
    )


_MORE = object()  # FrameReader: the buffer holds no complete packet yet
_SKIPPED = object()  # FrameReader: something was dropped, look again


@dataclass
class FrameReader:
    """Finds packets in a byte stream; resynchronises on garbage and counts bad packets.

    A packet is the last run of A5 before a 5A, up to that 5A: the escaped body holds
    neither byte, so a packet cut short is detected when the next one starts.
    """

    frames: int = 0
    bad_frames: int = 0
    discarded_bytes: int = 0
    last_error: str = ""
    _buffer: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        found = []
        while (step := self._step()) is not _MORE:
            if isinstance(step, Frame):
                found.append(step)
        return found

    def _step(self) -> object:
        end = self._buffer.find(END)
        if end < 0:
            return self._wait_for_end()
        start = self._buffer.rfind(START, 0, end)
        if start < 0:
            self._drop(end + 1)  # an end byte without a start: line noise
            return _SKIPPED
        while start > 0 and self._buffer[start - 1] == START:
            start -= 1
        if 0 <= self._buffer.find(START) < start:
            self._reject("packet cut short by the next one")
        self._drop(start)
        packet = bytes(self._buffer[: end - start + 1])
        del self._buffer[: end - start + 1]
        try:
            frame = decode(packet)
        except FrameError as error:
            self._reject(str(error))
            return _SKIPPED
        self.frames += 1
        return frame

    def _wait_for_end(self) -> object:
        start = self._buffer.find(START)
        self._drop(len(self._buffer) if start < 0 else start)
        if len(self._buffer) > 2 * MAX_PACKET:
            self._reject("no end byte within the packet size limit")
            self._drop(len(self._buffer))
        return _MORE

    def _drop(self, count: int) -> None:
        self.discarded_bytes += count
        del self._buffer[:count]

    def _reject(self, error: str) -> None:
        self.bad_frames += 1
        self.last_error = error


# -- text ----------------------------------------------------------------------------------


class SignColour(IntEnum):
    """Colour escapes of the text: `\\C1` red, `\\C2` green, `\\C3` yellow."""

    RED = 1
    GREEN = 2
    YELLOW = 3


Segment = tuple[SignColour | None, str]


def markup(text: str | Sequence[Segment]) -> str:
    """Text with colour escapes: a plain string, or (colour, text) segments."""
    if isinstance(text, str):
        _check_plain(text)
        return text
    parts = []
    for colour, piece in text:
        _check_plain(piece)
        parts.append((f"\\C{int(colour)}" if colour is not None else "") + piece)
    return "".join(parts)


def _check_plain(text: str) -> None:
    # A literal "\C" would be read by the controller as a colour change.
    if "\\C" in text:
        raise ValueError(f"text must not contain the colour escape \\C: {text!r}")


def encode_text(text: str) -> bytes:
    """GB2312 bytes of a sign text; characters the controller's font lacks are refused."""
    try:
        return text.encode("gb2312")
    except UnicodeEncodeError as error:
        bad = text[error.start : error.end]
        raise ValueError(f"{bad!r} cannot be shown: the sign font is GB2312") from None


def split_colours(text: str) -> list[Segment]:
    """The (colour, text) segments of a marked-up text (the inverse of `markup`)."""
    segments: list[Segment] = []
    colour: SignColour | None = None
    rest = text
    while (index := rest.find("\\C")) >= 0 and index + 2 < len(rest) and rest[index + 2] in "123":
        if index:
            segments.append((colour, rest[:index]))
        colour = SignColour(int(rest[index + 2]))
        rest = rest[index + 3 :]
    if rest:
        segments.append((colour, rest))
    return segments


@dataclass(frozen=True, slots=True)
class TextArea:
    """A dynamic area and how its text runs. Positions and sizes are pixels.

    X and width go on the wire in 8-pixel units when divisible by 8 (the classic form every
    literal frame uses), otherwise in pixels with the high bit set. Field meanings beyond
    position, size, id and `effect` come from the Onbon SDK naming and are [unverified]:
    run_mode 0 loops the text; single_line/auto_wrap are sent as 01 = no, 02 = yes;
    `hold` is the raw stay-time byte.
    """

    x: int = 0
    y: int = 0
    width: int = 64
    height: int = 32
    area_id: int = 0
    line_spacing: int = 0
    run_mode: int = 0
    timeout_s: int = 2
    align: int = 0
    single_line: bool = False
    auto_wrap: bool = True
    effect: int = 1  # 1 static, 2 quick, 3 left, 4 right, 5 up, 6 down
    exit_effect: int = 0
    speed: int = 0
    hold: int = 10


@dataclass(frozen=True, slots=True)
class AreaText:
    """One area of a dynamic-text command, as a controller (or the simulator) reads it."""

    area: TextArea
    raw: bytes
    text: str  # with colour escapes

    @property
    def segments(self) -> list[Segment]:
        return split_colours(self.text)


def _x_units(pixels: int) -> bytes:
    value = pixels // 8 if pixels % 8 == 0 else pixels | 0x8000
    return value.to_bytes(2, "little")


def _x_pixels(raw: bytes) -> int:
    value = int.from_bytes(raw, "little")
    return value & 0x7FFF if value & 0x8000 else value * 8


def _yes_no(flag: bool) -> int:
    return 0x02 if flag else 0x01


def area_block(text: bytes, area: TextArea) -> bytes:
    """One area of a dynamic-text command: its 2-byte length, then descriptor and text."""
    descriptor = (
        bytes((0,))  # area type: text
        + _x_units(area.x)
        + area.y.to_bytes(2, "little")
        + _x_units(area.width)
        + area.height.to_bytes(2, "little")
        + bytes((area.area_id, area.line_spacing, area.run_mode))
        + area.timeout_s.to_bytes(2, "little")
        + bytes((0, 0))  # no voice, no extension bytes
        + bytes((area.align, _yes_no(not area.single_line), _yes_no(area.auto_wrap)))
        + bytes((area.effect, area.exit_effect, area.speed, area.hold))
        + len(text).to_bytes(4, "little")
        + text
    )
    return len(descriptor).to_bytes(2, "little") + descriptor


def dynamic_text_data(
    areas: Sequence[tuple[bytes, TextArea]], *, delete: Sequence[int] = (), reply: bool = True
) -> bytes:
    """The data field of A3 06: delete some areas, then (re)write others."""
    payload = (
        bytes((len(delete), *delete))
        + bytes((len(areas),))
        + b"".join(area_block(text, area) for text, area in areas)
    )
    return command_data(DYNAMIC_TEXT, payload, reply=reply)


def parse_dynamic_text(payload: bytes) -> list[AreaText]:
    """Read the areas of an A3 06 payload. Raises FrameError."""
    try:
        deleted = payload[0]
        count = payload[1 + deleted]
        offset = 2 + deleted
        areas = []
        for _ in range(count):
            length = int.from_bytes(payload[offset : offset + 2], "little")
            areas.append(_parse_area(payload[offset + 2 : offset + 2 + length]))
            offset += 2 + length
    except IndexError:
        raise FrameError("dynamic-text payload is shorter than its counts") from None
    return areas


def _parse_area(block: bytes) -> AreaText:
    if len(block) < 27 or block[14] != 0 or block[15] != 0:
        raise FrameError("area uses voice or extension fields, or is truncated")
    length = int.from_bytes(block[23:27], "little")
    raw = block[27 : 27 + length]
    if len(raw) != length:
        raise FrameError("area text is shorter than its length")
    area = TextArea(
        x=_x_pixels(block[1:3]),
        y=int.from_bytes(block[3:5], "little"),
        width=_x_pixels(block[5:7]),
        height=int.from_bytes(block[7:9], "little"),
        area_id=block[9],
        line_spacing=block[10],
        run_mode=block[11],
        timeout_s=int.from_bytes(block[12:14], "little"),
        align=block[16],
        single_line=block[17] != 0x02,
        auto_wrap=block[18] == 0x02,
        effect=block[19],
        exit_effect=block[20],
        speed=block[21],
        hold=block[22],
    )
    return AreaText(area=area, raw=raw, text=raw.decode("gb2312", errors="replace"))


# -- the controller over TCP ---------------------------------------------------------------


class OnbonSign:
    """A BX-5/BX-6 controller reached over TCP: send a command, read and check its reply.

    The connection is opened on first use and kept. A request that fails on a connection
    that was already open is retried once on a fresh one (the controller may have rebooted
    since); a connection that cannot be opened fails at once with SignConnectionError.
    Thread-safe: one request at a time. Packets sent and reply bytes received go to
    `frame_log` when one is given (drivers.diagnostics).
    """

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        timeout: float = 3.0,
        *,
        address: int = SCREEN_ADDRESS,
        device_type: int = DEVICE_TYPE_ANY,
        connect: Callable[..., socket.socket] = socket.create_connection,
        frame_log: FrameLog | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.address = address
        self.device_type = device_type
        self._connect = connect
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self.last_reply: Frame | None = None
        self.frame_log = frame_log
        self.reconnects = 0  # connections opened after the first
        self._opened_once = False

    def __enter__(self) -> OnbonSign:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def ping(self) -> Frame:
        return self.request(command_data(PING))

    def clear(self) -> Frame:
        """Clear the dynamic areas (A3 10)."""
        return self.request(command_data(CLEAR))

    def show_text(self, text: str | Sequence[Segment], area: TextArea | None = None) -> Frame:
        """Show a text, or (colour, text) segments, in one dynamic area."""
        raw = encode_text(markup(text))
        return self.request(dynamic_text_data([(raw, area or TextArea())]))

    def request(self, data: bytes) -> Frame:
        """Send one command and return the controller's reply. Raises SignError."""
        packet = encode(Frame(data, dst=self.address, device_type=self.device_type))
        with self._lock:
            reused = self._sock is not None
            try:
                reply = self._exchange(packet)
            except (OSError, SignConnectionError) as error:
                self.close()
                if not reused:
                    raise self._connection_error(error) from error
                logger.info(
                    "LED sign %s:%d: connection lost (%s); reconnecting",
                    self.host,
                    self.port,
                    error,
                )
                try:
                    reply = self._exchange(packet)
                except (OSError, SignConnectionError) as again:
                    self.close()
                    raise self._connection_error(again) from again
        self.last_reply = reply
        if reply.is_nack:
            raise SignNack(
                f"LED sign {self.host}:{self.port} refused the command "
                f"{data[0]:02X} {data[1]:02X} (error {reply.flag})",
                reply.flag,
            )
        return reply

    def _connection_error(self, error: BaseException) -> SignConnectionError:
        return SignConnectionError(f"LED sign {self.host}:{self.port} unreachable: {error}")

    def _exchange(self, packet: bytes) -> Frame:
        if self._sock is None:
            self._sock = self._connect((self.host, self.port), timeout=self.timeout)
            self.reconnects += self._opened_once
            self._opened_once = True
        self._sock.sendall(packet)
        if self.frame_log is not None:
            self.frame_log.add(TX, packet)
        return self._read_reply(self._sock)

    def _read_reply(self, sock: socket.socket) -> Frame:
        reader = FrameReader()
        deadline = time.monotonic() + self.timeout
        while (remaining := deadline - time.monotonic()) > 0:
            sock.settimeout(remaining)
            try:
                chunk = sock.recv(4096)
            except TimeoutError:
                break
            if not chunk:
                raise SignConnectionError("controller closed the connection")
            if self.frame_log is not None:
                self.frame_log.add(RX, chunk)
            if frames := reader.feed(chunk):
                return frames[0]
        self.close()  # a late reply would be taken for the next command's
        message = f"LED sign {self.host}:{self.port}: no reply in {self.timeout} s"
        if reader.bad_frames:
            message += f"; {reader.bad_frames} invalid packets ({reader.last_error})"
        raise SignTimeout(message)
