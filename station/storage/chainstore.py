"""Appending to the hash chains inside the caller's transaction, and the evidence guard."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from station.chain import canonical_json, seal
from station.storage.models import (
    AppendOnly,
    AuditEvent,
    ChainHead,
    NumberSequence,
    Outbox,
    Record,
)
from station.timeutil import beijing_now, format_time

PROVINCE_CHAIN = "province"
AUDIT_CHAIN = "audit"


class EvidenceImmutable(RuntimeError):
    """Someone tried to change or delete committed evidence."""


@event.listens_for(Session, "before_flush")
def _refuse_evidence_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in session.deleted:
        if isinstance(obj, AppendOnly):
            raise EvidenceImmutable(f"{type(obj).__tablename__} rows are never deleted")
    for obj in session.dirty:
        if isinstance(obj, AppendOnly) and session.is_modified(obj):
            raise EvidenceImmutable(
                f"{type(obj).__tablename__} rows are never changed; record a correction instead"
            )


def _advance(session: Session, chain: str, body: dict[str, Any]) -> dict[str, Any]:
    head = session.execute(
        select(ChainHead).where(ChainHead.chain == chain).with_for_update()
    ).scalar_one()
    sealed = seal(body, head.last_seq + 1, head.last_hash)
    head.last_seq = sealed["seq"]
    head.last_hash = sealed["recordHash"]
    return sealed


def append_record(session: Session, body: dict[str, Any], now: datetime | None = None) -> Record:
    """Seal a province record into the chain and stage it with its outbox entry."""
    sealed = _advance(session, PROVINCE_CHAIN, body)
    row = Record(
        seq=sealed["seq"],
        record_type=sealed["recordType"],
        check_no=sealed["checkNo"],
        prev_hash=sealed["prevHash"],
        record_hash=sealed["recordHash"],
        body=canonical_json(sealed).decode("utf-8"),
        created_at=now or beijing_now(),
    )
    session.add(row)
    session.flush()  # the outbox row refers to it; no ORM relationship orders the inserts
    session.add(Outbox(seq=row.seq, status="PENDING", attempts=0))
    return row


def record_audit(
    session: Session,
    actor: str,
    action: str,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the local audit chain, in the caller's transaction."""
    moment = at or beijing_now()
    body = {"time": format_time(moment), "actor": actor, "action": action, "detail": detail or {}}
    sealed = _advance(session, AUDIT_CHAIN, body)
    row = AuditEvent(
        seq=sealed["seq"],
        at=moment,
        actor=actor,
        action=action,
        body=canonical_json(sealed).decode("utf-8"),
        prev_hash=sealed["prevHash"],
        record_hash=sealed["recordHash"],
    )
    session.add(row)
    return row


def next_number(session: Session, name: str) -> int:
    """Next value of a named counter (locked with the transaction, so never reused)."""
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgres_insert
    # Create the counter race-free: two first users of a new day must not both insert it.
    session.execute(
        insert(NumberSequence)
        .values(name=name, last_value=0)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    counter = session.execute(
        select(NumberSequence).where(NumberSequence.name == name).with_for_update()
    ).scalar_one()
    counter.last_value += 1
    return counter.last_value


def record_body(row: Record) -> dict[str, Any]:
    return json.loads(row.body)
