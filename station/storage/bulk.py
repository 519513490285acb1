"""Fast generation of large, valid station databases for benchmarks and tests.

Every generated weighing gets what `station.storage.evidence.stage_weighing` would give
it: the CHECK record built by `check_record_for` and `check_record_body`, sealed into
the province chain with `station.chain.seal` and stored in canonical JSON, its outbox
entry, the weighing, axle and raw-trace rows, the `WEIGHING_RECORDED` audit event, and
a check number `siteCode + yyyyMMdd + 5-digit daily serial` counted in the same
`check:yyyyMMdd` counters. Only the writing differs: a batch of weighings goes in with
Core `insert()` executemany in one transaction, the chains being sealed in Python from
the chain heads read at the start of that transaction. `verify_database` accepts the
result, and the station can go on recording weighings in it.

Differences from live recording, all deliberate:
- The record's `created_at` and the audit event's time are the weighing's check time
  (the generated traffic is recorded as it happens), not the time of generation.
- Vehicles come from `station.simulation.synthetic_vehicle`; 40 % of them carry the plate
  of a fleet of regular trucks, so a plate has a history to look up. Raw traces have the
  shape and noise of `station.simulation.weight_trace` but are drawn with numpy, batch by
  batch (the pure-Python generator alone would halve the rate). No pictures.
- The weighings are prepared (vehicle, verdict, record body, rows, compressed trace) in
  worker processes; the main process numbers nothing, it seals and writes. Numbering is
  planned from the day counters read once at the start, and every batch checks that the
  counters still agree (another writer would make it stop with an error, writing nothing).

The same seed, start, per_day and batch give the same database whatever the workers.
For benchmarks and tests only: real weighings go through `commit_weighing`.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import random
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import Connection, Table, func, insert, select, text, update

from station.chain import canonical_json, seal
from station.domain.limits import LimitBook
from station.domain.records import CheckRecord, PlateSource, WeighMode, check_record_body
from station.domain.vehicle import Vehicle
from station.services.recording import Plate, WeighingContext, check_record_for
from station.simulation import SyntheticVehicle, random_plate, synthetic_vehicle
from station.storage.chainstore import AUDIT_CHAIN, PROVINCE_CHAIN
from station.storage.database import Database
from station.storage.evidence import TRACE_ENCODING
from station.storage.models import (
    AuditEvent,
    ChainHead,
    NumberSequence,
    Outbox,
    RawTrace,
    Record,
    Weighing,
    WeighingAxle,
)
from station.tables import default_limit_book
from station.timeutil import format_time

Progress = Callable[[int, int], None]

LANES = 4
OPERATORS = ("op01", "op02", "op03", "op04")
FLEET_SIZE = 20_000  # regular trucks that come back again and again
FLEET_SHARE = 0.4  # share of the weighings made by them
MAX_PER_DAY = 99_999  # the daily serial of a check number has 5 digits
DAY_SECONDS = 86_400
AUDIT_ACTION = "WEIGHING_RECORDED"

# Trace shape of station.simulation.weight_trace at 50 Hz: per axle a ramp on, a dwell,
# a ramp off (noise +-20 kg) and an empty platform (noise +-10 kg).
TRACE_RATE_HZ = 50
_RAMP = max(2, TRACE_RATE_HZ // 10)
_DWELL = TRACE_RATE_HZ // 2
_GAP = TRACE_RATE_HZ // 5
_UP = np.arange(_RAMP, dtype=np.int64)
_SHAPE = np.concatenate([_UP, np.full(_DWELL, _RAMP), _RAMP - _UP, np.zeros(_GAP, np.int64)])
_LOUD = 2 * _RAMP + _DWELL  # samples with a wheel on the platform
TRACE_LEVEL = 6  # as station.storage.evidence.encode_trace


class BulkConflict(RuntimeError):
    """Someone else numbered weighings while the bulk generation ran."""


@dataclass(frozen=True, slots=True)
class Job:
    """One batch to prepare: everything a worker needs, nothing it must read."""

    site_code: str
    seed: int
    start: datetime
    per_day: int
    first: int  # index of the batch's first weighing in this generation
    size: int
    bases: tuple[tuple[str, int], ...]  # day counters already used before the generation
    traces: bool


class Prepared(NamedTuple):
    """A weighing ready to be sealed: record body and rows, without seq and ids.

    (A named tuple: it crosses from the worker processes, and unpickles fast.)
    """

    body: dict[str, Any]
    weighing: dict[str, Any]
    axles: list[dict[str, Any]]
    trace: dict[str, Any] | None
    moment: datetime
    operator_id: str
    counter: str
    serial: int


# ---- planning: what is weighed when and where (deterministic) -----------------------------


@lru_cache(maxsize=4)
def _fleet(seed: int) -> tuple[str, ...]:
    rng = random.Random(f"fleet:{seed}")
    return tuple(random_plate(rng) for _ in range(FLEET_SIZE))


def _context(rng: random.Random, moment: datetime) -> WeighingContext:
    lane = rng.randint(1, LANES)
    return WeighingContext(
        lane=lane,
        direction=0 if lane <= LANES // 2 else 1,
        weigh_mode=WeighMode.AXLE,
        scale_id=f"lane{lane}-axle-scale",
        cert_no=f"JD-{moment.year}-{lane:04d}",  # verified once a year
        cert_valid_until=date(moment.year, 12, 31),
        operator_id=rng.choice(OPERATORS),
    )


def slot_seconds(start: datetime, per_day: int) -> float:
    """Seconds between weighings so a day's `per_day` fit between start's time and midnight."""
    offset = start.hour * 3600 + start.minute * 60 + start.second
    most = min(DAY_SECONDS - offset, MAX_PER_DAY)
    if not 1 <= per_day <= most:
        raise ValueError(f"per_day must be between 1 and {most} for a start at {start:%H:%M:%S}")
    return (DAY_SECONDS - offset) / per_day


def moment_of(start: datetime, index: int, per_day: int, jitter: float) -> datetime:
    """When the index-th weighing happens: `per_day` a day, each in its own time slot."""
    day, position = divmod(index, per_day)
    seconds = int((position + jitter) * slot_seconds(start, per_day))
    return start.replace(microsecond=0) + timedelta(days=day, seconds=seconds)


def _vehicle(rng: random.Random, fleet: tuple[str, ...]) -> SyntheticVehicle:
    sample = synthetic_vehicle(rng)
    if rng.random() < FLEET_SHARE:
        sample = replace(sample, plate=rng.choice(fleet))
    return sample


# ---- preparing a batch (in a worker process) ----------------------------------------------


def _traces(vehicles: list[Vehicle], seed: int, first: int) -> list[np.ndarray]:
    """Samples of every vehicle of a batch, drawn at once."""
    weights = np.array([a.weight_kg or 0 for v in vehicles for a in v.axles], dtype=np.int64)
    rng = np.random.default_rng([seed, first])
    samples = weights[:, None] * _SHAPE[None, :] // _RAMP
    samples[:, :_LOUD] += rng.integers(-20, 21, size=(len(weights), _LOUD))
    samples[:, _LOUD:] += rng.integers(-10, 11, size=(len(weights), _GAP))
    flat = samples.astype("<i4")
    bounds = np.cumsum([0] + [len(v.axles) for v in vehicles])
    return [flat[low:high].ravel() for low, high in zip(bounds[:-1], bounds[1:], strict=True)]


def trace_row(samples: np.ndarray) -> dict[str, Any]:
    """A raw_trace row (without weighing_id), encoded as evidence.encode_trace does."""
    data = samples.astype("<i4").tobytes()
    return {
        "encoding": TRACE_ENCODING,
        "sample_rate_hz": TRACE_RATE_HZ,
        "sample_count": len(samples),
        "data": zlib.compress(data, TRACE_LEVEL),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def _check_record(
    sample: SyntheticVehicle, moment: datetime, context: WeighingContext, check_no: str
) -> CheckRecord:
    verdict = _book().judge(sample.vehicle, moment.date())
    return check_record_for(
        sample.vehicle,
        verdict,
        context,
        check_no=check_no,
        check_time=moment,
        plate=Plate(sample.plate, sample.plate_color, PlateSource.ANPR),
        speed_kmh=sample.speed_kmh,
    )


def weighing_row(record: CheckRecord, vehicle: Vehicle) -> dict[str, Any]:
    """The weighing row (without id and record_seq) as evidence._weighing_row fills it."""
    verdict = record.verdict
    dims = vehicle.dimensions
    return {
        "check_no": record.check_no,
        "check_type": int(record.check_type),
        "first_check_no": record.first_check_no,
        "lane": record.lane,
        "direction": record.direction,
        "check_time": record.check_time,
        "plate_num": record.plate_num,
        "plate_color": int(record.plate_color),
        "plate_source": record.plate_source.value,
        "configuration": vehicle.configuration.value,
        "axle_cnt": len(record.axles),
        "axle_type": record.axle_type,
        "vehicle_class": verdict.vehicle_class,
        "sum_weight": verdict.sum_weight_kg,
        "limit_weight": verdict.limit_weight_kg,
        "over_weight": verdict.over_weight_kg,
        "over_rate": verdict.over_rate,
        "is_over": verdict.is_over,
        "adjustments_json": json.dumps(list(verdict.adjustments), ensure_ascii=False),
        "weigh_mode": record.weigh_mode.value,
        "speed": record.speed_kmh,
        "scale_id": record.scale_id,
        "cert_no": record.cert_no,
        "cert_valid_until": record.cert_valid_until,
        "operator_id": record.operator_id,
        "flags_json": json.dumps(list(record.flags), ensure_ascii=False),
        "length_mm": dims.length_mm if dims else None,
        "width_mm": dims.width_mm if dims else None,
        "height_mm": dims.height_mm if dims else None,
    }


def axle_rows(record: CheckRecord, vehicle: Vehicle) -> list[dict[str, Any]]:
    """The weighing_axle rows (without weighing_id) as evidence._axle_rows fills them."""
    return [
        {
            "no": recorded.no,
            "weight": recorded.weight_kg,
            "group_code": recorded.group,
            "spacing": recorded.spacing_mm,
            "tyres": axle.tyres.value,
            "drive": axle.drive,
            "air_suspension": axle.air_suspension,
        }
        for recorded, axle in zip(record.axles, vehicle.axles, strict=True)
    ]


@lru_cache(maxsize=1)
def _book() -> LimitBook:
    return default_limit_book()


def prepare(job: Job) -> list[Prepared]:
    """Plan, judge and build one batch of weighings (pure: runs in a worker process)."""
    rng = random.Random(f"{job.seed}:{job.first}")
    fleet, bases = _fleet(job.seed), dict(job.bases)
    planned = []
    for index in range(job.first, job.first + job.size):
        sample = _vehicle(rng, fleet)
        moment = moment_of(job.start, index, job.per_day, rng.random())
        planned.append((index, sample, moment, _context(rng, moment)))
    traces = _traces([p[1].vehicle for p in planned], job.seed, job.first) if job.traces else None
    out = []
    for position, (index, sample, moment, context) in enumerate(planned):
        day = moment.strftime("%Y%m%d")
        counter = f"check:{day}"
        serial = bases.get(counter, 0) + index % job.per_day + 1
        record = _check_record(sample, moment, context, f"{job.site_code}{day}{serial:05d}")
        out.append(
            Prepared(
                body=check_record_body(record, job.site_code),
                weighing=weighing_row(record, sample.vehicle),
                axles=axle_rows(record, sample.vehicle),
                trace=None if traces is None else trace_row(traces[position]),
                moment=moment,
                operator_id=record.operator_id,
                counter=counter,
                serial=serial,
            )
        )
    return out


# ---- sealing and writing a batch (in the main process) ------------------------------------


@dataclass
class _State:
    """Chain heads, last weighing id and day counters, read at the start of a batch."""

    seq: int
    last_hash: str
    audit_seq: int
    audit_hash: str
    weighing_id: int
    counters: dict[str, int]
    existing: set[str]


@dataclass
class _Rows:
    records: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    weighings: list[dict[str, Any]] = field(default_factory=list)
    axles: list[dict[str, Any]] = field(default_factory=list)
    traces: list[dict[str, Any]] = field(default_factory=list)
    audits: list[dict[str, Any]] = field(default_factory=list)


def _read_state(conn: Connection, counter_names: list[str]) -> _State:
    heads = {
        row.chain: row
        for row in conn.execute(
            select(ChainHead.chain, ChainHead.last_seq, ChainHead.last_hash)
            .where(ChainHead.chain.in_((PROVINCE_CHAIN, AUDIT_CHAIN)))
            .with_for_update()
        )
    }
    counters = dict(
        conn.execute(
            select(NumberSequence.name, NumberSequence.last_value)
            .where(NumberSequence.name.in_(counter_names))
            .with_for_update()
        ).all()
    )
    province, audit = heads[PROVINCE_CHAIN], heads[AUDIT_CHAIN]
    return _State(
        seq=province.last_seq,
        last_hash=province.last_hash,
        audit_seq=audit.last_seq,
        audit_hash=audit.last_hash,
        weighing_id=conn.execute(select(func.coalesce(func.max(Weighing.id), 0))).scalar_one(),
        counters=counters,
        existing=set(counters),
    )


def _number(state: _State, item: Prepared) -> None:
    """Take the planned serial from the day counter, which must be just below it."""
    if state.counters.get(item.counter, 0) != item.serial - 1:
        raise BulkConflict(
            f"{item.counter} stands at {state.counters.get(item.counter, 0)}, expected "
            f"{item.serial - 1}: another writer numbered weighings during the generation"
        )
    state.counters[item.counter] = item.serial


def _seal_record(state: _State, body: dict[str, Any], moment: datetime) -> dict[str, Any]:
    """The record row exactly as chainstore.append_record builds it."""
    sealed = seal(body, state.seq + 1, state.last_hash)
    state.seq, state.last_hash = sealed["seq"], sealed["recordHash"]
    return {
        "seq": sealed["seq"],
        "record_type": sealed["recordType"],
        "check_no": sealed["checkNo"],
        "prev_hash": sealed["prevHash"],
        "record_hash": sealed["recordHash"],
        "body": canonical_json(sealed).decode("utf-8"),
        "created_at": moment,
    }


def _seal_audit(state: _State, actor: str, detail: dict[str, Any], moment: datetime) -> dict:
    """The audit row exactly as chainstore.record_audit builds it."""
    body = {"time": format_time(moment), "actor": actor, "action": AUDIT_ACTION, "detail": detail}
    sealed = seal(body, state.audit_seq + 1, state.audit_hash)
    state.audit_seq, state.audit_hash = sealed["seq"], sealed["recordHash"]
    return {
        "seq": sealed["seq"],
        "at": moment,
        "actor": actor,
        "action": AUDIT_ACTION,
        "body": canonical_json(sealed).decode("utf-8"),
        "prev_hash": sealed["prevHash"],
        "record_hash": sealed["recordHash"],
    }


def _stage(item: Prepared, state: _State, rows: _Rows) -> None:
    """Seal one weighing into both chains and add its rows, as stage_weighing does."""
    _number(state, item)
    record = _seal_record(state, item.body, item.moment)
    seq = record["seq"]
    state.weighing_id += 1
    weighing_id = state.weighing_id
    rows.records.append(record)
    rows.outbox.append({"seq": seq, "status": "PENDING", "attempts": 0})
    rows.weighings.append({"id": weighing_id, "record_seq": seq, **item.weighing})
    rows.axles.extend({"weighing_id": weighing_id, **axle} for axle in item.axles)
    if item.trace is not None:
        rows.traces.append({"weighing_id": weighing_id, **item.trace})
    detail = {
        "checkNo": item.body["checkNo"],
        "seq": seq,
        "recordHash": record["record_hash"],
        "traceSha256": None if item.trace is None else item.trace["sha256"],
        "pictures": [],
    }
    rows.audits.append(_seal_audit(state, item.operator_id, detail, item.moment))


def _executemany(conn: Connection, table: Table, values: list[dict[str, Any]]) -> None:
    """A Core insert compiled once for the dialect, executed with the driver's executemany.

    The column types' bind processors are applied here, once per value that has one,
    instead of by SQLAlchemy's per-row parameter construction (a third of the time).
    """
    names = list(values[0])
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=names)
    order = list(compiled.positiontup) if compiled.positional else names
    converters = [
        (index, processor)
        for index, name in enumerate(order)
        if (processor := table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect))
    ]
    params: list[Any] = []
    for row in values:
        out = [row[name] for name in order]
        for index, processor in converters:
            out[index] = processor(out[index])
        params.append(tuple(out) if compiled.positional else dict(zip(order, out, strict=True)))
    conn.exec_driver_sql(compiled.string, params)


def _insert_rows(conn: Connection, rows: _Rows) -> None:
    """Parents before children, so the foreign keys hold at every statement."""
    plan = (
        (Record, rows.records),
        (Outbox, rows.outbox),
        (Weighing, rows.weighings),
        (WeighingAxle, rows.axles),
        (RawTrace, rows.traces),
        (AuditEvent, rows.audits),
    )
    for model, values in plan:
        if values:
            _executemany(conn, model.__table__, values)


def _save_state(conn: Connection, state: _State) -> None:
    heads = ChainHead.__table__
    for chain, seq, last_hash in (
        (PROVINCE_CHAIN, state.seq, state.last_hash),
        (AUDIT_CHAIN, state.audit_seq, state.audit_hash),
    ):
        conn.execute(
            update(heads).where(heads.c.chain == chain).values(last_seq=seq, last_hash=last_hash)
        )
    counters = NumberSequence.__table__
    for name, value in sorted(state.counters.items()):
        if name in state.existing:
            conn.execute(update(counters).where(counters.c.name == name).values(last_value=value))
        else:
            conn.execute(insert(counters).values(name=name, last_value=value))
    if conn.dialect.name == "postgresql":  # the ids were given explicitly: move the sequence on
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence('weighing', 'id'), :last)"),
            {"last": state.weighing_id},
        )


def write_batch(database: Database, batch: list[Prepared]) -> None:
    """Seal prepared weighings into the chains and write them in one transaction."""
    with database.writer.begin() as conn:
        state = _read_state(conn, sorted({item.counter for item in batch}))
        rows = _Rows()
        for item in batch:
            _stage(item, state, rows)
        _insert_rows(conn, rows)
        _save_state(conn, state)


# ---- the generation -----------------------------------------------------------------------


def _bases(database: Database, start: datetime, days: int) -> tuple[tuple[str, int], ...]:
    """Day counters already used on the days the generation will fill."""
    first, last = start.date(), start.date() + timedelta(days=days)
    with database.reader.connect() as conn:
        rows = conn.execute(
            select(NumberSequence.name, NumberSequence.last_value).where(
                NumberSequence.name.between(f"check:{first:%Y%m%d}", f"check:{last:%Y%m%d}")
            )
        ).all()
    return tuple((name, value) for name, value in rows)


def _jobs(site_code: str, count: int, seed: int, start: datetime, per_day: int, batch: int,
          bases: tuple[tuple[str, int], ...], traces: bool) -> Iterator[Job]:  # fmt: skip
    for first in range(0, count, batch):
        yield Job(site_code, seed, start, per_day, first, min(batch, count - first), bases, traces)


def _prepared(jobs: Iterator[Job], workers: int) -> Iterator[list[Prepared]]:
    """Prepared batches in order; with workers, a few batches ahead in other processes."""
    if workers == 0:
        yield from map(prepare, jobs)
        return
    context = multiprocessing.get_context("spawn")  # never fork a process holding SQLite
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: deque[Future[list[Prepared]]] = deque()
        for job in jobs:
            pending.append(pool.submit(prepare, job))
            if len(pending) > 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def default_workers(count: int, batch: int) -> int:
    """One process less than the cores (the main one seals and writes), none for small jobs."""
    if count <= 2 * batch:
        return 0
    return max(0, min(4, (os.cpu_count() or 1) - 1))


def generate(
    database: Database,
    site_code: str,
    count: int,
    seed: int,
    start: datetime,
    per_day: int,
    batch: int = 2000,
    progress: Progress | None = None,
    *,
    traces: bool = True,
    workers: int | None = None,
) -> int:
    """Append `count` synthetic weighings, `per_day` a day from `start`; return how many.

    The chains continue from their heads, so a database that already holds weighings
    stays valid. `traces=False` stores no raw traces (the audit events then say
    `traceSha256: null`). `workers` processes prepare batches (default: cores - 1).
    """
    if count < 0 or batch < 1:
        raise ValueError("count must be >= 0 and batch >= 1")
    slot_seconds(start, per_day)  # refuses an impossible per_day before anything is written
    workers = default_workers(count, batch) if workers is None else workers
    bases = _bases(database, start, count // per_day + 1)
    done = 0
    jobs = _jobs(site_code, count, seed, start, per_day, batch, bases, traces)
    for prepared in _prepared(jobs, workers):
        write_batch(database, prepared)
        done += len(prepared)
        if progress is not None:
            progress(done, count)
    return done
