"""A seeded model of the weight signal an axle-scale indicator sends while a truck crosses.

An axle scale is a short platform (0.6-1.0 m along the lane) that one axle crosses at a
time. The model builds the signal from the physics that shapes it, each part replaceable:

* motion: a driver model integrates speed under acceleration limits (cruise with a slow
  speed wobble; cheats add braking, a stop, a reversal), so every axle follows one path;
* tyre contact patch: its length follows the wheel load and inflation pressure, and its
  flat-topped pressure profile makes the load ramp on and off the platform edges;
* dynamic load: each axle carries a damped body-bounce oscillation (1.5-3 Hz, a few % of
  its load, random phase) and the quasi-static pitch load transfer of acceleration;
* the platform rings briefly at its own frequency each time a tyre drops onto it;
* the indicator: white sensor noise, a two-stage moving-average filter (as the sinc filter
  of a sigma-delta converter), decimation to the output rate, rounding to the division.

It is a model, not field data: no road profile, no tyre tread, no left/right split, no
articulation between tractor and trailer. See docs/axle-segmentation.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

G = 9.81
INTERNAL_HZ = 1000.0  # the physics is sampled finer than the indicator, then filtered down

CHEATS = ("speed_change", "stop", "reverse", "following")
FAULTS = ("zero_offset", "truncated")


@dataclass(frozen=True, slots=True)
class Profile:
    """A common Chinese freight configuration: spacing ranges (m) and loaded axle shares."""

    name: str
    spacings: tuple[tuple[float, float], ...]
    shares_loaded: tuple[float, ...]
    shares_empty: tuple[float, ...]
    gross_loaded: tuple[int, int]
    gross_empty: tuple[int, int]
    rear_overhang: tuple[float, float]
    weight: int  # relative frequency in the traffic mix


PROFILES = (
    Profile(
        "2-axle rigid 4x2",
        ((3.8, 5.2),),
        (0.34, 0.66),
        (0.55, 0.45),
        (12000, 18000),
        (4500, 7000),
        (1.5, 2.8),
        16,
    ),
    Profile(
        "3-axle rigid 6x4",
        ((4.0, 4.8), (1.30, 1.40)),
        (0.26, 0.37, 0.37),
        (0.44, 0.28, 0.28),
        (20000, 27000),
        (9000, 12000),
        (1.5, 2.8),
        10,
    ),
    Profile(
        "4-axle rigid 8x4",
        ((1.80, 2.00), (3.8, 4.6), (1.30, 1.40)),
        (0.20, 0.20, 0.30, 0.30),
        (0.30, 0.30, 0.20, 0.20),
        (26000, 33000),
        (12000, 15000),
        (1.5, 2.6),
        10,
    ),
    Profile(
        "3-axle articulated 4x2+1",
        ((3.3, 3.8), (6.0, 7.5)),
        (0.25, 0.40, 0.35),
        (0.40, 0.35, 0.25),
        (20000, 27000),
        (9000, 12000),
        (1.0, 1.8),
        4,
    ),
    Profile(
        "4-axle articulated 4x2+2",
        ((3.3, 3.8), (6.5, 7.5), (1.30, 1.40)),
        (0.18, 0.32, 0.25, 0.25),
        (0.33, 0.31, 0.18, 0.18),
        (30000, 36000),
        (11000, 14000),
        (1.0, 1.8),
        6,
    ),
    Profile(
        "5-axle articulated 4x2+3",
        ((3.3, 3.8), (6.5, 7.5), (1.30, 1.32), (1.30, 1.32)),
        (0.15, 0.25, 0.20, 0.20, 0.20),
        (0.30, 0.28, 0.14, 0.14, 0.14),
        (37000, 43000),
        (13000, 16000),
        (1.0, 1.8),
        8,
    ),
    Profile(
        "5-axle articulated 6x4+2",
        ((3.0, 3.4), (1.30, 1.40), (6.8, 7.6), (1.30, 1.40)),
        (0.15, 0.21, 0.21, 0.215, 0.215),
        (0.30, 0.21, 0.21, 0.14, 0.14),
        (37000, 43000),
        (13000, 16000),
        (1.0, 1.8),
        6,
    ),
    Profile(
        "6-axle articulated 6x4+3 (157)",
        ((3.0, 3.4), (1.30, 1.40), (6.8, 7.6), (1.30, 1.32), (1.30, 1.32)),
        (0.12, 0.18, 0.18, 0.173, 0.173, 0.174),
        (0.26, 0.19, 0.19, 0.12, 0.12, 0.12),
        (40000, 49000),
        (14000, 17000),
        (1.0, 1.8),
        40,
    ),
)


@dataclass(frozen=True, slots=True)
class Truck:
    """Static axle loads (kg, front to rear) and geometry of one vehicle."""

    name: str
    loads_kg: tuple[int, ...]
    spacings_m: tuple[float, ...]  # between consecutive axles, len(loads) - 1
    front_overhang_m: float
    rear_overhang_m: float
    cg_height_m: float

    @property
    def gross_kg(self) -> int:
        return sum(self.loads_kg)

    @property
    def offsets_m(self) -> np.ndarray:
        """Distance of each axle behind the front axle."""
        return np.concatenate(([0.0], np.cumsum(self.spacings_m)))

    @property
    def length_m(self) -> float:
        return self.front_overhang_m + sum(self.spacings_m) + self.rear_overhang_m


@dataclass(frozen=True, slots=True)
class Scale:
    """The platform and its indicator."""

    platform_length_m: float = 0.8
    sample_rate_hz: float = 100.0
    division_kg: int = 10
    filter_ms: float = 25.0  # length of each of the two moving-average stages
    noise_kg: float = 8.0  # white sensor noise at the internal rate, before the filter


@dataclass(frozen=True, slots=True)
class Bounce:
    """Ranges the per-axle dynamics are drawn from."""

    amplitude: tuple[float, float] = (0.01, 0.04)  # share of the axle load at platform entry
    frequency_hz: tuple[float, float] = (1.5, 3.0)
    damping: tuple[float, float] = (0.05, 0.20)
    ring_amplitude: tuple[float, float] = (0.005, 0.02)  # platform impact ringing
    ring_hz: tuple[float, float] = (15.0, 30.0)
    wobble: tuple[float, float] = (0.0, 0.03)  # driver's slow speed variation, share of speed


@dataclass(frozen=True, slots=True)
class Crossing:
    """The indicator's samples and the ground truth they were made from."""

    samples: list[tuple[float, int]]
    truck: Truck
    speed_kmh: float
    cheat: str | None
    platform_length_m: float
    follower: Truck | None = None
    bounce_amplitudes: tuple[float, ...] = ()
    detail: dict[str, float] = field(default_factory=dict)


