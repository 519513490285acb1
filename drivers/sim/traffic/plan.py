"""The seeded traffic plan of a simulated station: which truck comes, on which lane, how heavy,
with which cheat, what the station must flag, and how each case must end.

The truth has to be unambiguous under dynamic weighing error, so legal trucks stay well
below their limit and overloaded ones well above it, and an axle-scale visit keeps only a
draw of the crossing dynamics whose trace, exactly as the rig will send it, makes the batch
segmenter tell the truth: every axle and no flag on a clean pass, the cheat's flag on a
cheat (about 30 ms of simulation per axle-scale visit).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from drivers.axle_scale import Flag, segment
from drivers.sim.crossing import PROFILES, Profile, Scale, Truck
from drivers.sim.indicator import OUTPUT_RATE_HZ
from drivers.sim.traffic.passages import crossing_cheat, crossing_passage
from station.config import DeviceConfig, LaneConfig


@dataclass(frozen=True, slots=True)
class TruckKind:
    """One configuration of the mix with its nominal legal limit (GB 1589-2016 / 62号令)."""

    axles: int
    profile: str  # the crossing.PROFILES entry giving spacings and load shares
    limit_kg: int
    configuration: str  # as `main.py judge` takes it: "truck" or "articulated"
    mix: int  # relative frequency


KINDS = (
    TruckKind(2, "2-axle rigid 4x2", 18000, "truck", 20),
    TruckKind(3, "3-axle rigid 6x4", 25000, "truck", 15),
    TruckKind(4, "4-axle rigid 8x4", 31000, "truck", 15),
    TruckKind(5, "5-axle articulated 4x2+3", 43000, "articulated", 10),
    TruckKind(6, "6-axle articulated 6x4+3 (157)", 49000, "articulated", 40),
)
_PROFILES = {profile.name: profile for profile in PROFILES}

OVER_SHARE = (0.10, 0.30)  # drawn once per seed
LEGAL_BAND = (0.45, 0.88)  # gross / limit
OVER_BAND = (1.15, 1.60)
UNLOADED_BAND = (0.80, 0.92)
STILL_OVER_BAND = (1.04, 1.12)
STILL_OVER_SHARE = 0.15  # of the unloading trucks, those that first come back still over
FATE_WEIGHTS = {"unload": 60, "police": 15, "permit": 10, "abscond": 15}
RESULTS = {
    "release": "NOT_OVER",
    "unload": "UNLOADED",
    "police": "POLICE",
    "permit": "PERMIT",
    "abscond": "ABSCONDED",
}
CHEAT_SHARE = 0.15  # of the first visits
REWEIGH_DELAY = (2, 5)  # visits of other trucks between one weighing and the next

CROSSING_FLAGS = {
    "speed_change": Flag.SPEED_CHANGE.value,
    "stop": Flag.STOPPED.value,
    "reverse": Flag.REVERSED.value,
    "following": Flag.FOLLOWING_VEHICLE.value,
    "zero_offset": Flag.NO_RETURN_TO_ZERO.value,
}
PLATE_FLAGS = {"manual_plate": "MANUAL_PLATE", "watchlist": "WATCHLIST"}
CHEAT_FLAGS = {**CROSSING_FLAGS, **PLATE_FLAGS}
_TRACE_TRIES = 40  # seeds tried until the trace shows the truth (misses are 1-10 %)

AXLE_SPEED_KMH = (3.0, 8.0)
WIM_SPEED_KMH = (5.0, 15.0)
DEFAULT_PLATFORM_LENGTH_M = 0.8
# The station reads an axle scale's samples at options.rate_hz with the same default, so
# both ends count the same clock. At 25 Hz about one clean crossing in ten shows a false
# SPEED_CHANGE (ramps of two or three samples); at 100 Hz none does. The plan keeps only
# crossings whose trace shows the truth, whichever rate the lane has.
DEFAULT_AXLE_RATE_HZ = float(OUTPUT_RATE_HZ)

PROVINCES = "冀晋鲁皖苏陕鄂湘京津蒙辽吉黑沪浙闽赣粤桂渝川贵云甘宁新"
HOME_PROVINCE = "豫"  # the demo station is in Henan: half of the trucks are local
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O on plates
DIGITS = "0123456789"


@dataclass(frozen=True, slots=True)
class Visit:
    """One weighing the station must make: the truck, its truth and what must follow.

    `truck_no` numbers the trucks 0..vehicles-1 (a truck's re-weighings share it and its
    plate); `first` is False for a re-weighing. `gross_kg` is the static truth (the sum of
    `truck.loads_kg`, 10 kg steps), `limit_kg` the nominal limit of the configuration and
    `over` whether the gross exceeds it. `expected_flags` are the flags the station must
    raise (it may raise companions, e.g. SPEED_CHANGE with a stop or a reversal). `fate`
    is how the truck's case must end: release, unload, police, permit or abscond (the
    same on every visit of the truck). `seed` and `speed_kmh` make the crossing repeatable.
    """

    index: int
    truck_no: int
    plate: str
    plate_colour: str
    lane: int
    mode: str
    truck: Truck
    gross_kg: int
    limit_kg: int
    over: bool
    first: bool
    cheat: str | None
    expected_flags: tuple[str, ...]
    fate: str
    seed: int
    speed_kmh: float
    configuration: str = "truck"


@dataclass(frozen=True, slots=True)
class _Vehicle:
    """What stays the same across one truck's visits."""

    kind: TruckKind
    plate: str
    fate: str
    factors: tuple[float, ...]  # gross / limit at each visit
    lane: int
    spacings_m: tuple[float, ...]
    shares: tuple[float, ...]
    front_overhang_m: float
    rear_overhang_m: float
    cg_height_m: float


