"""Axle-by-axle weighing from the weight stream of an axle scale.

An axle scale is a platform short enough (0.6-1.0 m along the lane) that one axle crosses
it at a time. Its indicator reports the total weight on the platform many times a second;
each axle shows as a pulse: a ramp on as the tyres roll onto the platform, a dwell while
they are wholly on it, a ramp off. This module turns that stream into axle loads:

* segmentation: a pulse starts when the weight (less the zero) reaches `threshold_kg` and
  ends after it stayed below for `release_samples`; a pulse that dips below half its
  level in the middle holds two axles and is split there;
* timing: the half-level crossings of the ramps mark the tyre centre at the platform edges,
  so their distance in time is the platform length over the speed, whatever the tyre size;
* the load: only the plateau between the ramps is used. Body bounce (1.5-3 Hz, a few %)
  rarely completes a whole period within it, so a plain mean keeps part of the bounce. The
  load is estimated by Bayesian linear regression of the plateau on a constant plus a
  (damped) sinusoid, the sinusoid's size shrunk by a prior of a few % of the load, averaged
  over a grid of bounce frequencies and decays by their evidence;
* flags: kinematic checks on the axle sequence (speed change, a stop, a reversal seen as
  a mirrored run of the same loads, a second vehicle seen as too many axle groups), zero
  not returning, pulses cut by the start or end of the stream, plateaus too short or ragged.

`AxleSegmenter` works sample by sample on live readings; `segment` runs it over a whole
trace. The command line's `axles` command is `axles_command`. See docs/axle-segmentation.md.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

import numpy as np

from station.domain.readings import WimAxle, WimVehicle

DEFAULT_PLATFORM_LENGTH_M = 0.8
MIN_TRACE_SAMPLES = 10


class Flag(StrEnum):
    """Why a passage should not be trusted as is; the order is the order of reporting."""

    SPEED_CHANGE = "SPEED_CHANGE"
    STOPPED = "STOPPED"
    REVERSED = "REVERSED"
    FOLLOWING_VEHICLE = "FOLLOWING_VEHICLE"
    NO_RETURN_TO_ZERO = "NO_RETURN_TO_ZERO"
    UNSTABLE = "UNSTABLE"
    PARTIAL_ON_PLATFORM = "PARTIAL_ON_PLATFORM"


_FLAG_ORDER = {flag: index for index, flag in enumerate(Flag)}
_ESTIMATORS = ("bounce", "mean", "median")


@dataclass(frozen=True, slots=True)
class SegmenterConfig:
    """Tuning of segmentation, estimation and the checks. Defaults: docs/axle-segmentation.md."""

    threshold_kg: int = 200
    release_samples: int = 3
    pre_roll_samples: int = 8
    zero_window: int = 50
    zero_band_kg: int = 40
    min_plateau_samples: int = 5
    edge_margin: float = 0.5  # share of the 10-90 % ramp time skipped after the 90 % point
    estimator: str = "bounce"  # or "mean", "median": kept to measure the choice against
    # The load model: bounce frequencies and decays searched, prior bounce size, noise.
    bounce_hz: tuple[float, float] = (1.2, 3.6)
    bounce_decays: tuple[float, ...] = (0.0, 2.0, 4.0)
    bounce_prior: float = 0.025
    fit_noise_kg: float = 10.0
    unstable_residual: float = 0.03
    # Checks on the sequence of axles.
    min_speed_kmh: float = 1.5
    max_dwell_s: float = 2.0  # used when the platform length is unknown
    speed_change_ratio: float = 1.10  # pace of consecutive axles
    max_relative_accel: float = 0.06  # 1/s, between consecutive axles
    ramp_ratio_limit: float = 1.2  # roll-on against roll-off time of one axle
    max_relative_accel_on: float = 0.3  # 1/s, within one axle's dwell
    reverse_load_share: float = 0.25  # braking or starting between the passes
    same_load_share: float = 0.05  # steady passes
    group_gap_m: float = 2.2
    turn_gap_m: float = 1.8
    touch_share: float = 0.15
    max_groups: int = 3
    max_axles: int = 6
    vehicle_gap_s: float | None = None

    def __post_init__(self) -> None:
        if self.estimator not in _ESTIMATORS:
            raise ValueError(f"estimator must be one of {sorted(_ESTIMATORS)}")
        if self.threshold_kg <= 0 or self.release_samples < 1:
            raise ValueError("threshold_kg and release_samples must be positive")


@dataclass(frozen=True, slots=True)
class AxleWeight:
    """One axle: load in kg, the time its centre crossed the platform centre, its speed."""

    weight_kg: int
    t: float
    speed_kmh: float | None
    dwell_s: float


@dataclass(frozen=True, slots=True)
class AxleResult:
    """A whole passage: axles front to rear, flags in the order of `Flag`."""

    axles: tuple[AxleWeight, ...]
    flags: tuple[str, ...]
    speed_kmh: float | None = None
    spacings_m: tuple[float | None, ...] = ()

    @property
    def sum_weight_kg(self) -> int:
        return sum(axle.weight_kg for axle in self.axles)

    def as_json(self) -> dict[str, object]:
        return {
            "axles": [{"weight": a.weight_kg, "t": round(a.t, 3)} for a in self.axles],
            "sumWeight": self.sum_weight_kg,
            "flags": list(self.flags),
        }

    def to_wim_vehicle(self, device_id: str, vehicle_counter: int, t_mono: float) -> WimVehicle:
        """The lane workflow's value type; spacing is to the next axle, 0 after the last."""
        spacings = [*self.spacings_m, 0.0] if self.axles else []
        axles = tuple(
            WimAxle(a.weight_kg, None if s is None else round_half_up(s * 1000))
            for a, s in zip(self.axles, spacings, strict=True)
        )
        speed = 0 if self.speed_kmh is None else round_half_up(self.speed_kmh * 10)
        flags = tuple(str(flag) for flag in self.flags)  # plain strings past the drivers
        return WimVehicle(device_id, vehicle_counter, axles, speed, t_mono, flags)


