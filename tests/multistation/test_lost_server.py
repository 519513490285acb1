"""A workstation that loses the station's PostgreSQL server keeps weighing (issue 9).

`main.py headless --simulate` drives simulated trucks through the real drivers into a
PostgreSQL database. Part way through, the server is stopped (pg_ctl stop, as a server
restart or a crash looks to the workstation) and started again later. The trucks weighed
meanwhile are queued on the workstation's disk and committed when the server is back:
every truck is recorded exactly once, the chains are gapless, `verify` passes, and the
late records say so (queued_weighing, WEIGHING_QUEUED_OFFLINE).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from station.config import demo_config_text
from station.storage.database import Database
from station.storage.models import AuditEvent, QueuedWeighing, Record
from tests.support.cli import ROOT, run_main, user_env
from tests.support.ports import with_free_ports
from tests.support.postgres import Cluster, pg_bindir

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

VEHICLES = 30


@pytest.fixture
def own_cluster():
    """A server of this test's own: it is stopped and started, unlike the shared one."""
    cluster = Cluster(pg_bindir())
    cluster.start()
    yield cluster
    cluster.stop()


def config_for(url: str, tmp_path: Path) -> Path:
    text = with_free_ports(demo_config_text())
    text, found = re.subn(r'(?m)^url = ""$', f'url = "{url}"', text, count=1)
    assert found == 1
    path = tmp_path / "station.toml"
    path.write_text(text, encoding="utf-8")
    return path


def completes(journal: Path) -> int:
    if not journal.exists():
        return 0
    return journal.read_text(encoding="utf-8").count('"complete"')


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_weighing_goes_on_without_the_server_and_nothing_is_lost(own_cluster, tmp_path: Path):
    url = own_cluster.create_database()
    config = config_for(url, tmp_path)
    env = user_env(tmp_path)
    command = [sys.executable, "main.py", "headless", "--config", str(config), "--simulate",
               "--vehicles", str(VEHICLES), "--speedup", "20", "--seed", "3"]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    journal = tmp_path / "user-data" / "simulation-journal.jsonl"
    try:
        wait_for(lambda: completes(journal) >= 4, 120, "the first weighings")
        own_cluster.halt()
        down_at = completes(journal)
        wait_for(lambda: completes(journal) >= down_at + 6, 120, "weighings without the server")
        own_cluster.resume()
        out, err = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    summary = json.loads(out)

    assert summary["weighings"] >= VEHICLES
    assert summary["flags"].get("QUEUED", 0) >= 6
    assert summary["queuedCommitted"] == summary["flags"]["QUEUED"]
    assert summary["queuedLeft"] == 0
    database = Database(url)
    try:
        with database.read() as session:
            seqs = list(session.scalars(select(Record.seq).order_by(Record.seq)))
            checks = list(
                session.scalars(select(Record.check_no).where(Record.record_type == "CHECK"))
            )
            queued = list(session.scalars(select(QueuedWeighing.check_no)))
            audit = list(session.scalars(select(AuditEvent.action)))
    finally:
        database.dispose()
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(checks) == len(set(checks)) == summary["weighings"]
    assert len(queued) == summary["queuedCommitted"] and set(queued) <= set(checks)
    assert audit.count("WEIGHING_QUEUED_OFFLINE") == len(queued)
    verified = run_main(env, "verify", "--config", str(config))
    assert verified.returncode == 0, verified.stdout + verified.stderr
