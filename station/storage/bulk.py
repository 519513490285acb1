"""Fast generation of large, valid station databases for benchmarks and tests.

Every generated weighing gets what `station.storage.evidence.stage_weighing` gives a
weighing: the CHECK record built by `check_record_for` and `check_record_body`, sealed
into the province chain and stored in canonical JSON, its outbox entry, the weighing,
axle and raw-trace rows, the `WEIGHING_RECORDED` audit event (with the local evidence
digest), and a check number `siteCode + yyyyMMdd + 5-digit daily serial` counted in the
same `check:yyyyMMdd` counters. `verify_database` accepts the result, and the station can
go on recording in it. Only the writing differs: a batch of weighings (2000 by default)
goes in with one executemany per table, in one transaction.

How it is fast (a weighing costs about 0.3 ms of CPU in all, spread over the cores):
- Worker processes prepare the batches: plan the traffic, judge it, build the record and
  the rows, compress the trace, and encode the record and its audit event as canonical
  JSON once, with placeholders where seq, prevHash and recordHash go (`template`). They
  render each row as the database driver's parameter tuple, so what crosses to the main
  process is mostly strings and numbers.
- The main process numbers, fills the placeholders, hashes and writes. The first
  weighing of every batch is sealed once more with `station.chain.seal` and must come out
  byte for byte the same (`SealingMismatch` otherwise).
- A batch is sealed from the state the previous one left (chain heads, last weighing id,
  day counters; read from the database at the start), outside any transaction. Under the
  write lock the database must still show that state: if anything else wrote meanwhile,
  the generation stops with `BulkConflict`, writing nothing of that batch.
- On SQLite, while it runs: a 1 GiB page cache, and the WAL checkpoints in a thread of
  their own between commits instead of inside them.

Differences from live recording, all deliberate:
- The record's `created_at` and the audit event's time are the weighing's check time
  (the traffic is recorded as it happens), not the time of generation.
- Vehicles come from `station.simulation.synthetic_vehicle`; 40 % of the weighings carry
  the plate of a fleet of 20 000 regular trucks, so plates have a history to look up. Raw
  traces have the shape and noise of `station.simulation.weight_trace` but are drawn with
  numpy for a whole batch (the pure-Python generator alone would halve the rate). There
  are four lanes with axle scales, four operators, and no pictures.

The same seed, start, per_day and batch give the same database, whatever the workers.
For benchmarks and tests only: real weighings go through `commit_weighing`.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import random
import sqlite3
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import Connection, Dialect, Table, func, insert, select, text, update
from sqlalchemy.engine import make_url

from station.chain import canonical_json, seal
from station.domain.limits import LimitBook
from station.domain.records import CheckRecord, PlateSource, WeighMode, check_record_body
from station.domain.vehicle import Vehicle
from station.services.recording import Plate, WeighingContext, check_record_for
from station.simulation import SyntheticVehicle, random_plate, synthetic_vehicle
from station.storage.chainstore import AUDIT_CHAIN, PROVINCE_CHAIN
from station.storage.database import Database
from station.storage.evidence import TRACE_ENCODING, local_evidence_digest
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
BULK_CACHE_KIB = 1 << 20  # SQLite page cache while generating: 1 GiB

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


class SealingMismatch(RuntimeError):
    """The template sealing no longer gives what station.chain.seal gives (a bug, not data)."""


# ---- the rows, as the driver takes them ------------------------------------------------------
#
# Columns in table order. The main process supplies seq, ids, hashes and bodies; the
# workers render the rest with the column types' bind processors of the database dialect.

RECORD_GIVEN = ("record_type", "check_no", "created_at")  # seq, prev_hash, record_hash, body
AUDIT_GIVEN = ("at", "actor", "action")  # seq, ...; body, prev_hash, record_hash
OUTBOX_COLUMNS = ("seq", "status", "attempts")  # the rest NULL, as the ORM leaves them
WEIGHING_GIVEN = (  # after id and record_seq
    "check_no", "check_type", "first_check_no", "lane", "direction", "check_time",
    "plate_num", "plate_color", "plate_source", "configuration", "axle_cnt", "axle_type",
    "vehicle_class", "sum_weight", "limit_weight", "over_weight", "over_rate", "is_over",
    "adjustments_json", "weigh_mode", "speed", "scale_id", "cert_no", "cert_valid_until",
    "operator_id", "flags_json", "length_mm", "width_mm", "height_mm", "calibration_counter",
)  # fmt: skip
AXLE_GIVEN = ("no", "weight", "group_code", "spacing", "tyres", "drive", "air_suspension")
TRACE_GIVEN = ("encoding", "sample_rate_hz", "sample_count", "data", "sha256")

TABLE_COLUMNS: dict[Table, tuple[str, ...]] = {
    Record.__table__: ("seq", *RECORD_GIVEN[:2], "prev_hash", "record_hash", "body", "created_at"),
    Outbox.__table__: OUTBOX_COLUMNS,
    Weighing.__table__: ("id", "record_seq", *WEIGHING_GIVEN),
    WeighingAxle.__table__: ("weighing_id", *AXLE_GIVEN),
    RawTrace.__table__: ("weighing_id", *TRACE_GIVEN),
    AuditEvent.__table__: ("seq", "at", "actor", "action", "body", "prev_hash", "record_hash"),
}  # parents before children, so the foreign keys hold at every statement


def unknown_columns() -> list[str]:
    """Columns of the tables written here that this module does not fill (a schema change)."""
    return [
        f"{table.name}.{column.name}"
        for table, columns in TABLE_COLUMNS.items()
        for column in table.columns
        if column.name not in columns and table is not Outbox.__table__
    ]


@lru_cache(maxsize=4)
def _dialect(name: str) -> Dialect:
    return make_url(f"{name}://").get_dialect()()


class Renderer(NamedTuple):
    """Renders rows of one table's given columns as the driver of one dialect takes them."""

    columns: tuple[str, ...]
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]

    @classmethod
    def of(cls, dialect_name: str, table: Table, columns: tuple[str, ...]) -> Renderer:
        dialect = _dialect(dialect_name)
        processors = tuple(
            (index, processor)
            for index, name in enumerate(columns)
            if (processor := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        )
        return cls(columns, processors)

    def __call__(self, row: dict[str, Any]) -> tuple:
        values = [row[name] for name in self.columns]
        for index, processor in self.processors:
            values[index] = processor(values[index])
        return tuple(values)


class Renderers(NamedTuple):
    record: Renderer
    audit: Renderer
    weighing: Renderer
    axle: Renderer
    trace: Renderer


@lru_cache(maxsize=4)
def renderers(dialect_name: str) -> Renderers:
    return Renderers(
        Renderer.of(dialect_name, Record.__table__, RECORD_GIVEN),
        Renderer.of(dialect_name, AuditEvent.__table__, AUDIT_GIVEN),
        Renderer.of(dialect_name, Weighing.__table__, WEIGHING_GIVEN),
        Renderer.of(dialect_name, WeighingAxle.__table__, AXLE_GIVEN),
        Renderer.of(dialect_name, RawTrace.__table__, TRACE_GIVEN),
    )


# ---- sealing by templates ----------------------------------------------------------------


def _token(name: str) -> str:
    """A placeholder as it appears in canonical JSON: a string JSON can only write escaped."""
    return f'"\\u0001{name}"'


_HASH_FIELD = f'"recordHash":{_token("recordHash")},'  # never last: "seq" sorts after it


def template(body: dict[str, Any], **placeholders: str) -> str:
    """Canonical JSON of the record sealed, with placeholders for seq, prevHash, recordHash.

    `placeholders` put more of them into the body (name=dotted key, as in "detail.seq").
    """
    sealed = dict(body, seq="\x01seq", prevHash="\x01prevHash", recordHash="\x01recordHash")
    for name, key in placeholders.items():
        outer, _, inner = key.partition(".")
        sealed[outer] = dict(sealed[outer], **{inner: f"\x01{name}"})
    json_text = canonical_json(sealed).decode("utf-8")
    for name in ("seq", "prevHash", "recordHash", *placeholders):
        if json_text.count(_token(name)) != 1:  # a value of the record looks like a placeholder
            raise ValueError(f"cannot place {name} in the record unambiguously")
    return json_text


def fill(json_text: str, values: dict[str, str]) -> str:
    """Put JSON values (already encoded: 42, "abc") in place of the placeholders."""
    for name, value in values.items():
        json_text = json_text.replace(_token(name), value, 1)
    return json_text


def seal_template(json_text: str, seq: int, prev_hash: str, **more: str) -> tuple[str, str]:
    """The record hash and the stored canonical JSON of a record sealed at seq after prev_hash.

    As station.chain.seal: the hash is of the canonical JSON without recordHash, which is
    the sealed text less its recordHash field.
    """
    json_text = fill(json_text, {"seq": str(seq), "prevHash": f'"{prev_hash}"', **more})
    hashed = json_text.replace(_HASH_FIELD, "", 1)
    record_hash = hashlib.sha256(hashed.encode("utf-8")).hexdigest()
    return record_hash, json_text.replace(_token("recordHash"), f'"{record_hash}"', 1)


# ---- planning: what is weighed when and where (deterministic) -----------------------------


@dataclass(frozen=True, slots=True)
class Job:
    """One batch to prepare: everything a worker needs, nothing it must read."""

    site_code: str
    seed: int
    start: datetime
    per_day: int
    first: int  # index of the batch's first weighing in this generation
    size: int
    bases: tuple[tuple[str, int], ...] = ()  # day counters used before the generation
    traces: bool = True
    dialect: str = "sqlite"


@dataclass(frozen=True, slots=True)
class PlannedWeighing:
    """One synthetic weighing before it is numbered, judged and sealed."""

    index: int  # position in the generation
    sample: SyntheticVehicle
    moment: datetime
    context: WeighingContext
    trace: np.ndarray | None  # int32 samples at TRACE_RATE_HZ


@lru_cache(maxsize=4)
def _fleet(seed: int) -> tuple[str, ...]:
    rng = random.Random(f"fleet:{seed}")
    return tuple(random_plate(rng) for _ in range(FLEET_SIZE))


def _context(lane: int, operator: str, moment: datetime) -> WeighingContext:
    return WeighingContext(
        lane=lane,
        direction=0 if lane <= LANES // 2 else 1,
        weigh_mode=WeighMode.AXLE,
        scale_id=f"lane{lane}-axle-scale",
        cert_no=f"JD-{moment.year}-{lane:04d}",  # verified once a year
        cert_valid_until=date(moment.year, 12, 31),
        operator_id=operator,
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


def _traces(vehicles: list[Vehicle], seed: int, first: int) -> list[np.ndarray]:
    """Samples of every vehicle of a batch, drawn at once."""
    weights = np.array([a.weight_kg or 0 for v in vehicles for a in v.axles], dtype=np.int64)
    rng = np.random.default_rng([seed, first])
    samples = weights[:, None] * _SHAPE[None, :] // _RAMP
    samples[:, :_LOUD] += rng.integers(-20, 21, size=(len(weights), _LOUD))
    samples[:, _LOUD:] += rng.integers(-10, 11, size=(len(weights), _GAP))
    flat = samples.astype("<i4")
    bounds = np.cumsum([0] + [len(v.axles) for v in vehicles])
    return [flat[low:high].ravel() for low, high in pairwise(bounds)]


def plan(job: Job) -> list[PlannedWeighing]:
    """What the batch's weighings are: vehicle, time, lane and scale, trace samples."""
    rng = random.Random(f"{job.seed}:{job.first}")
    fleet = _fleet(job.seed)
    drawn = []
    for _ in range(job.size):
        sample = _vehicle(rng, fleet)
        jitter = rng.random()
        drawn.append((sample, jitter, rng.randint(1, LANES), rng.choice(OPERATORS)))
    vehicles = [sample.vehicle for sample, *_ in drawn]
    traces = _traces(vehicles, job.seed, job.first) if job.traces else [None] * job.size
    planned = []
    for index, (sample, jitter, lane, operator), trace in zip(
        range(job.first, job.first + job.size), drawn, traces, strict=True
    ):
        moment = moment_of(job.start, index, job.per_day, jitter)
        planned.append(
            PlannedWeighing(index, sample, moment, _context(lane, operator, moment), trace)
        )
    return planned


# ---- building a weighing's record and rows (in a worker process) ----------------------------


def check_record(planned: PlannedWeighing, check_no: str) -> CheckRecord:
    """Judge the vehicle and build its CHECK record, as the station does."""
    sample, moment = planned.sample, planned.moment
    return check_record_for(
        sample.vehicle,
        _book().judge(sample.vehicle, moment.date()),
        planned.context,
        check_no=check_no,
        check_time=moment,
        plate=Plate(sample.plate, sample.plate_color, PlateSource.ANPR),
        speed_kmh=sample.speed_kmh,
    )


@lru_cache(maxsize=1)
def _book() -> LimitBook:
    return default_limit_book()


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
        # Synthetic scales have no calibration events, as a lane would find (counter None).
        "calibration_counter": None,
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


def trace_row(samples: np.ndarray) -> dict[str, Any]:
    """The raw_trace row (without weighing_id), encoded as evidence.encode_trace does."""
    data = samples.astype("<i4").tobytes()
    return {
        "encoding": TRACE_ENCODING,
        "sample_rate_hz": TRACE_RATE_HZ,
        "sample_count": len(samples),
        "data": zlib.compress(data, TRACE_LEVEL),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def evidence_digest(weighing: dict, axles: list[dict], trace: dict | None) -> str:
    """evidence.local_evidence_digest of the rows (read as attributes, as from the ORM)."""
    return local_evidence_digest(
        SimpleNamespace(**weighing),  # type: ignore[arg-type]
        [SimpleNamespace(**axle) for axle in axles],  # type: ignore[misc]
        None if trace is None else trace["sha256"],
        [],
    )


def audit_body(record: CheckRecord, trace: dict | None, evidence_sha256: str) -> dict[str, Any]:
    """The WEIGHING_RECORDED event of stage_weighing, with a zero seq and an empty hash."""
    detail = {
        "checkNo": record.check_no,
        "seq": 0,
        "recordHash": "",
        "traceSha256": None if trace is None else trace["sha256"],
        "evidenceSha256": evidence_sha256,
    }
    return {
        "time": format_time(record.check_time),
        "actor": record.operator_id,
        "action": AUDIT_ACTION,
        "detail": detail,
    }


class Prepared(NamedTuple):
    """A weighing ready to be sealed: its rows as driver tuples, less seq, ids and hashes.

    (A named tuple of strings and numbers: it crosses from the worker processes.)
    """

    record: tuple  # RECORD_GIVEN
    record_json: str  # template(): the sealed record with placeholders
    audit: tuple  # AUDIT_GIVEN
    audit_json: str
    weighing: tuple  # WEIGHING_GIVEN
    axles: tuple[tuple, ...]  # AXLE_GIVEN
    trace: tuple | None  # TRACE_GIVEN
    counter: str
    serial: int
    bodies: tuple[dict, dict] | None  # record and audit body, for the cross-check


def _prepare_one(job: Job, bases: dict[str, int], planned: PlannedWeighing) -> Prepared:
    day = planned.moment.strftime("%Y%m%d")
    counter = f"check:{day}"
    serial = bases.get(counter, 0) + planned.index % job.per_day + 1
    record = check_record(planned, f"{job.site_code}{day}{serial:05d}")
    body = check_record_body(record, job.site_code)
    weighing = weighing_row(record, planned.sample.vehicle)
    axles = axle_rows(record, planned.sample.vehicle)
    trace = None if planned.trace is None else trace_row(planned.trace)
    audit = audit_body(record, trace, evidence_digest(weighing, axles, trace))
    given = {
        "record_type": body["recordType"],
        "check_no": record.check_no,
        "created_at": record.check_time,
        "at": record.check_time,
        "actor": record.operator_id,
        "action": AUDIT_ACTION,
    }
    render = renderers(job.dialect)
    return Prepared(
        record=render.record(given),
        record_json=template(body),
        audit=render.audit(given),
        audit_json=template(audit, auditSeq="detail.seq", auditHash="detail.recordHash"),
        weighing=render.weighing(weighing),
        axles=tuple(render.axle(axle) for axle in axles),
        trace=None if trace is None else render.trace(trace),
        counter=counter,
        serial=serial,
        bodies=(body, audit) if planned.index == job.first else None,
    )


def prepare(job: Job) -> list[Prepared]:
    """Plan, number, judge and build one batch of weighings (runs in a worker process)."""
    bases = dict(job.bases)
    return [_prepare_one(job, bases, planned) for planned in plan(job)]


# ---- sealing and writing a batch (in the main process) ------------------------------------
#
# A batch is sealed from the state the previous batch left (chain heads, last weighing id,
# day counters), outside any transaction; then, under the write lock, the database must
# still show that state, or nothing of the batch is written (BulkConflict).


@dataclass
class ChainState:
    """Chain heads, last weighing id and the day counters of the generation."""

    seq: int
    last_hash: str
    audit_seq: int
    audit_hash: str
    weighing_id: int
    counters: dict[str, int]

    def copy(self) -> ChainState:
        return replace(self, counters=dict(self.counters))

    def facts(self, counter_names: Sequence[str]) -> dict[str, Any]:
        return {
            "the province chain head": (self.seq, self.last_hash),
            "the audit chain head": (self.audit_seq, self.audit_hash),
            "the last weighing id": self.weighing_id,
            **{name: self.counters.get(name, 0) for name in counter_names},
        }


def read_state(conn: Connection, counter_names: Sequence[str]) -> tuple[ChainState, set[str]]:
    """The state as stored, and which of the named counters exist."""
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
    state = ChainState(
        seq=province.last_seq,
        last_hash=province.last_hash,
        audit_seq=audit.last_seq,
        audit_hash=audit.last_hash,
        weighing_id=conn.execute(select(func.coalesce(func.max(Weighing.id), 0))).scalar_one(),
        counters=counters,
    )
    return state, set(counters)


def _number(state: ChainState, item: Prepared) -> None:
    """Take the planned serial from the day counter, which must be just below it."""
    if state.counters.get(item.counter, 0) != item.serial - 1:
        raise BulkConflict(
            f"{item.counter} stands at {state.counters.get(item.counter, 0)}, planned "
            f"{item.serial - 1}: the day already had weighings the plan did not know of"
        )
    state.counters[item.counter] = item.serial


def _cross_check(bodies: tuple[dict, dict], record: Sequence, audit: Sequence) -> None:
    """Seal the weighing again with station.chain.seal: hashes and texts must be identical.

    `record` and `audit` are (seq, prev_hash, record_hash, body) as sealed from templates.
    """
    body, event = bodies
    sealed = seal(body, record[0], record[1])
    detail = dict(event["detail"], seq=record[0], recordHash=record[2])
    sealed_event = seal(dict(event, detail=detail), audit[0], audit[1])
    for official, (_, _, record_hash, json_text) in ((sealed, record), (sealed_event, audit)):
        if official["recordHash"] != record_hash:
            raise SealingMismatch(f"seq {record[0]}: template sealing differs from chain.seal")
        if canonical_json(official).decode("utf-8") != json_text:
            raise SealingMismatch(f"seq {record[0]}: template text differs from chain.seal")


def _seal(item: Prepared, state: ChainState, rows: dict[Table, list[tuple]]) -> None:
    """Seal one weighing into both chains and add its rows, as stage_weighing does."""
    _number(state, item)
    seq, prev = state.seq + 1, state.last_hash
    record_hash, body = seal_template(item.record_json, seq, prev)
    audit_seq, audit_prev = state.audit_seq + 1, state.audit_hash
    audit_hash, audit_text = seal_template(
        item.audit_json, audit_seq, audit_prev, auditSeq=str(seq), auditHash=f'"{record_hash}"'
    )
    if item.bodies is not None:
        _cross_check(
            item.bodies,
            (seq, prev, record_hash, body),
            (audit_seq, audit_prev, audit_hash, audit_text),
        )
    state.seq, state.last_hash = seq, record_hash
    state.audit_seq, state.audit_hash = audit_seq, audit_hash
    state.weighing_id += 1
    weighing_id = state.weighing_id
    record_type, check_no, created_at = item.record
    rows[Record.__table__].append((seq, record_type, check_no, prev, record_hash, body, created_at))
    rows[Outbox.__table__].append((seq, "PENDING", 0))
    rows[Weighing.__table__].append((weighing_id, seq, *item.weighing))
    rows[WeighingAxle.__table__].extend((weighing_id, *axle) for axle in item.axles)
    if item.trace is not None:
        rows[RawTrace.__table__].append((weighing_id, *item.trace))
    rows[AuditEvent.__table__].append((audit_seq, *item.audit, audit_text, audit_prev, audit_hash))


def seal_batch(state: ChainState, batch: Sequence[Prepared]) -> dict[Table, list[tuple]]:
    """Seal a batch after `state` (which it advances); return the rows, by table."""
    rows: dict[Table, list[tuple]] = {table: [] for table in TABLE_COLUMNS}
    for item in batch:
        _seal(item, state, rows)
    return rows


def _insert(conn: Connection, table: Table, rows: list[tuple]) -> None:
    """One executemany of a Core insert compiled for the dialect, with the driver's tuples."""
    columns = TABLE_COLUMNS[table]
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(columns))
    if compiled.positional:
        if tuple(compiled.positiontup or ()) != columns:
            raise RuntimeError(f"{table.name}: the driver wants the columns in another order")
        conn.exec_driver_sql(compiled.string, rows)
    else:
        conn.exec_driver_sql(
            compiled.string, [dict(zip(columns, row, strict=True)) for row in rows]
        )


def _save_state(conn: Connection, state: ChainState, names: Sequence[str], existing: set) -> None:
    heads = ChainHead.__table__
    for chain, seq, last_hash in (
        (PROVINCE_CHAIN, state.seq, state.last_hash),
        (AUDIT_CHAIN, state.audit_seq, state.audit_hash),
    ):
        conn.execute(
            update(heads).where(heads.c.chain == chain).values(last_seq=seq, last_hash=last_hash)
        )
    counters = NumberSequence.__table__
    for name in names:
        value = state.counters[name]
        if name in existing:
            conn.execute(update(counters).where(counters.c.name == name).values(last_value=value))
        else:
            conn.execute(insert(counters).values(name=name, last_value=value))
    if conn.dialect.name == "postgresql":  # the ids were given explicitly: move the sequence on
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence('weighing', 'id'), :last)"),
            {"last": state.weighing_id},
        )


