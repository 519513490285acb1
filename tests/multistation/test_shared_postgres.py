"""Two workstations committing to one PostgreSQL database at the same time (issue 9).

Each workstation is its own process with its own connection pool, as two station PCs are.
Both chains (province records and audit) must come out gapless and in one line, every
ticket number distinct, and `verify` must pass.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from station.storage.database import open_database
from station.storage.models import AuditEvent, Record, Weighing
from station.storage.verify import verify_database

ROOT = Path(__file__).resolve().parents[2]
PER_WORKSTATION = int(os.environ.get("STATION_SHARED_WEIGHINGS", "1000"))

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _start(url: str, seed: int, folder: Path) -> tuple[subprocess.Popen[str], Path]:
    ready = folder / f"ready-{seed}"
    command = [sys.executable, "-m", "tests.support.commit_weighings", url,
               str(PER_WORKSTATION), str(seed), str(ready), str(folder / "go")]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    return process, ready


def test_two_workstations_commit_at_once_and_the_chains_stay_whole(
    postgres_cluster, tmp_path: Path
) -> None:
    url = postgres_cluster.create_database()
    database, _ = open_database(url)
    workstations = [_start(url, seed, tmp_path) for seed in (1, 2)]
    deadline = time.monotonic() + 60
    while not all(ready.exists() for _, ready in workstations):
        assert time.monotonic() < deadline, "a workstation did not connect"
        time.sleep(0.05)
    (tmp_path / "go").write_text("go")
    numbers = []
    for process, _ in workstations:
        out, _ = process.communicate(timeout=600)
        assert process.returncode == 0
        numbers.append(out.split())

    with database.read() as session:
        seqs = list(session.scalars(select(Record.seq).order_by(Record.seq)))
        audit = list(session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
        check_nos = list(session.scalars(select(Weighing.check_no)))
    total = 2 * PER_WORKSTATION
    assert seqs == list(range(1, total + 1))
    assert audit == list(range(1, len(audit) + 1)) and len(audit) >= total
    assert len(set(check_nos)) == total
    assert sorted(numbers[0] + numbers[1]) == sorted(check_nos)
    # Both really ran at once: their weighings interleave in the chain.
    with database.read() as session:
        order = list(session.scalars(select(Weighing.check_no).order_by(Weighing.record_seq)))
    first = set(numbers[0])
    switches = sum(1 for a, b in itertools.pairwise(order) if (a in first) != (b in first))
    assert switches > 10, switches
    report = verify_database(database, None)
    assert report.ok, (report.problems, report.faults[:5], report.audit_faults[:5])
    assert report.records == total
    database.dispose()