@dataclass(frozen=True, slots=True)
class AxleEvent:
    """A pulse has closed: a provisional axle (the vehicle's checks may still drop it)."""

    index: int
    axle: AxleWeight


@dataclass(frozen=True, slots=True)
class VehicleEvent:
    """The passage is over: the authoritative result."""

    result: AxleResult


def round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


# ---- one pulse --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pulse:
    """What one axle's pulse tells: edge times, ramps, the plateau load and its fit."""

    t_rise: float  # half-level crossing on the way up
    t_fall: float  # half-level crossing on the way down
    ramp_in: float  # 10-90 % rise time
    ramp_out: float
    load_kg: float
    plateau_samples: int
    residual: float  # rms misfit of the plateau model, share of the load
    unstable: bool

    @property
    def t(self) -> float:
        return (self.t_rise + self.t_fall) / 2

    @property
    def dwell(self) -> float:
        return self.t_fall - self.t_rise


def _crossing(t: np.ndarray, y: np.ndarray, i: int, j: int, level: float) -> float:
    """Time where the straight line between samples i and j meets `level`."""
    if y[j] == y[i]:
        return float(t[j])
    return float(t[i] + (level - y[i]) * (t[j] - t[i]) / (y[j] - y[i]))


def _edge_times(t: np.ndarray, y: np.ndarray, level: float) -> tuple[float, float]:
    above = np.flatnonzero(y >= level)
    first, last = int(above[0]), int(above[-1])
    rise = _crossing(t, y, first - 1, first, level) if first > 0 else float(t[0])
    fall = _crossing(t, y, last, last + 1, level) if last + 1 < y.size else float(t[-1])
    return rise, fall


def _ramps(t: np.ndarray, y: np.ndarray, peak: float) -> tuple[float, float, float, float]:
    """Times of 10 % and 90 % on the way up and 90 % and 10 % on the way down."""
    up10, down10 = _edge_times(t, y, 0.1 * peak)
    up90, down90 = _edge_times(t, y, 0.9 * peak)
    return up10, up90, down90, down10


def _design(tc: np.ndarray, config: SegmenterConfig) -> np.ndarray:
    """Regressors for every (frequency, decay): constant, damped sine, damped cosine."""
    lo, hi = config.bounce_hz
    freqs = np.arange(lo, hi + 1e-9, 0.1)
    decays = np.asarray(config.bounce_decays)
    omega = 2 * np.pi * np.repeat(freqs, decays.size)[:, None]
    envelope = np.exp(-np.tile(decays, freqs.size)[:, None] * tc[None, :])
    phase = omega * tc[None, :]
    ones = np.ones_like(phase)
    return np.stack([ones, envelope * np.sin(phase), envelope * np.cos(phase)], axis=-1)


