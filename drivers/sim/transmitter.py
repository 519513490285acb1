"""A Modbus weight transmitter under an axle scale, optionally sending raw counts.

The station polls an axle scale's transmitter once per sample (`rate_hz`) and counts its
answers as the sample clock (drivers.lanes.plan). This simulator therefore serves one
sample per poll: each read that covers the map's weight register takes the next value of
the passage being played, then the empty platform's zero again. What the station segments
is exactly the passage, however the polls are timed, and a passage lasts as many polls as
it has samples (a sped-up simulation does not make it shorter).

With a `CountModel` it sends raw counts, as the transmitter of a `raw_counts = true`
device does: `counts = zero_counts + kg / kg_per_count`, to the nearest count. The
station turns them back into kg with the calibration coefficients a technician stored;
`CountModel.coefficients()` are the ones that give the simulated kg back exactly.

    sim = AxleTransmitterSim(shipped_map("flintec-ft112"), counts=CountModel()).start_tcp()
    done = sim.play([0, 0, 3500, 7000, 7000, 3500, 0])  # set once the last was served
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pymodbus.constants import ExcCodes

from drivers.modbus.maps import WeightMap
from drivers.modbus.sim import WeightTransmitterSim

# The simulator's own load cells, unless a device's options say otherwise.
DEFAULT_ZERO_COUNTS = 10_000
DEFAULT_KG_PER_COUNT = Decimal("0.5")
ZERO_KEY, SPAN_KEY = "sim_zero_counts", "sim_kg_per_count"
READ_FUNCTION = {"holding": 3, "input": 4}  # the function code that reads a map's values


@dataclass(frozen=True, slots=True)
class CountModel:
    """How the simulated load cells turn kg into counts."""

    zero_counts: int = DEFAULT_ZERO_COUNTS
    kg_per_count: Decimal = DEFAULT_KG_PER_COUNT

    def __post_init__(self) -> None:
        if isinstance(self.zero_counts, bool) or not isinstance(self.zero_counts, int):
            raise ValueError(f"zero_counts: a whole number of counts, not {self.zero_counts!r}")
        if not isinstance(self.kg_per_count, Decimal) or not self.kg_per_count > 0:
            raise ValueError(f"kg_per_count: a Decimal above 0, not {self.kg_per_count!r}")

    def counts(self, kg: int) -> int:
        steps = (Decimal(kg) / self.kg_per_count).to_integral_value(rounding=ROUND_HALF_UP)
        return self.zero_counts + int(steps)

    def coefficients(self) -> dict[str, int | str]:
        """The calibration coefficients (station.domain.coefficients) that undo `counts`."""
        return {"zero_counts": self.zero_counts, "span_kg_per_count": str(self.kg_per_count)}


def count_model(options: Mapping[str, Any], device_id: str) -> CountModel:
    """The count model of a simulated raw-count device, from its options `sim_zero_counts`
    (an integer) and `sim_kg_per_count` (a decimal string or an integer); ValueError naming
    the device and the key otherwise."""
    zero = options.get(ZERO_KEY, DEFAULT_ZERO_COUNTS)
    if isinstance(zero, bool) or not isinstance(zero, int):
        raise ValueError(f"{device_id}: options.{ZERO_KEY} must be an integer, not {zero!r}")
    span = options.get(SPAN_KEY, DEFAULT_KG_PER_COUNT)
    try:
        if isinstance(span, bool) or not isinstance(span, str | int | Decimal):
            raise InvalidOperation
        kg_per_count = Decimal(span)
    except InvalidOperation:
        kg_per_count = Decimal(0)
    if not kg_per_count.is_finite() or kg_per_count <= 0:
        raise ValueError(
            f"{device_id}: options.{SPAN_KEY} must be a decimal string above 0 "
            f'(e.g. "0.5"), not {span!r}'
        )
    return CountModel(zero, kg_per_count)


def clean_passage(
    loads_kg: Sequence[int],
    *,
    ramp: int = 5,
    dwell: int = 12,
    gap: int = 45,
    lead: int = 30,
    tail: int = 10,
) -> list[int]:
    """A passage without bounce or noise, in samples: `lead` zeros, then per axle a linear
    ramp of `ramp` samples onto its load (in 10 kg steps), `dwell` samples of the load and
    the ramp off, `gap` zeros between axles, `tail` zeros. The segmenter weighs each axle at
    exactly its load, so a test can tell the conversion's kg to the kilogram."""
    samples = [0] * lead
    for index, load in enumerate(loads_kg):
        rising = [round(load * step / ramp / 10) * 10 for step in range(1, ramp)]
        samples += [0] * (gap if index else 0)
        samples += [*rising, *[load] * dwell, *reversed(rising)]
    return samples + [0] * tail


class AxleTransmitterSim(WeightTransmitterSim):
    """A weight transmitter that serves one sample of the played passage per poll."""

    def __init__(
        self, weight_map: WeightMap, unit: int | None = None, *, counts: CountModel | None = None
    ) -> None:
        super().__init__(weight_map, unit)
        self.count_model = counts
        self.samples_served = 0
        self._samples: deque[int] = deque()
        self._repeat: tuple[int, ...] = ()
        self._done: threading.Event | None = None
        self._previous = 0
        weight = "weight" if "weight" in weight_map.fields else "gross"
        self._weight_address = weight_map.fields[weight].address
        self._weight_function = READ_FUNCTION[weight_map.function]
        self._show(0)

    def play(self, kgs: Sequence[int], *, repeat: bool = False) -> threading.Event:
        """Serve `kgs` (kg on the platform), one per poll, from the next poll on; then the
        zero, or `kgs` again and again with `repeat`. The event is set once the last value
        has been served (never with `repeat`). A passage still playing is cut short."""
        done = threading.Event()
        with self.lock:
            if self._done is not None:
                self._done.set()
            self._samples = deque(kgs)
            self._repeat = tuple(kgs) if repeat else ()
            self._done = done if kgs and not repeat else None
        if not kgs:
            done.set()
        return done

    @property
    def playing(self) -> bool:
        with self.lock:
            return bool(self._samples)

    def _show(self, kg: int) -> None:
        gross = kg if self.count_model is None else self.count_model.counts(kg)
        self.load_kg = gross + self.zero_offset_kg
        self.stable = kg == self._previous
        self._previous = kg

    def _next_sample(self) -> None:
        if not self._samples and self._repeat:
            self._samples.extend(self._repeat)
        kg = self._samples.popleft() if self._samples else 0
        self._show(kg)
        self.samples_served += 1
        if not self._samples and self._done is not None:
            self._done.set()
            self._done = None

    async def _action(  # noqa: PLR0917 - pymodbus's action signature, as the base class's
        self,
        function_code: int,
        start: int,
        address: int,
        count: int,
        registers: list[int],
        values: list[int] | list[bool] | None,
    ) -> ExcCodes | None:
        weight_read = (
            values is None
            and function_code == self._weight_function
            and address <= self._weight_address < address + count
        )
        if weight_read:  # one poll, one sample: before the registers are rendered
            with self.lock:
                self._next_sample()
        return await super()._action(function_code, start, address, count, registers, values)