def device_of(lane: LaneConfig, *kinds: str) -> DeviceConfig | None:
    """The lane's first device of one of `kinds`."""
    return next((d for d in lane.devices if d.kind in kinds), None)


def axle_scale_model(device: DeviceConfig | None) -> Scale:
    """The platform and output rate an axle-scale device is simulated with (its options
    `platform_length_m` and `rate_hz`), so the plan checks the trace the rig will send."""
    options = device.options if device is not None else {}
    return Scale(
        platform_length_m=float(options.get("platform_length_m", DEFAULT_PLATFORM_LENGTH_M)),
        sample_rate_hz=float(options.get("rate_hz", DEFAULT_AXLE_RATE_HZ)),
    )


# ---- the plan -----------------------------------------------------------------------------


def plan_traffic(*, seed: int, vehicles: int, lanes: Sequence[LaneConfig]) -> list[Visit]:
    """`vehicles` distinct trucks and their re-weighings, in the order they arrive."""
    if vehicles < 0:
        raise ValueError(f"vehicles: must be 0 or more, not {vehicles}")
    if not lanes:
        raise ValueError("lanes: the plan needs at least one lane")
    rng = random.Random(seed)
    by_number = {lane.number: lane for lane in lanes}
    over_share = rng.uniform(*OVER_SHARE)
    fleet = _fleet(rng, vehicles, over_share, _first_lanes(lanes))
    cheats = _cheats(rng, fleet, by_number)
    watched = {n for n, cheat in cheats.items() if cheat == "watchlist"}
    reweigh_lane = next((lane.number for lane in lanes if lane.mode == "STATIC"), None)
    visits = []
    for truck_no, stage in _order(rng, [len(v.factors) for v in fleet]):
        vehicle = fleet[truck_no]
        lane = by_number[vehicle.lane if stage == 0 or reweigh_lane is None else reweigh_lane]
        cheat = cheats.get(truck_no) if stage == 0 else None
        visits.append(
            _visit(
                rng,
                vehicle,
                index=len(visits),
                truck_no=truck_no,
                stage=stage,
                lane=lane,
                cheat=cheat,
                watched=truck_no in watched,
            )
        )
    return visits


def _first_lanes(lanes: Sequence[LaneConfig]) -> list[int]:
    """Where first weighings happen: a STATIC lane beside other lanes is the re-check lane."""
    moving = [lane.number for lane in lanes if lane.mode != "STATIC"]
    return moving or [lane.number for lane in lanes]


def _fleet(
    rng: random.Random, vehicles: int, over_share: float, lanes: list[int]
) -> list[_Vehicle]:
    kinds = _kinds(rng, vehicles)
    count = round(over_share * vehicles)
    count = min(
        max(count, math.ceil(OVER_SHARE[0] * vehicles)), math.floor(OVER_SHARE[1] * vehicles)
    )
    over = set(rng.sample(range(vehicles), count))
    plates = _plates(rng, vehicles)
    fleet = []
    for number, kind in enumerate(kinds):
        fate = rng.choices(list(FATE_WEIGHTS), list(FATE_WEIGHTS.values()))[0]
        fate = fate if number in over else "release"
        fleet.append(_vehicle(rng, kind, plate=plates[number], fate=fate, lane=rng.choice(lanes)))
    return fleet


