"""The streaming segmenter on live readings gives what the batch function gives."""

from __future__ import annotations

import pytest

from drivers.axle_scale import (
    AxleEvent,
    AxleSegmenter,
    Flag,
    SegmenterConfig,
    VehicleEvent,
    segment,
)
from drivers.sim.crossing import simulate

LENGTH = 0.8


def stream(samples, segmenter: AxleSegmenter) -> list[AxleEvent | VehicleEvent]:
    events: list[AxleEvent | VehicleEvent] = []
    for t, kg in samples:
        events += segmenter.feed(t, kg)
    return events


@pytest.mark.parametrize(
    ("seed", "cheat"),
    [(1, None), (2, None), (7, None), (10000, "reverse"), (10001, "stop"), (10002, "following")],
)
def test_streaming_and_batch_agree(seed: int, cheat: str | None) -> None:
    run = simulate(seed, cheat=cheat)
    segmenter = AxleSegmenter(platform_length_m=LENGTH)
    events = stream(run.samples, segmenter)
    assert all(isinstance(e, AxleEvent) for e in events)
    final = segmenter.finish()
    assert len(final) == 1 and isinstance(final[0], VehicleEvent)
    assert final[0].result == segment(run.samples, platform_length_m=LENGTH)


def test_axle_events_come_as_each_axle_leaves_and_match_the_result() -> None:
    run = simulate(3, speed_kmh=5.0)
    segmenter = AxleSegmenter(platform_length_m=LENGTH)
    seen: list[tuple[float, AxleEvent]] = []
    for t, kg in run.samples:
        seen += [(t, e) for e in segmenter.feed(t, kg) if isinstance(e, AxleEvent)]
    result = segmenter.finish()[0].result
    assert [e.axle for _, e in seen] == list(result.axles)
    assert [e.index for _, e in seen] == list(range(len(result.axles)))
    for t, event in seen:  # reported within a fraction of a second of the axle leaving
        assert event.axle.t < t < event.axle.t + event.axle.dwell_s


def test_an_idle_gap_ends_the_passage_when_configured() -> None:
    # Within a vehicle the platform can stand empty for long: 7.6 m at 2 km/h is 14 s.
    first, second = simulate(4, speed_kmh=6.0), simulate(5, speed_kmh=6.0)
    shift = first.samples[-1][0] + 12.0
    idle = [(first.samples[-1][0] + 0.01 * (i + 1), 0) for i in range(1100)]
    joined = first.samples + idle + [(t + shift, kg) for t, kg in second.samples]
    segmenter = AxleSegmenter(platform_length_m=LENGTH, config=SegmenterConfig(vehicle_gap_s=10.0))
    events = stream(joined, segmenter) + segmenter.finish()
    results = [e.result for e in events if isinstance(e, VehicleEvent)]
    assert len(results) == 2
    assert results[0] == segment(first.samples, platform_length_m=LENGTH)
    assert len(results[1].axles) == len(second.truck.loads_kg)
    assert (
        results[1].sum_weight_kg == segment(second.samples, platform_length_m=LENGTH).sum_weight_kg
    )


def test_ending_the_vehicle_with_an_axle_on_is_partial_for_both_passages() -> None:
    run = simulate(3, speed_kmh=5.0)
    last_t = segment(run.samples, platform_length_m=LENGTH).axles[-1].t
    before = [s for s in run.samples if s[0] <= last_t]
    after = [s for s in run.samples if s[0] > last_t]
    segmenter = AxleSegmenter(platform_length_m=LENGTH)
    stream(before, segmenter)
    first = segmenter.end_vehicle()[0].result
    stream(after, segmenter)
    second = segmenter.finish()[0].result
    assert Flag.PARTIAL_ON_PLATFORM in first.flags
    assert len(first.axles) == len(run.truck.loads_kg) - 1
    assert second.axles == () and Flag.PARTIAL_ON_PLATFORM in second.flags


def test_time_going_back_is_refused() -> None:
    segmenter = AxleSegmenter()
    segmenter.feed(1.0, 0)
    with pytest.raises(ValueError, match="time went back"):
        segmenter.feed(0.5, 0)


def test_a_platform_length_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        AxleSegmenter(platform_length_m=0.0)
