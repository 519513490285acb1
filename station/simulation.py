"""Synthetic but plausible truck traffic for demos, benchmarks and tests (seeded, repeatable).

Profiles follow the common Chinese freight configurations; about a third of the
vehicles are loaded beyond their limit, a few of them far beyond.
"""

from __future__ import annotations

import random
import struct
import zlib
from dataclasses import dataclass

from station.domain.records import PlateColor
from station.domain.vehicle import Axle, Configuration, Tyres, Vehicle

PROVINCES = "豫冀晋鲁皖苏陕鄂湘京津蒙辽吉黑沪浙闽赣粤桂琼渝川贵云藏甘青宁新"
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O on plates
PLATE_CHARS = LETTERS + "0123456789"


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    configuration: Configuration
    nominal_limit_kg: int
    # (tyres, drive, air suspension, spacing to next axle mm, share of the gross)
    axles: tuple[tuple[Tyres, bool, bool, int, float], ...]
    weight: int
    steering_axles: int = 1


S, D = Tyres.SINGLE, Tyres.DUAL
PROFILES = (
    Profile(
        "2-axle truck",
        Configuration.TRUCK,
        18000,
        ((S, False, False, 4200, 0.35), (D, True, False, 0, 0.65)),
        15,
    ),
    Profile(
        "3-axle truck 6x4",
        Configuration.TRUCK,
        25000,
        ((S, False, False, 4300, 0.26), (D, True, False, 1350, 0.37), (D, True, False, 0, 0.37)),
        8,
    ),
    Profile(
        "4-axle truck 8x4",
        Configuration.TRUCK,
        31000,
        (
            (S, False, False, 1900, 0.2),
            (S, False, False, 4000, 0.2),
            (D, True, True, 1350, 0.3),
            (D, True, True, 0, 0.3),
        ),
        10,
        steering_axles=2,
    ),
    Profile(
        "5-axle articulated",
        Configuration.ARTICULATED,
        43000,
        (
            (S, False, False, 3600, 0.15),
            (D, True, False, 6500, 0.25),
            (D, False, False, 1310, 0.2),
            (D, False, False, 1310, 0.2),
            (D, False, False, 0, 0.2),
        ),
        10,
    ),
    Profile(
        "6-axle articulated 157",
        Configuration.ARTICULATED,
        49000,
        (
            (S, False, False, 3200, 0.12),
            (D, True, True, 1350, 0.18),
            (D, True, True, 7200, 0.18),
            (D, False, False, 1310, 0.173),
            (D, False, False, 1310, 0.173),
            (D, False, False, 0, 0.174),
        ),
        45,
    ),
    Profile(
        "6-axle articulated 6x2",
        Configuration.ARTICULATED,
        46000,
        (
            (S, False, False, 3200, 0.12),
            (D, True, False, 1350, 0.18),
            (D, False, False, 7200, 0.18),
            (D, False, False, 1310, 0.173),
            (D, False, False, 1310, 0.173),
            (D, False, False, 0, 0.174),
        ),
        6,
    ),
    Profile(
        "3-axle centre-axle",
        Configuration.CENTRE_AXLE,
        27000,
        ((S, False, False, 3800, 0.3), (D, True, False, 5000, 0.4), (D, False, False, 0, 0.3)),
        6,
    ),
)


@dataclass(frozen=True, slots=True)
class SyntheticVehicle:
    vehicle: Vehicle
    plate: str
    plate_color: PlateColor
    profile: str
    speed_kmh: str


def random_plate(rng: random.Random) -> str:
    tail = "".join(rng.choice(PLATE_CHARS) for _ in range(5))
    return f"{rng.choice(PROVINCES)}{rng.choice(LETTERS)}{tail}"


def _gross(rng: random.Random, nominal: int) -> int:
    roll = rng.random()
    if roll < 0.62:
        factor = rng.uniform(0.45, 1.0)
    elif roll < 0.95:
        factor = rng.uniform(1.0, 1.35)
    else:
        factor = rng.uniform(1.35, 2.0)
    return round(nominal * factor / 10) * 10  # indicators show 10 kg divisions


def _axles(profile: Profile, gross: int) -> tuple[Axle, ...]:
    weights = [round(gross * share / 10) * 10 for *_, share in profile.axles]
    weights[-1] += gross - sum(weights)
    return tuple(
        Axle(
            weight_kg=w,
            tyres=tyres,
            drive=drive,
            air_suspension=air,
            spacing_mm=spacing,
            steering=index < profile.steering_axles,
        )
        for index, (w, (tyres, drive, air, spacing, _)) in enumerate(
            zip(weights, profile.axles, strict=True)
        )
    )


def synthetic_vehicle(rng: random.Random) -> SyntheticVehicle:
    profile = rng.choices(PROFILES, weights=[p.weight for p in PROFILES])[0]
    gross = _gross(rng, profile.nominal_limit_kg)
    vehicle = Vehicle(configuration=profile.configuration, axles=_axles(profile, gross))
    color = PlateColor.YELLOW if rng.random() < 0.95 else PlateColor.YELLOW_GREEN
    speed = f"{rng.uniform(3.0, 12.0):.1f}"
    return SyntheticVehicle(vehicle, random_plate(rng), color, profile.name, speed)


def weight_trace(rng: random.Random, vehicle: Vehicle, rate_hz: int = 50) -> list[int]:
    """A plausible axle-scale trace: each axle rolls on, dwells, rolls off; noise +-20 kg."""
    samples: list[int] = []
    for axle in vehicle.axles:
        weight = axle.weight_kg or 0
        ramp = max(2, rate_hz // 10)
        samples.extend(weight * i // ramp + rng.randint(-20, 20) for i in range(ramp))
        samples.extend(weight + rng.randint(-20, 20) for _ in range(rate_hz // 2))
        samples.extend(weight * (ramp - i) // ramp + rng.randint(-20, 20) for i in range(ramp))
        samples.extend(rng.randint(-10, 10) for _ in range(rate_hz // 5))
    return samples


def placeholder_photo(rng: random.Random, width: int = 64, height: int = 48) -> bytes:
    """A small valid PNG standing in for a camera picture (unique per call)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = bytes(rng.randrange(256) for _ in range(3)) * width
    raw = b"".join(b"\x00" + row for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
