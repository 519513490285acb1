"""A scale's calibration state: seal, coefficients, event counter, and recorded runs.

Everything is derived from the append-only calibration_event table; nothing here is
mutable state:

- the seal is open after a SEAL_OPENED event until the next SEAL_CLOSED one;
- the coefficients in force are the `after` of the scale's last COEFFICIENTS_CHANGED;
- the calibration event counter (事件计数器, OIML R 76 / JJG 539 audit trail) is the
  `counter` of the scale's last event at or before a moment.

The counter rule: the counter counts changes of legally relevant parameters, so only
COEFFICIENTS_CHANGED raises it, by exactly one per change (a change is one call naming
new values that differ from those in force). Opening or closing the seal and recording a
calibration run leave it as it is; every event still carries the counter then in force,
so the counter at any moment is one lookup. A scale's counter starts at 0 with the first
event the station records for it; before that it is unknown (None, printed "—"). Event
moments never go back in time for one scale, so the counter printed for a weighing never
changes afterwards.

Coefficient values are integers or decimal strings ("0.0123"), never floats: they are
evidence, kept exactly as entered. A change is allowed only to a technician while the
seal is open, and it is written with its calibration_event and an audit-chain event
(both with the values before and after) in one transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.chain import canonical_json
from station.readmodel_calibration import (
    TESTS,
    VERIFICATIONS,
    CalibrationPoint,
    CalibrationRecord,
    TestWeightSet,
)
from station.security import Role
from station.storage.chainstore import record_audit
from station.storage.database import Database
from station.storage.models import CalibrationEvent, CalibrationSession, Scale
from station.storage.models import CalibrationPoint as PointRow
from station.timeutil import beijing_now

SEAL_OPENED = "SEAL_OPENED"
SEAL_CLOSED = "SEAL_CLOSED"
COEFFICIENTS_CHANGED = "COEFFICIENTS_CHANGED"
CALIBRATED = "CALIBRATED"
KINDS = (SEAL_OPENED, SEAL_CLOSED, COEFFICIENTS_CHANGED, CALIBRATED)
SEAL_KINDS = (SEAL_OPENED, SEAL_CLOSED)

PHASES = {"FOUND": "as_found", "LEFT": "as_left"}
MAX_NAME = 40
MAX_ACTOR = 64


class CalibrationRefused(PermissionError):
    """The change is not allowed now (role, seal); nothing was written."""


def _fail(field: str, problem: str) -> ValueError:
    return ValueError(f"{field}: {problem}")


# ---- reading helpers ---------------------------------------------------------------------


@contextmanager
def _reading(source: Database | Session) -> Iterator[Session]:
    if isinstance(source, Database):
        with source.read() as session:
            yield session
    else:
        yield source


def _last_event(
    session: Session,
    scale_id: str,
    kinds: tuple[str, ...] | None = None,
    at: datetime | None = None,
) -> CalibrationEvent | None:
    statement = select(CalibrationEvent).where(CalibrationEvent.scale_id == scale_id)
    if kinds is not None:
        statement = statement.where(CalibrationEvent.kind.in_(kinds))
    if at is not None:
        statement = statement.where(CalibrationEvent.at <= at)
    statement = statement.order_by(CalibrationEvent.at.desc(), CalibrationEvent.id.desc())
    return session.scalars(statement.limit(1)).first()


def seal_is_open(source: Database | Session, scale_id: str) -> bool:
    """Whether the scale's last seal event opened it (never opened: closed)."""
    with _reading(source) as session:
        last = _last_event(session, scale_id, SEAL_KINDS)
        return last is not None and last.kind == SEAL_OPENED


def calibration_counter(
    source: Database | Session, scale_id: str, at: datetime | None = None
) -> int | None:
    """The scale's calibration event counter now, or as it was at `at` (inclusive).

    None when the station had recorded no calibration event of the scale by then.
    """
    with _reading(source) as session:
        last = _last_event(session, scale_id, at=at)
        return None if last is None else last.counter


