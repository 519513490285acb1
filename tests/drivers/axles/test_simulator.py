"""The crossing simulator: repeatable, on the indicator's division, physically shaped."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.sim.crossing import (
    CHEATS,
    FAULTS,
    PROFILES,
    Bounce,
    Scale,
    on_platform,
    patch_length_m,
    random_truck,
    simulate,
)


def test_a_seed_gives_the_same_crossing() -> None:
    assert simulate(9).samples == simulate(9).samples
    assert simulate(9).samples != simulate(10).samples


def test_samples_are_on_the_division_and_the_output_rate() -> None:
    run = simulate(2, scale=Scale(division_kg=20, sample_rate_hz=50))
    assert all(kg % 20 == 0 for _, kg in run.samples)
    steps = np.diff([t for t, _ in run.samples])
    assert np.allclose(steps, 0.02)


def test_speed_is_drawn_from_2_to_10_kmh() -> None:
    speeds = [simulate(s).speed_kmh for s in range(30)]
    assert min(speeds) >= 2.0 and max(speeds) <= 10.0


def test_the_platform_sees_the_axle_load_on_its_plateau() -> None:
    calm = Bounce(amplitude=(0, 0), ring_amplitude=(0, 0), wobble=(0, 0))
    run = simulate(4, speed_kmh=3.0, bounce=calm)
    peak = max(kg for _, kg in run.samples)
    assert abs(peak - max(run.truck.loads_kg)) <= 20


def test_the_tyre_rolls_on_over_its_patch_length() -> None:
    centres = np.array([-0.2, -0.1, 0.0, 0.1, 0.4, 0.8, 0.9, 1.0])
    share = on_platform(centres, 0.2, 0.8)
    assert share.tolist()[:2] == [0.0, 0.0] and share[-1] == 0.0
    assert share[2] == pytest.approx(0.5, abs=0.01) and share[4] == pytest.approx(1.0)
    assert 0.10 < patch_length_m(6000, 2, 0.8) < 0.25


def test_trucks_have_2_to_6_axles_with_realistic_spacings() -> None:
    rng = np.random.default_rng(1)
    for profile in PROFILES:
        truck = random_truck(rng, profile)
        assert 2 <= len(truck.loads_kg) <= 6
        assert len(truck.spacings_m) == len(truck.loads_kg) - 1
        assert min(truck.spacings_m) >= 1.3  # one axle at a time on a 0.8 m platform


@pytest.mark.parametrize("cheat", CHEATS + FAULTS)
def test_every_cheat_can_be_made(cheat: str) -> None:
    run = simulate(3, cheat=cheat)
    assert run.cheat == cheat and len(run.samples) > 100
    assert (run.follower is not None) == (cheat == "following")


def test_an_unknown_cheat_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown cheat"):
        simulate(1, cheat="jack")