def commit_batch(
    conn: Connection, before: ChainState, after: ChainState, rows: dict[Table, list[tuple]]
) -> None:
    """Write sealed rows in one transaction, if the database still is as `before` says."""
    names = sorted(
        name for name, value in after.counters.items() if value != before.counters.get(name)
    )
    with conn.begin():
        stored, existing = read_state(conn, names)
        expected, found = before.facts(names), stored.facts(names)
        moved = [
            f"{key} is {found[key]}, not {value}"
            for key, value in expected.items()
            if found[key] != value
        ]
        if moved:
            raise BulkConflict("another writer changed the database: " + "; ".join(moved))
        for table, table_rows in rows.items():
            if table_rows:
                _insert(conn, table, table_rows)
        _save_state(conn, after, names, existing)


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


def _jobs(template_job: Job, count: int, batch: int) -> Iterator[Job]:
    for first in range(0, count, batch):
        yield replace(template_job, first=first, size=min(batch, count - first))


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
    """As many workers as cores (the main process needs a fifth of one); none for small jobs."""
    if count <= 2 * batch:
        return 0
    return max(1, min(4, os.cpu_count() or 1))


class _Checkpointer(threading.Thread):
    """Copies the WAL back into a SQLite database between the generation's commits.

    Left to the writing connection, the automatic checkpoint after each commit took
    almost half of its time at a million weighings. Here a thread with its own connection
    checkpoints after each commit while the main process seals the next batch (SQLite
    works without the GIL); the next commit waits for it, so the WAL is reset each time.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(name="bulk-checkpointer", daemon=True)
        self.path = path
        self.wanted = threading.Event()
        self.idle = threading.Event()
        self.idle.set()
        self.stopping = False
        self.failure: BaseException | None = None

    def run(self) -> None:
        with closing(sqlite3.connect(self.path, timeout=60, isolation_level=None)) as conn:
            while self.wanted.wait() and not self.stopping:
                self.wanted.clear()
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:
                    self.failure = exc
                self.idle.set()

    def request(self) -> None:
        self.idle.clear()
        self.wanted.set()

    def wait(self) -> None:
        self.idle.wait()
        if self.failure is not None:
            raise self.failure

    def stop(self) -> None:
        self.idle.wait()
        self.stopping = True
        self.wanted.set()
        self.join()


class _Writer:
    """Seals and commits the batches on one connection, tuned for it on SQLite."""

    def __init__(self, conn: Connection, state: ChainState, path: Path | None) -> None:
        self.conn, self.state = conn, state
        self.checkpointer = None if path is None else _Checkpointer(path)

    def write(self, batch: Sequence[Prepared]) -> None:
        before = self.state.copy()
        rows = seal_batch(self.state, batch)
        if self.checkpointer is not None:
            self.checkpointer.wait()
        try:
            commit_batch(self.conn, before, self.state, rows)
        except BaseException:
            self.state = before
            raise
        if self.checkpointer is not None:
            self.checkpointer.request()

    @contextmanager
    def tuned(self) -> Iterator[_Writer]:
        """A large page cache (the random-order indexes, record_hash and plate, outgrow the
        default 2 MB) and the checkpoints in a thread; both undone at the end."""
        if self.checkpointer is None:
            yield self
            return
        driver = self.conn.connection.driver_connection
        (cache,) = driver.execute("PRAGMA cache_size").fetchone()
        (automatic,) = driver.execute("PRAGMA wal_autocheckpoint").fetchone()
        driver.execute(f"PRAGMA cache_size={-BULK_CACHE_KIB}")
        driver.execute("PRAGMA wal_autocheckpoint=0")
        self.checkpointer.start()
        try:
            yield self
        finally:
            self.checkpointer.stop()
            driver.execute(f"PRAGMA cache_size={int(cache)}")
            driver.execute(f"PRAGMA wal_autocheckpoint={int(automatic)}")
            driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


@contextmanager
def _writer(database: Database, bases: tuple[tuple[str, int], ...]) -> Iterator[_Writer]:
    with database.writer.connect() as conn:
        with conn.begin():
            state, _ = read_state(conn, [name for name, _ in bases])
        with _Writer(conn, state, database.sqlite_path).tuned() as writer:
            yield writer


def generate(
    database: Database,
    site_code: str,
    count: int,
    seed: int,
    start: datetime,
    *,
    per_day: int,
    batch: int = 2000,
    progress: Progress | None = None,
    traces: bool = True,
    workers: int | None = None,
) -> int:
    """Append `count` synthetic weighings, `per_day` a day from `start`; return how many.

    The chains continue from their heads, so a database that already holds weighings
    stays valid; nothing else may write to it meanwhile. `traces=False` stores no raw
    traces (the audit events then say `traceSha256: null`). `workers` processes prepare
    the batches (default: as many as cores).
    """
    if count < 0 or batch < 1:
        raise ValueError("count must be >= 0 and batch >= 1")
    slot_seconds(start, per_day)  # refuses an impossible per_day before anything is written
    missing = unknown_columns()
    if missing:
        raise RuntimeError(f"bulk generation does not fill {', '.join(missing)}")
    workers = default_workers(count, batch) if workers is None else workers
    bases = _bases(database, start, count // per_day + 1)
    dialect = database.writer.url.drivername
    first_job = Job(site_code, seed, start, per_day, 0, 0, bases, traces, dialect)
    done = 0
    with _writer(database, bases) as writer:
        for prepared in _prepared(_jobs(first_job, count, batch), workers):
            writer.write(prepared)
            done += len(prepared)
            if progress is not None:
                progress(done, count)
    return done
