"""The watchlist (plates to stop or look at) and the daily check of each scale.

Watchlist entries come from the province (province-api.md §5) or are entered at the
station; the table is mutable (an entry is deactivated, not deleted) and every change
is audited. A scale check is evidence that the scale read a reference weight correctly
on a day, so its rows are append-only, like the certificates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.domain.records import UNREAD_PLATE
from station.storage.chainstore import record_audit
from station.storage.database import Database
from station.storage.models import Scale, ScaleCheck, Watchlist

SOURCES = ("PROVINCE", "LOCAL")
MAX_PLATE = 16


def _fail(field: str, problem: str) -> ValueError:
    return ValueError(f"{field}: {problem}")


def _check_plate(plate_num: str) -> None:
    if not plate_num or plate_num == UNREAD_PLATE:
        raise _fail("plate_num", "a watchlist entry needs a plate that was read")
    if len(plate_num) > MAX_PLATE:
        raise _fail("plate_num", f"at most {MAX_PLATE} characters")


def _active(session: Session, plate_num: str, source: str | None = None) -> list[Watchlist]:
    statement = select(Watchlist).where(
        Watchlist.plate_num == plate_num, Watchlist.active.is_(True)
    )
    if source is not None:
        statement = statement.where(Watchlist.source == source)
    return list(session.scalars(statement.order_by(Watchlist.added_at.desc(), Watchlist.id.desc())))


# ---- watchlist ---------------------------------------------------------------------------------


def add_watch(
    database: Database,
    *,
    plate_num: str,
    reason: str,
    source: str = "LOCAL",
    actor: str,
    moment: datetime,
) -> None:
    """Watch a plate. One active entry per plate and source: a new reason replaces the old.

    Adding what is already there changes nothing and writes no audit event, so the
    nightly province list can be applied in full every time.
    """
    _check_plate(plate_num)
    if not reason.strip():
        raise _fail("reason", "a watchlist entry needs a reason")
    if source not in SOURCES:
        raise _fail("source", f"must be one of {', '.join(SOURCES)}")
    with database.transaction() as session:
        current = _active(session, plate_num, source)
        if current and current[0].reason == reason:
            return
        for row in current:
            row.active = False
        session.add(
            Watchlist(
                plate_num=plate_num, reason=reason, source=source, added_at=moment, active=True
            )
        )
        detail = {"plateNum": plate_num, "reason": reason, "source": source}
        record_audit(session, actor, "WATCHLIST_ADDED", detail, moment)


def remove_watch(
    database: Database,
    *,
    plate_num: str,
    actor: str,
    moment: datetime,
    source: str | None = None,
) -> bool:
    """Stop watching a plate (only the entries of `source` when given); False if none was."""
    if source is not None and source not in SOURCES:
        raise _fail("source", f"must be one of {', '.join(SOURCES)}")
    with database.transaction() as session:
        current = _active(session, plate_num, source)
        if not current:
            return False
        for row in current:
            row.active = False
        detail = {"plateNum": plate_num, "source": source, "reasons": [r.reason for r in current]}
        record_audit(session, actor, "WATCHLIST_REMOVED", detail, moment)
        return True


def watch_reason(session: Session, plate_num: str) -> str | None:
    """The reason of the plate's most recent active entry, or None if it is not watched."""
    if not plate_num or plate_num == UNREAD_PLATE:
        return None
    current = _active(session, plate_num)
    return current[0].reason if current else None


# ---- daily scale check -------------------------------------------------------------------------


