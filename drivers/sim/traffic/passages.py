"""What a weighing device shows while one planned vehicle passes, in simulated time."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from drivers.base import IndicatorValue
from drivers.sim.crossing import CHEATS, FAULTS, Scale, Truck, simulate
from drivers.sim.traffic.devices import IDLE, Passage

if TYPE_CHECKING:  # the plan checks its crossings with this module: no import back at run time
    from drivers.sim.traffic.plan import Visit

APPROACH_S = 1.0  # the loop detector sees the vehicle this long before it reaches the scale
LEAVE_S = 0.5  # the empty scale's zero after the vehicle, before the loop detector clears
OFFSET_LEAD_S = 3.0  # debris lies on the scale before the truck, long enough to be its zero
RAMP_S = 2.0  # a truck rolling onto (or off) a platform
SETTLING_S = 1.0  # the platform rocking, +-300 kg
STANDING_S = 5.0  # stable gross
SETTLING_KG = 300
DIVISION_KG = 10
WIM_ERROR = 0.03  # per-axle dynamic error of a WIM controller
WIM_CLEARANCE_M = 1.0  # the sensors' own length beyond the vehicle's


def _divisions(kg: float) -> int:
    return round(kg / DIVISION_KG) * DIVISION_KG


def _count(seconds: float, rate_hz: float) -> int:
    return max(1, round(seconds * rate_hz))


def crossing_cheat(cheat: str | None) -> str | None:
    """The cheat the crossing model plays, if this one is played on the scale."""
    return cheat if cheat in CHEATS + FAULTS else None


def crossing_passage(
    seed: int, *, truck: Truck, speed_kmh: float, cheat: str | None, scale: Scale
) -> Passage:
    """A crossing on an axle scale, with the scale's zero around it (held at the debris
    offset before and after a zero_offset crossing). `cheat`: crossing.CHEATS or FAULTS."""
    crossing = simulate(seed, truck=truck, speed_kmh=speed_kmh, cheat=cheat, scale=scale)
    rate = scale.sample_rate_hz
    body, previous = [], None
    for _, kg in crossing.samples:
        body.append(IndicatorValue(weight_kg=kg, stable=kg == previous, centre_of_zero=kg == 0))
        previous = kg
    offset = _divisions(crossing.detail.get("offset_kg", 0.0))
    around = IndicatorValue(weight_kg=offset, stable=True) if offset else IDLE
    lead_s = OFFSET_LEAD_S if offset else APPROACH_S
    lead = [around] * _count(lead_s, rate)
    tail = [around] * _count(LEAVE_S, rate)
    return Passage(
        values=(*lead, *body, *tail), rate_hz=rate, lead_s=lead_s, loop_on_s=lead_s - APPROACH_S
    )


def axle_passage(visit: Visit, scale: Scale) -> Passage:
    """The crossing of `visit` on an axle scale."""
    return crossing_passage(
        visit.seed,
        truck=visit.truck,
        speed_kmh=visit.speed_kmh,
        cheat=crossing_cheat(visit.cheat),
        scale=scale,
    )


def platform_passage(visit: Visit, rate_hz: float) -> Passage:
    """A truck driving onto a platform, rocking, standing still, driving off."""
    rng = random.Random(visit.seed)
    gross = visit.gross_kg
    ramp = _count(RAMP_S, rate_hz)
    moving = [_divisions(gross * i / ramp) for i in range(1, ramp + 1)]
    moving += [
        gross + rng.randrange(-SETTLING_KG, SETTLING_KG + 1, DIVISION_KG)
        for _ in range(_count(SETTLING_S, rate_hz))
    ]
    leaving = [_divisions(gross * (ramp - i) / ramp) for i in range(1, ramp + 1)]
    values = [IDLE] * _count(APPROACH_S, rate_hz)
    values += [IndicatorValue(weight_kg=kg, stable=False) for kg in moving]
    values += [IndicatorValue(weight_kg=gross, stable=True)] * _count(STANDING_S, rate_hz)
    values += [IndicatorValue(weight_kg=kg, stable=False) for kg in leaving]
    values += [IDLE] * _count(LEAVE_S, rate_hz)
    return Passage(values=tuple(values), rate_hz=rate_hz, lead_s=APPROACH_S, loop_on_s=0.0)


def wim_passage(visit: Visit) -> tuple[Passage, tuple[list[int], list[int], int]]:
    """The time the vehicle takes over the WIM sensors, and the record the controller makes:
    axle weights (with the controller's dynamic error), spacings in mm, speed in 0.1 km/h."""
    rng = random.Random(visit.seed)
    speed_ms = max(visit.speed_kmh, 1.0) / 3.6
    weights = [
        _divisions(kg * rng.uniform(1 - WIM_ERROR, 1 + WIM_ERROR)) for kg in visit.truck.loads_kg
    ]
    spacings = [round(m * 1000) for m in visit.truck.spacings_m] + [0]
    passage = Passage(
        values=(),
        rate_hz=1.0,
        lead_s=APPROACH_S,
        loop_on_s=0.0,
        pass_s=(visit.truck.length_m + WIM_CLEARANCE_M) / speed_ms,
        tail_s=LEAVE_S,
    )
    return passage, (weights, spacings, round(visit.speed_kmh * 10))


def idle_passage() -> Passage:
    """A lane without a weighing device: the vehicle just drives through."""
    return Passage(
        values=(), rate_hz=1.0, lead_s=APPROACH_S, loop_on_s=0.0, pass_s=3.0, tail_s=LEAVE_S
    )