def current_coefficients(source: Database | Session, scale_id: str) -> dict[str, int | str] | None:
    """The coefficients in force (integers and decimal strings), or None if never set here."""
    with _reading(source) as session:
        last = _last_event(session, scale_id, (COEFFICIENTS_CHANGED,))
        return None if last is None else json.loads(last.after_json)


# ---- writing helpers ---------------------------------------------------------------------


def _lock_scale(session: Session, scale_id: str) -> Scale:
    """The scale row, locked: one calibration change of a scale at a time."""
    scale = session.scalars(
        select(Scale).where(Scale.id == scale_id).with_for_update()
    ).one_or_none()
    if scale is None:
        raise _fail("scale_id", f"unknown scale {scale_id!r}")
    return scale


def _check_actor(actor: str) -> None:
    if not actor.strip():
        raise _fail("actor", "who did it must be named")
    if len(actor) > MAX_ACTOR:
        raise _fail("actor", f"at most {MAX_ACTOR} characters")


def _append_event(
    session: Session,
    scale_id: str,
    kind: str,
    *,
    actor: str,
    moment: datetime,
    counter: int,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    reason: str,
    session_id: int | None = None,
) -> CalibrationEvent:
    last = _last_event(session, scale_id)
    if last is not None and moment < last.at:
        raise _fail(
            "moment",
            f"{moment:%Y-%m-%d %H:%M:%S} is before the scale's last calibration event "
            f"({last.at:%Y-%m-%d %H:%M:%S}); the log never goes back in time",
        )
    row = CalibrationEvent(
        scale_id=scale_id,
        at=moment,
        actor=actor,
        kind=kind,
        counter=counter,
        before_json=canonical_json(dict(before)).decode("utf-8"),
        after_json=canonical_json(dict(after)).decode("utf-8"),
        reason=reason,
        session_id=session_id,
    )
    session.add(row)
    return row


# ---- the seal ----------------------------------------------------------------------------


def _seal(
    database: Database,
    scale_id: str,
    actor: str,
    reason: str,
    moment: datetime | None,
    *,
    opening: bool,
) -> int:
    _check_actor(actor)
    if opening and not reason.strip():
        raise _fail("reason", "say why the seal is opened")
    moment = moment or beijing_now()
    kind = SEAL_OPENED if opening else SEAL_CLOSED
    with database.transaction() as session:
        _lock_scale(session, scale_id)
        if seal_is_open(session, scale_id) == opening:
            state = "open" if opening else "closed"
            raise _fail("scale_id", f"the seal of scale {scale_id!r} is already {state}")
        counter = calibration_counter(session, scale_id) or 0
        states = ({"seal": "closed"}, {"seal": "open"})
        before, after = states if opening else states[::-1]
        _append_event(
            session, scale_id, kind, actor=actor, moment=moment, counter=counter,
            before=before, after=after, reason=reason,
        )  # fmt: skip
        detail = {"scaleId": scale_id, "counter": counter, "reason": reason}
        record_audit(session, actor, kind, detail, moment)
    return counter


def open_seal(
    database: Database, scale_id: str, actor: str, reason: str, moment: datetime | None = None
) -> int:
    """Record that the scale's seal (铅封 / calibration switch) was opened; returns the counter."""
    return _seal(database, scale_id, actor, reason, moment, opening=True)


def close_seal(
    database: Database,
    scale_id: str,
    actor: str,
    reason: str = "",
    moment: datetime | None = None,
) -> int:
    """Record that the seal was closed again; returns the counter (to write on the seal)."""
    return _seal(database, scale_id, actor, reason, moment, opening=False)


# ---- coefficients ------------------------------------------------------------------------