# ---- vehicles ---------------------------------------------------------------------------


def random_truck(rng: np.random.Generator, profile: Profile | None = None) -> Truck:
    """A vehicle of the traffic mix: 20 % empty, 60 % loaded, 20 % overloaded."""
    if profile is None:
        weights = np.array([p.weight for p in PROFILES], dtype=float)
        profile = PROFILES[rng.choice(len(PROFILES), p=weights / weights.sum())]
    state = rng.random()
    if state < 0.2:
        gross = rng.uniform(*profile.gross_empty)
        shares = np.array(profile.shares_empty)
        cg = rng.uniform(1.0, 1.3)
    else:
        top = profile.gross_loaded[1] * (1.35 if state > 0.8 else 1.0)
        low = profile.gross_loaded[1] if state > 0.8 else profile.gross_loaded[0]
        gross = rng.uniform(low, top)
        shares = np.array(profile.shares_loaded)
        cg = rng.uniform(1.5, 2.2)
    # Load sharing in a bogie is never perfect: a few % between its axles.
    shares = shares * rng.uniform(0.94, 1.06, size=shares.size)
    loads = tuple(round(float(x)) for x in gross * shares / shares.sum())
    spacings = tuple(round(float(rng.uniform(lo, hi)), 3) for lo, hi in profile.spacings)
    return Truck(
        name=profile.name,
        loads_kg=loads,
        spacings_m=spacings,
        front_overhang_m=float(rng.uniform(1.2, 1.5)),
        rear_overhang_m=float(rng.uniform(*profile.rear_overhang)),
        cg_height_m=float(cg),
    )


