"""StabilityTracker: stable once the weight stayed within tolerance for the window."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.protocols.stability import StabilityTracker


def _run(tracker: StabilityTracker, samples: list[tuple[float, int]]) -> list[bool]:
    return [tracker.update(t, kg) for t, kg in samples]


def test_stable_after_the_window_within_tolerance() -> None:
    tracker = StabilityTracker(window_s=1.0, tolerance_kg=20)
    samples = [(0.0, 49380), (0.5, 49390), (0.9, 49400), (1.0, 49385), (1.5, 49380)]
    assert _run(tracker, samples) == [False, False, False, True, True]
    assert tracker.steady_for == 1.5


def test_a_step_outside_the_band_restarts_the_window() -> None:
    tracker = StabilityTracker(window_s=1.0, tolerance_kg=20)
    samples = [(0.0, 1000), (1.0, 1000), (1.2, 5000), (1.5, 5000), (2.2, 5010)]
    assert _run(tracker, samples) == [False, True, False, False, True]


def test_slow_drift_is_measured_over_the_whole_run_not_step_by_step() -> None:
    tracker = StabilityTracker(window_s=1.0, tolerance_kg=20)
    samples = [(0.0, 1000), (0.4, 1015), (0.8, 1030), (1.2, 1045), (2.2, 1045)]
    # 1030 leaves the 1000..1015 band: the run restarts at 0.8 and lasts to 2.2
    assert _run(tracker, samples) == [False, False, False, False, True]


def test_zero_tolerance_needs_identical_readings() -> None:
    tracker = StabilityTracker(window_s=0.5, tolerance_kg=0)
    assert _run(tracker, [(0.0, 10), (0.5, 10), (0.6, 11), (1.1, 11)]) == [False, True, False, True]


def test_clock_going_backwards_restarts_and_reset_forgets() -> None:
    tracker = StabilityTracker(window_s=1.0, tolerance_kg=10)
    assert _run(tracker, [(5.0, 100), (6.0, 100), (2.0, 100), (2.5, 100)]) == [
        False,
        True,
        False,
        False,
    ]
    tracker.reset()
    assert tracker.steady_for == 0.0
    assert tracker.update(3.0, 100) is False


@pytest.mark.parametrize(("window", "tolerance"), [(0, 10), (-1, 10), (1, -1)])
def test_invalid_settings_are_refused(window: float, tolerance: int) -> None:
    with pytest.raises(ValueError):
        StabilityTracker(window, tolerance)


@given(
    base=st.integers(0, 100_000),
    wobble=st.lists(st.integers(-10, 10), min_size=2, max_size=50),
)
def test_a_weight_within_tolerance_is_stable_exactly_from_the_window_on(
    base: int, wobble: list[int]
) -> None:
    tracker = StabilityTracker(window_s=1.0, tolerance_kg=20)
    results = [tracker.update(i * 0.25, base + w) for i, w in enumerate(wobble)]
    assert results == [i * 0.25 >= 1.0 for i in range(len(wobble))]
