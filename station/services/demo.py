"""A headless demonstration: synthetic vehicles judged, recorded with evidence, verified."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from station.domain.limits import LimitBook
from station.domain.penalty import PenaltyBook, PenaltyEstimate, PenaltyPolicy, estimate
from station.domain.records import PictureRef, PictureType, PlateSource, WeighMode
from station.services.recording import Observed, Plate, WeighingContext, stage_observed
from station.simulation import placeholder_photo, synthetic_vehicle, weight_trace
from station.storage.database import Database
from station.storage.evidence import TraceData
from station.storage.files import PictureStore
from station.storage.scales import Certificate, record_certificate, register_scale
from station.timeutil import beijing_now

DEMO_SCALE = "lane1-axle-scale"
DEMO_OPERATOR = "demo"


@dataclass(frozen=True, slots=True)
class DemoRow:
    check_no: str
    plate: str
    profile: str
    vehicle_class: str
    sum_kg: int
    limit_kg: int
    over_kg: int
    over_rate: str
    penalty: PenaltyEstimate


def prepare_scale(database: Database, today: date) -> Certificate:
    register_scale(
        database, DEMO_OPERATOR, DEMO_SCALE, max_kg=30000, division_kg=10, model="DEMO-AXLE"
    )
    cert = Certificate("JJ-DEMO-2026-0001", "示例市计量检定测试所", today + timedelta(days=300))
    record_certificate(database, DEMO_OPERATOR, DEMO_SCALE, cert)
    return cert


def _pictures(rng: random.Random, store: PictureStore) -> tuple[tuple[PictureRef, ...], tuple]:
    files = tuple(store.put(placeholder_photo(rng), "image/png") for _ in range(2))
    refs = (
        PictureRef(PictureType.FRONT, files[0].sha256, files[0].size),
        PictureRef(PictureType.PLATE, files[1].sha256, files[1].size),
    )
    return refs, files


def run_demo(
    database: Database,
    site_code: str,
    store: PictureStore,
    books: tuple[LimitBook, PenaltyBook, PenaltyPolicy],
    *,
    vehicles: int,
    seed: int,
) -> Iterator[DemoRow]:
    """Weigh `vehicles` synthetic trucks on lane 1 and yield one row per committed record."""
    limits, penalties, policy = books
    rng = random.Random(seed)
    cert = prepare_scale(database, beijing_now().date())
    context = WeighingContext(
        1, 0, WeighMode.AXLE, DEMO_SCALE, cert.number, cert.valid_until, DEMO_OPERATOR
    )
    for _ in range(vehicles):
        sample = synthetic_vehicle(rng)
        now = beijing_now()
        verdict = limits.judge(sample.vehicle, now.date())
        refs, files = _pictures(rng, store)
        observed = Observed(
            sample.vehicle,
            verdict,
            Plate(sample.plate, sample.plate_color, PlateSource.ANPR),
            speed_kmh=sample.speed_kmh,
            trace=TraceData(50, weight_trace(rng, sample.vehicle)),
            files=files,
            pictures=refs,
        )
        with database.transaction() as session:
            check_no = stage_observed(session, site_code, context, observed, now).check_no
        penalty = estimate(verdict, None, penalties.table_for(now.date()), policy)
        yield DemoRow(
            check_no,
            sample.plate,
            sample.profile,
            verdict.vehicle_class,
            verdict.sum_weight_kg,
            verdict.limit_weight_kg,
            verdict.over_weight_kg,
            verdict.over_rate,
            penalty,
        )