def patch_length_m(axle_load_kg: float, tyres_per_axle: int, pressure_mpa: float) -> float:
    """Contact length of one tyre: wheel force over pressure and an effective width."""
    force = axle_load_kg * G / tyres_per_axle
    return float(np.clip(force / (pressure_mpa * 1e6 * 0.28 * 0.7), 0.06, 0.30))


_SHAPE_U = np.linspace(-0.5, 0.5, 401)
_SHAPE_CDF = np.cumsum(1.0 - np.abs(2.0 * _SHAPE_U) ** 4)
_SHAPE_CDF = (_SHAPE_CDF - _SHAPE_CDF[0]) / (_SHAPE_CDF[-1] - _SHAPE_CDF[0])


def on_platform(centre_m: np.ndarray, patch_m: float, length_m: float) -> np.ndarray:
    """Share of a tyre's load carried by the platform [0, length] for each centre position."""
    lo = np.clip(-centre_m / patch_m, -0.5, 0.5)
    hi = np.clip((length_m - centre_m) / patch_m, -0.5, 0.5)
    return np.interp(hi, _SHAPE_U, _SHAPE_CDF) - np.interp(lo, _SHAPE_U, _SHAPE_CDF)


# ---- driving ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Manoeuvre:
    """Go to a target speed at a given acceleration. It starts when the front axle passes
    `at_front_m` in `direction` (+1 forward, -1 backward), or, without a position, as soon
    as the previous manoeuvre has reached its speed and held it for that one's `hold_s`."""

    target_ms: float
    accel_ms2: float
    at_front_m: float | None = None
    direction: int = 1
    hold_s: float = 0.0


@dataclass(slots=True)
class _Driver:
    plan: list[Manoeuvre]
    wobble: float
    wobble_period_s: float
    wobble_phase: float
    index: int = 0
    reached_at: float | None = None

    def current(self) -> Manoeuvre:
        return self.plan[self.index]

    def advance(self, t: float, x: float, v: float) -> None:
        if self.index + 1 >= len(self.plan):
            return
        step, nxt = self.plan[self.index], self.plan[self.index + 1]
        if nxt.at_front_m is not None:
            if (x - nxt.at_front_m) * nxt.direction >= 0:
                self._next()
            return
        if abs(v - self.target(t)) < 1e-3:  # the wobble keeps the target moving
            self.reached_at = t if self.reached_at is None else self.reached_at
            if t - self.reached_at >= step.hold_s:
                self._next()

    def _next(self) -> None:
        self.index += 1
        self.reached_at = None

    def target(self, t: float) -> float:
        step = self.current()
        if step.target_ms <= 0:
            return step.target_ms
        swing = self.wobble * math.sin(2 * math.pi * t / self.wobble_period_s + self.wobble_phase)
        return step.target_ms * (1.0 + swing)


def drive(driver: _Driver, x0: float, v0: float, done_at_m: float, dt: float) -> np.ndarray:
    """Front-axle position at every internal sample until it passes `done_at_m` going forward."""
    positions = []
    x, v, t = x0, v0, 0.0
    limit = int(240 / dt)
    while len(positions) < limit:
        positions.append(x)
        if x >= done_at_m and v > 0:
            break
        driver.advance(t, x, v)
        step = driver.current()
        target = driver.target(t)
        dv = step.accel_ms2 * dt
        v = min(v + dv, target) if v < target else max(v - dv, target)
        x += v * dt
        t += dt
    return np.asarray(positions)


# ---- the signal -------------------------------------------------------------------------


def _lag(values: np.ndarray, tau_s: float, dt: float) -> np.ndarray:
    """First-order lag by convolution with a truncated exponential (the suspension's pitch)."""
    n = int(5 * tau_s / dt)
    kernel = np.exp(-np.arange(n) * dt / tau_s)
    kernel /= kernel.sum()
    return np.convolve(values, kernel)[: values.size]


