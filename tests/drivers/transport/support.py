"""A tiny line protocol and a callback recorder, so transport tests need no vendor decoder.

Frames are `W<weight>[M][*HH]\r\n`: `M` marks motion, `*HH` is an optional checksum (sum of
the bytes before `*`, modulo 256, in upper-case hex).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

from drivers.base import MAX_BUFFER, DecoderStats, FrameError, IndicatorValue
from station.domain.readings import DeviceState, DeviceStatus, WeightReading


def line(
    weight: int, *, motion: bool = False, checksum: bool = False, bad_sum: bool = False
) -> bytes:
    body = f"W{weight}{'M' if motion else ''}".encode()
    if checksum or bad_sum:
        total = (sum(body) + (1 if bad_sum else 0)) & 0xFF
        body += f"*{total:02X}".encode()
    return body + b"\r\n"


class LineProtocol:
    """StreamProtocol for `line()` frames; polls with `poll` when given."""

    def __init__(self, poll: bytes | None = None) -> None:
        self.stats = DecoderStats()
        self._buffer = bytearray()  # protected: test subclasses look at it
        self._poll = poll
        self.resets = 0

    def poll_request(self) -> bytes | None:
        return self._poll

    def reset(self) -> None:
        self._buffer.clear()
        self.resets += 1

    def feed(self, data: bytes) -> list[IndicatorValue]:
        self._buffer += data
        values = []
        while (end := self._buffer.find(b"\r\n")) >= 0:
            frame = bytes(self._buffer[:end])
            del self._buffer[: end + 2]
            value = self._decode(frame)
            if value is not None:
                values.append(value)
        if len(self._buffer) > MAX_BUFFER:
            self._discard(len(self._buffer))
            self._buffer.clear()
        return values

    def _discard(self, count: int) -> None:
        self.stats.resyncs += 1
        self.stats.discarded_bytes += count

    def _decode(self, frame: bytes) -> IndicatorValue | None:
        start = frame.find(b"W")
        if start < 0:
            self._discard(len(frame) + 2)
            return None
        if start:
            self._discard(start)
            frame = frame[start:]
        try:
            value = self._parse(frame)
        except FrameError as error:
            self.stats.reject(error)
            return None
        self.stats.frames += 1
        return value

    @staticmethod
    def _parse(frame: bytes) -> IndicatorValue:
        body, star, checksum = frame.partition(b"*")
        if star and checksum != f"{sum(body) & 0xFF:02X}".encode():
            raise FrameError("checksum", f"checksum {checksum!r} does not match {body!r}")
        text = body[1:]
        motion = text.endswith(b"M")
        digits = text[:-1] if motion else text
        if not digits.lstrip(b"-").isdigit():
            raise FrameError("format", f"not a weight: {frame!r}")
        return IndicatorValue(weight_kg=int(digits), stable=not motion, raw=frame + b"\r\n")


class CommandIndicator:
    """A simulator's `respond` hook: answers each complete `request` with the next weight.

    Requests may arrive split over several chunks, as bytes do on a real line.
    """

    def __init__(self, request: bytes, first_weight: int = 1000) -> None:
        self._request = request
        self._buffer = b""
        self._weights = itertools.count(first_weight)

    def __call__(self, chunk: bytes) -> bytes | None:
        self._buffer += chunk
        answers = b""
        while self._request in self._buffer:
            _, _, self._buffer = self._buffer.partition(self._request)
            answers += line(next(self._weights))
        return answers or None


def eventually(predicate: Callable[[], object], timeout: float = 3.0) -> bool:
    """Poll a condition nothing signals (a counter) until it holds or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class Recorder:
    """Collects a worker's callbacks; tests wait on it instead of sleeping."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.batches: list[list[WeightReading]] = []
        self.statuses: list[DeviceStatus] = []
        self.threads: set[str] = set()

    def on_readings(self, batch: list[WeightReading]) -> None:
        with self._changed:
            self.batches.append(batch)
            self.threads.add(threading.current_thread().name)
            self._changed.notify_all()

    def on_status(self, status: DeviceStatus) -> None:
        with self._changed:
            self.statuses.append(status)
            self._changed.notify_all()

    @property
    def readings(self) -> list[WeightReading]:
        with self._changed:
            return [reading for batch in self.batches for reading in batch]

    @property
    def states(self) -> list[DeviceState]:
        with self._changed:
            return [status.state for status in self.statuses]

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    def wait_weight(self, weight_kg: int, timeout: float = 3.0, count: int = 1) -> float | None:
        """Wait for `count` readings of this weight; monotonic time when they were there."""

        def arrived() -> bool:
            seen = sum(r.weight_kg == weight_kg for batch in self.batches for r in batch)
            return seen >= count

        return time.monotonic() if self.wait_for(arrived, timeout) else None

    def wait_state(
        self, state: DeviceState, timeout: float = 3.0, after: int = 0
    ) -> DeviceStatus | None:
        """Wait for a status of this state among those from index `after` on."""

        def reached() -> DeviceStatus | None:
            return next((s for s in self.statuses[after:] if s.state is state), None)

        with self._changed:
            self._changed.wait_for(lambda: reached() is not None, timeout)
            return reached()