def estimate_load(t: np.ndarray, y: np.ndarray, config: SegmenterConfig) -> tuple[float, float]:
    """Plateau load and rms misfit (share of the load), bounce averaged over by evidence.

    For each candidate bounce the model y = W + a*s(t) + b*c(t) + noise is solved with
    Gaussian priors: W almost free, a and b of the size of `bounce_prior` times the load.
    The candidates are weighted by their marginal likelihood, so a plateau shorter than a
    bounce period gives a shrunk, not a wild, bounce correction.
    """
    base = float(np.median(y))
    scale = max(abs(base), 1.0)
    x = _design(t - t.mean(), config)
    r = y - base
    noise2 = max(config.fit_noise_kg, 1e-3) ** 2
    prior = np.array([1.0 / (0.5 * scale) ** 2, *[1.0 / (config.bounce_prior * scale) ** 2] * 2])
    a = np.einsum("fni,fnj->fij", x, x) / noise2 + np.diag(prior)
    b = np.einsum("fni,n->fi", x, r) / noise2
    theta = np.linalg.solve(a, b[..., None])[..., 0]
    evidence = 0.5 * np.einsum("fi,fi->f", b, theta) - 0.5 * np.linalg.slogdet(a)[1]
    weights = np.exp(evidence - evidence.max())
    weights /= weights.sum()
    load = base + float(weights @ theta[:, 0])
    best = int(np.argmax(evidence))
    misfit = r - x[best] @ theta[best]
    return load, float(np.sqrt(np.mean(misfit**2)) / scale)


def _plain(kind: str) -> Callable[[np.ndarray, np.ndarray, SegmenterConfig], tuple[float, float]]:
    """The plain plateau mean or median, kept to measure the bounce model against."""

    def estimate(t: np.ndarray, y: np.ndarray, config: SegmenterConfig) -> tuple[float, float]:
        load = float(np.mean(y) if kind == "mean" else np.median(y))
        return load, float(np.sqrt(np.mean((y - load) ** 2)) / max(abs(load), 1.0))

    return estimate


_estimators = {"bounce": estimate_load, "mean": _plain("mean"), "median": _plain("median")}
assert set(_estimators) == set(_ESTIMATORS)


def _plateau(
    t: np.ndarray, y: np.ndarray, peak: float, margin: float
) -> tuple[np.ndarray, float, float, bool]:
    """Samples wholly on the platform, the two ramp times, and whether they were found."""
    up10, up90, down90, down10 = _ramps(t, y, peak)
    ramp_in, ramp_out = up90 - up10, down10 - down90
    # The 90 % point is not the end of the ramp: the tyre's last tenth and the indicator's
    # filter still add a share of the ramp time.
    start, end = up90 + margin * ramp_in, down90 - margin * ramp_out
    return (t >= start) & (t <= end), ramp_in, ramp_out, end > start


def _ramp_time(t: np.ndarray, y: np.ndarray, level: float, rising: bool) -> float:
    """Level over the steepest slope of one edge: the time a tyre takes to roll on or off.

    The steepest slope is taken from the middle of the edge, where neither the ends of
    the tyre patch nor the indicator's filter round the ramp off, so it tracks speed.
    """
    if y.size < 3:
        return 0.0
    slope = (y[2:] - y[:-2]) / np.maximum(t[2:] - t[:-2], 1e-9)
    steepest = float(slope.max() if rising else -slope.min())
    return level / steepest if steepest > 0 else 0.0