def _transfer_gains(truck: Truck) -> np.ndarray:
    """kg of load moved onto each axle per m/s2 of forward acceleration (rigid-body pitch).

    Suspension stiffness is taken proportional to the static load, so the centroid of the
    loads is the centre of gravity and the moment M*a*h is shared by distance from it.
    """
    loads = np.asarray(truck.loads_kg, dtype=float)
    ahead = -truck.offsets_m  # forward is positive
    centre = float(np.sum(loads * ahead) / loads.sum())
    arm = ahead - centre
    inertia = float(np.sum(loads * arm**2))
    if inertia <= 0:
        return np.zeros_like(loads)
    return -loads * arm * truck.gross_kg * truck.cg_height_m / (G * inertia)


@dataclass(frozen=True, slots=True)
class _AxleDynamics:
    amplitude: float
    omega: float
    damping: float
    phase: float
    ring_amplitude: float
    ring_omega: float
    patch_m: float


def _draw_dynamics(rng: np.random.Generator, truck: Truck, bounce: Bounce) -> list[_AxleDynamics]:
    pressure = rng.uniform(0.7, 0.9)
    out = []
    for i, load in enumerate(truck.loads_kg):
        tyres = 2 if i == 0 or (truck.name.endswith("8x4") and i == 1) else 4
        out.append(
            _AxleDynamics(
                amplitude=float(rng.uniform(*bounce.amplitude)),
                omega=2 * math.pi * float(rng.uniform(*bounce.frequency_hz)),
                damping=float(rng.uniform(*bounce.damping)),
                phase=float(rng.uniform(0, 2 * math.pi)),
                ring_amplitude=float(rng.uniform(*bounce.ring_amplitude)),
                ring_omega=2 * math.pi * float(rng.uniform(*bounce.ring_hz)),
                patch_m=patch_length_m(load, tyres, pressure),
            )
        )
    return out


def _bounce(t: np.ndarray, t_entry: float, dyn: _AxleDynamics) -> np.ndarray:
    age = np.maximum(t - t_entry, -0.5)  # the oscillation was excited on the approach
    decay = np.exp(-dyn.damping * dyn.omega * age)
    damped = dyn.omega * math.sqrt(1 - dyn.damping**2)
    return dyn.amplitude * decay * np.sin(damped * age + dyn.phase)


def _ringing(t: np.ndarray, share: np.ndarray, load: float, dyn: _AxleDynamics) -> np.ndarray:
    """The platform rings each time the tyre starts to drop onto it (either edge)."""
    out = np.zeros_like(t)
    starts = np.flatnonzero((share[1:] > 0) & (share[:-1] <= 0)) + 1
    for start in starts:
        age = t[start:] - t[start]
        wave = np.exp(-0.08 * dyn.ring_omega * age) * np.sin(dyn.ring_omega * age)
        out[start:] += load * dyn.ring_amplitude * wave
    return out


def truck_load(
    t: np.ndarray,
    front: np.ndarray,
    truck: Truck,
    dynamics: list[_AxleDynamics],
    scale: Scale,
) -> np.ndarray:
    """Force on the platform (kg) from one truck whose front axle follows `front`."""
    dt = t[1] - t[0]
    accel = _lag(np.gradient(np.gradient(front, dt), dt), 0.3, dt)
    gains = _transfer_gains(truck)
    total = np.zeros_like(t)
    for offset, load, gain, dyn in zip(
        truck.offsets_m, truck.loads_kg, gains, dynamics, strict=True
    ):
        centre = front - offset
        share = on_platform(centre, dyn.patch_m, scale.platform_length_m)
        if not share.any():
            continue
        t_entry = float(t[np.argmax(centre >= 0)]) if (centre >= 0).any() else float(t[-1])
        force = load * (1.0 + _bounce(t, t_entry, dyn)) + gain * accel
        total += share * force + _ringing(t, share, load, dyn)
    return total


