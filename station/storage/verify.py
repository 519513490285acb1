"""Integrity check of a station database: SQLite structure, both hash chains, the copies of
each record in the weighing tables, and the picture files."""

from __future__ import annotations

import json
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
from station.storage.files import PictureStore
from station.storage.models import (
    AuditEvent,
    ChainHead,
    Picture,
    Record,
    Weighing,
    WeighingAxle,
    WeighingPicture,
)

CHUNK = 5000


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


def _check_head(
    session: Session, chain: str, count_seq: int, last_hash: str
) -> Iterator[ChainFault]:
    head = session.get(ChainHead, chain)
    if head is None:
        yield ChainFault(1, f"the {chain} chain head is missing")
        return
    if head.last_seq > count_seq:
        yield ChainFault(
            count_seq + 1, f"missing: the chain head says records run to seq {head.last_seq}"
        )
    elif head.last_seq != count_seq or head.last_hash != last_hash:
        yield ChainFault(head.last_seq or 1, "chain head does not match the last record")


def _verify_chain(session: Session, model: Any, chain: str) -> tuple[list[ChainFault], int, str]:
    faults: list[ChainFault] = []
    count = last_seq = 0
    last_hash = "0" * 64

    def counted() -> Iterator[StoredLink]:
        nonlocal count, last_seq, last_hash
        for link in _links(session, model):
            count += 1
            last_seq, last_hash = link.seq, link.record_hash
            yield link

    faults.extend(check_links(counted()))
    faults.extend(_check_head(session, chain, last_seq, last_hash))
    return faults, count, last_hash


# ---- copies of CHECK records in the weighing tables ------------------------------------------


def _weighing_view(
    w: Weighing, axles: list[WeighingAxle], pictures: list[WeighingPicture]
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "checkNo": w.check_no,
        "checkType": w.check_type,
        "firstCheckNo": w.first_check_no,
        "lane": w.lane,
        "direction": w.direction,
        "checkTime": w.check_time.strftime("%Y-%m-%d %H:%M:%S"),
        "plateNum": w.plate_num,
        "plateColor": w.plate_color,
        "plateSource": w.plate_source,
        "axleCnt": w.axle_cnt,
        "axleType": w.axle_type,
        "vehicleClass": w.vehicle_class,
        "sumWeight": w.sum_weight,
        "limitWeight": w.limit_weight,
        "overWeight": w.over_weight,
        "overRate": w.over_rate,
        "isOver": 1 if w.is_over else 0,
        "weighMode": w.weigh_mode,
        "speed": w.speed,
        "scaleId": w.scale_id,
        "certNo": w.cert_no,
        "certValidUntil": w.cert_valid_until.isoformat(),
        "operatorId": w.operator_id,
        "flags": json.loads(w.flags_json),
        "axles": [
            {"no": a.no, "group": a.group_code, "weight": a.weight, "spacing": a.spacing}
            for a in sorted(axles, key=lambda a: a.no)
        ],
        "pictures": sorted((p.file_type, p.sha256) for p in pictures),
    }
    return view


def _body_view(body: dict[str, Any]) -> dict[str, Any]:
    view = {
        key: body.get(key)
        for key in (
            "checkNo",
            "checkType",
            "firstCheckNo",
            "lane",
            "direction",
            "checkTime",
            "plateNum",
            "plateColor",
            "plateSource",
            "axleCnt",
            "axleType",
            "vehicleClass",
            "sumWeight",
            "limitWeight",
            "overWeight",
            "overRate",
            "isOver",
            "weighMode",
            "speed",
            "scaleId",
            "certNo",
            "certValidUntil",
            "operatorId",
            "flags",
        )
    }
    view["axles"] = [
        {
            "no": a.get("no"),
            "group": a.get("group"),
            "weight": a.get("weight"),
            "spacing": a.get("spacing"),
        }
        for a in body.get("axles", [])
    ]
    view["pictures"] = sorted(
        (p.get("fileType"), p.get("sha256")) for p in body.get("pictures", [])
    )
    return view


def _differences(stored: dict[str, Any], sealed: dict[str, Any]) -> list[str]:
    return [key for key in sealed if stored.get(key) != sealed.get(key)]


