"""From measured axles (weights and spacings) to the vehicle the limit rules judge.

A scale sees axle loads and, at best, the spacings between axles; the limit rules also
need the configuration (rigid truck or combination), the tyres and the drive axles. The
station infers them from the axle layout the way an operator reads a truck from its
side, and records what it assumed (docs/legal-rules.md, "Vehicles inferred from axles"):

- the first axle steers on single tyres; a second axle within 2.4 m of it also steers
  (twin-steer 8x4 rigid truck);
- 2 axles: rigid truck; 3 axles: rigid truck when the last two form a tandem, else a
  tractor with a semitrailer; 4 axles: rigid truck when twin-steer with a rear tandem,
  else a combination; 5 or more: a combination (articulated);
- drive axles: the first non-steering axle and, when it forms a tandem with the next,
  that one too; every axle behind the steering axles runs on dual tyres;
- air suspension is never assumed (no adjustment is granted on a guess).

An axle-type recogniser or the operator can override all of it with an explicit layout.
"""

from __future__ import annotations

from collections.abc import Sequence

from station.domain.axles import GROUP_SPACING_MM
from station.domain.vehicle import Axle, Configuration, Tyres, Vehicle

TWIN_STEER_SPACING_MM = 2400


def _close(spacings: Sequence[int | None], index: int, limit_mm: int) -> bool:
    spacing = spacings[index] if index < len(spacings) else None
    return spacing is not None and 0 < spacing < limit_mm


def _steering_count(count: int, spacings: Sequence[int | None]) -> int:
    rear_tandem = count == 4 and _close(spacings, 2, GROUP_SPACING_MM)
    return 2 if rear_tandem and _close(spacings, 0, TWIN_STEER_SPACING_MM) else 1


def _configuration(count: int, steering: int, spacings: Sequence[int | None]) -> Configuration:
    if count == 2:
        return Configuration.TRUCK
    if count == 3:
        tandem = _close(spacings, 1, GROUP_SPACING_MM)
        return Configuration.TRUCK if tandem else Configuration.ARTICULATED
    if count == 4 and steering == 2:
        return Configuration.TRUCK
    return Configuration.ARTICULATED


def _drive_axles(count: int, steering: int, spacings: Sequence[int | None]) -> set[int]:
    first = steering
    drive = {first}
    if first + 1 < count and _close(spacings, first, GROUP_SPACING_MM):
        drive.add(first + 1)
    return drive


def vehicle_from_axles(
    weights_kg: Sequence[int | None],
    spacings_mm: Sequence[int | None],
    *,
    gross_kg: int | None = None,
) -> Vehicle:
    """The vehicle as inferred from its axles; `spacings_mm[i]` is from axle i to i + 1."""
    count = len(weights_kg)
    if count < 2:
        raise ValueError(f"axles: a vehicle has at least 2 axles, got {count}")
    spacings = list(spacings_mm) + [None] * (count - len(spacings_mm))
    steering = _steering_count(count, spacings)
    configuration = _configuration(count, steering, spacings)
    drive = _drive_axles(count, steering, spacings)
    axles = tuple(
        Axle(
            weight_kg=weights_kg[i],
            tyres=Tyres.SINGLE if i < steering else Tyres.DUAL,
            drive=i in drive,
            spacing_mm=0 if i == count - 1 else spacings[i],
            steering=i < steering,
        )
        for i in range(count)
    )
    tractor_drive = len(drive) if configuration is Configuration.ARTICULATED else None
    return Vehicle(configuration, axles, tractor_drive_axles=tractor_drive, gross_kg=gross_kg)


def layout_of(vehicle: Vehicle) -> tuple[tuple[int | None, ...], tuple[int | None, ...]]:
    """Weights and spacings of a vehicle, to weigh it again with the same layout."""
    weights = tuple(axle.weight_kg for axle in vehicle.axles)
    return weights, tuple(axle.spacing_mm for axle in vehicle.axles[:-1])
