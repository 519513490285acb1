"""Integrity check of a station database.

What is checked, in one read transaction:
- the structure: SQLite integrity and foreign keys, and that every append-only guard
  trigger is still in place;
- the province chain: contiguous seqs, every link, every hash, the canonical bodies, the
  columns against the bodies, and the chain head (a cut-off tail);
- the audit chain the same way, and its one-to-one match with the records: every record
  has the audit event written in its transaction, naming its seq and hash;
- each CHECK record against its copy in the weighing tables, and the local evidence
  (trace, axle tyres, adjustments, pictures' size and kind) against the digest its audit
  event carries; each raw trace against its hash;
- every picture file against its SHA-256.
Memory stays bounded: records, weighings and audit events are read in chunks, in order.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from station.chain import ChainFault, StoredLink, check_links
from station.storage.database import Database
from station.storage.evidence import local_evidence_digest
from station.storage.files import PictureStore
from station.storage.models import (
    APPEND_ONLY_TABLES,
    AuditEvent,
    ChainHead,
    Picture,
    RawTrace,
    Record,
    Weighing,
    WeighingAxle,
    WeighingPicture,
)

CHUNK = 5000
RECORD_ACTIONS = {"WEIGHING_RECORDED", "CASE_CLOSED", "RECORD_VOIDED"}
TIME = "%Y-%m-%d %H:%M:%S"


@dataclass
class VerifyReport:
    records: int = 0
    audit_events: int = 0
    weighings: int = 0
    pictures: int = 0
    head_hash: str = ""
    problems: list[str] = field(default_factory=list)
    faults: list[ChainFault] = field(default_factory=list)
    audit_faults: list[ChainFault] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.problems or self.faults or self.audit_faults)

    @property
    def first_bad_seq(self) -> int | None:
        return min((fault.seq for fault in self.faults), default=None)

    def fault(self, seq: int, problem: str) -> None:
        self.faults.append(ChainFault(seq, problem))


# ---- chains ----------------------------------------------------------------------------------


def _links(session: Session, model: Any) -> Iterator[StoredLink]:
    last = 0
    while True:
        rows = session.execute(
            select(model.seq, model.prev_hash, model.record_hash, model.body)
            .where(model.seq > last)
            .order_by(model.seq)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        for row in rows:
            yield StoredLink(row.seq, row.prev_hash, row.record_hash, row.body)
        last = rows[-1].seq


def _head_faults(
    session: Session, chain: str, last_seq: int, last_hash: str
) -> Iterator[ChainFault]:
    head = session.get(ChainHead, chain)
    if head is None:
        yield ChainFault(1, f"the {chain} chain head is missing")
    elif head.last_seq > last_seq:
        yield ChainFault(
            last_seq + 1, f"missing: the chain head says records run to seq {head.last_seq}"
        )
    elif head.last_seq < last_seq:
        yield ChainFault(
            head.last_seq + 1, f"stored after the chain head (seq {head.last_seq}): inserted"
        )
    elif head.last_hash != last_hash:
        yield ChainFault(last_seq, "the chain head's hash differs from the last record's")


def _verify_chain(session: Session, model: Any, chain: str) -> tuple[list[ChainFault], int, str]:
    count = last_seq = 0
    last_hash = "0" * 64

    def counted() -> Iterator[StoredLink]:
        nonlocal count, last_seq, last_hash
        for link in _links(session, model):
            count += 1
            last_seq, last_hash = link.seq, link.record_hash
            yield link

    faults = list(check_links(counted()))
    faults.extend(_head_faults(session, chain, last_seq, last_hash))
    return faults, count, last_hash


# ---- records against their audit events ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordEvent:
    audit_seq: int
    record_seq: int
    record_hash: str
    evidence_sha256: str | None


def _record_events(session: Session) -> Iterator[RecordEvent]:
    """The audit events written with records, in order, whatever else the log holds."""
    last = 0
    while True:
        rows = session.execute(
            select(AuditEvent.seq, AuditEvent.body)
            .where(AuditEvent.seq > last, AuditEvent.action.in_(RECORD_ACTIONS))
            .order_by(AuditEvent.seq)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        for row in rows:
            detail = _detail(row.body)
            yield RecordEvent(
                row.seq,
                int(detail.get("seq", 0)),
                str(detail.get("recordHash", "")),
                detail.get("evidenceSha256"),
            )
        last = rows[-1].seq


def _detail(body: str) -> dict[str, Any]:
    try:
        detail = json.loads(body).get("detail", {})
    except (json.JSONDecodeError, AttributeError):
        return {}
    return detail if isinstance(detail, dict) else {}


class EventMatcher:
    """Walks the record events alongside the records, both in increasing seq."""

    def __init__(self, events: Iterator[RecordEvent], report: VerifyReport) -> None:
        self._events = events
        self._next: RecordEvent | None = next(events, None)
        self._report = report

    def event_for(self, seq: int, record_hash: str) -> RecordEvent | None:
        while self._next is not None and self._next.record_seq < seq:
            self._report.fault(
                self._next.record_seq, "an audit event records it, but it is gone: removed"
            )
            self._next = next(self._events, None)
        event = self._next
        if event is None or event.record_seq != seq:
            self._report.fault(seq, "no audit event was written with it: inserted afterwards")
            return None
        self._next = next(self._events, None)
        if event.record_hash != record_hash:
            self._report.fault(seq, "its hash differs from the one its audit event recorded")
        return event

    def finish(self) -> None:
        while self._next is not None:
            self._report.fault(
                self._next.record_seq, "an audit event records it, but it is gone: removed"
            )
            self._next = next(self._events, None)


# ---- CHECK records against the weighing tables ---------------------------------------------------


_BODY_KEYS = (
    "checkNo", "checkType", "firstCheckNo", "lane", "direction", "checkTime", "plateNum",
    "plateColor", "plateSource", "axleCnt", "axleType", "vehicleClass", "sumWeight",
    "limitWeight", "overWeight", "overRate", "isOver", "weighMode", "speed", "scaleId",
    "certNo", "certValidUntil", "operatorId", "flags",
)  # fmt: skip


@dataclass
class WeighingChunk:
    weighings: dict[int, Weighing]
    axles: dict[int, list[WeighingAxle]]
    pictures: dict[int, list[WeighingPicture]]
    traces: dict[int, RawTrace]
    files: dict[str, Picture]


def _weighing_view(w: Weighing, chunk: WeighingChunk) -> dict[str, Any]:
    view: dict[str, Any] = {
        "checkNo": w.check_no, "checkType": w.check_type, "firstCheckNo": w.first_check_no,
        "lane": w.lane, "direction": w.direction, "checkTime": w.check_time.strftime(TIME),
        "plateNum": w.plate_num, "plateColor": w.plate_color, "plateSource": w.plate_source,
        "axleCnt": w.axle_cnt, "axleType": w.axle_type, "vehicleClass": w.vehicle_class,
        "sumWeight": w.sum_weight, "limitWeight": w.limit_weight, "overWeight": w.over_weight,
        "overRate": w.over_rate, "isOver": 1 if w.is_over else 0, "weighMode": w.weigh_mode,
        "speed": w.speed, "scaleId": w.scale_id, "certNo": w.cert_no,
        "certValidUntil": w.cert_valid_until.isoformat(), "operatorId": w.operator_id,
        "flags": json.loads(w.flags_json),
    }  # fmt: skip
    view["axles"] = [
        {"no": a.no, "group": a.group_code, "weight": a.weight, "spacing": a.spacing}
        for a in sorted(chunk.axles.get(w.id, []), key=lambda a: a.no)
    ]
    view["pictures"] = sorted((p.file_type, p.sha256) for p in chunk.pictures.get(w.id, []))
    return view


def _body_view(body: dict[str, Any]) -> dict[str, Any]:
    view = {key: body.get(key) for key in _BODY_KEYS}
    view["axles"] = [
        {key: axle.get(key) for key in ("no", "group", "weight", "spacing")}
        for axle in body.get("axles", [])
    ]
    view["pictures"] = sorted(
        (p.get("fileType"), p.get("sha256")) for p in body.get("pictures", [])
    )
    return view


def _grouped(rows: Any, key: str) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def _load_chunk(session: Session, low: int, high: int) -> WeighingChunk:
    weighings = {
        w.record_seq: w
        for w in session.scalars(
            select(Weighing).where(Weighing.record_seq > low, Weighing.record_seq <= high)
        )
    }
    ids = [w.id for w in weighings.values()]
    if not ids:
        return WeighingChunk(weighings, {}, {}, {}, {})
    span = (min(ids), max(ids))
    axles = _grouped(
        session.scalars(select(WeighingAxle).where(WeighingAxle.weighing_id.between(*span))),
        "weighing_id",
    )
    links = _grouped(
        session.scalars(select(WeighingPicture).where(WeighingPicture.weighing_id.between(*span))),
        "weighing_id",
    )
    traces = {
        t.weighing_id: t
        for t in session.scalars(select(RawTrace).where(RawTrace.weighing_id.between(*span)))
    }
    shas = {link.sha256 for group in links.values() for link in group}
    files = (
        {p.sha256: p for p in session.scalars(select(Picture).where(Picture.sha256.in_(shas)))}
        if shas
        else {}
    )
    return WeighingChunk(weighings, axles, links, traces, files)  # fmt: skip


def _trace_problem(trace: RawTrace | None) -> str | None:
    if trace is None:
        return None
    try:
        data = zlib.decompress(trace.data)
    except zlib.error:
        return "its raw trace cannot be decompressed (altered)"
    if hashlib.sha256(data).hexdigest() != trace.sha256:
        return "its raw trace does not match the trace hash (altered)"
    return None


def _evidence_digest(w: Weighing, chunk: WeighingChunk) -> str:
    trace = chunk.traces.get(w.id)
    pictures = []
    for link in chunk.pictures.get(w.id, []):
        file = chunk.files.get(link.sha256)
        pictures.append(
            (link.sha256, link.file_type, file.size if file else -1, file.mime if file else "")
        )
    return local_evidence_digest(
        w, chunk.axles.get(w.id, []), trace.sha256 if trace else None, pictures
    )


def _check_weighing(
    seq: int,
    *,
    body: dict[str, Any],
    w: Weighing,
    chunk: WeighingChunk,
    event: RecordEvent | None,
    report: VerifyReport,
) -> None:
    stored = _weighing_view(w, chunk)
    changed = [key for key, value in _body_view(body).items() if stored.get(key) != value]
    if changed:
        report.fault(
            seq, f"the weighing tables differ from the sealed record in {', '.join(changed)}"
        )
    problem = _trace_problem(chunk.traces.get(w.id))
    if problem:
        report.fault(seq, problem)
    if (
        event is not None
        and event.evidence_sha256
        and event.evidence_sha256 != _evidence_digest(w, chunk)
    ):
        report.fault(
            seq,
            "its local evidence (axles, adjustments, trace, pictures or calibration counter) "
            "was changed",
        )
    report.weighings += 1


def _parsed(row_body: str) -> dict[str, Any] | None:
    try:
        body = json.loads(row_body)
    except json.JSONDecodeError:
        return None
    return body if isinstance(body, dict) else None


def _check_record(
    row: Any, chunk: WeighingChunk, matcher: EventMatcher, report: VerifyReport
) -> None:
    event = matcher.event_for(row.seq, row.record_hash)
    weighing = chunk.weighings.pop(row.seq, None)
    body = _parsed(row.body)
    if body is None:
        return  # the chain check reports an unreadable body
    if body.get("checkNo") != row.check_no or body.get("recordType") != row.record_type:
        report.fault(row.seq, "the record's checkNo or type column differs from its body")
    if row.record_type != "CHECK":
        if weighing is not None:
            report.fault(row.seq, f"a weighing row claims this {row.record_type} record")
    elif weighing is None:
        report.fault(row.seq, "the weighing row of this CHECK record is missing")
    else:
        _check_weighing(row.seq, body=body, w=weighing, chunk=chunk, event=event, report=report)


def _cross_check(session: Session, report: VerifyReport) -> None:
    matcher = EventMatcher(_record_events(session), report)
    last = 0
    while True:
        rows = session.execute(
            select(Record.seq, Record.record_type, Record.check_no, Record.record_hash, Record.body)
            .where(Record.seq > last)
            .order_by(Record.seq)
            .limit(CHUNK)
        ).all()
        if not rows:
            break
        chunk = _load_chunk(session, last, rows[-1].seq)
        for row in rows:
            _check_record(row, chunk, matcher, report)
        for seq in chunk.weighings:
            report.fault(seq, "a weighing row points at a record that does not exist")
        last = rows[-1].seq
    matcher.finish()
    for seq in session.scalars(select(Weighing.record_seq).where(Weighing.record_seq > last)):
        report.fault(seq, "a weighing row points at a record that does not exist")


# ---- files and structure -----------------------------------------------------------------------


def _check_pictures(session: Session, store: PictureStore, report: VerifyReport) -> None:
    first_use = dict(
        session.execute(
            select(WeighingPicture.sha256, Weighing.record_seq)
            .join(Weighing, Weighing.id == WeighingPicture.weighing_id)
            .order_by(Weighing.record_seq.desc())
        ).all()
    )
    for picture in session.scalars(select(Picture)):
        report.pictures += 1
        problem = store.check(picture.stored_path, picture.sha256)
        if problem is None:
            continue
        seq = first_use.get(picture.sha256)
        if seq is None:
            report.problems.append(problem)
        else:
            report.fault(seq, problem)


def _sqlite_structure(session: Session) -> list[str]:
    problems = []
    result = [row[0] for row in session.execute(text("PRAGMA integrity_check")).all()]
    if result != ["ok"]:
        problems.extend(f"SQLite integrity: {line}" for line in result[:20])
    broken_keys = session.execute(text("PRAGMA foreign_key_check")).all()
    problems.extend(
        f"foreign key broken: {row[0]} row {row[1]} points at a missing {row[2]} row"
        for row in broken_keys[:20]
    )
    return problems


def _missing_guards(session: Session, dialect: str) -> list[str]:
    if dialect == "sqlite":
        present = set(
            session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        )
        wanted = {f"{t}_no_{a}" for t in APPEND_ONLY_TABLES for a in ("update", "delete")}
    else:
        present = set(session.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
        wanted = {f"{t}_append_only" for t in APPEND_ONLY_TABLES}
    return [
        f"the evidence guard trigger {name} is missing (dropped: evidence may have been edited)"
        for name in sorted(wanted - present)
    ]


def _verify_session(
    database: Database, session: Session, pictures_root: Path | None, report: VerifyReport
) -> None:
    if database.is_sqlite:
        report.problems.extend(_sqlite_structure(session))
    report.problems.extend(_missing_guards(session, database.writer.dialect.name))
    faults, report.records, report.head_hash = _verify_chain(session, Record, "province")
    report.faults.extend(faults)
    audit_faults, report.audit_events, _ = _verify_chain(session, AuditEvent, "audit")
    report.audit_faults.extend(audit_faults)
    _cross_check(session, report)
    if pictures_root is not None:
        _check_pictures(session, PictureStore(pictures_root), report)


def verify_database(database: Database, pictures_root: Path | None) -> VerifyReport:
    """Check everything listed in the module docstring; never writes to the database."""
    report = VerifyReport()
    path = database.sqlite_path
    if path is not None and not path.is_file():
        report.problems.append(f"there is no database at {path}")
        return report
    try:
        current, head = database.current_revision(), database.head_revision()
        if current != head:
            report.problems.append(
                f"schema revision {current}, expected {head}: run `main.py init`"
            )
            return report
        with database.read() as session:
            _verify_session(database, session, pictures_root, report)
    except DatabaseError as exc:
        report.problems.append(f"the database cannot be read: {exc.orig}")
    report.faults = _unique_sorted(report.faults)
    return report


def _unique_sorted(faults: list[ChainFault]) -> list[ChainFault]:
    return sorted(set(faults), key=lambda fault: (fault.seq, fault.problem))
