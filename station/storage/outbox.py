"""Delivery state for the province upload (province-api.md §3, §4, §7, §8).

The records themselves are append-only; here only their delivery state changes. A
record leaves the outbox only on ACCEPTED or DUPLICATE. A REJECTED one stays, with the
platform's code and message, for the supervisor, and is never sent again unchanged
(records never change, so it is never sent again). Each rejection is an audit event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from station.storage.chainstore import PROVINCE_CHAIN, record_audit
from station.storage.database import Database
from station.storage.models import (
    ChainHead,
    Outbox,
    Picture,
    PictureDelivery,
    ProvinceState,
    Record,
    UploadPass,
    Weighing,
    WeighingPicture,
)

PENDING = "PENDING"
ACCEPTED = "ACCEPTED"
DUPLICATE = "DUPLICATE"
REJECTED = "REJECTED"
DELIVERED = (ACCEPTED, DUPLICATE)
HELD = "HELD"
FAILED = "FAILED"
UPLOAD_REJECTED = "UPLOAD_REJECTED"


@dataclass(frozen=True, slots=True)
class Result:
    """The platform's answer for one record."""

    seq: int
    status: str
    code: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class PictureFile:
    sha256: str
    mime: str
    size: int
    stored_path: str


# ---- records ----------------------------------------------------------------------------


def next_batch(database: Database, *, after_seq: int, limit: int) -> list[tuple[int, str]]:
    """Pending records after `after_seq`, in seq order, as (seq, canonical JSON) pairs."""
    with database.read() as session:
        rows = session.execute(
            select(Record.seq, Record.body)
            .join(Outbox, Outbox.seq == Record.seq)
            .where(Outbox.status == PENDING, Record.seq > after_seq)
            .order_by(Record.seq)
            .limit(limit)
        ).all()
    return [(seq, body) for seq, body in rows]


def store_results(database: Database, results: Sequence[Result], moment: datetime) -> None:
    """Record the platform's answers; rejections also go to the audit chain."""
    with database.transaction() as session:
        for status in DELIVERED:
            seqs = [result.seq for result in results if result.status == status]
            if seqs:
                session.execute(
                    update(Outbox)
                    .where(Outbox.seq.in_(seqs))
                    .values(
                        status=status,
                        delivered_at=moment,
                        attempts=Outbox.attempts + 1,
                        last_attempt_at=moment,
                        last_error=None,
                        reject_code=None,
                    )
                )
        for result in results:
            if result.status not in DELIVERED:
                _store_rejection(session, result, moment)


def _store_rejection(session: Session, result: Result, moment: datetime) -> None:
    row = session.get(Outbox, result.seq)
    if row is None:
        return
    row.attempts += 1
    row.last_attempt_at = moment
    row.status, row.reject_code = REJECTED, result.code[:32]
    row.last_error = result.message
    detail = {"seq": result.seq, "code": result.code, "message": result.message}
    record_audit(session, "upload", UPLOAD_REJECTED, detail, moment)


def note_failure(database: Database, seqs: Iterable[int], error: str, moment: datetime) -> None:
    """A request carrying these records got no answer; they stay pending."""
    seqs = list(seqs)
    if not seqs:
        return
    with database.transaction() as session:
        session.execute(
            update(Outbox)
            .where(Outbox.seq.in_(seqs), Outbox.status == PENDING)
            .values(attempts=Outbox.attempts + 1, last_attempt_at=moment, last_error=error)
        )


def requeue_missing(database: Database, seqs: Iterable[int]) -> int:
    """Seqs the manifest says the platform lacks become pending again (never rejected ones)."""
    seqs = list(seqs)
    if not seqs:
        return 0
    with database.transaction() as session:
        changed = session.execute(
            update(Outbox)
            .where(Outbox.seq.in_(seqs), Outbox.status.in_(DELIVERED))
            .values(status=PENDING, delivered_at=None)
        )
    return changed.rowcount or 0


def counts(database: Database) -> tuple[int, int]:
    """(pending, rejected) records."""
    with database.read() as session:
        rows = dict(
            session.execute(
                select(Outbox.status, func.count())
                .where(Outbox.status.in_((PENDING, REJECTED)))
                .group_by(Outbox.status)
            ).all()
        )
    return rows.get(PENDING, 0), rows.get(REJECTED, 0)


def chain_head(database: Database) -> tuple[int, str]:
    with database.read() as session:
        head = session.get(ChainHead, PROVINCE_CHAIN)
        return (head.last_seq, head.last_hash) if head else (0, "0" * 64)


# ---- pictures ---------------------------------------------------------------------------


def _referenced(last_seq: int | None = None):
    statement = (
        select(WeighingPicture.sha256)
        .join(Weighing, Weighing.id == WeighingPicture.weighing_id)
        .distinct()
    )
    if last_seq is not None:
        statement = statement.where(Weighing.record_seq <= last_seq)
    return statement


def _unsent_pictures(*columns):
    referenced = _referenced().subquery()
    return (
        select(*columns)
        .select_from(Picture)
        .join(referenced, referenced.c.sha256 == Picture.sha256)
        .outerjoin(PictureDelivery, PictureDelivery.sha256 == Picture.sha256)
        .where((PictureDelivery.status.is_(None)) | (PictureDelivery.status != HELD))
    )