def indicator(t: np.ndarray, force: np.ndarray, scale: Scale, rng: np.random.Generator):
    """Noise, the indicator's two moving-average stages, decimation, rounding to d."""
    noisy = force + rng.normal(0.0, scale.noise_kg, size=force.size)
    width = max(1, round(scale.filter_ms * 1e-3 * INTERNAL_HZ))
    box = np.ones(width) / width
    filtered = np.convolve(np.convolve(noisy, box), box)[: force.size]
    step = round(INTERNAL_HZ / scale.sample_rate_hz)
    d = scale.division_kg
    kept = filtered[::step]
    times = t[::step]
    return [
        (round(float(tt), 4), math.floor(w / d + 0.5) * d)
        for tt, w in zip(times, kept, strict=True)
    ]


# ---- scenarios --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    manoeuvres: list[Manoeuvre]
    detail: dict[str, float]


def _kmh(value: float) -> float:
    return value / 3.6


def _plan_clean(v0: float) -> _Plan:
    return _Plan([Manoeuvre(v0, 1.0)], {})


def _plan_speed_change(rng, truck: Truck, dyn, v0: float, length: float) -> _Plan:
    """跳磅 / 冲磅: brake hard or accelerate while one axle is on the platform, then resume."""
    j = int(rng.integers(0, len(truck.loads_kg) - 1))
    at = float(truck.offsets_m[j] + rng.uniform(-0.2, 0.3 * length))
    if rng.random() < 0.5:
        target, accel = v0 * rng.uniform(0.35, 0.65), rng.uniform(1.0, 2.5)
    else:
        target, accel = min(v0 * rng.uniform(1.6, 2.4), _kmh(15.0)), rng.uniform(1.0, 2.0)
    plan = [
        Manoeuvre(v0, 1.0),
        Manoeuvre(float(target), float(accel), at_front_m=at, hold_s=float(rng.uniform(0.3, 1.5))),
        Manoeuvre(v0, 1.0),
    ]
    return _Plan(plan, {"axle": j, "speed_ratio": float(target / v0)})


def _plan_stop(rng, truck: Truck, dyn, v0: float, length: float) -> _Plan:
    """Stop with one axle wholly on the platform, wait, drive on."""
    j = int(rng.integers(0, len(truck.loads_kg)))
    half = dyn[j].patch_m / 2
    room = length - 2 * half - 0.1
    where = half + 0.05 + (rng.uniform(0, room) if room > 0 else length / 2 - half - 0.05)
    decel = float(rng.uniform(0.8, 2.0))
    stop_at = float(truck.offsets_m[j] + where)
    wait = float(rng.uniform(1.5, 6.0))
    plan = [
        Manoeuvre(v0, 1.0),
        Manoeuvre(0.0, decel, at_front_m=stop_at - v0**2 / (2 * decel), hold_s=wait),
        Manoeuvre(v0 * float(rng.uniform(0.8, 1.1)), float(rng.uniform(0.5, 1.2))),
    ]
    return _Plan(plan, {"axle": j, "stop_s": wait})


def _plan_reverse(rng, truck: Truck, dyn, v0: float, length: float) -> _Plan:
    """倒车: after axle j has crossed, back one axle (or a close pair) over, drive on."""
    n = len(truck.loads_kg)
    j = int(rng.integers(0, n - 1))
    off = truck.offsets_m
    back = 2 if j >= 1 and truck.spacings_m[j - 1] < 2.1 and rng.random() < 0.5 else 1
    first = j - back + 1  # the last axle to go back over
    # Stop 1: axle j just past the exit, axle j+1 not yet on the platform (if room).
    room1 = truck.spacings_m[j] - length - dyn[j].patch_m / 2 - dyn[j + 1].patch_m / 2 - 0.02
    e1 = float(rng.uniform(0.05, max(0.06, min(0.5, room1))))
    stop1 = float(off[j] + length + dyn[j].patch_m / 2 + e1)
    # Stop 2: axle `first` just before the entry, the axle ahead of it still past the exit.
    room2 = 0.5
    if first >= 1:
        room2 = truck.spacings_m[first - 1] - length - dyn[first].patch_m / 2
        room2 -= dyn[first - 1].patch_m / 2 + 0.02
    e2 = float(rng.uniform(0.05, max(0.06, min(0.5, room2))))
    stop2 = float(off[first] - dyn[first].patch_m / 2 - e2)
    brake, v_back = float(rng.uniform(1.0, 2.0)), _kmh(float(rng.uniform(1.0, 3.0)))
    a_back = float(rng.uniform(0.5, 1.0))
    plan = [
        Manoeuvre(v0, 1.0),
        Manoeuvre(0.0, brake, at_front_m=stop1 - v0**2 / (2 * brake), hold_s=rng.uniform(0.3, 1.5)),
        Manoeuvre(-v_back, a_back),
        Manoeuvre(
            0.0,
            a_back,
            at_front_m=stop2 + v_back**2 / (2 * a_back),
            direction=-1,
            hold_s=float(rng.uniform(0.5, 2.0)),
        ),
        Manoeuvre(v0 * float(rng.uniform(0.8, 1.1)), float(rng.uniform(0.5, 1.2))),
    ]
    return _Plan(plan, {"axle": j, "back": back})


