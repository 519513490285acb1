"""Raw-count transmitters: their counts become kg here, with the coefficients in force.

A weighing device configured with `raw_counts = true` (a Modbus transmitter whose map gives
the A/D counts as they are) delivers WeightReadings whose `weight_kg` and `tare_kg` hold
counts. They never reach a lane or the screen as such: the runtime hands every device event
to `RawCounts.handle` first, which converts the readings of those devices with the scale's
calibration coefficients (station.domain.coefficients; the scale id is the device id) and
passes every other event through unchanged.

The coefficients come from the calibration log (station.storage.calibration). They are
re-read when the scale's calibration event counter changes, which is checked at most every
`CHECK_S` seconds (one indexed read on the core thread; a failed read keeps what is known)
and whenever the driver reports a new state. A change by a technician (seal open) is
therefore applied to the readings within a few seconds; the recorder's gate
(`converted_with`) flags a weighing whose weight was converted with coefficients that are
no longer the ones in force at commit, so those seconds can never yield an enforceable
record under the wrong counter.

A raw-count device without usable coefficients produces no weight at all: its readings
are dropped and the device is reported STALE with the reason ("no calibration
coefficients for scale X") as long as the driver says it is OK; the lane, the device log
and the screen see that state. Nothing invents a weight.

An axle scale's counts must be kg before its samples are segmented into axles, which
happens in the driver thread (drivers.lanes.axles). For such a device ("converted in the
drivers") RawCounts keeps a `RawCountConverter` that the drivers call per sample; it
swaps the coefficients in force into it whenever it (re)loads them, checks the counter on
the core thread's ticks as well (no reading arrives while there are no coefficients), and
keeps managing the device's state and reason. The readings and vehicles it then receives
are kg already, each naming the counter that converted it (`calibration_counter`); they
are passed on unconverted, and every vehicle's counter is kept for `converted_with`. One
without a counter was never converted and is dropped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from station.domain.coefficients import (
    CoefficientError,
    RawCountCoefficients,
    count_span_to_kg,
    counts_to_kg,
)
from station.domain.readings import DeviceState, DeviceStatus, WeightReading, WimVehicle
from station.lanes.ports import DeviceEvent
from station.storage.calibration import calibration_counter, current_coefficients
from station.storage.database import Database
from station.storage.scales import scale_info

log = logging.getLogger(__name__)

CHECK_S = 2.0  # how often, at most, a raw-count scale's calibration counter is read
SWITCHES_KEPT = 16  # per scale: enough to name the counter of any reading still in a lane
_UNREAD = object()


@dataclass(frozen=True, slots=True)
class InForce:
    """Coefficients in force, the scale's division e they round to and their calibration
    event counter: what a converter holds, replaced as one value."""

    coefficients: RawCountCoefficients
    e_kg: int
    counter: int


def _in_kg(reading: WeightReading, in_force: InForce) -> WeightReading:
    """Raises CoefficientError for counts that cannot be converted (not an integer)."""
    coefficients, e_kg = in_force.coefficients, in_force.e_kg
    return replace(
        reading,
        weight_kg=counts_to_kg(reading.weight_kg, coefficients, e_kg),
        tare_kg=count_span_to_kg(reading.tare_kg, coefficients, e_kg),
        calibration_counter=in_force.counter,
    )


class RawCountConverter:
    """One raw-count scale's coefficients in force, for the drivers' thread
    (station.lanes.ports.CountConverter).

    The core thread puts the coefficients in whenever RawCounts (re)loads them; a driver
    thread converts each reading with whatever is in force at that moment. Coefficients and
    counter are one immutable value swapped under a lock, so a reading is never converted
    with one set and labelled with another's counter.
    """

    def __init__(self, scale_id: str) -> None:
        self.scale_id = scale_id
        self._lock = threading.Lock()
        self._in_force: InForce | None = None
        self._failed = False

    def convert(self, reading: WeightReading) -> WeightReading | None:
        """The reading in kg, labelled with the counter; None without usable coefficients."""
        with self._lock:
            in_force = self._in_force
        if in_force is None:
            return None
        try:
            return _in_kg(reading, in_force)
        except CoefficientError as exc:
            if not self._failed:  # once: a transmitter sending garbage would flood the log
                self._failed = True
                log.error("converting a reading of %s failed: %s", self.scale_id, exc)
            return None

    def put(self, in_force: InForce | None) -> None:
        """The coefficients now in force (None: none usable); called by RawCounts."""
        with self._lock:
            self._in_force = in_force


@dataclass
class _Scale:
    device_id: str
    converter: RawCountConverter | None = None  # set: the drivers convert this scale's counts
    checked_at: float | None = None  # clock time of the last counter read
    counter: object = _UNREAD  # the counter the coefficients were loaded at (None: no events)
    coefficients: RawCountCoefficients | None = None
    e_kg: int = 0
    problem: str = ""  # why there is no weight; "" while readings are converted
    driver: DeviceStatus | None = None  # the state the driver last reported
    shown: tuple[DeviceState, str] | None = None  # the state last passed on
    # (t_mono of the first reading converted with them, counter of the coefficients)
    switches: list[tuple[float, int]] = field(default_factory=list)


class RawCounts:
    """Converts the readings of raw-count devices; every other event passes unchanged.

    `in_drivers`: those of `device_ids` whose counts the drivers convert (axle scales),
    each with a RawCountConverter in `converters`.
    """

    def __init__(
        self,
        database: Database,
        device_ids: Iterable[str],
        clock: Callable[[], float],
        *,
        in_drivers: Iterable[str] = (),
    ) -> None:
        self._database = database
        self._clock = clock
        self._scales = {device_id: _Scale(device_id) for device_id in device_ids}
        for device_id in in_drivers:
            if device_id not in self._scales:
                raise ValueError(f"{device_id}: in in_drivers but not in device_ids")
            self._scales[device_id].converter = RawCountConverter(device_id)
        self._logged: set[str] = set()

    @property
    def device_ids(self) -> frozenset[str]:
        return frozenset(self._scales)

    @property
    def converters(self) -> dict[str, RawCountConverter]:
        """device id -> converter, for the devices whose counts the drivers convert."""
        return {
            device_id: scale.converter
            for device_id, scale in self._scales.items()
            if scale.converter is not None
        }

    def handle(self, event: DeviceEvent) -> list[DeviceEvent]:
        """What the lane gets instead of `event`: none, a state, a converted reading."""
        device_id = getattr(event, "device_id", None)
        scale = self._scales.get(device_id) if isinstance(device_id, str) else None
        if scale is None:
            return [event]
        if isinstance(event, DeviceStatus):
            scale.driver = event
            self._refresh(scale, force=True)
            return list(self._report(scale, event.t_mono))
        if scale.converter is not None:
            return self._from_drivers(scale, event)
        if not isinstance(event, WeightReading):
            return [event]
        self._refresh(scale)
        reported: list[DeviceEvent] = []
        converted = self._convert(scale, event)
        reported += self._report(scale, event.t_mono)
        if converted is not None:
            reported.append(converted)
        return reported

    def tick(self) -> list[DeviceStatus]:
        """Check the counters of the scales the drivers convert (when due) and return
        their state changes. Their readings cannot drive the check: none comes while they
        have no coefficients. A scale whose driver has not reported yet is not reported."""
        now = self._clock()
        reported: list[DeviceStatus] = []
        for scale in self._scales.values():
            if scale.converter is None:
                continue
            self._refresh(scale)
            if scale.driver is not None:
                reported += self._report(scale, now)
        return reported

    def converted_with(self, scale_id: str, t_mono: float) -> int | None:
        """The counter of the coefficients that converted the scale's reading at `t_mono`;
        None when the scale is not a raw-count one (or nothing was converted by then)."""
        scale = self._scales.get(scale_id)
        if scale is None:
            return None
        found = None
        for since, counter in scale.switches:
            if since <= t_mono:
                found = counter
        return found

    # ---- the coefficients ----------------------------------------------------------------

    def _refresh(self, scale: _Scale, *, force: bool = False) -> None:
        now = self._clock()
        if not force and scale.checked_at is not None and now - scale.checked_at < CHECK_S:
            return
        scale.checked_at = now
        try:
            counter = calibration_counter(self._database, scale.device_id)
            if counter == scale.counter:
                return
            self._load(scale)
        except Exception as exc:  # the lane goes on with what is known
            self._log_once(scale, f"reading the calibration of scale {scale.device_id}", exc)
            if scale.counter is _UNREAD:
                scale.problem = (
                    f"the calibration coefficients of scale {scale.device_id} cannot be read"
                )

    def _load(self, scale: _Scale) -> None:
        scale_id = scale.device_id
        with self._database.read() as session:  # counter and values from one snapshot
            counter = calibration_counter(session, scale_id)
            stored = current_coefficients(session, scale_id)
        info = scale_info(self._database, scale_id)
        scale.counter, scale.coefficients, scale.problem = counter, None, ""
        if stored is None:
            scale.problem = f"no calibration coefficients for scale {scale_id}"
        elif info is None:
            scale.problem = f"scale {scale_id} is not registered: its division e is unknown"
        else:
            try:
                scale.coefficients = RawCountCoefficients.from_stored(stored)
                scale.e_kg = info.division_kg
                counts_to_kg(0, scale.coefficients, scale.e_kg)  # e is usable
            except CoefficientError as exc:
                scale.coefficients = None
                scale.problem = f"calibration coefficients of scale {scale_id} unusable: {exc}"
        if scale.problem:
            log.warning("raw-count scale %s gives no weight: %s", scale_id, scale.problem)
        else:
            log.info("raw-count scale %s: coefficients of counter %s in force", scale_id, counter)
        if scale.converter is not None:  # one swap: the drivers never see a gap between sets
            in_force = None
            if scale.coefficients is not None and not scale.problem:
                assert isinstance(counter, int)  # coefficients exist: a change was counted
                in_force = InForce(scale.coefficients, scale.e_kg, counter)
            scale.converter.put(in_force)

    # ---- readings and states -------------------------------------------------------------

    def _convert(self, scale: _Scale, reading: WeightReading) -> WeightReading | None:
        coefficients = scale.coefficients
        if coefficients is None or scale.problem:
            return None
        counter = scale.counter
        assert isinstance(counter, int)  # coefficients exist: a change was counted
        try:
            converted = _in_kg(reading, InForce(coefficients, scale.e_kg, counter))
        except CoefficientError as exc:
            self._log_once(scale, f"converting a reading of {scale.device_id}", exc)
            return None
        self._switch(scale, reading.t_mono, counter)
        return converted

    def _from_drivers(self, scale: _Scale, event: DeviceEvent) -> list[DeviceEvent]:
        """A reading or vehicle the drivers converted already: its state, and itself."""
        if not isinstance(event, WeightReading | WimVehicle):
            return [event]
        self._refresh(scale)
        reported: list[DeviceEvent] = []
        reported += self._report(scale, event.t_mono)
        counter = event.calibration_counter
        if counter is None:  # counts no converter made kg: never passed on as a weight
            problem = ValueError(f"a {type(event).__name__} without a calibration counter")
            self._log_once(scale, f"taking an event of {scale.device_id}", problem)
            return reported
        if isinstance(event, WimVehicle):
            self._switch(scale, event.t_mono, counter)
        reported.append(event)
        return reported

    @staticmethod
    def _switch(scale: _Scale, t_mono: float, counter: int) -> None:
        """From `t_mono` on, the scale's weights come from the coefficients of `counter`."""
        if not scale.switches or scale.switches[-1][1] != counter:
            scale.switches.append((t_mono, counter))
            del scale.switches[:-SWITCHES_KEPT]

    def _effective(self, scale: _Scale, t_mono: float) -> DeviceStatus:
        driver = scale.driver
        if driver is not None and driver.state is not DeviceState.OK:
            return driver  # a device down is down, whatever its coefficients
        if scale.problem:
            return DeviceStatus(scale.device_id, DeviceState.STALE, t_mono, scale.problem)
        if driver is not None:
            return replace(driver, t_mono=t_mono)
        return DeviceStatus(scale.device_id, DeviceState.OK, t_mono)

    def _report(self, scale: _Scale, t_mono: float) -> list[DeviceStatus]:
        status = self._effective(scale, t_mono)
        key = (status.state, status.detail)
        if key == scale.shown:
            return []
        first_ok = scale.shown is None and scale.driver is None and status.state is DeviceState.OK
        scale.shown = key
        return [] if first_ok else [status]

    def _log_once(self, scale: _Scale, what: str, exc: Exception) -> None:
        text = f"{scale.device_id}: {type(exc).__name__}: {exc}"
        if text not in self._logged:
            self._logged.add(text)
            log.error("%s failed: %s", what, exc, exc_info=exc)
