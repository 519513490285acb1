"""What the technician's device screen shows: recent raw traffic and counters per device.

Drivers log traffic into a `FrameLog`, a small thread-safe ring, from their own threads; the
screen takes `frames()` from any thread. Logging must cost the hot path next to nothing, so an
entry is stored as it comes (the bytes read, or a small summary object for a Modbus request or
a plate) and only turned into text when a snapshot is taken:

- stream indicators (drivers.worker): received bytes cut at the decoder's frame boundaries
  (`StreamCapture`), sent bytes (polls, commands) as written;
- Modbus devices (drivers.modbus.tap): one entry per request and per answer, shown as the PDU
  (function code, address, count, values, or the exception) with a readable note;
- LED signs: packets sent and reply chunks received;
- cameras: one summary per plate received (plate, colour, camera time, picture bytes).

`DeviceDiagnostics` is the frozen snapshot of one device that `LaneDevices.diagnostics()`
returns; nothing here blocks on a device.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal, Protocol

from drivers.base import IndicatorValue
from station.domain.readings import DeviceState

Direction = Literal["rx", "tx"]
RX: Direction = "rx"
TX: Direction = "tx"
FRAMES_KEPT = 50
GARBAGE_CHUNK = 32  # bytes a decoder threw away are logged in pieces of up to this many
DISCARDED = "discarded"  # the note of bytes that are no frame

CounterValue = int | float | str

# Printable ASCII stays, everything else reads as "." (control bytes, parity bits, UTF-8).
_ASCII_VIEW = bytes(b if 0x20 <= b < 0x7F else ord(".") for b in range(256))


@dataclass(frozen=True, slots=True)
class RawFrame:
    """One chunk of traffic: `data` as on the wire (Modbus: the PDU), `note` a summary."""

    t_mono: float  # time.monotonic() when it was sent or received
    direction: Direction
    data: bytes
    note: str = ""

    def hex(self, sep: str = " ") -> str:
        """``"02 30 31 0d"``."""
        return self.data.hex(sep) if sep else self.data.hex()

    def ascii(self) -> str:
        """The bytes as ASCII, non-printable ones as ``.``: ``".01."``."""
        return self.data.translate(_ASCII_VIEW).decode("ascii")


class LazyFrame(Protocol):
    """A logged entry that becomes one or more (data, note) pieces only when shown."""

    def render(self) -> Sequence[tuple[bytes, str]]: ...


_Entry = tuple[float, Direction, "bytes | LazyFrame", str]


class FrameLog:
    """The last `maxlen` traffic entries of one device; add and read from any thread.

    `add` only appends a tuple under a lock (no copy, no formatting); `frames()` renders.
    An entry that renders into several frames (a read holding several indicator frames)
    counts once in `maxlen`; `frames()` still returns at most `maxlen` frames, the newest.
    """

    def __init__(self, maxlen: int = FRAMES_KEPT) -> None:
        if maxlen < 1:
            raise ValueError(f"maxlen: must be at least 1, not {maxlen!r}")
        self.maxlen = maxlen
        self._ring: deque[_Entry] = deque(maxlen=maxlen)
        self._lock = threading.Lock()

    def add(
        self,
        direction: Direction,
        data: bytes | LazyFrame,
        note: str = "",
        t_mono: float | None = None,
    ) -> None:
        stamp = time.monotonic() if t_mono is None else t_mono
        with self._lock:
            self._ring.append((stamp, direction, data, note))

    def append(
        self, t_mono: float, direction: Direction, data: bytes | LazyFrame, note: str
    ) -> None:
        """`add` with every argument given: the cheapest call, for hot paths."""
        with self._lock:
            self._ring.append((t_mono, direction, data, note))

    def append_joined(
        self, t_mono: float, direction: Direction, data: bytes, note: str, limit: int
    ) -> None:
        """`append`, joined to the newest entry while that has the same direction and note
        and the two hold at most `limit` bytes (garbage arriving a byte at a time)."""
        with self._lock:
            ring = self._ring
            if ring:
                t_first, last_direction, last, last_note = ring[-1]
                joined = (
                    last_direction == direction
                    and last_note == note
                    and isinstance(last, bytes)
                    and len(last) + len(data) <= limit
                )
                if joined:
                    ring[-1] = (t_first, direction, last + data, note)
                    return
            ring.append((t_mono, direction, data, note))

    def clear(self) -> None:
        with self._lock:
            self._ring.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._ring)

    def frames(self) -> tuple[RawFrame, ...]:
        """The newest entries, oldest first, rendered now (outside the lock)."""
        with self._lock:
            entries = tuple(self._ring)
        out: list[RawFrame] = []
        for t_mono, direction, data, note in entries:
            if isinstance(data, bytes | bytearray):
                out.append(RawFrame(t_mono, direction, bytes(data), note))
                continue
            for piece, piece_note in data.render():
                out.append(RawFrame(t_mono, direction, piece, note or piece_note))
        return tuple(out[-self.maxlen :])


class _Frames:
    """Bytes the decoder consumed in one go, split into frames at the values' raw frames."""

    __slots__ = ("_pieces", "data", "values")

    def __init__(self, data: bytes, values: Sequence[IndicatorValue]) -> None:
        self.data = data
        self.values = values  # the worker's list, never changed after feed() returned it
        self._pieces: tuple[tuple[bytes, str], ...] | None = None

    def render(self) -> Sequence[tuple[bytes, str]]:
        if self._pieces is None:  # rendered once, however often the screen asks
            raws = [value.raw for value in self.values if value.raw]
            self._pieces = tuple((piece, "") for piece in split_frames(self.data, raws))
        return self._pieces


