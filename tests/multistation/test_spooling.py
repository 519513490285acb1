"""The workstation's local queue (station.storage.spool, station.lanes.spooling), piece by piece.

The server here is a real PostgreSQL cluster; "unreachable" is a real refused connection
(a server of the test's own, stopped), never a mocked exception.
"""

from __future__ import annotations

import json
import pickle
import random
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from station.config import parse_config
from station.domain.records import PlateColor, PlateSource
from station.lanes.capture import QUEUED, Capture
from station.lanes.recorder import LaneRecorder, RecorderSetup
from station.lanes.settings import lane_settings
from station.lanes.spooling import SpoolingRecorder
from station.lanes.workflow import decide
from station.services.recording import Plate
from station.simulation import synthetic_vehicle
from station.storage.database import open_database
from station.storage.files import PictureStore
from station.storage.models import AuditEvent, QueuedWeighing, Record
from station.storage.scales import Certificate, record_certificate, register_scale
from station.storage.spool import Spool, SpoolError
from station.storage.verify import verify_database
from station.tables import default_limit_book
from station.timeutil import beijing_now
from tests.lanes.conftest import CONFIG, SITE
from tests.support.postgres import Cluster, pg_bindir

pytestmark = pytest.mark.postgres


def _station(url: str, tmp_path: Path):
    config = parse_config(CONFIG.format(workflow="", storage=""), tmp_path / "station.toml")
    database, _ = open_database(url)
    for scale in ("axle", "platform"):
        register_scale(database, "tester", scale, max_kg=60000, division_kg=10)
        until = beijing_now().date() + timedelta(days=200)
        record_certificate(database, "tester", scale, Certificate(f"JD-{scale}", "所", until))
    setup = RecorderSetup(SITE, "tester", timedelta(hours=72), require_daily_check=False)
    limits = default_limit_book()
    inner = LaneRecorder(database, PictureStore(tmp_path / "pictures"), limits, setup)
    spool = Spool(tmp_path / "spool.sqlite3")
    recorder = SpoolingRecorder(inner, database, spool, limits, "tester", retry_s=0.1)
    return lane_settings(config.lanes[0], config.workflow), recorder, database, spool


def _capture(seed: int, attempt_id: int) -> Capture:
    sample = synthetic_vehicle(random.Random(seed))
    plate = Plate(f"豫A{seed:05d}", PlateColor.YELLOW, PlateSource.ANPR)
    return Capture(attempt_id, sample.vehicle, plate, "5.0", None, (), (), 0.0)


def _records(database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(Record))


def test_an_entry_committed_just_before_a_crash_is_not_committed_again(
    postgres_cluster, tmp_path: Path
) -> None:
    settings, recorder, database, spool = _station(postgres_cluster.create_database(), tmp_path)
    queued_at = beijing_now() - timedelta(minutes=3)
    spool.put("weighing", (settings, _capture(1, -1)), queued_at)
    entry = spool.oldest()
    # The commit reached the server; the program died before removing the entry.
    first = recorder._inner.commit_queued(settings, entry.payload[1], entry.spool_id, queued_at)
    assert first is not None and _records(database) == 1

    fresh = SpoolingRecorder(recorder._inner, database, spool, default_limit_book(), "tester")
    assert fresh.state().pending == 1
    assert fresh.catch_up() == []  # recognised: removed, not recorded twice
    assert _records(database) == 1 and spool.pending() == 0
    with database.read() as session:
        row = session.scalars(select(QueuedWeighing)).one()
        record = session.scalars(select(Record)).one()
    assert row.check_no == record.check_no == first.check_no
    assert row.queued_at == queued_at.replace(microsecond=0) or row.queued_at == queued_at
    assert verify_database(database, None).ok


def test_a_commit_that_seemed_to_fail_but_went_in_is_not_queued_twice(
    postgres_cluster, tmp_path: Path
) -> None:
    """The server committed, then the connection broke before the answer: the lane queued
    the weighing. Its journal attempt is DONE on the server, so the queue entry is dropped."""
    settings, recorder, database, spool = _station(postgres_cluster.create_database(), tmp_path)
    capture = _capture(5, recorder.begin(1))
    recorder._inner.commit(settings, capture)
    spool.put("weighing", (settings, capture), beijing_now())
    recorder = SpoolingRecorder(recorder._inner, database, spool, default_limit_book(), "tester")

    assert recorder.catch_up() == []
    assert _records(database) == 1 and spool.pending() == 0 and spool.set_aside_problems() == []