def pictures_to_send(database: Database, *, after_sha: str, limit: int) -> list[PictureFile]:
    """Pictures of recorded weighings the platform is not known to hold, in sha order."""
    columns = (Picture.sha256, Picture.mime, Picture.size, Picture.stored_path)
    with database.read() as session:
        rows = session.execute(
            _unsent_pictures(*columns)
            .where(Picture.sha256 > after_sha)
            .order_by(Picture.sha256)
            .limit(limit)
        ).all()
    return [PictureFile(*row) for row in rows]


def count_pictures_to_send(database: Database) -> int:
    with database.read() as session:
        return session.scalar(_unsent_pictures(func.count()))


@dataclass(frozen=True, slots=True)
class PictureMark:
    sha256: str
    held: bool
    error: str | None


def mark_pictures(database: Database, marks: Sequence[PictureMark], moment: datetime) -> None:
    """Note what the platform holds, a chunk per transaction (one fsync, not one each).

    Marks lost to a crash only cost a HEAD each at the next pass.
    """
    if not marks:
        return
    with database.transaction() as session:
        rows = {
            row.sha256: row
            for row in session.scalars(
                select(PictureDelivery).where(
                    PictureDelivery.sha256.in_([mark.sha256 for mark in marks])
                )
            )
        }
        for mark in marks:
            row = rows.get(mark.sha256)
            if row is None:
                row = PictureDelivery(sha256=mark.sha256, attempts=0, updated_at=moment)
                rows[mark.sha256] = row
                session.add(row)
            row.status = HELD if mark.held else FAILED
            row.attempts += 1
            row.last_error = mark.error
            row.updated_at = moment


def forget_pictures(database: Database, shas: Iterable[str]) -> int:
    """The manifest says the platform lacks these: send them again."""
    shas = [str(sha) for sha in shas]
    if not shas:
        return 0
    with database.transaction() as session:
        changed = session.execute(
            update(PictureDelivery)
            .where(PictureDelivery.sha256.in_(shas), PictureDelivery.status == HELD)
            .values(status=FAILED, last_error="missing at the platform (manifest)")
        )
    return changed.rowcount or 0


def picture_count(database: Database, last_seq: int) -> int:
    """Distinct pictures referenced by the records up to `last_seq` (manifest pictureCount)."""
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(_referenced(last_seq).subquery()))


# ---- passes and state ---------------------------------------------------------------------


PASS_FIELDS = (
    "status", "records_sent", "accepted", "duplicate", "rejected", "pictures_sent",
    "pictures_failed", "manifest_status", "last_seq", "missing_seqs", "missing_pictures",
    "pending_after", "clock_skew_s", "error",
)  # fmt: skip


def start_pass(database: Database, *, trigger: str, actor: str, moment: datetime) -> int:
    """Open a pass row; a pass left RUNNING was killed, so it becomes INTERRUPTED."""
    with database.transaction() as session:
        session.execute(
            update(UploadPass).where(UploadPass.status == "RUNNING").values(status="INTERRUPTED")
        )
        row = UploadPass(
            started_at=moment, trigger=trigger, actor=actor, status="RUNNING",
            records_sent=0, accepted=0, duplicate=0, rejected=0, pictures_sent=0,
            pictures_failed=0,
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row.id


def finish_pass(database: Database, pass_id: int, moment: datetime, **values: object) -> None:
    unknown = set(values) - set(PASS_FIELDS)
    if unknown:
        raise ValueError(f"unknown pass fields: {sorted(unknown)}")
    with database.transaction() as session:
        row = session.get(UploadPass, pass_id)
        if row is None:
            return
        for name, value in values.items():
            setattr(row, name, value)
        row.finished_at = moment


def passes(database: Database, *, limit: int = 20) -> list[UploadPass]:
    """The latest passes, newest first (detached rows)."""
    with database.read() as session:
        rows = list(session.scalars(select(UploadPass).order_by(UploadPass.id.desc()).limit(limit)))
        session.expunge_all()
    return rows


def passes_between(database: Database, start: datetime, end: datetime) -> list[UploadPass]:
    with database.read() as session:
        rows = list(
            session.scalars(
                select(UploadPass)
                .where(UploadPass.started_at >= start, UploadPass.started_at < end)
                .order_by(UploadPass.id)
            )
        )
        session.expunge_all()
    return rows


def get_state(database: Database, key: str) -> str | None:
    with database.read() as session:
        row = session.get(ProvinceState, key)
        return row.value if row else None


def set_state(session: Session, key: str, value: str, moment: datetime) -> None:
    row = session.get(ProvinceState, key)
    if row is None:
        session.add(ProvinceState(key=key, value=value, updated_at=moment))
    else:
        row.value, row.updated_at = value, moment


def put_state(database: Database, key: str, value: str, moment: datetime) -> None:
    with database.transaction() as session:
        set_state(session, key, value, moment)


def rejected_records(database: Database, *, limit: int = 200) -> list[dict[str, object]]:
    """Rejected records for the supervisor: seq, type, checkNo, code, message, when."""
    with database.read() as session:
        rows = session.execute(
            select(Outbox, Record.record_type, Record.check_no)
            .join(Record, Record.seq == Outbox.seq)
            .where(Outbox.status == REJECTED)
            .order_by(Outbox.seq)
            .limit(limit)
        ).all()
    return [
        {
            "seq": box.seq,
            "recordType": kind,
            "checkNo": check_no,
            "code": box.reject_code,
            "message": box.last_error,
            "at": box.last_attempt_at,
        }
        for box, kind, check_no in rows
    ]