def split_frames(data: bytes, raws: Sequence[bytes]) -> list[bytes]:
    """`data` cut around each of `raws` found in it in order: the frames, and what lies
    between them (garbage, rejected frames) as pieces of their own. Stops splitting at a raw
    not found verbatim (a 7E1 stream read as 8N1: decoded frames have the parity bit cleared).
    """
    pieces: list[bytes] = []
    pos = 0
    for raw in raws:
        at = data.find(raw, pos)
        if at < 0:
            break
        if at > pos:
            pieces.append(data[pos:at])
        end = at + len(raw)
        pieces.append(data[at:end])
        pos = end
    if pos < len(data):
        pieces.append(data[pos:])
    return pieces


class StreamCapture:
    """Logs a port's traffic for diagnostics; used by the port worker's thread only.

    Received bytes are cut at the decoder's frame boundaries, not by read chunk: after each
    `feed()` the decoder still holds `buffered` bytes of an unfinished frame, so everything
    before those is logged as one entry (whole frames, or bytes it threw away, never half a
    frame), and split into single frames on display where the decoded values carry their raw
    frame. A decoder without `buffered` is logged by read chunk. Bytes that never complete a
    frame are logged once `max_pending` of them have piled up.
    """

    def __init__(self, log: FrameLog, max_pending: int = 256) -> None:
        self.log = log
        self.max_pending = max_pending
        self._pending = bytearray()

    def received(
        self,
        data: bytes,
        values: Sequence[IndicatorValue],
        buffered: object,
        t_mono: float,
        *,
        rejected: str = "",
        discarded: bool = False,
    ) -> None:
        """Log bytes just fed to the decoder. `values`: decoded from them; `buffered`: the
        bytes the decoder holds after them (None: unknown); `rejected`: the decoder's error
        if it rejected a frame; `discarded`: whether it threw bytes away."""
        # Called for every read: plain appends to the ring, no formatting, copies only where
        # a read ends inside a frame.
        if not isinstance(buffered, int):
            self.log.append(t_mono, RX, data, f"rejected: {rejected}" if rejected else "")
            return
        done = self._complete(data, buffered)
        if rejected:  # a chunk with a rejected frame stays whole, its note with its bytes
            self.log.append(t_mono, RX, done, f"rejected: {rejected}")
        elif len(values) > 1:
            self.log.append(t_mono, RX, _Frames(done, values), "")
        elif discarded and not values:
            # Garbage arrives a byte at a time on a slow line: one entry per GARBAGE_CHUNK.
            self.log.append_joined(t_mono, RX, done, DISCARDED, GARBAGE_CHUNK)
        elif done:
            self.log.append(t_mono, RX, done, "")
        if len(self._pending) > self.max_pending:
            self.log.append(t_mono, RX, bytes(self._pending), "no frame end yet")
            self._pending.clear()

    def _complete(self, data: bytes, buffered: int) -> bytes:
        """The bytes up to the decoder's frame boundary; the rest is kept for later."""
        pending = self._pending
        if not pending and buffered == 0:
            return data  # the read ended with a frame: nothing to cut
        pending += data
        cut = len(pending) - buffered
        if cut <= 0:
            return b""
        done = bytes(pending[:cut])
        del pending[:cut]
        return done

    def sent(self, data: bytes, t_mono: float) -> None:
        self.log.append(t_mono, TX, data, "")

    def cut_off(self, t_mono: float) -> None:
        """The connection ended: log the unfinished frame, which the decoder will drop."""
        if self._pending:
            self.log.add(RX, bytes(self._pending), "cut off: connection closed", t_mono)
            self._pending.clear()


@dataclass(frozen=True, slots=True)
class DeviceDiagnostics:
    """One device as of `t_mono`: what it is, its state, its counters and its last traffic.

    `counters` depends on the device's kind (docs/devices.md, "Diagnostics"); times in it
    (`*_t`) are time.monotonic() values, "" when never.
    """

    device_id: str
    lane: int
    kind: str
    driver: str
    port: str
    state: DeviceState
    counters: dict[str, CounterValue] = field(hash=False)
    frames: tuple[RawFrame, ...]
    t_mono: float


def plain_counters(values: Mapping[str, object]) -> dict[str, CounterValue]:
    """Counters as plain values for a screen: None as "", enums as their value."""
    out: dict[str, CounterValue] = {}
    for name, value in values.items():
        if value is None:
            out[name] = ""
        elif isinstance(value, Enum):
            out[name] = str(value.value)
        elif isinstance(value, int | float | str):
            out[name] = value
        else:
            out[name] = str(value)
    return out