def _kinds(rng: random.Random, vehicles: int) -> list[TruckKind]:
    """Drawn by the mix, with every configuration at least once when there are enough trucks."""
    kinds = list(KINDS) if vehicles >= len(KINDS) else []
    kinds += rng.choices(KINDS, [k.mix for k in KINDS], k=vehicles - len(kinds))
    rng.shuffle(kinds)
    return kinds


def _factors(rng: random.Random, fate: str) -> tuple[float, ...]:
    if fate == "release":
        return (rng.uniform(*LEGAL_BAND),)
    first = rng.uniform(*OVER_BAND)
    if fate != "unload":
        return (first,)
    if rng.random() < STILL_OVER_SHARE:
        return first, rng.uniform(*STILL_OVER_BAND), rng.uniform(*UNLOADED_BAND)
    return first, rng.uniform(*UNLOADED_BAND)


def _vehicle(rng: random.Random, kind: TruckKind, *, plate: str, fate: str, lane: int) -> _Vehicle:
    profile: Profile = _PROFILES[kind.profile]
    # Load sharing in a bogie is never perfect: a few % between its axles.
    shares = [share * rng.uniform(0.94, 1.06) for share in profile.shares_loaded]
    return _Vehicle(
        kind=kind,
        plate=plate,
        fate=fate,
        factors=_factors(rng, fate),
        lane=lane,
        spacings_m=tuple(round(rng.uniform(lo, hi), 3) for lo, hi in profile.spacings),
        shares=tuple(share / sum(shares) for share in shares),
        front_overhang_m=round(rng.uniform(1.2, 1.5), 3),
        rear_overhang_m=round(rng.uniform(*profile.rear_overhang), 3),
        cg_height_m=round(rng.uniform(1.4, 2.1), 3),
    )


def _plates(rng: random.Random, count: int) -> list[str]:
    """Unique yellow-plate numbers: province, issuing letter, five characters (at most two
    letters among them, as on ordinary plates)."""
    seen: set[str] = set()
    plates = []
    while len(plates) < count:
        province = HOME_PROVINCE if rng.random() < 0.5 else rng.choice(PROVINCES)
        letters = set(rng.sample(range(5), rng.choices((0, 1, 2), (6, 3, 1))[0]))
        tail = "".join(rng.choice(LETTERS if i in letters else DIGITS) for i in range(5))
        plate = f"{province}{rng.choice(LETTERS)}{tail}"
        if plate not in seen:
            seen.add(plate)
            plates.append(plate)
    return plates


def _cheats(
    rng: random.Random, fleet: list[_Vehicle], lanes: dict[int, LaneConfig]
) -> dict[int, str]:
    """A cheat for ~15 % of the first visits; kinds dealt from shuffled decks so that every
    kind turns up. Only an axle scale shows the crossing cheats."""
    chosen = sorted(rng.sample(range(len(fleet)), round(CHEAT_SHARE * len(fleet))))
    decks: dict[bool, list[str]] = {True: [], False: []}
    cheats = {}
    for truck_no in chosen:
        lane = lanes[fleet[truck_no].lane]
        on_scale = lane.mode == "AXLE" and device_of(lane, "axle_scale") is not None
        if not decks[on_scale]:
            decks[on_scale] = list(CHEAT_FLAGS if on_scale else PLATE_FLAGS)
            rng.shuffle(decks[on_scale])
        cheats[truck_no] = decks[on_scale].pop()
    return cheats


def _order(rng: random.Random, stages: list[int]) -> list[tuple[int, int]]:
    """(truck, stage) in arrival order: first visits in truck order, each re-weighing a few
    visits after the truck's previous one."""
    order: list[tuple[int, int]] = []
    pending: list[tuple[int, int, int]] = []  # (due position, truck, stage)
    following = 0
    while following < len(stages) or pending:
        pending.sort()
        if pending and (pending[0][0] <= len(order) or following >= len(stages)):
            _, truck, stage = pending.pop(0)
        else:
            truck, stage = following, 0
            following += 1
        order.append((truck, stage))
        if stage + 1 < stages[truck]:
            pending.append((len(order) + rng.randint(*REWEIGH_DELAY), truck, stage + 1))
    return order