def record_scale_check(
    database: Database,
    *,
    scale_id: str,
    reference_kg: int,
    reading_kg: int,
    actor: str,
    moment: datetime,
    tolerance_kg: int,
) -> bool:
    """Store a check of a scale with a reference weight; True when the reading was close enough."""
    if reference_kg < 0:
        # 0 is the zero check (empty platform): drift monitoring reads those as zero readings.
        raise _fail("reference_kg", "the reference weight must not be negative (0 = zero check)")
    if tolerance_kg < 0:
        raise _fail("tolerance_kg", "must not be negative")
    passed = abs(reading_kg - reference_kg) <= tolerance_kg
    with database.transaction() as session:
        if session.get(Scale, scale_id) is None:
            raise _fail("scale_id", f"unknown scale {scale_id!r}")
        session.add(
            ScaleCheck(
                scale_id=scale_id,
                checked_at=moment,
                checked_by=actor,
                reference_kg=reference_kg,
                reading_kg=reading_kg,
                passed=passed,
            )
        )
        detail = {
            "scaleId": scale_id,
            "referenceKg": reference_kg,
            "readingKg": reading_kg,
            "toleranceKg": tolerance_kg,
            "passed": passed,
        }
        record_audit(session, actor, "SCALE_CHECKED", detail, moment)
    return passed


def scale_checked_on(session: Session, scale_id: str, day: date) -> bool:
    """Whether the scale passed a check on that day (00:00 to 24:00 Beijing time, as stored)."""
    begin = datetime.combine(day, time())
    found = session.scalar(
        select(ScaleCheck.id)
        .where(
            ScaleCheck.scale_id == scale_id,
            ScaleCheck.passed.is_(True),
            ScaleCheck.reference_kg > 0,  # a zero check alone does not show the scale weighs
            ScaleCheck.checked_at >= begin,
            ScaleCheck.checked_at < begin + timedelta(days=1),
        )
        .limit(1)
    )
    return found is not None


# ---- the province's watchlist (province-api.md §5) ------------------------------------------

PROVINCE_REASONS = {
    "LOCKED": "证照锁定 LOCKED",
    "BLACKLIST": "信用黑名单 BLACKLIST",
    "REPEAT_OFFENDER": "多次违法 REPEAT_OFFENDER",
}


@dataclass(frozen=True, slots=True)
class ProvinceEntry:
    plate_num: str
    plate_color: int | None
    reason: str  # LOCKED, BLACKLIST or REPEAT_OFFENDER
    since: str = ""
    note: str = ""

    def text(self) -> str:
        """What the operator sees when the plate is matched."""
        parts = [PROVINCE_REASONS.get(self.reason, self.reason), self.since, self.note]
        return "省平台 · " + " · ".join(part for part in parts if part)


@dataclass(frozen=True, slots=True)
class WatchlistChange:
    added: int
    removed: int
    unchanged: int


def apply_province_watchlist(
    database: Database,
    *,
    entries: list[ProvinceEntry],
    removed: list[str],
    full: bool,
    cursor: str,
    moment: datetime,
    save_cursor,
) -> WatchlistChange:
    """Apply one answer of GET /watchlist in one transaction, with one audit event.

    A full answer replaces every PROVINCE entry; a partial one adds and removes. Local
    entries are never touched. `save_cursor(session, cursor)` stores the cursor in the
    same transaction, so a crash never keeps a cursor whose entries were not applied.
    """
    with database.transaction() as session:
        current = {
            row.plate_num: row
            for row in session.scalars(
                select(Watchlist).where(Watchlist.source == "PROVINCE", Watchlist.active.is_(True))
            )
        }
        wanted = {entry.plate_num: entry for entry in entries if _usable(entry.plate_num)}
        gone = set(current) - set(wanted) if full else set(removed) & set(current)
        for plate in gone:
            current[plate].active = False
        added = unchanged = 0
        for plate, entry in wanted.items():
            row = current.get(plate)
            if row is not None and row.reason == entry.text():
                unchanged += 1
                continue
            if row is not None:
                row.active = False
            session.add(
                Watchlist(
                    plate_num=plate,
                    plate_color=entry.plate_color,
                    reason=entry.text(),
                    source="PROVINCE",
                    added_at=moment,
                    active=True,
                )
            )
            added += 1
        change = WatchlistChange(added, len(gone), unchanged)
        if added or gone:
            detail = {"full": full, "added": added, "removed": len(gone), "cursor": cursor}
            record_audit(session, "upload", "WATCHLIST_SYNCED", detail, moment)
        save_cursor(session, cursor)
    return change


def _usable(plate_num: str) -> bool:
    return bool(plate_num) and plate_num != UNREAD_PLATE and len(plate_num) <= MAX_PLATE
