"""The lane journal: a weighing interrupted by a crash or a power cut stays visible.

When a vehicle is detected on a lane, an attempt is written at once in its own short
transaction (OPEN). It ends in exactly one way:
- DONE, in the same transaction as the weighing it produced (`finish_attempt`), so a
  stored weighing never leaves an OPEN attempt behind and vice versa;
- ABANDONED, when the vehicle left without a weighing (with the operator's reason);
- INTERRUPTED, found at the next start (`recover_interrupted`): the program stopped
  (kill -9, power cut) while the vehicle was on the lane. The supervisor sees it in the
  audit chain, which is how a truck driven off during a "crash" cannot go unnoticed.
The table is mutable; every end other than DONE is written to the audit chain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.storage.chainstore import record_audit
from station.storage.database import Database
from station.storage.models import WeighingAttempt
from station.timeutil import format_time

OPEN = "OPEN"
DONE = "DONE"
INTERRUPTED = "INTERRUPTED"
ABANDONED = "ABANDONED"
MAX_PLATE = 16


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt as stored. `detail` is what the lane wrote (axles seen, weights so far)."""

    id: int
    lane: int
    started_at: datetime
    plate: str
    detail: dict[str, Any]
    state: str = OPEN
    check_no: str | None = None
    ended_at: datetime | None = None


InterruptedAttempt = Attempt
"""What `recover_interrupted` returns: the attempts it marked INTERRUPTED."""


def _fail(field: str, problem: str) -> ValueError:
    return ValueError(f"{field}: {problem}")


def _dump(detail: dict[str, Any] | None) -> str:
    try:
        return json.dumps(detail or {}, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise _fail("detail", f"must be JSON-serialisable ({exc})") from None


def _check_plate(plate: str) -> str:
    if len(plate) > MAX_PLATE:
        raise _fail("plate", f"at most {MAX_PLATE} characters")
    return plate


def _info(row: WeighingAttempt) -> Attempt:
    return Attempt(
        id=row.id,
        lane=row.lane,
        started_at=row.started_at,
        plate=row.plate,
        detail=json.loads(row.detail_json),
        state=row.state,
        check_no=row.check_no,
        ended_at=row.ended_at,
    )


def _open_row(session: Session, attempt_id: int) -> WeighingAttempt:
    row = session.get(WeighingAttempt, attempt_id, with_for_update=True)
    if row is None:
        raise _fail("attempt_id", f"there is no attempt {attempt_id}")
    if row.state != OPEN:
        raise _fail("attempt_id", f"attempt {attempt_id} is {row.state}, not OPEN")
    return row


def _audit_detail(row: WeighingAttempt) -> dict[str, Any]:
    return {
        "attemptId": row.id,
        "lane": row.lane,
        "startedAt": format_time(row.started_at),
        "plate": row.plate,
        "detail": json.loads(row.detail_json),
    }


def open_attempt(
    database: Database,
    *,
    lane: int,
    moment: datetime,
    plate: str = "",
    detail: dict[str, Any] | None = None,
) -> int:
    """A vehicle was detected on a lane: journal it now, in its own transaction."""
    if lane < 1:
        raise _fail("lane", "lanes are numbered from 1")
    row = WeighingAttempt(
        lane=lane,
        started_at=moment,
        state=OPEN,
        plate=_check_plate(plate),
        detail_json=_dump(detail),
    )
    with database.transaction() as session:
        session.add(row)
        session.flush()
        return row.id


def update_attempt(
    database: Database,
    attempt_id: int,
    *,
    plate: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Note what the lane learnt since; `detail` keys are merged into the stored detail."""
    with database.transaction() as session:
        row = _open_row(session, attempt_id)
        if plate is not None:
            row.plate = _check_plate(plate)
        if detail:
            merged = json.loads(row.detail_json)
            merged.update(detail)
            row.detail_json = _dump(merged)


def attempt_state(source: Database | Session, attempt_id: int) -> str | None:
    """The attempt's state (OPEN, DONE, ...), None for an id the journal never gave."""
    if isinstance(source, Session):
        row = source.get(WeighingAttempt, attempt_id)
        return None if row is None else row.state
    with source.read() as session:
        return attempt_state(session, attempt_id)


def finish_attempt(session: Session, attempt_id: int, *, check_no: str, moment: datetime) -> None:
    """The attempt produced the weighing `check_no`; staged in the weighing's transaction."""
    if not check_no:
        raise _fail("check_no", "a finished attempt names its weighing")
    row = _open_row(session, attempt_id)
    row.state = DONE
    row.check_no = check_no
    row.ended_at = moment


def abandon_attempt(
    database: Database, attempt_id: int, *, reason: str, moment: datetime, actor: str
) -> None:
    """The vehicle left without a weighing: say why, for the audit chain."""
    if not reason.strip():
        raise _fail("reason", "an abandoned weighing needs a reason")
    with database.transaction() as session:
        row = _open_row(session, attempt_id)
        row.state = ABANDONED
        row.ended_at = moment
        detail = _audit_detail(row)
        detail["reason"] = reason
        record_audit(session, actor, "WEIGHING_ABANDONED", detail, moment)


def recover_interrupted(database: Database, *, actor: str, moment: datetime) -> list[Attempt]:
    """At start-up: mark every OPEN attempt INTERRUPTED and audit each, in one transaction.

    Run it before any lane starts, or a lane's fresh attempt would be taken for a lost
    one. A second call finds nothing.
    """
    with database.transaction() as session:
        rows = session.scalars(
            select(WeighingAttempt)
            .where(WeighingAttempt.state == OPEN)
            .order_by(WeighingAttempt.id)
            .with_for_update()
        ).all()
        for row in rows:
            row.state = INTERRUPTED
            row.ended_at = moment
            record_audit(session, actor, "WEIGHING_INTERRUPTED", _audit_detail(row), moment)
        return [_info(row) for row in rows]


def _listed(database: Database, state: str, since: datetime | None) -> list[Attempt]:
    statement = select(WeighingAttempt).where(WeighingAttempt.state == state)
    if since is not None:
        statement = statement.where(WeighingAttempt.started_at >= since)
    with database.read() as session:
        rows = session.scalars(statement.order_by(WeighingAttempt.id)).all()
        return [_info(row) for row in rows]


def open_attempts(database: Database) -> list[Attempt]:
    """Attempts still OPEN (vehicles on the lanes now), oldest first."""
    return _listed(database, OPEN, None)


def interrupted_attempts(database: Database, *, since: datetime | None = None) -> list[Attempt]:
    """Attempts found interrupted at a start, oldest first; `since` filters by start time."""
    return _listed(database, INTERRUPTED, since)
