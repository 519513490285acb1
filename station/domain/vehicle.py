"""Vehicle description as the limit rules see it: configuration, axles, tyres, dimensions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Configuration(StrEnum):
    TRUCK = "truck"
    ARTICULATED = "articulated"
    CENTRE_AXLE = "centre_axle"
    FULL_TRAILER = "full_trailer"


class Tyres(StrEnum):
    SINGLE = "single"
    DUAL = "dual"
    WIDE_SINGLE = "wide_single"


class SpecialType(StrEnum):
    """Vehicles whose limit is the total mass on the registration (62号令 Art. 3 para. 2)."""

    TRACTOR = "tractor"
    AGRICULTURAL = "agricultural"
    LOW_SPEED = "low_speed"


@dataclass(frozen=True, slots=True)
class Axle:
    """One axle, front to rear. Weight in kg (None when the scale weighs only the gross)."""

    weight_kg: int | None
    tyres: Tyres = Tyres.DUAL
    drive: bool = False
    air_suspension: bool = False
    spacing_mm: int | None = None
    steering: bool = False


@dataclass(frozen=True, slots=True)
class Dimensions:
    """Measured outline in mm; None where not measured."""

    length_mm: int | None = None
    width_mm: int | None = None
    height_mm: int | None = None


@dataclass(frozen=True, slots=True)
class Vehicle:
    """What the limit rules need to know about one vehicle at one weighing.

    The first axle is always a steering axle. ``gross_kg`` is the whole-vehicle
    reading of a static platform; without it the gross is the sum of the axles.
    """

    configuration: Configuration
    axles: tuple[Axle, ...]
    tractor_drive_axles: int | None = None
    registered_mass_kg: int | None = None
    special_type: SpecialType | None = None
    dimensions: Dimensions | None = None
    gross_kg: int | None = None

    @property
    def axle_count(self) -> int:
        return len(self.axles)

    @property
    def sum_weight_kg(self) -> int:
        if self.gross_kg is not None:
            return self.gross_kg
        return sum(axle.weight_kg or 0 for axle in self.axles)

    def is_steering(self, index: int) -> bool:
        return index == 0 or self.axles[index].steering

    def drive_axle_count(self) -> int:
        """Drive axles of the tractor: the explicit count, else the axles marked drive."""
        if self.tractor_drive_axles is not None:
            return self.tractor_drive_axles
        return sum(1 for axle in self.axles if axle.drive)