def test_an_unreadable_entry_is_set_aside_and_the_rest_goes_on(
    postgres_cluster, tmp_path: Path
) -> None:
    settings, recorder, database, spool = _station(postgres_cluster.create_database(), tmp_path)
    raw = sqlite3.connect(tmp_path / "spool.sqlite3")
    raw.execute(
        "INSERT INTO entry (spool_id, kind, queued_at, payload) VALUES (?, ?, ?, ?)",
        ("from-an-older-version", "weighing", "2026-11-27 08:00:00", b"\x80\x05not a pickle"),
    )
    raw.commit()
    raw.close()
    spool.put("weighing", (settings, _capture(2, -1)), beijing_now())
    recorder = SpoolingRecorder(recorder._inner, database, spool, default_limit_book(), "tester")

    done = recorder.catch_up(budget_s=5)

    assert len(done) == 1 and _records(database) == 1
    [(spool_id, problem)] = spool.set_aside_problems()
    assert spool_id == "from-an-older-version" and "cannot be read back" in problem
    assert recorder.state().set_aside == 1 and recorder.state().pending == 0


def test_without_the_server_weighings_queue_in_order_and_arrive_in_order(tmp_path: Path) -> None:
    cluster = Cluster(pg_bindir())
    cluster.start()
    try:
        settings, recorder, database, _ = _station(cluster.create_database(), tmp_path)
        online = recorder.commit(settings, _capture(10, recorder.begin(1)))
        assert online.check_no and QUEUED not in online.flags
        cluster.halt()

        attempt = recorder.begin(1)  # the journal is on the server: a local attempt
        assert attempt < 0 and not recorder.online
        queued = [recorder.commit(settings, _capture(seed, attempt)) for seed in (11, 12, 13)]
        recorder.abandon(recorder.begin(1), "drove off")
        assert all(o.check_no == "" and QUEUED in o.flags for o in queued)
        over = [o for o in queued if o.is_over]
        assert all(decide(o)[0] == "hold" for o in over)  # no case without the server
        assert recorder.state().pending == 4
        assert recorder.catch_up() == []  # still down: nothing, and no error

        cluster.resume()
        done = []
        deadline = time.monotonic() + 30
        while not done and time.monotonic() < deadline:  # the prober finds the server back
            done = recorder.catch_up(budget_s=10)
            time.sleep(0.05)

        assert [d.lane for d in done] == [1, 1, 1] and recorder.online
        assert recorder.state().pending == 0
        with database.read() as session:
            checks = select(Record.body).where(Record.record_type == "CHECK")
            plates = list(session.scalars(checks.order_by(Record.seq)))
        assert [json.loads(body)["plateNum"] for body in plates] == [
            "豫A00010", "豫A00011", "豫A00012", "豫A00013",
        ]  # fmt: skip
        with database.read() as session:
            actions = list(session.scalars(select(AuditEvent.action)))
        assert actions.count("WEIGHING_QUEUED_OFFLINE") == 3
        assert actions.count("ATTEMPT_ABANDONED_OFFLINE") == 1
        assert verify_database(database, None).ok
        database.dispose()
    finally:
        cluster.stop()


FULL_DISK = """
import pickle, resource, signal, sys
from datetime import datetime
from station.storage.spool import Spool, SpoolError
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
spool = Spool(__import__("pathlib").Path(sys.argv[1]))
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
try:
    spool.put("weighing", b"x" * 400_000, datetime(2026, 11, 27, 8, 0))
except SpoolError as exc:
    print("refused:", exc)
    sys.exit(3)
print("written")
"""


def test_a_full_disk_refuses_the_entry_loudly(tmp_path: Path) -> None:
    path = tmp_path / "spool.sqlite3"
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert "cannot write to the local queue" in done.stdout
    assert Spool(path).pending() == 0


def test_a_queue_that_cannot_be_opened_says_where(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the queue's folder should be")
    with pytest.raises(SpoolError, match="cannot open the local queue"):
        Spool(blocker / "spool.sqlite3")


def test_entries_keep_their_payload(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.sqlite3")
    spool.put("abandoned", (-3, "drove off"), beijing_now())
    entry = spool.oldest()
    assert entry.kind == "abandoned" and entry.payload == (-3, "drove off")
    assert pickle.loads(pickle.dumps(entry.payload)) == (-3, "drove off")