def _chunk_weighings(
    session: Session, low: int, high: int
) -> tuple[dict[int, Weighing], dict, dict]:
    weighings = {
        w.record_seq: w
        for w in session.execute(
            select(Weighing).where(Weighing.record_seq > low, Weighing.record_seq <= high)
        ).scalars()
    }
    ids = [w.id for w in weighings.values()]
    axles: dict[int, list[WeighingAxle]] = defaultdict(list)
    pictures: dict[int, list[WeighingPicture]] = defaultdict(list)
    if ids:
        for axle in session.execute(
            select(WeighingAxle).where(WeighingAxle.weighing_id.between(min(ids), max(ids)))
        ).scalars():
            axles[axle.weighing_id].append(axle)
        for pic in session.execute(
            select(WeighingPicture).where(WeighingPicture.weighing_id.between(min(ids), max(ids)))
        ).scalars():
            pictures[pic.weighing_id].append(pic)
    return weighings, axles, pictures


def _cross_check_chunk(session: Session, rows: list[Any], report: VerifyReport) -> None:
    weighings, axles, pictures = _chunk_weighings(session, rows[0].seq - 1, rows[-1].seq)
    for row in rows:
        weighing = weighings.pop(row.seq, None)
        if row.record_type != "CHECK":
            if weighing is not None:
                report.faults.append(
                    ChainFault(row.seq, f"a weighing row claims this {row.record_type} record")
                )
            continue
        if weighing is None:
            report.faults.append(
                ChainFault(row.seq, "the weighing row of this CHECK record is missing")
            )
            continue
        try:
            sealed = _body_view(json.loads(row.body))
        except (json.JSONDecodeError, AttributeError):
            continue  # the chain check already reports an unreadable body
        stored = _weighing_view(weighing, axles.get(weighing.id, []), pictures.get(weighing.id, []))
        changed = _differences(stored, sealed)
        if changed:
            report.faults.append(
                ChainFault(
                    row.seq,
                    f"weighing tables differ from the sealed record in {', '.join(changed)}",
                )
            )
            report.weighings += 1
        else:
            report.weighings += 1
    for seq in weighings:
        report.faults.append(
            ChainFault(seq, "a weighing row points at a record that is not a CHECK")
        )


def _cross_check(session: Session, report: VerifyReport) -> None:
    last = 0
    while True:
        rows = session.execute(
            select(Record.seq, Record.record_type, Record.body)
            .where(Record.seq > last)
            .order_by(Record.seq)
            .limit(CHUNK)
        ).all()
        if not rows:
            break
        _cross_check_chunk(session, rows, report)
        last = rows[-1].seq
    orphans = (
        session.execute(
            select(Weighing.record_seq)
            .where(Weighing.record_seq > last)
            .order_by(Weighing.record_seq)
        )
        .scalars()
        .all()
    )
    for seq in orphans:
        report.faults.append(
            ChainFault(seq, "a weighing row points at a record that does not exist")
        )


# ---- files and structure ---------------------------------------------------------------------


def _check_pictures(session: Session, store: PictureStore, report: VerifyReport) -> None:
    first_use = dict(
        session.execute(
            select(WeighingPicture.sha256, Weighing.record_seq)
            .join(Weighing, Weighing.id == WeighingPicture.weighing_id)
            .order_by(Weighing.record_seq.desc())
        ).all()
    )
    for picture in session.execute(select(Picture)).scalars():
        report.pictures += 1
        problem = store.check(picture.stored_path, picture.sha256)
        if problem is None:
            continue
        seq = first_use.get(picture.sha256)
        if seq is None:
            report.problems.append(problem)
        else:
            report.faults.append(ChainFault(seq, problem))


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


def verify_database(database: Database, pictures_root: Path | None) -> VerifyReport:
    report = VerifyReport()
    try:
        current, head = database.current_revision(), database.head_revision()
    except DatabaseError as exc:
        report.problems.append(f"the database cannot be read: {exc.orig}")
        return report
    if current != head:
        report.problems.append(
            f"schema revision {current}, expected {head}: run `main.py init` to upgrade"
        )
        return report
    with database.read() as session:
        try:
            _verify_session(database, session, pictures_root, report)
        except DatabaseError as exc:
            report.problems.append(f"the database cannot be read: {exc.orig}")
    report.faults.sort(key=lambda fault: fault.seq)
    return report


def _verify_session(
    database: Database, session: Session, pictures_root: Path | None, report: VerifyReport
) -> None:
    if database.is_sqlite:
        report.problems.extend(_sqlite_structure(session))
    faults, report.records, report.head_hash = _verify_chain(session, Record, "province")
    report.faults.extend(faults)
    audit_faults, report.audit_events, _ = _verify_chain(session, AuditEvent, "audit")
    report.audit_faults.extend(audit_faults)
    _cross_check(session, report)
    if pictures_root is not None:
        _check_pictures(session, PictureStore(pictures_root), report)
