"""The lane journal on SQLite and PostgreSQL: a weighing cut off by a crash stays visible."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.domain.records import PlateSource
from station.services.recording import Observed, Plate, stage_observed
from station.simulation import synthetic_vehicle
from station.storage.database import Database
from station.storage.journal import (
    Attempt,
    abandon_attempt,
    finish_attempt,
    interrupted_attempts,
    open_attempt,
    open_attempts,
    recover_interrupted,
    update_attempt,
)
from station.storage.models import AuditEvent, Weighing, WeighingAttempt
from station.storage.verify import verify_database
from station.tables import default_limit_book
from tests.support.factory import CONTEXT, SITE, Station

ROOT = Path(__file__).resolve().parents[2]
MOMENT = datetime(2026, 11, 25, 14, 3, 27)
PLATE = "豫A12345"


def stage_one(session: Session, moment: datetime = MOMENT) -> str:
    """Stage one synthetic weighing in the session; return its check number."""
    sample = synthetic_vehicle(random.Random(7))
    verdict = default_limit_book().judge(sample.vehicle, moment.date())
    observed = Observed(
        sample.vehicle, verdict, Plate(PLATE, sample.plate_color, PlateSource.ANPR), "5.0"
    )
    return stage_observed(session, SITE, CONTEXT, observed, moment).check_no


def audit(database: Database, action: str) -> list[dict[str, Any]]:
    with database.read() as session:
        bodies = session.scalars(
            select(AuditEvent.body).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        ).all()
    return [json.loads(body)["detail"] for body in bodies]


def stored(database: Database, attempt_id: int) -> WeighingAttempt:
    with database.read() as session:
        row = session.get(WeighingAttempt, attempt_id)
    assert row is not None
    return row


def test_an_attempt_is_journaled_and_updated(station: Station) -> None:
    database = station.database
    attempt = open_attempt(database, lane=2, moment=MOMENT, detail={"axles": 6})
    update_attempt(database, attempt, plate=PLATE, detail={"sumKg": 65380})
    update_attempt(database, attempt, detail={"axles": 5})
    assert open_attempts(database) == [
        Attempt(
            id=attempt, lane=2, started_at=MOMENT, plate=PLATE,
            detail={"axles": 5, "sumKg": 65380}, state="OPEN",
        )
    ]  # fmt: skip
    assert audit(database, "WEIGHING_INTERRUPTED") == [], "journaling itself is not audited"


def test_finishing_is_part_of_the_weighing_transaction(station: Station) -> None:
    database = station.database
    attempt = open_attempt(database, lane=1, moment=MOMENT, plate=PLATE)
    with pytest.raises(RuntimeError, match="printer"), database.transaction() as session:
        check_no = stage_one(session)
        finish_attempt(session, attempt, check_no=check_no, moment=MOMENT)
        raise RuntimeError("the printer failed before the commit")
    assert stored(database, attempt).state == "OPEN", "no weighing, so still OPEN"
    later = MOMENT + timedelta(seconds=40)
    with database.transaction() as session:
        check_no = stage_one(session)
        finish_attempt(session, attempt, check_no=check_no, moment=later)
    row = stored(database, attempt)
    assert (row.state, row.check_no, row.ended_at) == ("DONE", check_no, later)
    assert open_attempts(database) == []
    assert recover_interrupted(database, actor="system", moment=later) == []


def test_a_vehicle_that_leaves_unweighed_is_abandoned_and_audited(station: Station) -> None:
    database = station.database
    attempt = open_attempt(database, lane=1, moment=MOMENT, plate=PLATE, detail={"axles": 3})
    left = MOMENT + timedelta(minutes=2)
    abandon_attempt(database, attempt, reason="驾驶员倒车驶离", moment=left, actor="op1")
    row = stored(database, attempt)
    assert (row.state, row.ended_at) == ("ABANDONED", left)
    assert audit(database, "WEIGHING_ABANDONED") == [
        {
            "attemptId": attempt, "lane": 1, "startedAt": "2026-11-25 14:03:27",
            "plate": PLATE, "detail": {"axles": 3}, "reason": "驾驶员倒车驶离",
        }
    ]  # fmt: skip
    assert recover_interrupted(database, actor="system", moment=left) == []


def test_recovery_marks_and_audits_every_open_attempt_once(station: Station) -> None:
    database = station.database
    first = open_attempt(database, lane=1, moment=MOMENT, plate=PLATE, detail={"sumKg": 60000})
    second = open_attempt(database, lane=2, moment=MOMENT + timedelta(seconds=5))
    done = open_attempt(database, lane=3, moment=MOMENT)
    with database.transaction() as session:
        finish_attempt(session, done, check_no=stage_one(session), moment=MOMENT)
    restart = MOMENT + timedelta(minutes=10)
    marked = recover_interrupted(database, actor="system", moment=restart)
    assert [(a.id, a.lane, a.plate, a.detail, a.state) for a in marked] == [
        (first, 1, PLATE, {"sumKg": 60000}, "INTERRUPTED"),
        (second, 2, "", {}, "INTERRUPTED"),
    ]
    assert all(a.ended_at == restart for a in marked)
    assert audit(database, "WEIGHING_INTERRUPTED") == [
        {
            "attemptId": first, "lane": 1, "startedAt": "2026-11-25 14:03:27", "plate": PLATE,
            "detail": {"sumKg": 60000},
        },
        {
            "attemptId": second, "lane": 2, "startedAt": "2026-11-25 14:03:32", "plate": "",
            "detail": {},
        },
    ]  # fmt: skip
    assert recover_interrupted(database, actor="system", moment=restart) == []
    assert len(audit(database, "WEIGHING_INTERRUPTED")) == 2
    assert open_attempts(database) == []
    assert interrupted_attempts(database) == marked
    assert interrupted_attempts(database, since=MOMENT + timedelta(seconds=1)) == marked[1:]
    report = verify_database(database, None)
    assert report.ok, (report.problems, report.faults, report.audit_faults)


def test_journal_arguments_are_checked(station: Station) -> None:
    database = station.database
    with pytest.raises(ValueError, match=r"^lane: "):
        open_attempt(database, lane=0, moment=MOMENT)
    with pytest.raises(ValueError, match=r"^plate: "):
        open_attempt(database, lane=1, moment=MOMENT, plate="豫A" * 9)
    with pytest.raises(ValueError, match=r"^detail: "):
        open_attempt(database, lane=1, moment=MOMENT, detail={"axles": {1, 2}})
    with pytest.raises(ValueError, match=r"^attempt_id: there is no attempt"):
        update_attempt(database, 999, plate=PLATE)
    attempt = open_attempt(database, lane=1, moment=MOMENT)
    with pytest.raises(ValueError, match=r"^reason: "):
        abandon_attempt(database, attempt, reason=" ", moment=MOMENT, actor="op1")
    with pytest.raises(ValueError, match=r"^check_no: "), database.transaction() as session:
        finish_attempt(session, attempt, check_no="", moment=MOMENT)
    abandon_attempt(database, attempt, reason="误触发", moment=MOMENT, actor="op1")
    with pytest.raises(ValueError, match=r"^attempt_id: .* is ABANDONED, not OPEN"):
        update_attempt(database, attempt, plate=PLATE)
    with pytest.raises(ValueError, match=r"^attempt_id: "):
        abandon_attempt(database, attempt, reason="again", moment=MOMENT, actor="op1")
    with pytest.raises(ValueError, match=r"^attempt_id: "), database.transaction() as session:
        finish_attempt(session, attempt, check_no=stage_one(session), moment=MOMENT)
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Weighing)) == 0


CRASHING_LANE = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import datetime
    from station.storage.database import Database
    from station.storage.journal import finish_attempt, open_attempt, update_attempt
    from tests.storage.test_journal import MOMENT, PLATE, stage_one

    database = Database(sys.argv[1])
    attempt = open_attempt(database, lane=1, moment=MOMENT, plate=PLATE, detail={"axles": 6})
    update_attempt(database, attempt, detail={"sumKg": 65380})
    with database.transaction() as session:
        check_no = stage_one(session)
        finish_attempt(session, attempt, check_no=check_no, moment=MOMENT)
        session.flush()
        print(attempt, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # the power cut, mid-transaction
    """
)


def test_a_weighing_killed_mid_transaction_is_found_interrupted(station: Station) -> None:
    url = station.database.url
    station.database.dispose()
    crashed = subprocess.run(
        [sys.executable, "-c", CRASHING_LANE, url],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    attempt = int(crashed.stdout.strip())
    database = Database(url)
    try:
        with database.read() as session:
            assert session.scalar(select(func.count()).select_from(Weighing)) == 0
        restart = MOMENT + timedelta(minutes=3)
        marked = recover_interrupted(database, actor="system", moment=restart)
        assert [(a.id, a.plate, a.detail) for a in marked] == [
            (attempt, PLATE, {"axles": 6, "sumKg": 65380})
        ]
        assert [d["attemptId"] for d in audit(database, "WEIGHING_INTERRUPTED")] == [attempt]
        assert recover_interrupted(database, actor="system", moment=restart) == []
        report = verify_database(database, None)
        assert report.ok, (report.problems, report.faults, report.audit_faults)
    finally:
        database.dispose()
