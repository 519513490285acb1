"""Enforcement cases: opened by an overloaded first weighing, closed by a re-weighing or by hand.

Every function here stages its changes in the caller's session (from
`Database.transaction()`), so the lane commits a weighing and what it does to a case in
one transaction: after a crash either both are stored or neither is.

A case belongs to one first weighing (`check_no`). Its status (OPEN, CLOSED, VOIDED) is a
plain update of `enforcement_case`; the history is in `case_event` (append-only), the
province learns the outcome from the CLOSE and VOID records, and the audit chain has an
event for each step. ValueErrors name the offending argument first, as the records do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.domain.records import (
    SITE_CODE,
    UNREAD_PLATE,
    CaseResult,
    CloseRecord,
    RecordType,
    VoidRecord,
    close_record_body,
    void_record_body,
)
from station.storage.chainstore import append_record, next_number, record_audit
from station.storage.models import CaseEvent, EnforcementCase, Record, UnloadNotice

OPEN = "OPEN"
CLOSED = "CLOSED"
VOIDED = "VOIDED"

# Results an operator may choose; NOT_OVER and UNLOADED follow from weighings only.
HAND_RESULTS = frozenset({CaseResult.POLICE, CaseResult.PERMIT, CaseResult.ABSCONDED})


@dataclass(frozen=True, slots=True)
class CaseInfo:
    id: int
    check_no: str
    status: str
    result: str | None
    plate_num: str
    plate_color: int
    lane: int
    first_sum_kg: int
    limit_kg: int
    unload_kg: int
    notice_no: str | None
    opened_at: datetime


def _fail(field: str, problem: str) -> ValueError:
    return ValueError(f"{field}: {problem}")


def case_info(row: EnforcementCase) -> CaseInfo:
    return CaseInfo(
        id=row.id,
        check_no=row.check_no,
        status=row.status,
        result=row.result,
        plate_num=row.plate_num,
        plate_color=row.plate_color,
        lane=row.lane,
        first_sum_kg=row.first_sum_kg,
        limit_kg=row.limit_kg,
        unload_kg=row.unload_kg,
        notice_no=row.notice_no,
        opened_at=row.opened_at,
    )


def _check_site(site_code: str) -> None:
    # Checked before anything is staged, though the record builders check it again:
    # a notice number must not be drawn for a station code the province would refuse.
    if not SITE_CODE.fullmatch(site_code):
        raise _fail("site_code", "must be 6 division digits + '21' + 4 station digits")


def _event(
    session: Session,
    row: EnforcementCase,
    *,
    status: str,
    actor: str,
    moment: datetime,
    detail: dict[str, Any],
) -> None:
    session.add(
        CaseEvent(
            case_id=row.id,
            at=moment,
            status=status,
            actor=actor,
            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
        )
    )


def _case_row(session: Session, check_no: str) -> EnforcementCase | None:
    # Locked: two lanes (or a lane and the supervisor) must not both change one case.
    return session.execute(
        select(EnforcementCase).where(EnforcementCase.check_no == check_no).with_for_update()
    ).scalar_one_or_none()


def _open_row(session: Session, case_id: int, field: str) -> EnforcementCase:
    row = session.get(EnforcementCase, case_id, with_for_update=True)
    if row is None:
        raise _fail(field, f"there is no case {case_id}")
    if row.status != OPEN:
        raise _fail(field, f"the case of {row.check_no} is {row.status}, not OPEN")
    return row


def _new_case(
    session: Session,
    *,
    check_no: str,
    plate_num: str,
    plate_color: int,
    lane: int,
    sum_kg: int,
    limit_kg: int,
    moment: datetime,
) -> EnforcementCase:
    if _case_row(session, check_no) is not None:
        raise _fail("check_no", f"{check_no} already has a case")
    row = EnforcementCase(
        check_no=check_no,
        status=OPEN,
        result=None,
        opened_at=moment,
        plate_num=plate_num,
        plate_color=int(plate_color),
        lane=lane,
        first_sum_kg=sum_kg,
        limit_kg=limit_kg,
        unload_kg=0,
    )
    session.add(row)
    session.flush()  # the notice and the events refer to its id
    return row


def _stage_close(
    session: Session,
    site_code: str,
    row: EnforcementCase,
    close: CloseRecord,
    *,
    reason: str | None = None,
) -> Record:
    """Seal the CLOSE record, close the case, and write its event and audit entry."""
    record = append_record(session, close_record_body(close, site_code), close.close_time)
    row.status = CLOSED
    row.result = close.result.value
    row.closed_at = close.close_time
    row.close_seq = record.seq
    event: dict[str, Any] = {"result": close.result.value, "seq": record.seq}
    # The same detail as evidence.commit_close: verify pairs it with the record by seq/hash.
    audit: dict[str, Any] = {
        "checkNo": close.check_no,
        "seq": record.seq,
        "recordHash": record.record_hash,
    }
    if reason is not None:
        event["reason"] = audit["reason"] = reason
    if close.permit_no is not None:
        event["permitNo"] = close.permit_no
    _event(
        session,
        row,
        status="CLOSED",
        actor=close.operator_id,
        moment=close.close_time,
        detail=event,
    )
    record_audit(session, close.operator_id, "CASE_CLOSED", audit, close.close_time)
    return record


# ---- first weighings ---------------------------------------------------------------------------


def open_case(
    session: Session,
    *,
    site_code: str,
    check_no: str,
    plate_num: str,
    plate_color: int,
    lane: int,
    sum_kg: int,
    limit_kg: int,
    over_kg: int,
    moment: datetime,
    actor: str,
) -> CaseInfo:
    """Open the case of an overloaded first weighing and issue its unload notice.

    The weighing (`check_no`) must be staged already, in this session or before.
    """
    _check_site(site_code)
    if over_kg <= 0 or sum_kg <= limit_kg:
        raise _fail("over_kg", "a case is opened only for a weighing over the limit")
    row = _new_case(
        session,
        check_no=check_no,
        plate_num=plate_num,
        plate_color=plate_color,
        lane=lane,
        sum_kg=sum_kg,
        limit_kg=limit_kg,
        moment=moment,
    )
    row.unload_kg = over_kg
    year = moment.year
    # Numbered per station and year; the counter is locked with this transaction, so a
    # weighing that fails does not use up a number.
    serial = next_number(session, f"notice:{year}")
    number = f"XZ{site_code}{year}{serial:06d}"
    session.add(
        UnloadNotice(
            number=number,
            case_id=row.id,
            year=year,
            serial=serial,
            unload_kg=over_kg,
            issued_at=moment,
            issued_by=actor,
        )
    )
    row.notice_no = number
    detail = {"checkNo": check_no, "noticeNo": number, "unloadKg": over_kg}
    _event(session, row, status="OPENED", actor=actor, moment=moment, detail=detail)
    record_audit(session, actor, "CASE_OPENED", detail, moment)
    return case_info(row)


def close_not_over(
    session: Session,
    *,
    site_code: str,
    check_no: str,
    plate_num: str,
    plate_color: int,
    lane: int,
    sum_kg: int,
    limit_kg: int,
    moment: datetime,
    actor: str,
) -> CaseInfo:
    """A first weighing within the limit: its case is created and closed NOT_OVER at once."""
    _check_site(site_code)
    if sum_kg > limit_kg:
        raise _fail("sum_kg", f"{sum_kg} kg is over the limit of {limit_kg} kg: open a case")
    row = _new_case(
        session,
        check_no=check_no,
        plate_num=plate_num,
        plate_color=plate_color,
        lane=lane,
        sum_kg=sum_kg,
        limit_kg=limit_kg,
        moment=moment,
    )
    close = CloseRecord(
        check_no=check_no, close_time=moment, result=CaseResult.NOT_OVER, operator_id=actor
    )
    _stage_close(session, site_code, row, close)
    return case_info(row)


# ---- finding and re-weighing -------------------------------------------------------------------


def find_open_case(session: Session, plate_num: str, *, since: datetime) -> CaseInfo | None:
    """The most recent OPEN case of this plate opened at or after `since`, if any.

    An unread plate matches nothing: it would match every other unread truck.
    """
    if not plate_num or plate_num == UNREAD_PLATE:
        return None
    row = session.scalars(
        select(EnforcementCase)
        .where(
            EnforcementCase.plate_num == plate_num,
            EnforcementCase.opened_at >= since,
            EnforcementCase.status == OPEN,
        )
        .order_by(EnforcementCase.opened_at.desc(), EnforcementCase.id.desc())
        .limit(1)
    ).first()
    return None if row is None else case_info(row)


def cases_for(session: Session, check_no: str) -> CaseInfo | None:
    """The case of a first weighing, whatever its status."""
    row = session.scalars(
        select(EnforcementCase).where(EnforcementCase.check_no == check_no)
    ).one_or_none()
    return None if row is None else case_info(row)


def record_reweigh(
    session: Session,
    case: CaseInfo,
    *,
    site_code: str,
    recheck_no: str,
    sum_kg: int,
    is_over: bool,
    over_kg: int,
    moment: datetime,
    actor: str,
) -> CaseInfo:
    """A re-weighing (checkType 2) of an open case: close it UNLOADED, or note it still over.

    The re-weighing's CHECK record (`recheck_no`) is staged by the caller, normally in
    this same transaction.
    """
    _check_site(site_code)
    row = _open_row(session, case.id, "case")
    if not recheck_no or recheck_no == row.check_no:
        raise _fail("recheck_no", "must be the checkNo of the re-weighing")
    if is_over and over_kg <= 0:
        raise _fail("over_kg", "a re-weighing still over the limit has a positive overWeight")
    detail = {"recheckNo": recheck_no, "sumKg": sum_kg, "overKg": over_kg if is_over else 0}
    _event(session, row, status="REWEIGHED", actor=actor, moment=moment, detail=detail)
    if is_over:
        row.unload_kg = over_kg
        still = {"checkNo": row.check_no, "recheckNo": recheck_no, "sumKg": sum_kg}
        record_audit(session, actor, "CASE_STILL_OVER", {**still, "unloadKg": over_kg}, moment)
        return case_info(row)
    close = CloseRecord(
        check_no=row.check_no,
        close_time=moment,
        result=CaseResult.UNLOADED,
        operator_id=actor,
        recheck_no=recheck_no,
        # A re-weighing heavier than the first (another scale, fuel, a passenger) must not
        # report a negative amount unloaded.
        unload_weight_kg=max(0, row.first_sum_kg - sum_kg),
        order_no=row.notice_no,
    )
    _stage_close(session, site_code, row, close)
    return case_info(row)


# ---- closing by hand, overrides ----------------------------------------------------------------


def _hand_result(result: CaseResult | str, reason: str, permit_no: str | None) -> CaseResult:
    try:
        chosen = CaseResult(result)
    except ValueError:
        raise _fail("result", f"{result!r} is not a case result") from None
    if chosen not in HAND_RESULTS:
        raise _fail("result", "a case is closed by hand only as POLICE, PERMIT or ABSCONDED")
    if not reason.strip():
        raise _fail("reason", "closing a case by hand needs a reason")
    if chosen is CaseResult.PERMIT and not (permit_no and permit_no.strip()):
        raise _fail("permit_no", "a PERMIT close needs the permit number")
    if chosen is not CaseResult.PERMIT and permit_no is not None:
        raise _fail("permit_no", "is given only with PERMIT")
    return chosen


def close_case(
    session: Session,
    case_id: int,
    *,
    site_code: str,
    result: CaseResult,
    reason: str,
    actor: str,
    moment: datetime,
    permit_no: str | None = None,
) -> CaseInfo:
    """An operator closes an OPEN case as POLICE, PERMIT or ABSCONDED, with a reason."""
    chosen = _hand_result(result, reason, permit_no)
    _check_site(site_code)
    row = _open_row(session, case_id, "case_id")
    close = CloseRecord(
        check_no=row.check_no,
        close_time=moment,
        result=chosen,
        operator_id=actor,
        order_no=row.notice_no,
        permit_no=permit_no,
    )
    _stage_close(session, site_code, row, close, reason=reason)
    return case_info(row)


def record_override(
    session: Session,
    *,
    lane: int,
    check_no: str | None,
    reason: str,
    actor: str,
    moment: datetime,
) -> None:
    """A supervisor opened the barrier against the verdict: audited, and noted on the case."""
    if not reason.strip():
        raise _fail("reason", "opening the barrier against the verdict needs a reason")
    detail = {"lane": lane, "checkNo": check_no, "reason": reason}
    record_audit(session, actor, "RELEASE_OVERRIDE", detail, moment)
    row = _case_row(session, check_no) if check_no else None
    if row is not None:
        _event(
            session,
            row,
            status="OVERRIDE",
            actor=actor,
            moment=moment,
            detail={"lane": lane, "reason": reason},
        )


# ---- voids -------------------------------------------------------------------------------------


def _voided(session: Session, seq: int, check_no: str) -> bool:
    # A VOID carries the target's checkNo, so the index on check_no finds its candidates.
    bodies = session.scalars(
        select(Record.body).where(
            Record.check_no == check_no, Record.record_type == RecordType.VOID.value
        )
    )
    return any(json.loads(body).get("targetSeq") == seq for body in bodies)


def stage_void(
    session: Session, site_code: str, void: VoidRecord, *, moment: datetime | None = None
) -> Record:
    """Seal a VOID of a CHECK or CLOSE record with its audit event, in the caller's session.

    The checks of evidence.commit_void, and one more: a record is voided only once.
    """
    target = session.get(Record, void.target_seq)
    if target is None or target.record_type == RecordType.VOID.value:
        raise ValueError(f"targetSeq: seq {void.target_seq} is not a CHECK or CLOSE record here")
    if target.check_no != void.check_no:
        raise ValueError(f"checkNo: seq {void.target_seq} belongs to {target.check_no}")
    if _voided(session, void.target_seq, void.check_no):
        raise ValueError(f"targetSeq: seq {void.target_seq} is already voided")
    row = append_record(session, void_record_body(void, site_code), moment)
    detail = {
        "checkNo": void.check_no,
        "seq": row.seq,
        "recordHash": row.record_hash,
        "targetSeq": void.target_seq,
        "reason": void.reason,
    }
    record_audit(session, void.approver_id, "RECORD_VOIDED", detail, moment)
    return row


def void_check(
    session: Session,
    *,
    site_code: str,
    check_no: str,
    reason: str,
    approver: str,
    moment: datetime,
) -> None:
    """Withdraw a weighing: void its CHECK record, and its case with the case's CLOSE record."""
    if not reason.strip():
        raise _fail("reason", "a void needs a reason")
    _check_site(site_code)
    check = session.scalars(
        select(Record).where(
            Record.check_no == check_no, Record.record_type == RecordType.CHECK.value
        )
    ).first()
    if check is None:
        raise _fail("check_no", f"there is no CHECK record {check_no} here")
    if _voided(session, check.seq, check_no):
        raise _fail("check_no", f"{check_no} is already voided")
    case = _case_row(session, check_no)
    # The CLOSE first: it rests on the weighing, so it is withdrawn before the weighing is.
    close_seq = case.close_seq if case is not None and case.status == CLOSED else None
    if close_seq is not None and not _voided(session, close_seq, check_no):
        stage_void(
            session,
            site_code,
            VoidRecord(close_seq, check_no, reason, approver),
            moment=moment,
        )
    stage_void(session, site_code, VoidRecord(check.seq, check_no, reason, approver), moment=moment)
    if case is not None and case.status != VOIDED:
        before = case.status
        case.status = VOIDED
        _event(
            session,
            case,
            status="VOIDED",
            actor=approver,
            moment=moment,
            detail={"reason": reason, "was": before},
        )


# ---- summaries ---------------------------------------------------------------------------------


def case_counts(session: Session) -> dict[str, int]:
    """Closed cases by result (every result, zeros included), and "OPEN": the open ones."""
    counts = {result.value: 0 for result in CaseResult}
    closed = session.execute(
        select(EnforcementCase.result, func.count())
        .where(EnforcementCase.status == CLOSED)
        .group_by(EnforcementCase.result)
    ).all()
    counts.update({result: count for result, count in closed if result is not None})
    counts[OPEN] = session.scalar(
        select(func.count()).select_from(EnforcementCase).where(EnforcementCase.status == OPEN)
    )
    return counts
