"""The measurements behind bench/run.py. Each returns a dict of plain numbers for the JSON."""

from __future__ import annotations

import gc
import json
import math
import os
import random
import resource
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from station.domain.penalty import PenaltyPolicy, estimate
from station.domain.records import PlateSource, WeighMode
from station.domain.vehicle import Vehicle
from station.judge import judge_request, parse_request_text
from station.services.recording import Observed, Plate, WeighingContext, stage_observed
from station.simulation import synthetic_vehicle, weight_trace
from station.storage import bulk
from station.storage.database import Database
from station.storage.evidence import TraceData
from station.storage.models import Weighing
from station.storage.queries import weighings_by_plate, weighings_on_day
from station.tables import default_limit_book, default_penalty_book

SITE = "410102210001"
JUDGE_DAY = date(2026, 11, 25)


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds (nearest rank)."""
    ordered = sorted(seconds)

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000

    return {
        "n": len(ordered),
        "p50_ms": round(rank(50), 3),
        "p95_ms": round(rank(95), 3),
        "p99_ms": round(rank(99), 3),
        "max_ms": round(ordered[-1] * 1000, 3),
        "mean_ms": round(sum(ordered) / len(ordered) * 1000, 3),
    }


def _best_rate(count: int, run: Callable[[], None], repeats: int) -> float:
    """Items per second of the fastest of `repeats` runs (the others met more interference)."""
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return count / best


# ---- judging --------------------------------------------------------------------------------


def request_text(vehicle: Vehicle, day: date) -> str:
    """The vehicle as a `judge` request (README, "Judging a vehicle")."""
    axles = [
        {
            "weight": axle.weight_kg,
            "tyres": axle.tyres.value,
            "drive": axle.drive,
            "airSuspension": axle.air_suspension,
            "spacing": axle.spacing_mm,
            "steering": axle.steering,
        }
        for axle in vehicle.axles
    ]
    request = {
        "configuration": vehicle.configuration.value,
        "date": day.isoformat(),
        "axles": axles,
    }
    return json.dumps(request, ensure_ascii=False)


def judge_figures(count: int, seed: int, repeats: int = 3) -> dict[str, Any]:
    """Vehicles per second through LimitBook.judge + penalty estimate, and JSON in to JSON out."""
    rng = random.Random(seed)
    vehicles = [synthetic_vehicle(rng).vehicle for _ in range(count)]
    texts = [request_text(vehicle, JUDGE_DAY) for vehicle in vehicles]
    limits, penalties, policy = default_limit_book(), default_penalty_book(), PenaltyPolicy()

    def judge_only() -> None:
        for vehicle in vehicles:
            verdict = limits.judge(vehicle, JUDGE_DAY)
            estimate(verdict, vehicle.dimensions, penalties.table_for(JUDGE_DAY), policy)

    def json_round_trip() -> None:
        for text in texts:
            result = judge_request(parse_request_text(text), limits, penalties, policy)
            json.dumps(result, ensure_ascii=False)

    return {
        "vehicles": count,
        "repeats": repeats,
        "judge_per_s": round(_best_rate(count, judge_only, repeats)),
        "json_per_s": round(_best_rate(count, json_round_trip, repeats)),
    }


# ---- one weighing per transaction ------------------------------------------------------------

CONTEXT = WeighingContext(
    lane=1,
    direction=0,
    weigh_mode=WeighMode.AXLE,
    scale_id="lane1-axle-scale",
    cert_no="JD-BENCH-0001",
    cert_valid_until=date(2099, 12, 31),
    operator_id="bench",
)


def commit_latency(database: Database, count: int, start: datetime, seed: int) -> dict[str, Any]:
    """Seconds from BEGIN IMMEDIATE to the synced COMMIT of stage_weighing, one by one.

    The vehicle is judged and its trace drawn before the clock starts; inside it: the
    check number, the record, the chain entries, the weighing, axle, trace and audit rows.
    """
    rng = random.Random(seed)
    book = default_limit_book()
    seconds = []
    for index in range(count):
        sample = synthetic_vehicle(rng)
        moment = start + timedelta(seconds=15 * index)
        verdict = book.judge(sample.vehicle, moment.date())
        trace = TraceData(50, weight_trace(rng, sample.vehicle))
        plate = Plate(sample.plate, sample.plate_color, PlateSource.ANPR)
        observed = Observed(sample.vehicle, verdict, plate, sample.speed_kmh, trace)
        started = time.perf_counter()
        with database.transaction() as session:
            stage_observed(session, SITE, CONTEXT, observed, moment)
        seconds.append(time.perf_counter() - started)
    return percentiles(seconds)


# ---- bulk generation ----------------------------------------------------------------------


class Timeline:
    """Progress of a generation: the rate of each stretch of about a tenth of it."""

    def __init__(self, total: int) -> None:
        self.step = max(1, total // 10)
        self.started = self.last_time = time.perf_counter()
        self.last_done = 0
        self.stretches: list[dict[str, float]] = []

    def __call__(self, done: int, total: int) -> None:
        if done - self.last_done < self.step and done < total:
            return
        now = time.perf_counter()
        rate = (done - self.last_done) / (now - self.last_time)
        self.stretches.append({"up_to": done, "per_s": round(rate)})
        print(f"  bulk: {done:>10,} of {total:,} weighings, {rate:,.0f}/s", flush=True)
        self.last_done, self.last_time = done, now


def weighing_count(database: Database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(Weighing)) or 0


def last_check_time(database: Database) -> datetime | None:
    with database.read() as session:
        return session.scalar(select(func.max(Weighing.check_time)))


def build(
    database: Database, count: int, start: datetime, *, per_day: int, seed: int, traces: bool
) -> dict[str, Any]:
    """Append `count` weighings with station.storage.bulk and time it.

    Besides the rate, the CPU time of the generation (main process and its worker
    processes, which have ended by then): the rate the machine's cores would give if
    nothing else ran on them is cores / CPU time per weighing.
    """
    cpu_before = _cpu_seconds()
    timeline = Timeline(count)
    bulk.generate(
        database, SITE, count, seed, start, per_day=per_day, progress=timeline, traces=traces
    )
    elapsed = time.perf_counter() - timeline.started
    cpu_us = (_cpu_seconds() - cpu_before) / count * 1e6
    cores = os.cpu_count() or 1
    return {
        "weighings": count,
        "per_day": per_day,
        "traces": traces,
        "seconds": round(elapsed, 1),
        "per_s": round(count / elapsed),
        "cpu_us_per_weighing": round(cpu_us),
        "per_s_if_cores_idle": round(cores / cpu_us * 1e6),
        "stretches": timeline.stretches,
    }


def _cpu_seconds() -> float:
    """User + system CPU of this process and of its children that have ended."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def file_size(path: Path) -> int:
    """Bytes of a SQLite database with its -wal and -shm files."""
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