def _levels(y: np.ndarray, mask: np.ndarray, peak: float) -> tuple[float, float]:
    """Load at the start and at the end of the plateau (they differ under braking)."""
    plateau = y[mask]
    if plateau.size < 3:
        return peak, peak
    third = max(1, plateau.size // 3)
    return float(np.median(plateau[:third])), float(np.median(plateau[-third:]))


def measure_pulse(t: np.ndarray, y: np.ndarray, config: SegmenterConfig) -> Pulse:
    """One axle's pulse, zero already removed. Needs a few samples below the level each side."""
    top = float(y.max())
    peak = float(np.median(y[y >= 0.6 * top]))
    mask, _, _, found = _plateau(t, y, peak, config.edge_margin)
    unstable = not found or int(mask.sum()) < config.min_plateau_samples
    level_in, level_out = _levels(y, mask, peak)
    rise = _edge_times(t, y, 0.5 * level_in)[0]
    fall = _edge_times(t, y, 0.5 * level_out)[1]
    if fall <= rise:  # a spike, not a tyre rolling over: no edges to time
        rise, fall = float(t[0]), max(float(t[-1]), float(t[0]) + 1e-3)
        unstable = True
    if unstable:  # too fast to have a plateau: the middle of the pulse is all there is
        mask = np.abs(t - (rise + fall) / 2) <= 0.2 * (fall - rise)
    if int(mask.sum()) < 2:
        mask = y >= 0.9 * peak
    inside = np.flatnonzero(mask)
    ramp_in = _ramp_time(t[: inside[0] + 1], y[: inside[0] + 1], level_in, rising=True)
    ramp_out = _ramp_time(t[inside[-1] :], y[inside[-1] :], level_out, rising=False)
    load, residual = _estimators[config.estimator](t[mask], y[mask].astype(float), config)
    unstable = unstable or residual > config.unstable_residual
    return Pulse(rise, fall, ramp_in, ramp_out, load, int(mask.sum()), residual, unstable)


def split_pulse(y: np.ndarray) -> list[tuple[int, int]]:
    """Index ranges of the axles in one above-threshold run (two when the weight never
    fell to the threshold between close axles but dipped below half of them)."""
    top = float(y.max())
    peak = float(np.median(y[y >= 0.6 * top]))
    above = y >= 0.5 * peak
    starts = np.flatnonzero(above[1:] & ~above[:-1]) + 1
    ends = np.flatnonzero(~above[1:] & above[:-1]) + 1
    if above[0]:
        starts = np.concatenate(([0], starts))
    cuts = []
    for start in starts[1:]:
        previous_end = ends[ends < start][-1]
        cuts.append(int(previous_end + np.argmin(y[previous_end:start])))
    # Neighbouring axles share the sample at the cut, so each part keeps both of its edges.
    bounds = [0, *cuts, y.size - 1]
    return [(lo, hi + 1) for lo, hi in itertools.pairwise(bounds)]


# ---- the checks on a whole passage --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Passage:
    pulses: list[Pulse]
    length_m: float | None
    config: SegmenterConfig
    breaks: frozenset[int] = frozenset()  # gaps (i, i+1) that span a removed back-and-forth

    def speed(self, pulse: Pulse) -> float | None:
        """m/s when the platform length is known."""
        if self.length_m is None or pulse.dwell <= 0:
            return None
        return self.length_m / pulse.dwell

    def stopped(self, pulse: Pulse) -> bool:
        if self.length_m is None:
            return pulse.dwell > self.config.max_dwell_s
        return pulse.dwell > self.length_m / (self.config.min_speed_kmh / 3.6)

    def without(self, start: int, stop: int) -> _Passage:
        """The passage less pulses start..stop-1; the gap across them becomes unknown."""
        removed = stop - start
        breaks = {i if i < start else i - removed for i in self.breaks if not start <= i < stop}
        if start > 0:
            breaks.add(start - 1)
        pulses = self.pulses[:start] + self.pulses[stop:]
        return replace(self, pulses=pulses, breaks=frozenset(breaks))


def speed_changed(passage: _Passage, indexes: Sequence[int]) -> bool:
    """The speed changed between consecutive axles or while one axle was on the platform.

    Relative measures (pace = 1/dwell, ramp times) need no platform length. A stop is the
    extreme of a speed change, so stopped axles take part.
    """
    config = passage.config
    pulses = [passage.pulses[i] for i in indexes]
    for a, b in itertools.pairwise(pulses):
        ratio = max(a.dwell, b.dwell) / max(min(a.dwell, b.dwell), 1e-6)
        if ratio > config.speed_change_ratio:
            return True
        if math.log(ratio) / max(b.t - a.t, 1e-6) > config.max_relative_accel:
            return True
    return any(_ramps_disagree(p, config) for p in pulses)


def _ramps_disagree(pulse: Pulse, config: SegmenterConfig) -> bool:
    """Rolling on and rolling off took different times: the speed changed in between."""
    short, long = sorted((pulse.ramp_in, pulse.ramp_out))
    if short <= 0:
        return False
    ratio = long / short
    within = math.log(ratio) / max(pulse.dwell, 1e-6)
    return ratio > config.ramp_ratio_limit or within > config.max_relative_accel_on


def same_load(a: Pulse, b: Pulse, share: float) -> bool:
    return abs(a.load_kg - b.load_kg) <= share * max(a.load_kg, b.load_kg)


def _mirror_at(passage: _Passage, start: int, back: int, strict: bool, need_room: bool) -> bool:
    """Pulses from `start` read X, reversed X, X for a run X of `back` axles: one run of
    axles went back over the platform and forward again.

    `strict`: the run must contain a stop or a speed change, as turning needs one.
    Otherwise loads must agree closely where nothing moved load between axles.
    `need_room`: the turns must be wider than a bogie's spacing (a quick turn and a stop
    on a bogie's middle axle look the same).
    """
    pulses, config = passage.pulses, passage.config
    run = pulses[start : start + 3 * back]
    if len(run) < 3 * back:
        return False
    indexes = range(start, start + 3 * back)
    broken = any(passage.stopped(pulses[i]) for i in indexes) or speed_changed(passage, indexes)
    if (strict and not broken) or (need_room and not _room_to_turn(passage, start, back)):
        return False
    share = config.reverse_load_share if broken else config.same_load_share
    return _loads_mirror(run, back, share)


def _room_to_turn(passage: _Passage, start: int, back: int) -> bool:
    """Axles closer than `turn_gap_m` are one bogie, not one axle twice."""
    gaps = spacings(passage)
    turns = (start + back - 1, start + 2 * back - 1)
    return all(gaps[i] is None or gaps[i] >= passage.config.turn_gap_m for i in turns)


def _loads_mirror(run: Sequence[Pulse], back: int, share: float) -> bool:
    """Loads compared in a chain (forward, back, forward again): the backward pass lies
    between the other two when braking and starting move load between axles."""
    first, second, third = run[:back], run[back : 2 * back][::-1], run[2 * back :]
    return all(
        same_load(a, b, share) and same_load(b, c, share)
        for a, b, c in zip(first, second, third, strict=True)
    )


def find_reversal(passage: _Passage) -> tuple[int, int] | None:
    """(start, run length) of a back-and-forth, shortest runs first (a longer run can match
    by chance across a bogie and an axle that really went back), best-agreeing first among
    runs of one length. A passage that could be one vehicle needs strong evidence; one
    that cannot gets two looser searches."""
    searches = [(True, True)] if plausible(passage) else [(False, True), (True, False)]
    for strict, need_room in searches:
        for back in (1, 2, 3):
            starts = range(len(passage.pulses) - 3 * back + 1)
            found = [s for s in starts if _mirror_at(passage, s, back, strict, need_room)]
            if found:  # the run whose passes agree best is the one that went back
                return min(found, key=lambda s: _mismatch(passage.pulses, s, back)), back
    return None


def _mismatch(pulses: Sequence[Pulse], start: int, back: int) -> float:
    run = pulses[start : start + 3 * back]
    first, second, third = run[:back], run[back : 2 * back][::-1], run[2 * back :]
    return max(
        abs(x.load_kg - y.load_kg) / max(x.load_kg, y.load_kg, 1.0)
        for a, b, c in zip(first, second, third, strict=True)
        for x, y in ((a, b), (b, c))
    )


def _gap(passage: _Passage, a: Pulse, b: Pulse) -> float | None:
    """Spacing of two consecutive axles: the platform length plus the distance run from
    the first leaving the platform to the second arriving, at the speed of the moving one."""
    va, vb = passage.speed(a), passage.speed(b)
    if va is None or vb is None or passage.length_m is None:
        return None
    moving = [v for v, p in ((va, a), (vb, b)) if not passage.stopped(p)]
    if not moving:
        return None
    return passage.length_m + sum(moving) / len(moving) * (b.t_rise - a.t_fall)


def spacings(passage: _Passage) -> list[float | None]:
    """Distance between consecutive axles; None where it cannot be known."""
    pulses = passage.pulses
    return [
        None if i in passage.breaks else _gap(passage, a, b)
        for i, (a, b) in enumerate(itertools.pairwise(pulses))
    ]


def group_sizes(gaps: Sequence[float | None], limit_m: float) -> list[int]:
    """Axles per group, front to rear: a new group wherever the spacing is wide or unknown."""
    sizes = [1]
    for gap in gaps:
        if gap is None or gap >= limit_m:
            sizes.append(1)
        else:
            sizes[-1] += 1
    return sizes


def plausible(passage: _Passage) -> bool:
    """Could this be one vehicle driving forward? At most `max_axles` axles; with speeds
    known, at most `max_groups` groups (steering, drive, trailer) of at most three axles,
    the first (the steering axles) of at most two, and then (an 8x4 rigid truck) no
    trailer. An unknown spacing (next to a stop) is given the benefit of the doubt both
    ways: it splits groups but is not counted."""
    config = passage.config
    if len(passage.pulses) > config.max_axles:
        return False
    if passage.length_m is None or not passage.pulses:
        return True
    gaps = spacings(passage)
    wide = sum(1 for gap in gaps if gap is not None and gap >= config.group_gap_m)
    sizes = group_sizes(gaps, config.group_gap_m)
    if wide >= config.max_groups or max(sizes) > 3 or sizes[0] > 2:
        return False
    return sizes[0] == 1 or wide <= 1  # twin steering axles: a rigid truck, no trailer


def undo_reversals(passage: _Passage) -> tuple[_Passage, bool]:
    """The passage with back-and-forth runs taken out (the first forward crossing of each
    is kept), and whether any was found."""
    found_any = False
    while (found := find_reversal(passage)) is not None:
        start, back = found
        passage = passage.without(start + back, start + 3 * back)
        found_any = True
        if plausible(passage):
            break  # the turn's own speed changes would otherwise pass for another one
    return passage, found_any


def drop_touches(passage: _Passage) -> tuple[_Passage, bool]:
    """Take out pulses far lighter than the passage's axles: a tyre that only rolled onto
    the platform's edge (while stopping or turning) and back, not an axle crossing."""
    if not passage.pulses:
        return passage, False
    typical = float(np.median([p.load_kg for p in passage.pulses]))
    dropped = False
    index = 0
    while index < len(passage.pulses):
        if passage.pulses[index].load_kg < passage.config.touch_share * typical:
            passage, dropped = passage.without(index, index + 1), True
        else:
            index += 1
    return passage, dropped


def _assess(passage: _Passage, partial: bool, zero_off: bool) -> AxleResult:
    flags: set[str] = set()
    passage, touched = drop_touches(passage)
    partial = partial or touched
    if any(passage.stopped(p) for p in passage.pulses):
        flags.add(Flag.STOPPED)
    if speed_changed(passage, range(len(passage.pulses))):
        flags.add(Flag.SPEED_CHANGE)
    passage, reversed_ = undo_reversals(passage)
    if reversed_:
        flags.add(Flag.REVERSED)
    if not plausible(passage):
        flags.add(Flag.FOLLOWING_VEHICLE)
    if any(p.unstable for p in passage.pulses):
        flags.add(Flag.UNSTABLE)
    if partial:
        flags.add(Flag.PARTIAL_ON_PLATFORM)
    if zero_off:
        flags.add(Flag.NO_RETURN_TO_ZERO)
    return _result(passage, flags)


def _result(passage: _Passage, flags: set[str]) -> AxleResult:
    pulses = passage.pulses
    axles = []
    for pulse in pulses:
        speed = passage.speed(pulse)
        axles.append(
            AxleWeight(
                weight_kg=round_half_up(pulse.load_kg),
                t=pulse.t,
                speed_kmh=None if speed is None else speed * 3.6,
                dwell_s=pulse.dwell,
            )
        )
    moving = [a.speed_kmh for a, p in zip(axles, pulses, strict=True) if not passage.stopped(p)]
    known = [s for s in moving if s is not None]
    speed = float(np.median(known)) if known else None
    ordered = tuple(sorted(flags, key=lambda f: _FLAG_ORDER[Flag(f)]))
    return AxleResult(tuple(axles), ordered, speed, tuple(spacings(passage)))


# ---- the streaming segmenter --------------------------------------------------------------


@dataclass(slots=True)
class _State:
    pulse: list[tuple[float, float]] | None = None
    below: int = 0
    since_pulse: int = 0
    seen: int = 0
    last_t: float = -math.inf
    last_end_t: float | None = None
    pulses: list[Pulse] = field(default_factory=list)
    partial: bool = False
    cut_start: bool = False
    zero_off: bool = False


class AxleSegmenter:
    """Feed readings one by one; get an `AxleEvent` per axle and a `VehicleEvent` per passage.

    The passage ends on `end_vehicle()` (the lane's vehicle separator), on `finish()` (end of
    the stream), or after `vehicle_gap_s` without load if that is set. Flags and the final
    axle list come only with the `VehicleEvent`: a reversal can only be told afterwards.
    """

    def __init__(
        self, *, platform_length_m: float | None = None, config: SegmenterConfig | None = None
    ) -> None:
        if platform_length_m is not None and platform_length_m <= 0:
            raise ValueError("platform length must be positive")
        self.platform_length_m = platform_length_m
        self.config = config or SegmenterConfig()
        self._idle: deque[tuple[float, float]] = deque(maxlen=self.config.pre_roll_samples)
        self._zero: deque[float] = deque(maxlen=self.config.zero_window)
        self._state = _State()

    @property
    def zero_kg(self) -> float:
        return float(np.median(self._zero)) if len(self._zero) >= 3 else 0.0

    def feed(self, t: float, kg: float) -> list[AxleEvent | VehicleEvent]:
        state = self._state
        if t < state.last_t:
            raise ValueError(f"time went back from {state.last_t} to {t}")
        state.last_t = t
        state.seen += 1
        if state.pulse is None:
            return self._idle_sample(t, float(kg))
        return self._pulse_sample(t, float(kg))

    def end_vehicle(self) -> list[AxleEvent | VehicleEvent]:
        """Close the passage now; an axle still on the platform is reported as partial."""
        state = self._state
        on_platform = state.pulse is not None
        if on_platform:
            state.partial = state.zero_off = True
        self._check_zero()
        passage = _Passage(state.pulses, self.platform_length_m, self.config)
        result = _assess(passage, state.partial, state.zero_off)
        self._state = _State(seen=state.seen, last_t=state.last_t, since_pulse=state.since_pulse)
        if on_platform:  # the rest of that axle is no one's to weigh
            self._state.pulse, self._state.partial, self._state.cut_start = [], True, True
        return [VehicleEvent(result)]

    def finish(self) -> list[AxleEvent | VehicleEvent]:
        """End of the stream."""
        return self.end_vehicle()

    def _idle_sample(self, t: float, kg: float) -> list[AxleEvent | VehicleEvent]:
        state = self._state
        if kg - self.zero_kg >= self.config.threshold_kg:
            if state.seen == 1:
                state.partial = state.cut_start = True
            self._check_zero()
            state.pulse = [*self._idle, (t, kg)]
            state.below = 0
            return []
        self._idle.append((t, kg))
        state.since_pulse += 1
        if state.since_pulse > self.config.pre_roll_samples:
            self._zero.append(kg)
        gap = self.config.vehicle_gap_s
        ended = gap is not None and state.pulses and state.last_end_t is not None
        if ended and t - state.last_end_t >= gap:
            return self.end_vehicle()
        return []

    def _check_zero(self) -> None:
        if len(self._zero) >= 10 and abs(self.zero_kg) > self.config.zero_band_kg:
            self._state.zero_off = True

    def _pulse_sample(self, t: float, kg: float) -> list[AxleEvent | VehicleEvent]:
        state = self._state
        assert state.pulse is not None
        state.pulse.append((t, kg))
        below = kg - self.zero_kg < self.config.threshold_kg
        state.below = state.below + 1 if below else 0
        if state.below < self.config.release_samples:
            return []
        samples, state.pulse = state.pulse, None
        self._idle.clear()
        self._idle.extend(samples[-self.config.release_samples :])
        state.since_pulse = self.config.release_samples
        state.last_end_t = t
        if state.cut_start:
            state.cut_start = False
            return []  # the stream began with this axle on the platform: not weighable
        return self._close(samples)

    def _close(self, samples: list[tuple[float, float]]) -> list[AxleEvent | VehicleEvent]:
        t = np.array([s[0] for s in samples])
        y = np.array([s[1] for s in samples]) - self.zero_kg
        events: list[AxleEvent | VehicleEvent] = []
        for lo, hi in split_pulse(y):
            pulse = measure_pulse(t[lo:hi], y[lo:hi], self.config)
            self._state.pulses.append(pulse)
            speed = None
            if self.platform_length_m is not None and pulse.dwell > 0:
                speed = self.platform_length_m / pulse.dwell * 3.6
            axle = AxleWeight(round_half_up(pulse.load_kg), pulse.t, speed, pulse.dwell)
            events.append(AxleEvent(len(self._state.pulses) - 1, axle))
        return events


def segment(
    samples: Sequence[tuple[float, float]],
    *,
    platform_length_m: float | None = None,
    config: SegmenterConfig | None = None,
    **overrides: object,
) -> AxleResult:
    """Axles, sum and flags of one passage recorded as (t seconds, kg) samples.

    Keyword overrides set fields of `SegmenterConfig` (e.g. `threshold_kg=300`).
    """
    config = replace(config or SegmenterConfig(), vehicle_gap_s=None, **overrides)
    segmenter = AxleSegmenter(platform_length_m=platform_length_m, config=config)
    for t, kg in samples:
        segmenter.feed(t, kg)
    events = segmenter.finish()
    return next(e.result for e in events if isinstance(e, VehicleEvent))


# ---- the trace file and the command -------------------------------------------------------


class TraceFormatError(ValueError):
    """A trace file that is not `t,kg` CSV; the message names the line."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def _number(text: str, line: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise TraceFormatError(line, f"{column} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise TraceFormatError(line, f"{column} {text!r} is not a finite number")
    return value


def _decode(raw: bytes) -> list[str]:
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the newline that ends the last line
    out = []
    for number, line in enumerate(lines, start=1):
        try:
            text = line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise TraceFormatError(number, "not UTF-8 text") from None
        out.append(text.removesuffix("\r"))
    return out


def parse_trace(lines: Sequence[str]) -> list[tuple[float, int]]:
    """Samples of `t,kg` lines (header first); kg is rounded half up to whole kg."""
    if not lines or lines[0] == "":
        raise TraceFormatError(1, "empty file, expected the header 't,kg'")
    if lines[0] != "t,kg":
        raise TraceFormatError(1, f"header is {lines[0]!r}, expected 't,kg'")
    samples: list[tuple[float, int]] = []
    for number, row in enumerate(csv.reader(lines[1:]), start=2):
        if len(row) != 2:
            raise TraceFormatError(number, f"expected 2 fields 't,kg', found {len(row)}")
        t = _number(row[0], number, "t")
        kg = _number(row[1], number, "kg")
        if samples and t < samples[-1][0]:
            raise TraceFormatError(number, f"time {t} is before the previous {samples[-1][0]}")
        samples.append((t, round_half_up(kg)))
    if len(samples) < MIN_TRACE_SAMPLES:
        raise TraceFormatError(
            len(lines), f"{len(samples)} samples, at least {MIN_TRACE_SAMPLES} needed"
        )
    return samples


def read_trace_csv(path: str | Path) -> list[tuple[float, int]]:
    """Read a trace file; TraceFormatError (a ValueError) names the offending line."""
    return parse_trace(_decode(Path(path).read_bytes()))


def axles_command(
    path: str, *, platform_length_m: float | None = DEFAULT_PLATFORM_LENGTH_M
) -> tuple[int, str]:
    """`main.py axles TRACE.csv`: (0, the JSON object) or (2, a one-line message)."""
    try:
        samples = read_trace_csv(path)
    except TraceFormatError as exc:
        return 2, f"axles: {path}: {exc}"
    except OSError as exc:
        return 2, f"axles: cannot read {path}: {exc.strerror or exc}"
    result = segment(samples, platform_length_m=platform_length_m)
    return 0, json.dumps(result.as_json(), ensure_ascii=False)