def _coefficient(name: str, value: object) -> int | str:
    field = f"new[{name!r}]"
    if isinstance(value, bool | float):
        raise _fail(field, "give an integer or a decimal string; a float is not evidence")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _fail(field, "must be a finite number")
        return str(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise _fail(field, f"{value!r} is not a decimal number") from None
        if not number.is_finite():
            raise _fail(field, "must be a finite number")
        return text
    raise _fail(field, f"give an integer or a decimal string, not {type(value).__name__}")


def normalise_coefficients(new: Mapping[str, object]) -> dict[str, int | str]:
    """Checked coefficients: names as given, integers kept, decimals as their strings."""
    if not isinstance(new, Mapping) or not new:
        raise _fail("new", "name at least one coefficient")
    checked: dict[str, int | str] = {}
    for name, value in new.items():
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
            raise _fail("new", f"coefficient names are 1 to {MAX_NAME} characters, not {name!r}")
        checked[name] = _coefficient(name, value)
    return checked


def _same(a: Mapping[str, int | str] | None, b: Mapping[str, int | str]) -> bool:
    if a is None or set(a) != set(b):
        return False
    return all(Decimal(str(a[name])) == Decimal(str(b[name])) for name in b)


def _is_technician(actor_role: Role | str) -> bool:
    try:
        return Role(actor_role) is Role.TECHNICIAN
    except ValueError:
        return False


def change_coefficients(
    database: Database,
    scale_id: str,
    new: Mapping[str, object],
    *,
    actor: str,
    actor_role: Role | str,
    reason: str,
    moment: datetime | None = None,
) -> int:
    """Replace the scale's coefficients by `new` (the full set); returns the new counter.

    Refused (CalibrationRefused, nothing written) unless `actor_role` is the technician
    role and the seal is open. The counter goes up by one; the calibration event and the
    audit event, both with the values before and after, are one transaction.
    """
    if not _is_technician(actor_role):
        raise CalibrationRefused(
            f"only a {Role.TECHNICIAN.value} may change calibration coefficients, "
            f"not {str(actor_role)!r}"
        )
    _check_actor(actor)
    if not reason.strip():
        raise _fail("reason", "say why the coefficients are changed")
    after = normalise_coefficients(new)
    moment = moment or beijing_now()
    with database.transaction() as session:
        _lock_scale(session, scale_id)
        if not seal_is_open(session, scale_id):
            raise CalibrationRefused(
                f"the seal of scale {scale_id!r} is closed: open it (and record that) first"
            )
        before = current_coefficients(session, scale_id)
        if _same(before, after):
            raise _fail("new", "the same as the coefficients in force; nothing to change")
        counter_before = calibration_counter(session, scale_id) or 0
        counter = counter_before + 1
        _append_event(
            session, scale_id, COEFFICIENTS_CHANGED, actor=actor, moment=moment,
            counter=counter, before=before or {}, after=after, reason=reason,
        )  # fmt: skip
        detail = {
            "scaleId": scale_id,
            "counterBefore": counter_before,
            "counter": counter,
            "before": before or {},
            "after": after,
            "reason": reason,
            "role": str(Role(actor_role)),
        }
        record_audit(session, actor, COEFFICIENTS_CHANGED, detail, moment)
    return counter


# ---- calibration runs --------------------------------------------------------------------


def _check_int(field: str, value: object, *, minimum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(field, f"must be an integer, not {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise _fail(field, f"must be {minimum} or more, not {value}")


def _check_point(field: str, point: CalibrationPoint) -> None:
    if point.test not in TESTS and not (
        point.test.startswith("eccentric-") and point.test.removeprefix("eccentric-").isdigit()
    ):
        raise _fail(f"{field}.test", f"{point.test!r} is not one of {', '.join(TESTS)}")
    for name in ("load_kg", "indication_kg", "error_g"):
        _check_int(f"{field}.{name}", getattr(point, name))
    _check_int(f"{field}.mpe_g", point.mpe_g, minimum=0)


def _check_record(record: CalibrationRecord) -> None:
    if record.verification not in VERIFICATIONS:
        raise _fail("verification", f"must be one of {', '.join(VERIFICATIONS)}")
    if record.finished_at < record.started_at:
        raise _fail("finished_at", "the run cannot finish before it started")
    _check_actor(record.technician)
    _check_int("max_kg", record.max_kg, minimum=1)
    _check_int("e_kg", record.e_kg, minimum=1)
    _check_int("counter_before", record.counter_before, minimum=0)
    _check_int("counter_after", record.counter_after, minimum=0)
    for phase, points in (("as_found", record.as_found), ("as_left", record.as_left)):
        for index, point in enumerate(points):
            _check_point(f"{phase}[{index}]", point)


def _weights_json(weights: tuple[TestWeightSet, ...]) -> list[dict[str, str]]:
    return [
        {
            "setId": w.set_id,
            "weightClass": w.weight_class,
            "certificateNo": w.certificate_no,
            "validUntil": w.valid_until.isoformat(),
        }
        for w in weights
    ]


def _record_json(record: CalibrationRecord) -> dict[str, Any]:
    """The record as canonical JSON data: its digest goes into the audit chain."""

    def points(values: tuple[CalibrationPoint, ...]) -> list[list[Any]]:
        return [[p.test, p.load_kg, p.indication_kg, p.error_g, p.mpe_g, p.passed] for p in values]

    return {
        "siteCode": record.site_code,
        "stationName": record.station_name,
        "scaleId": record.scale_id,
        "scaleModel": record.scale_model,
        "maxKg": record.max_kg,
        "eKg": record.e_kg,
        "accuracyClass": record.accuracy_class,
        "verification": record.verification,
        "startedAt": record.started_at.isoformat(sep=" "),
        "finishedAt": record.finished_at.isoformat(sep=" "),
        "technician": record.technician,
        "weights": _weights_json(record.weights),
        "asFound": points(record.as_found),
        "asLeft": points(record.as_left),
        "counterBefore": record.counter_before,
        "counterAfter": record.counter_after,
        "certificateNo": record.certificate_no,
        "resultPassed": record.result_passed,
        "notes": record.notes,
    }


def record_digest(record: CalibrationRecord) -> str:
    """SHA-256 of the record's canonical JSON (what the CALIBRATION_RECORDED event names)."""
    return hashlib.sha256(canonical_json(_record_json(record))).hexdigest()


def save_session(
    database: Database,
    record: CalibrationRecord,
    *,
    actor: str | None = None,
    moment: datetime | None = None,
) -> int:
    """Store one completed calibration or verification run; returns its session id.

    The run must be finished: the seal closed (or never opened). Its counters must be
    the station's: `counter_before` as it was when the run started, `counter_after` as it
    is now (0 for a scale without events). Written with a CALIBRATED event (counter
    unchanged) and a CALIBRATION_RECORDED audit event naming the record's digest.
    """
    _check_record(record)
    actor = actor or record.technician
    _check_actor(actor)
    moment = moment or beijing_now()
    with database.transaction() as session:
        _lock_scale(session, record.scale_id)
        if seal_is_open(session, record.scale_id):
            raise CalibrationRefused(
                f"the seal of scale {record.scale_id!r} is open: close it (and record that) "
                "before recording the run"
            )
        before = calibration_counter(session, record.scale_id, record.started_at) or 0
        now = calibration_counter(session, record.scale_id) or 0
        if record.counter_before != before:
            raise _fail(
                "counter_before", f"{record.counter_before}, but the counter was {before} at start"
            )
        if record.counter_after != now:
            raise _fail("counter_after", f"{record.counter_after}, but the counter is {now}")
        row = CalibrationSession(
            scale_id=record.scale_id,
            site_code=record.site_code,
            station_name=record.station_name,
            scale_model=record.scale_model,
            max_kg=record.max_kg,
            e_kg=record.e_kg,
            accuracy_class=record.accuracy_class,
            verification=record.verification,
            started_at=record.started_at,
            finished_at=record.finished_at,
            technician=record.technician,
            weights_json=canonical_json(_weights_json(record.weights)).decode("utf-8"),
            counter_before=record.counter_before,
            counter_after=record.counter_after,
            certificate_no=record.certificate_no,
            result_passed=record.result_passed,
            notes=record.notes,
            recorded_at=moment,
            recorded_by=actor,
        )
        session.add(row)
        session.flush()  # the points and the event refer to it; no ORM relationship orders them
        for phase, points in (("FOUND", record.as_found), ("LEFT", record.as_left)):
            for no, p in enumerate(points, start=1):
                session.add(
                    PointRow(
                        session_id=row.id, phase=phase, no=no, test=p.test, load_kg=p.load_kg,
                        indication_kg=p.indication_kg, error_g=p.error_g, mpe_g=p.mpe_g,
                        passed=p.passed,
                    )
                )  # fmt: skip
        summary = {
            "sessionId": row.id,
            "verification": record.verification,
            "resultPassed": record.result_passed,
        }
        _append_event(
            session, record.scale_id, CALIBRATED, actor=actor, moment=moment, counter=now,
            before={}, after=summary, reason=record.notes, session_id=row.id,
        )  # fmt: skip
        detail = {
            "scaleId": record.scale_id,
            **summary,
            "counterBefore": record.counter_before,
            "counterAfter": record.counter_after,
            "recordSha256": record_digest(record),
        }
        record_audit(session, actor, "CALIBRATION_RECORDED", detail, moment)
        return row.id


def _record_of(session: Session, row: CalibrationSession) -> CalibrationRecord:
    rows = session.scalars(
        select(PointRow).where(PointRow.session_id == row.id).order_by(PointRow.no)
    ).all()
    phases: dict[str, list[CalibrationPoint]] = {"FOUND": [], "LEFT": []}
    for p in rows:
        phases[p.phase].append(
            CalibrationPoint(p.test, p.load_kg, p.indication_kg, p.error_g, p.mpe_g, p.passed)
        )
    weights = tuple(
        TestWeightSet(
            w["setId"], w["weightClass"], w["certificateNo"], date.fromisoformat(w["validUntil"])
        )
        for w in json.loads(row.weights_json)
    )
    return CalibrationRecord(
        site_code=row.site_code,
        station_name=row.station_name,
        scale_id=row.scale_id,
        scale_model=row.scale_model,
        max_kg=row.max_kg,
        e_kg=row.e_kg,
        accuracy_class=row.accuracy_class,
        verification=row.verification,
        started_at=row.started_at,
        finished_at=row.finished_at,
        technician=row.technician,
        weights=weights,
        as_found=tuple(phases["FOUND"]),
        as_left=tuple(phases["LEFT"]),
        counter_before=row.counter_before,
        counter_after=row.counter_after,
        certificate_no=row.certificate_no,
        result_passed=row.result_passed,
        notes=row.notes,
    )


def load_record(database: Database, session_id: int) -> CalibrationRecord:
    """The stored run as the read-model reports.calibration prints. ValueError if unknown."""
    with database.read() as session:
        row = session.get(CalibrationSession, session_id)
        if row is None:
            raise _fail("session_id", f"no calibration session {session_id}")
        return _record_of(session, row)


# ---- history -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionSummary:
    id: int
    started_at: datetime
    finished_at: datetime
    technician: str
    verification: str
    result_passed: bool
    counter_before: int
    counter_after: int
    certificate_no: str | None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One calibration event of a scale; a CALIBRATED one carries the run it recorded."""

    id: int
    at: datetime
    kind: str  # one of KINDS
    actor: str
    counter: int  # after the event
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str
    session: SessionSummary | None = None


def _summary(row: CalibrationSession) -> SessionSummary:
    return SessionSummary(
        row.id, row.started_at, row.finished_at, row.technician, row.verification,
        row.result_passed, row.counter_before, row.counter_after, row.certificate_no,
    )  # fmt: skip


def history(database: Database, scale_id: str) -> list[HistoryEntry]:
    """The scale's seal events, coefficient changes and recorded runs, newest first."""
    with database.read() as session:
        events = session.scalars(
            select(CalibrationEvent)
            .where(CalibrationEvent.scale_id == scale_id)
            .order_by(CalibrationEvent.at.desc(), CalibrationEvent.id.desc())
        ).all()
        ids = [e.session_id for e in events if e.session_id is not None]
        sessions = (
            {
                row.id: _summary(row)
                for row in session.scalars(
                    select(CalibrationSession).where(CalibrationSession.id.in_(ids))
                )
            }
            if ids
            else {}
        )
        return [
            HistoryEntry(
                e.id,
                e.at,
                e.kind,
                e.actor,
                e.counter,
                json.loads(e.before_json),
                json.loads(e.after_json),
                e.reason,
                sessions.get(e.session_id) if e.session_id is not None else None,
            )
            for e in events
        ]
