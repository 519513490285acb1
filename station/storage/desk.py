"""What the operator's desk writes besides weighings: shifts, locks, confirmations.

Each is one audit event in the hash chain, so a supervisor can see who was at the desk,
when the screen was locked, and who confirmed which verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from station.storage.chainstore import record_audit
from station.storage.database import Database
from station.storage.models import AuditEvent, Weighing
from station.timeutil import beijing_now

SHIFT_START = "SHIFT_START"
SHIFT_END = "SHIFT_END"


@dataclass(frozen=True, slots=True)
class ShiftSummary:
    login: str
    started_at: datetime | None
    ended_at: datetime
    weighings: int
    over: int


def audit(database: Database, actor: str, action: str, detail: dict[str, Any]) -> None:
    """One audit event from the desk (SCREEN_LOCKED, WEIGHING_CONFIRMED, ...)."""
    with database.transaction() as session:
        record_audit(session, actor, action, detail)


def start_shift(database: Database, login: str, workstation: str) -> datetime:
    moment = beijing_now()
    with database.transaction() as session:
        record_audit(session, login, SHIFT_START, {"workstation": workstation}, moment)
    return moment


def _shift_start(session: Any, login: str) -> datetime | None:
    return session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.actor == login, AuditEvent.action == SHIFT_START
        )
    )


def end_shift(database: Database, login: str, workstation: str) -> ShiftSummary:
    """Close the login's shift with what was weighed since it began (the handover note)."""
    moment = beijing_now()
    with database.transaction() as session:
        started = _shift_start(session, login)
        since = started or moment
        rows = session.execute(
            select(
                func.count(), func.coalesce(func.sum(case((Weighing.is_over, 1), else_=0)), 0)
            ).where(Weighing.check_time >= since, Weighing.check_time <= moment)
        ).one()
        summary = ShiftSummary(login, started, moment, int(rows[0]), int(rows[1]))
        detail = {
            "workstation": workstation,
            "startedAt": started.isoformat(" ") if started else None,
            "weighings": summary.weighings,
            "over": summary.over,
        }
        record_audit(session, login, SHIFT_END, detail, moment)
    return summary