def _visit(
    rng: random.Random,
    vehicle: _Vehicle,
    *,
    index: int,
    truck_no: int,
    stage: int,
    lane: LaneConfig,
    cheat: str | None,
    watched: bool,
) -> Visit:
    limit = vehicle.kind.limit_kg
    gross = round(limit * vehicle.factors[stage] / 10) * 10  # indicators show 10 kg divisions
    truck = _truck(vehicle, gross)
    low, high = WIM_SPEED_KMH if lane.mode == "WIM" else AXLE_SPEED_KMH
    speed = round(rng.uniform(low, high), 1)
    seed = rng.randrange(2**31)
    scale_device = device_of(lane, "axle_scale")
    if lane.mode == "AXLE" and scale_device is not None:
        seed = _telling_seed(seed, truck=truck, speed_kmh=speed, cheat=cheat, device=scale_device)
    flags = [CHEAT_FLAGS[cheat]] if cheat and cheat != "watchlist" else []
    if watched:  # the watchlist catches the plate on every visit, not only the first
        flags.append(PLATE_FLAGS["watchlist"])
    return Visit(
        index=index,
        truck_no=truck_no,
        plate=vehicle.plate,
        plate_colour="yellow",
        lane=lane.number,
        mode=lane.mode,
        truck=truck,
        gross_kg=gross,
        limit_kg=limit,
        over=gross > limit,
        first=stage == 0,
        cheat=cheat,
        expected_flags=tuple(flags),
        fate=vehicle.fate,
        seed=seed,
        speed_kmh=speed,
        configuration=vehicle.kind.configuration,
    )


def _truck(vehicle: _Vehicle, gross: int) -> Truck:
    """Axle loads in 10 kg steps that add up to the gross exactly."""
    loads = [round(gross * share / 10) * 10 for share in vehicle.shares]
    heaviest = loads.index(max(loads))
    loads[heaviest] += gross - sum(loads)
    return Truck(
        name=vehicle.kind.profile,
        loads_kg=tuple(loads),
        spacings_m=vehicle.spacings_m,
        front_overhang_m=vehicle.front_overhang_m,
        rear_overhang_m=vehicle.rear_overhang_m,
        cg_height_m=vehicle.cg_height_m,
    )


def _telling_seed(
    seed: int, *, truck: Truck, speed_kmh: float, cheat: str | None, device: DeviceConfig
) -> int:
    """The first seed from `seed` on whose passage, exactly as the rig will send it, the
    segmenter tells the truth: every axle and no flag on a clean crossing, the cheat's flag
    on a cheat. The dynamics are drawn again rather than the truth left ambiguous."""
    scale = axle_scale_model(device)
    played = crossing_cheat(cheat)
    for attempt in range(_TRACE_TRIES):
        passage = crossing_passage(
            seed + attempt, truck=truck, speed_kmh=speed_kmh, cheat=played, scale=scale
        )
        samples = [(i / scale.sample_rate_hz, v.weight_kg) for i, v in enumerate(passage.values)]
        result = segment(samples, platform_length_m=scale.platform_length_m)
        if played is None and not result.flags and len(result.axles) == len(truck.loads_kg):
            return seed + attempt
        if played is not None and CROSSING_FLAGS[played] in result.flags:
            return seed + attempt
    return seed  # never told: keep the draw (the station may then see it differently too)


# ---- what the station should end with --------------------------------------------------------


def watchlist_plates(visits: Sequence[Visit]) -> list[str]:
    """Plates to put on the station's watchlist before the run, in order of arrival."""
    plates: dict[str, None] = {}
    for visit in visits:
        if visit.cheat == "watchlist":
            plates[visit.plate] = None
    return list(plates)


def expected_summary(visits: Sequence[Visit]) -> dict[str, object]:
    """Counts the station must show after the run: vehicles, weighings, weighings over the
    limit, cases by result (one per truck), and how often each flag must have been raised."""
    cases = dict.fromkeys(RESULTS.values(), 0)
    flags: Counter[str] = Counter()
    for visit in visits:
        flags.update(visit.expected_flags)
        if visit.first:
            cases[RESULTS[visit.fate]] += 1
    return {
        "vehicles": len({visit.truck_no for visit in visits}),
        "weighings": len(visits),
        "over": sum(visit.over for visit in visits),
        "cases": cases,
        "flags": dict(sorted(flags.items())),
    }
