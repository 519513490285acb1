"""Axle segmentation on simulated crossings: counts, loads, speed, and the flags."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from drivers.axle_scale import (
    AxleResult,
    Flag,
    SegmenterConfig,
    round_half_up,
    segment,
    split_pulse,
)
from drivers.sim.crossing import CHEATS, PROFILES, Crossing, random_truck, simulate

LENGTH = 0.8


@functools.cache
def crossing(seed: int, cheat: str | None = None, speed: float | None = None) -> Crossing:
    return simulate(seed, cheat=cheat, speed_kmh=speed)


@functools.cache
def weighed(seed: int, cheat: str | None = None, speed: float | None = None) -> AxleResult:
    return segment(crossing(seed, cheat, speed).samples, platform_length_m=LENGTH)


def errors_pct(result: AxleResult, loads: tuple[int, ...]) -> list[float]:
    return [100 * (a.weight_kg - w) / w for a, w in zip(result.axles, loads, strict=True)]


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_clean_pass_at_3_kmh_gives_every_axle_within_tolerance(profile) -> None:
    for seed in range(3):
        truck = random_truck(np.random.default_rng(seed), profile)
        run = simulate(seed, truck=truck, speed_kmh=3.0)
        result = segment(run.samples, platform_length_m=LENGTH)
        assert len(result.axles) == len(truck.loads_kg)
        assert max(abs(e) for e in errors_pct(result, truck.loads_kg)) <= 1.5
        assert abs(result.sum_weight_kg - truck.gross_kg) <= 0.005 * truck.gross_kg
        assert result.flags == ()
        assert result.speed_kmh == pytest.approx(3.0, rel=0.04)


@pytest.mark.parametrize("seed", range(40))
def test_clean_passes_from_2_to_10_kmh_are_counted_exactly_and_not_flagged(seed: int) -> None:
    run = crossing(seed)
    result = weighed(seed)
    assert len(result.axles) == len(run.truck.loads_kg)
    assert result.flags == ()
    assert max(abs(e) for e in errors_pct(result, run.truck.loads_kg)) <= 2.5


def test_the_sum_is_the_sum_of_the_rounded_axles() -> None:
    result = weighed(1)
    assert result.sum_weight_kg == sum(a.weight_kg for a in result.axles)
    assert all(isinstance(a.weight_kg, int) for a in result.axles)


def test_spacings_and_times_follow_the_vehicle() -> None:
    run = crossing(5, speed=4.0)
    result = weighed(5, speed=4.0)
    times = [a.t for a in result.axles]
    assert times == sorted(times)
    for measured, true in zip(result.spacings_m, run.truck.spacings_m, strict=True):
        assert measured == pytest.approx(true, rel=0.05)
    vehicle = result.to_wim_vehicle("axle-1", 7, 12.5)
    assert vehicle.sum_weight_kg == result.sum_weight_kg
    assert vehicle.axles[-1].spacing_mm == 0
    assert vehicle.speed_kmh_x10 == round_half_up(result.speed_kmh * 10)


EXPECTED = {
    "speed_change": Flag.SPEED_CHANGE,
    "stop": Flag.STOPPED,
    "reverse": Flag.REVERSED,
    "following": Flag.FOLLOWING_VEHICLE,
    "zero_offset": Flag.NO_RETURN_TO_ZERO,
    "truncated": Flag.PARTIAL_ON_PLATFORM,
}


@pytest.mark.parametrize("cheat", list(EXPECTED))
@pytest.mark.parametrize("seed", range(10000, 10008))
def test_each_injected_cheat_raises_its_flag(cheat: str, seed: int) -> None:
    assert EXPECTED[cheat] in weighed(seed, cheat).flags


def test_cheat_kinds_are_the_simulators() -> None:
    assert set(CHEATS) <= set(EXPECTED)


def test_a_reversal_is_taken_back_to_the_true_axle_count() -> None:
    for seed in range(10000, 10006):
        run, result = crossing(seed, "reverse"), weighed(seed, "reverse")
        assert len(result.axles) == len(run.truck.loads_kg)


def test_a_zero_offset_is_flagged_and_taken_off_the_loads() -> None:
    run, result = crossing(10001, "zero_offset"), weighed(10001, "zero_offset")
    assert max(abs(e) for e in errors_pct(result, run.truck.loads_kg)) <= 2.5


def test_an_axle_still_on_at_the_end_is_partial_and_not_weighed() -> None:
    run = crossing(3, speed=5.0)
    cut = [s for s in run.samples if s[0] <= weighed(3, speed=5.0).axles[-1].t]
    result = segment(cut, platform_length_m=LENGTH)
    assert len(result.axles) == len(run.truck.loads_kg) - 1
    assert {Flag.PARTIAL_ON_PLATFORM, Flag.NO_RETURN_TO_ZERO} <= set(result.flags)


def test_without_the_platform_length_there_is_no_speed_but_a_stop_is_still_seen() -> None:
    result = segment(crossing(10002, "stop").samples)
    assert result.speed_kmh is None
    assert all(a.speed_kmh is None for a in result.axles)
    assert Flag.STOPPED in result.flags
    assert segment(crossing(2).samples).flags == ()


def test_an_empty_platform_gives_no_axles() -> None:
    samples = [(i / 100, 0) for i in range(200)]
    result = segment(samples, platform_length_m=LENGTH)
    assert result.axles == () and result.sum_weight_kg == 0 and result.flags == ()


def test_bounce_model_beats_a_plain_mean_at_8_kmh() -> None:
    def p95(estimator: str) -> float:
        errors = []
        for seed in range(30):
            run = crossing(seed, speed=8.0)
            result = segment(run.samples, platform_length_m=LENGTH, estimator=estimator)
            errors += [abs(e) for e in errors_pct(result, run.truck.loads_kg)]
        return float(np.percentile(errors, 95))

    assert p95("bounce") < 0.7 * p95("mean")


def test_two_axles_that_never_leave_the_threshold_are_split_at_the_dip() -> None:
    y = np.array([0, 3000, 6000, 6000, 6000, 2500, 2000, 2600, 7000, 7000, 7000, 3000, 0.0])
    parts = split_pulse(y)
    assert parts == [(0, 7), (6, 13)]


def test_rounding_is_half_up() -> None:
    assert [round_half_up(x) for x in (2.5, 3.5, -0.5, 1.4999, 1e4 + 0.5)] == [3, 4, 0, 1, 10001]


def test_config_overrides_are_checked() -> None:
    with pytest.raises(TypeError):
        segment([(0.0, 0)], no_such_setting=1)
    assert SegmenterConfig().threshold_kg == 200


@pytest.mark.parametrize("seed", range(6))
def test_arbitrary_streams_never_break_the_segmenter(seed: int) -> None:
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.normal(0, 300, size=800)).round().astype(int)
    spikes = np.where(rng.random(800) < 0.05, rng.integers(-500, 30000, size=800), 0)
    times = np.cumsum(rng.choice([0.0, 0.01, 0.02], size=800))
    samples = list(zip(times.tolist(), (walk + spikes).tolist(), strict=True))
    result = segment(samples, platform_length_m=LENGTH)
    assert all(type(a.weight_kg) is int for a in result.axles)
    assert set(result.flags) <= {str(f) for f in Flag}


def test_an_unknown_estimator_is_refused() -> None:
    with pytest.raises(ValueError, match="estimator"):
        SegmenterConfig(estimator="kalman")