# ---- lookups --------------------------------------------------------------------------------


def _sample_plates(database: Database, rng: random.Random, count: int) -> list[str]:
    with database.read() as session:
        top = session.scalar(select(func.max(Weighing.id))) or 0
        ids = [rng.randint(1, top) for _ in range(count)]
        return [session.scalar(select(Weighing.plate_num).where(Weighing.id == i)) for i in ids]


def _sample_days(database: Database, rng: random.Random, count: int) -> list[date]:
    with database.read() as session:
        first = session.scalar(select(func.min(Weighing.check_time)))
        last = session.scalar(select(func.max(Weighing.check_time)))
    span = (last.date() - first.date()).days
    return [first.date() + timedelta(days=rng.randint(0, span)) for _ in range(count)]


def _timed(calls: Sequence[Callable[[], list]]) -> tuple[dict[str, Any], float]:
    calls[0]()  # one warm-up call, not counted
    seconds, rows = [], 0
    for call in calls:
        started = time.perf_counter()
        rows += len(call())
        seconds.append(time.perf_counter() - started)
    return percentiles(seconds), rows / len(calls)


def lookups(database: Database, count: int, seed: int) -> dict[str, Any]:
    """Latency of weighings_by_plate (limit 100) and weighings_on_day on random plates and days.

    The day list is timed twice: as is, and after gc.freeze() (the objects alive at that
    point are left out of the cyclic collector's full passes, which otherwise stop the
    process for tens of milliseconds every few dozen lists of 4000 rows).
    """
    rng = random.Random(seed)
    plates = _sample_plates(database, rng, count)
    days = _sample_days(database, rng, count)
    by_plate, plate_rows = _timed([lambda p=p: weighings_by_plate(database, p) for p in plates])
    day_calls = [lambda d=d: weighings_on_day(database, d) for d in days]
    on_day, day_rows = _timed(day_calls)
    gc.collect()
    gc.freeze()
    try:
        frozen, _ = _timed(day_calls)
    finally:
        gc.unfreeze()
    return {
        "plate": {**by_plate, "rows_mean": round(plate_rows, 1)},
        "day": {**on_day, "rows_mean": round(day_rows, 1)},
        "day_gc_frozen": frozen,
    }
