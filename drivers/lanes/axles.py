"""An axle scale's weight stream turned into vehicles, each with the raw trace it came from.

Time base: the segmenter is fed a sample clock, t = samples seen / the indicator's output
rate, never arrival times. A port worker hands readings over in batches (every ~50 ms),
and a simulation may stream K times faster than real time; arrival times would squeeze or
smear the ramps that give each axle's speed and spacing. The indicator's rate is fixed
(`rate_hz`), so counting samples is the truest clock there is.

The trace of a passage is cut by sample index from a ring of recent samples: from
`pre_roll_samples` before the first sample above the threshold, to `release_samples +
pre_roll_samples` after the last one, which is what the segmenter itself looked at (the
segmenter keeps no samples once a pulse is measured, so they are kept here).

A passage ends when the platform has been empty for `vehicle_gap_s` of sample time, when
the stream breaks, or, with a vehicle separator (the lane's light curtain or loop), once it
reports the vehicle gone: not at that instant, but when the samples have caught up with it
(the readings lag the input by a batch) and the last pulse has had time to close.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace

from drivers.axle_scale import (
    AxleEvent,
    AxleResult,
    AxleSegmenter,
    Flag,
    SegmenterConfig,
    VehicleEvent,
)
from drivers.lanes.specs import AxleSpec
from station.domain.readings import DeviceState, WeightReading, WimVehicle
from station.lanes.ports import Clock, CountConverter

log = logging.getLogger(__name__)

LIVE_INTERVAL_S = 0.1  # live readings for the display: about 10 a second, the latest
TRACE_LIMIT_S = 300.0  # longest trace kept (a truck stopped on the platform for minutes)
# Real time the readings may lag an input change by: a port worker's batch and the I/O
# module's poll, with room to spare.
SEPARATOR_LAG_S = 0.25
# A passage whose samples were converted from raw counts with two coefficient sets: its
# weights are not those of either set (station.lanes.capture.GATE_FLAGS holds it).
CALIBRATION_CHANGED = "CALIBRATION_CHANGED"


def _with_partial(result: AxleResult) -> AxleResult:
    flags = set(result.flags) | {Flag.PARTIAL_ON_PLATFORM}
    return replace(result, flags=tuple(flag.value for flag in Flag if flag in flags))


class AxleScaleFeed:
    """Feeds one axle scale's readings to an AxleSegmenter; all calls on one thread.

    `on_reading` gets the live readings (re-stamped), `on_vehicle` every passage as a
    WimVehicle with its trace. When the stream breaks (port lost or silent) an open
    passage is closed at once and flagged PARTIAL_ON_PLATFORM: axles may be missing.

    A raw-count scale's readings hold counts: `converter` (the station's, holding the
    coefficients in force) turns each into kg before it is segmented. A reading it cannot
    convert (no coefficients) is dropped and breaks the stream as a lost port does. Each
    vehicle names in `calibration_counter` the coefficients its samples were converted
    with: when they change between vehicles the segmenter starts afresh, so the next
    vehicle's zero and trace come from the new ones alone; when they change inside a
    passage, the vehicle names the older and is flagged CALIBRATION_CHANGED.
    """

    def __init__(
        self,
        device_id: str,
        spec: AxleSpec,
        *,
        clock: Clock,
        on_reading: Callable[[WeightReading], None],
        on_vehicle: Callable[[WimVehicle], None],
        converter: CountConverter | None = None,
    ) -> None:
        self.device_id = device_id
        self.converter = converter
        self.spec = spec
        self.config = SegmenterConfig(vehicle_gap_s=spec.vehicle_gap_s)
        self._clock = clock
        self._on_reading = on_reading
        self._on_vehicle = on_vehicle
        self._segmenter = self._new_segmenter()
        self._ring: deque[int] = deque(maxlen=max(1, int(TRACE_LIMIT_S * spec.rate_hz)))
        self._seen = 0  # samples fed, ever: the sample clock and the ring's index
        self._first_above: int | None = None  # first sample above threshold in the passage
        self._last_above = 0
        self._axles = 0  # provisional axles in the open passage
        self._counter = 0
        self._last_live = -float("inf")
        # The separator's edge, from the I/O module's thread: (vehicle gone?, when).
        self._lock = threading.Lock()
        self._separator: tuple[bool, float] | None = None
        self._end: tuple[int, float] | None = None  # end at (sample index, monotonic time)
        self._occupied = False  # the separator's last state
        self._cut_until: int | None = None  # a passage starting before this sample is a rest
        # Raw counts: whether the last reading could be converted; the counter of the
        # coefficients the segmenter's samples came from; a passage given samples of two.
        self._converting = False
        self._segment_counter: int | None = None
        self._mixed = False

    def _new_segmenter(self) -> AxleSegmenter:
        length = self.spec.platform_length_m
        return AxleSegmenter(platform_length_m=length, config=self.config)

    def separator(self, occupied: bool) -> None:
        """The lane's vehicle separator changed (any thread); free means the vehicle left."""
        with self._lock:
            self._separator = (not occupied, time.monotonic())

    def readings(self, batch: Sequence[WeightReading]) -> None:
        self._take_separator()
        last: WeightReading | None = None
        for reading in batch:
            sample = self._in_kg(reading)
            if sample is None:
                continue
            self._sample(sample.weight_kg, sample.calibration_counter)
            self._end_if_due()
            last = sample
        if last is not None:
            self._live(last)

    def stream_state(self, state: DeviceState) -> None:
        """The port's state changed; OFFLINE or STALE means samples stopped coming."""
        if state in (DeviceState.OFFLINE, DeviceState.STALE):
            self._break()

    # ------------------------------------------------------------------ internals

    def _in_kg(self, reading: WeightReading) -> WeightReading | None:
        if self.converter is None:
            return reading
        converted = self.converter.convert(reading)
        if converted is None:
            if self._converting:  # the weights stop here, as if the port were lost
                log.warning("%s: no calibration coefficients in force; no weight", self.device_id)
                self._converting = False
                self._break()
            return None
        self._converting = True
        return converted

    def _follow_counter(self, kg: int, counter: int) -> None:
        """Before a sample converted with the coefficients of `counter` is segmented."""
        if self._segment_counter is None:
            self._segment_counter = counter
            return
        if counter == self._segment_counter:
            return
        above = kg - self._segmenter.zero_kg >= self.config.threshold_kg
        if self._first_above is None and not above:
            self._restart()
            self._segment_counter = counter
        else:
            self._mixed = True

    def _restart(self) -> None:
        """A new segmenter and trace: the zero is learnt afresh from the samples to come."""
        self._segmenter = self._new_segmenter()
        self._ring.clear()
        self._first_above, self._axles = None, 0

    def _break(self) -> None:
        # A vehicle on the scale or the loop when the stream broke: what comes after the
        # gap may be the rest of it (its first axles lost), so that passage is flagged too.
        vehicle_on = self._first_above is not None or self._occupied
        if self._first_above is not None:
            for event in self._segmenter.finish():
                if isinstance(event, VehicleEvent):
                    self._vehicle(_with_partial(event.result))
        # The next sample after the gap starts a new stream: an axle already on the platform
        # then is cut, and the zero is learnt afresh.
        self._restart()
        self._end, self._segment_counter, self._mixed = None, None, False
        if vehicle_on:
            self._cut_until = self._seen + round(self.spec.vehicle_gap_s * self.spec.rate_hz)

    def _take_separator(self) -> None:
        with self._lock:
            edge, self._separator = self._separator, None
        if edge is None:
            return
        gone, at = edge
        self._occupied = not gone
        if gone and self._first_above is None:
            self._cut_until = None  # the vehicle left before any more of it was weighed
        # Occupied again before the end was due (the gap between tractor and trailer):
        # the same vehicle goes on.
        grace = self.config.release_samples + self.config.pre_roll_samples
        self._end = (self._seen + grace, at + SEPARATOR_LAG_S) if gone else None

    def _end_if_due(self) -> None:
        if self._end is None:
            return
        index, when = self._end
        if self._seen < index or time.monotonic() < when:
            return
        self._end = None
        if self._first_above is not None:
            for event in self._segmenter.end_vehicle():
                if isinstance(event, VehicleEvent):
                    self._vehicle(event.result)

    def _sample(self, kg: int, counter: int | None = None) -> None:
        if counter is not None:
            self._follow_counter(kg, counter)
        index = self._seen
        self._seen += 1
        # The segmenter's own test, with the zero as it stands before this sample.
        above = kg - self._segmenter.zero_kg >= self.config.threshold_kg
        self._ring.append(kg)
        if above:
            if self._first_above is None:
                self._first_above = index
            self._last_above = index
        for event in self._segmenter.feed(index / self.spec.rate_hz, kg):
            if isinstance(event, AxleEvent):
                self._axles += 1
            elif isinstance(event, VehicleEvent):
                self._vehicle(event.result)
        closed = index - self._last_above > self.config.release_samples
        if not above and closed and self._axles == 0:
            # A pulse that closed without an axle (the stream began with a tyre on the
            # platform) starts no passage; the next trace must not reach back to it.
            self._first_above = None

    def _trace(self) -> tuple[int, ...]:
        if self._first_above is None:
            return ()
        ring_start = self._seen - len(self._ring)
        margin = self.config.pre_roll_samples
        lo = max(self._first_above - margin, ring_start)
        hi = min(self._last_above + self.config.release_samples + margin + 1, self._seen)
        return tuple(itertools.islice(self._ring, lo - ring_start, max(hi - ring_start, 0)))

    def _vehicle(self, result: AxleResult) -> None:
        trace = self._trace()
        cut, self._cut_until = self._cut_until, None
        if cut is not None and self._first_above is not None and self._first_above < cut:
            result = _with_partial(result)
        self._first_above, self._axles = None, 0
        mixed, self._mixed = self._mixed, False
        if not result.axles:
            log.info("%s: a passage without a whole axle (flags %s)", self.device_id, result.flags)
            return
        self._counter += 1
        vehicle = result.to_wim_vehicle(self.device_id, self._counter, self._clock())
        if mixed:
            log.warning("%s: coefficients changed during passage %d", self.device_id, self._counter)
        self._on_vehicle(
            replace(
                vehicle,
                flags=(*vehicle.flags, CALIBRATION_CHANGED) if mixed else vehicle.flags,
                trace_kg=trace,
                trace_hz=self.spec.rate_hz,
                calibration_counter=self._segment_counter,
            )
        )

    def _live(self, reading: WeightReading) -> None:
        # Throttled on real time: the limit protects the consumer, whatever the clock's speed.
        now = time.monotonic()
        if now - self._last_live >= LIVE_INTERVAL_S:
            self._last_live = now
            self._on_reading(replace(reading, t_mono=self._clock()))
