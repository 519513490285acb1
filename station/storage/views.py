"""Read-models for the operator's screens and documents, built from the station database.

Everything here returns the frozen values of `station.readmodel`, so `ui/` and `reports/`
never see SQLAlchemy. Only `record_print` writes: one audit event per printed document.

A weighing's case is its own (a first weighing) or its first weighing's (a re-weighing):
the join key is `coalesce(first_check_no, check_no)`. A weighing is voided when a VOID
record targets the seq of its CHECK record.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import Session

from station.chain import StoredLink, canonical_json, check_links
from station.domain.records import RecordType
from station.readmodel import (
    AxleView,
    CaseView,
    ChainStatus,
    PassView,
    PictureView,
    RejectedView,
    SearchQuery,
    UploadStatus,
    WeighingDetail,
    WeighingSummary,
)
from station.storage import outbox
from station.storage.calibration import calibration_counter
from station.storage.cases import CLOSED, OPEN, VOIDED, case_info
from station.storage.chainstore import AUDIT_CHAIN, record_audit
from station.storage.database import Database
from station.storage.evidence import decode_trace
from station.storage.files import PictureStore
from station.storage.models import (
    AuditEvent,
    CaseEvent,
    ChainHead,
    EnforcementCase,
    Outbox,
    Picture,
    RawTrace,
    Record,
    UploadPass,
    Weighing,
    WeighingAxle,
    WeighingPicture,
)

DOCUMENT_PRINTED = "DOCUMENT_PRINTED"
DELIVERED, REJECTED = outbox.DELIVERED, outbox.REJECTED  # province-api.md §8
LIKE_ESCAPE = "\\"
IN_CHUNK = 500  # bound the parameters of one IN (...) list on every backend


def _fail(field: str, problem: str) -> ValueError:
    return ValueError(f"{field}: {problem}")


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


# ---- plates --------------------------------------------------------------------------------


def normalise_plate(text: str) -> str:
    """Spaces dropped and Latin letters upper-cased, as the fuzzy search compares plates.

    Only ASCII is upper-cased: SQLite's upper() touches nothing else, and both sides of the
    comparison must be normalised alike.
    """
    return "".join(char.upper() if char.isascii() else char for char in text if char != " ")


def plate_distance(a: str, b: str) -> int:
    """Characters that differ between two plates of one length (substitutions only)."""
    if len(a) != len(b):
        return max(len(a), len(b))
    return sum(1 for x, y in zip(a, b, strict=True) if x != y)


def _like_literal(text: str) -> str:
    return (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )


def _normalised_column() -> ColumnElement[str]:
    return func.replace(func.upper(Weighing.plate_num), " ", "")


def _fuzzy_plate(target: str) -> tuple[ColumnElement[bool], ColumnElement[int]]:
    """The filter for `target` or one substitution in it, and a rank putting exact first."""
    column = _normalised_column()
    one_off = [
        column.like(_like_literal(target[:i]) + "_" + _like_literal(target[i + 1 :]), LIKE_ESCAPE)
        for i in range(len(target))
    ]
    rank = case((column == target, 0), else_=1)
    return or_(column == target, *one_off), rank


# ---- voids, cases, re-weighings --------------------------------------------------------------


def _voids(session: Session, check_nos: Sequence[str]) -> dict[int, str]:
    """Seq of each voided record among these check numbers -> the void's reason."""
    voided: dict[int, str] = {}
    for chunk in _chunks(sorted(set(check_nos))):
        bodies = session.scalars(
            select(Record.body).where(
                Record.check_no.in_(chunk), Record.record_type == RecordType.VOID.value
            )
        )
        for body in bodies:
            void = json.loads(body)
            voided[int(void.get("targetSeq", 0))] = str(void.get("reason", ""))
    return voided