_PLANNERS = {"speed_change": _plan_speed_change, "stop": _plan_stop, "reverse": _plan_reverse}


def simulate(
    seed: int,
    *,
    truck: Truck | None = None,
    speed_kmh: float | None = None,
    cheat: str | None = None,
    scale: Scale | None = None,
    bounce: Bounce | None = None,
) -> Crossing:
    """One crossing, repeatable from its seed. `cheat` is one of CHEATS or FAULTS."""
    if cheat is not None and cheat not in CHEATS + FAULTS:
        raise ValueError(f"unknown cheat {cheat!r}")
    scale, bounce = scale or Scale(), bounce or Bounce()
    rng = np.random.default_rng(seed)
    truck = truck or random_truck(rng)
    speed_kmh = float(rng.uniform(2.0, 10.0)) if speed_kmh is None else speed_kmh
    v0, length, dt = _kmh(speed_kmh), scale.platform_length_m, 1.0 / INTERNAL_HZ
    dyn = _draw_dynamics(rng, truck, bounce)
    planner = _PLANNERS.get(cheat or "")
    plan = planner(rng, truck, dyn, v0, length) if planner else _plan_clean(v0)
    follower, gap_m = None, 0.0
    if cheat == "following":
        follower = random_truck(rng)
        gap_m = truck.length_m - truck.front_overhang_m + float(rng.uniform(0.3, 2.5))
        gap_m += follower.front_overhang_m
        plan.detail["bumper_gap_m"] = gap_m
    triggers = [m.at_front_m for m in plan.manoeuvres if m.at_front_m is not None]
    start = min([-v0 * float(rng.uniform(0.5, 1.0)) - 0.2, *[x - 0.3 for x in triggers]])
    last = float(truck.offsets_m[-1]) + gap_m + (follower.offsets_m[-1] if follower else 0.0)
    done = last + length + 0.3 + v0 * float(rng.uniform(0.3, 1.0))
    driver = _Driver(
        plan.manoeuvres,
        wobble=float(rng.uniform(*bounce.wobble)),
        wobble_period_s=float(rng.uniform(8.0, 20.0)),
        wobble_phase=float(rng.uniform(0, 2 * math.pi)),
    )
    front = drive(driver, start, v0, done, dt)
    t = np.arange(front.size) * dt
    force = truck_load(t, front, truck, dyn, scale)
    if follower is not None:
        force += truck_load(
            t, front - gap_m, follower, _draw_dynamics(rng, follower, bounce), scale
        )
    if cheat == "zero_offset":
        offset = float(rng.choice([-1, 1]) * rng.uniform(5, 15) * scale.division_kg)
        force += offset
        plan.detail["offset_kg"] = offset
    samples = indicator(t, force, scale, rng)
    if cheat == "truncated":
        cut = float(t[np.argmax(front >= length / 2)])
        samples = [s for s in samples if s[0] >= cut]
    return Crossing(
        samples=samples,
        truck=truck,
        speed_kmh=speed_kmh,
        cheat=cheat,
        platform_length_m=length,
        follower=follower,
        bounce_amplitudes=tuple(d.amplitude for d in dyn),
        detail=plan.detail,
    )