def _reweighs(session: Session, first_check_nos: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The re-weighings (not voided) of each first weighing, oldest first."""
    rows: list[Any] = []
    for chunk in _chunks(sorted(set(first_check_nos))):
        rows += session.execute(
            select(Weighing.check_no, Weighing.first_check_no, Weighing.record_seq)
            .where(Weighing.check_type == 2, Weighing.first_check_no.in_(chunk))
            .order_by(Weighing.check_time, Weighing.id)
        ).all()
    voided = _voids(session, [row.check_no for row in rows])
    found: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row.record_seq not in voided:
            found[row.first_check_no].append(row.check_no)
    return {first: tuple(nos) for first, nos in found.items()}


def _end_reasons(session: Session, case_ids: Sequence[int]) -> dict[int, str]:
    """The reason given when each case was closed by hand or voided (the latest such event)."""
    reasons: dict[int, str] = {}
    for start in range(0, len(case_ids), IN_CHUNK):
        events = session.execute(
            select(CaseEvent.case_id, CaseEvent.detail)
            .where(
                CaseEvent.case_id.in_(case_ids[start : start + IN_CHUNK]),
                CaseEvent.status.in_((CLOSED, VOIDED)),
            )
            .order_by(CaseEvent.id)
        ).all()
        for event in events:
            reasons[event.case_id] = str(json.loads(event.detail or "{}").get("reason", ""))
    return reasons


def _case_views(
    session: Session, rows: Sequence[EnforcementCase], deadline_hours: int
) -> list[CaseView]:
    reweighs = _reweighs(session, [row.check_no for row in rows])
    reasons = _end_reasons(session, [row.id for row in rows])
    due = timedelta(hours=deadline_hours)
    return [
        CaseView(
            **asdict(case_info(row)),
            deadline=row.opened_at + due,
            reweigh_check_nos=reweighs.get(row.check_no, ()),
            closed_at=row.closed_at,
            close_reason=reasons.get(row.id, ""),
        )
        for row in rows
    ]


def _check_deadline(deadline_hours: int) -> None:
    if deadline_hours < 1:
        raise _fail("deadline_hours", "must be a positive number of hours")


def open_cases(
    database: Database, *, deadline_hours: int, include_closed_since: datetime | None = None
) -> list[CaseView]:
    """Open cases, oldest first; then, when asked, cases closed since then, in closing order."""
    _check_deadline(deadline_hours)
    with database.read() as session:
        rows = list(
            session.scalars(
                select(EnforcementCase)
                .where(EnforcementCase.status == OPEN)
                .order_by(EnforcementCase.opened_at, EnforcementCase.id)
            )
        )
        if include_closed_since is not None:
            rows += session.scalars(
                select(EnforcementCase)
                .where(
                    EnforcementCase.status == CLOSED,
                    EnforcementCase.closed_at >= include_closed_since,
                )
                .order_by(EnforcementCase.closed_at, EnforcementCase.id)
            )
        return _case_views(session, rows, deadline_hours)


# ---- the records list ------------------------------------------------------------------------


def _case_key() -> ColumnElement[str]:
    return func.coalesce(Weighing.first_check_no, Weighing.check_no)


def _search_statement(query: SearchQuery, target: str) -> Select:
    statement = select(Weighing, EnforcementCase.status.label("case_status")).outerjoin(
        EnforcementCase, EnforcementCase.check_no == _case_key()
    )
    if query.since is not None:
        statement = statement.where(Weighing.check_time >= query.since)
    if query.until is not None:
        statement = statement.where(Weighing.check_time < query.until)
    if query.over_only:
        statement = statement.where(Weighing.is_over.is_(True))
    if query.open_cases_only:
        statement = statement.where(EnforcementCase.status == OPEN)
    newest = (Weighing.check_time.desc(), Weighing.id.desc())
    if target and query.fuzzy:
        matches, rank = _fuzzy_plate(target)
        statement = statement.where(matches).order_by(rank, *newest)
    elif target:
        statement = statement.where(Weighing.plate_num == target).order_by(*newest)
    else:
        statement = statement.order_by(*newest)
    return statement.limit(query.limit)


def _summary(row: Any, voided: dict[int, str], target: str, fuzzy: bool) -> WeighingSummary:
    w: Weighing = row.Weighing
    distance = plate_distance(normalise_plate(w.plate_num), target) if target and fuzzy else 0
    return WeighingSummary(
        check_no=w.check_no,
        check_time=w.check_time,
        plate_num=w.plate_num,
        plate_color=w.plate_color,
        lane=w.lane,
        check_type=w.check_type,
        sum_kg=w.sum_weight,
        limit_kg=w.limit_weight,
        over_kg=w.over_weight,
        over_rate=w.over_rate,
        is_over=w.is_over,
        vehicle_class=w.vehicle_class,
        flags=tuple(json.loads(w.flags_json)),
        voided=w.record_seq in voided,
        case_status=row.case_status,
        plate_distance=distance,
    )


def search_weighings(
    database: Database, query: SearchQuery, *, now: datetime | None = None
) -> list[WeighingSummary]:
    """The records list: filtered in SQL, exact plates first, then newest first.

    With `query.fuzzy`, spaces and case are ignored and one substituted character
    (a misread) matches too; its `plate_distance` is 1. The plate is matched in SQL with
    LIKE patterns, so the time filter narrows the rows on SQLite and PostgreSQL alike.
    `now` is accepted for callers that pass their clock; no filter here is relative to it.
    """
    del now
    if query.limit < 1:
        raise _fail("limit", "must be at least 1")
    target = normalise_plate(query.plate) if query.fuzzy else query.plate.strip()
    with database.read() as session:
        rows = session.execute(_search_statement(query, target)).all()
        voided = _voids(session, [row.Weighing.check_no for row in rows])
    return [_summary(row, voided, target, query.fuzzy) for row in rows]


# ---- one weighing ----------------------------------------------------------------------------


def _link(row: Record) -> StoredLink:
    return StoredLink(row.seq, row.prev_hash, row.record_hash, row.body)


def chain_status(session: Session, seq: int) -> ChainStatus:
    """Whether one record's hash and its link to the previous record hold (as `verify` checks).

    The previous record goes through the same check first, so the link is compared with
    what is stored for it; only the faults found at `seq` are this record's.
    """
    row = session.get(Record, seq)
    if row is None:
        return ChainStatus(seq, "", False, f"the record of seq {seq} is missing: removed")
    links = [_link(row)]
    if seq > 1:
        previous = session.get(Record, seq - 1)
        if previous is None:
            problem = f"the previous record (seq {seq - 1}) is missing: removed"
            return ChainStatus(seq, row.record_hash, False, problem)
        links.insert(0, _link(previous))
    problems = [fault.problem for fault in check_links(links) if fault.seq == seq]
    return ChainStatus(seq, row.record_hash, not problems, "; ".join(problems))


def _axle_views(session: Session, weighing_id: int) -> tuple[AxleView, ...]:
    rows = session.scalars(
        select(WeighingAxle)
        .where(WeighingAxle.weighing_id == weighing_id)
        .order_by(WeighingAxle.no)
    ).all()
    last = len(rows) - 1
    return tuple(
        AxleView(
            no=row.no,
            weight_kg=row.weight,
            group=row.group_code,
            # The record says 0 on the last axle; the view says "no next axle".
            spacing_mm=None if index == last else row.spacing,
        )
        for index, row in enumerate(rows)
    )


def _picture_views(
    session: Session, weighing_id: int, store: PictureStore
) -> tuple[PictureView, ...]:
    rows = session.execute(
        select(WeighingPicture.file_type, Picture)
        .join(Picture, Picture.sha256 == WeighingPicture.sha256)
        .where(WeighingPicture.weighing_id == weighing_id)
        .order_by(WeighingPicture.file_type, WeighingPicture.sha256)
    ).all()
    return tuple(
        PictureView(
            file_type=row.file_type,
            sha256=row.Picture.sha256,
            mime=row.Picture.mime,
            size=row.Picture.size,
            path=store.path_of(row.Picture.stored_path).absolute(),
        )
        for row in rows
    )


def _trace(session: Session, weighing_id: int) -> tuple[int | None, tuple[int, ...]]:
    row = session.get(RawTrace, weighing_id)
    if row is None:
        return None, ()
    try:
        return row.sample_rate_hz, tuple(decode_trace(row.data))
    except zlib.error:
        # An altered blob: the detail still shows the weighing; `verify` names the fault.
        return row.sample_rate_hz, ()


def _case_of(session: Session, w: Weighing, deadline_hours: int) -> CaseView | None:
    row = session.scalars(
        select(EnforcementCase).where(EnforcementCase.check_no == (w.first_check_no or w.check_no))
    ).one_or_none()
    return None if row is None else _case_views(session, [row], deadline_hours)[0]


def _site_code(record: Record | None) -> str:
    if record is None:
        return ""
    try:
        return str(json.loads(record.body).get("siteCode", ""))
    except json.JSONDecodeError:
        return ""


def _detail(
    session: Session, w: Weighing, store: PictureStore, site_name: str, deadline_hours: int
) -> WeighingDetail:
    voids = _voids(session, [w.check_no])
    rate, samples = _trace(session, w.id)
    return WeighingDetail(
        site_code=_site_code(session.get(Record, w.record_seq)),
        station_name=site_name,
        check_no=w.check_no,
        check_type=w.check_type,
        first_check_no=w.first_check_no,
        check_time=w.check_time,
        lane=w.lane,
        direction=w.direction,
        plate_num=w.plate_num,
        plate_color=w.plate_color,
        plate_source=w.plate_source,
        axle_type=w.axle_type,
        axles=_axle_views(session, w.id),
        sum_kg=w.sum_weight,
        limit_kg=w.limit_weight,
        over_kg=w.over_weight,
        over_rate=w.over_rate,
        is_over=w.is_over,
        vehicle_class=w.vehicle_class,
        adjustments=tuple(json.loads(w.adjustments_json)),
        weigh_mode=w.weigh_mode,
        speed_kmh=w.speed,
        scale_id=w.scale_id,
        cert_no=w.cert_no,
        cert_valid_until=w.cert_valid_until,
        operator_id=w.operator_id,
        flags=tuple(json.loads(w.flags_json)),
        pictures=_picture_views(session, w.id, store),
        trace_rate_hz=rate,
        trace=samples,
        chain=chain_status(session, w.record_seq),
        voided=w.record_seq in voids,
        void_reason=voids.get(w.record_seq, ""),
        case=_case_of(session, w, deadline_hours),
        calibration_counter=_counter_of(session, w),
        prints=_print_counts(session, w.check_no),
    )


def _counter_of(session: Session, w: Weighing) -> int | None:
    if w.calibration_counter is not None:
        return w.calibration_counter
    # Weighed before schema 0007, or before the scale's first calibration event.
    return calibration_counter(session, w.scale_id, w.check_time)


def weighing_detail(
    database: Database,
    check_no: str,
    pictures_root: Path,
    *,
    site_name: str,
    deadline_hours: int,
) -> WeighingDetail | None:
    """Everything about one weighing, or None when there is no weighing with that number."""
    _check_deadline(deadline_hours)
    store = PictureStore(pictures_root)
    with database.read() as session:
        w = session.scalars(select(Weighing).where(Weighing.check_no == check_no)).one_or_none()
        if w is None:
            return None
        return _detail(session, w, store, site_name, deadline_hours)


# ---- printed documents -----------------------------------------------------------------------


def _print_counts(session: Session, check_no: str) -> dict[str, int]:
    # The LIKE only narrows the scan (audit events have no checkNo column); each candidate
    # is parsed and compared exactly.
    needle = _like_literal(canonical_json({"checkNo": check_no}).decode("utf-8")[1:-1])
    bodies = session.scalars(
        select(AuditEvent.body).where(
            AuditEvent.action == DOCUMENT_PRINTED,
            AuditEvent.body.like(f"%{needle}%", LIKE_ESCAPE),
        )
    )
    counts: dict[str, int] = defaultdict(int)
    for body in bodies:
        detail = json.loads(body).get("detail", {})
        if detail.get("checkNo") == check_no:
            counts[str(detail.get("kind", ""))] += 1
    return dict(counts)


def prints_of(database: Database, check_no: str) -> dict[str, int]:
    """How many times each kind of document of this weighing was printed."""
    with database.read() as session:
        return _print_counts(session, check_no)


def record_print(
    database: Database,
    check_no: str,
    kind: str,
    *,
    actor: str,
    printer: str = "",
    moment: datetime | None = None,
) -> int:
    """Audit one printed document; return how often that kind was printed before.

    0 means this is the original; 1 or more, a copy (the document then says 副本).
    """
    if not kind.strip():
        raise _fail("kind", "name the document printed")
    with database.transaction() as session:
        if session.scalar(select(Weighing.id).where(Weighing.check_no == check_no)) is None:
            raise _fail("check_no", f"there is no weighing {check_no} here")
        # Lock the audit chain before counting, so two prints at once never both count
        # as the original (record_audit would take the same lock only afterwards).
        session.execute(
            select(ChainHead).where(ChainHead.chain == AUDIT_CHAIN).with_for_update()
        ).scalar_one()
        before = _print_counts(session, check_no).get(kind, 0)
        detail = {
            "checkNo": check_no,
            "kind": kind,
            "copy": before > 0,
            "copyNo": before,
            "printer": printer,
        }
        record_audit(session, actor, DOCUMENT_PRINTED, detail, moment)
    return before


# ---- upload ----------------------------------------------------------------------------------


def upload_status(database: Database, *, configured: bool) -> UploadStatus:
    """Records waiting for the province (not delivered, not rejected), rejected ones, passes.

    The oldest pending one is dated by when its record was sealed.
    """
    with database.read() as session:
        pending, oldest = session.execute(
            select(func.count(), func.min(Record.created_at))
            .select_from(Outbox)
            .join(Record, Record.seq == Outbox.seq)
            .where(Outbox.status.not_in((*DELIVERED, REJECTED)))
        ).one()
        rejected = session.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.status == REJECTED)
        )
    passes = tuple(_pass_view(row) for row in outbox.passes(database, limit=20))
    skew = outbox.get_state(database, "clock_skew_s")
    last = passes[0] if passes else None
    return UploadStatus(
        pending_records=pending,
        oldest_pending=oldest,
        rejected_records=rejected or 0,
        last_pass_at=last.started_at if last else None,
        last_pass_result=_pass_result(last) if last else "",
        configured=configured,
        passes=passes,
        rejected=tuple(
            RejectedView(
                seq=row["seq"],
                record_type=row["recordType"],
                check_no=row["checkNo"],
                code=row["code"] or "",
                message=row["message"] or "",
                at=row["at"],
            )
            for row in outbox.rejected_records(database, limit=200)
        ),
        clock_skew_s=int(skew) if skew is not None else None,
    )


def _pass_view(row: UploadPass) -> PassView:
    return PassView(
        started_at=row.started_at,
        finished_at=row.finished_at,
        trigger=row.trigger,
        actor=row.actor,
        status=row.status,
        records_sent=row.records_sent,
        accepted=row.accepted,
        duplicate=row.duplicate,
        rejected=row.rejected,
        pictures_sent=row.pictures_sent,
        manifest_status=row.manifest_status,
        pending_after=row.pending_after,
        error=row.error or "",
    )


def _pass_result(view: PassView) -> str:
    parts = [view.status]
    if view.manifest_status and view.manifest_status != view.status:
        parts.append(f"manifest {view.manifest_status}")
    if view.error:
        parts.append(view.error)
    return " · ".join(parts)
