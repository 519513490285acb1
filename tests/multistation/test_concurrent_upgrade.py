"""Workstations starting at once after a program upgrade migrate the shared database once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from station.storage.database import Database

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
OPEN = """
import sys, time
from pathlib import Path
from station.storage.database import open_database
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.005)
database, report = open_database(sys.argv[1], Path(sys.argv[3]))
print(report.from_revision, report.to_revision, report.backup is not None)
database.dispose()
"""


def test_four_workstations_starting_together_on_an_empty_database(
    postgres_cluster, tmp_path: Path
) -> None:
    url = postgres_cluster.create_database()
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN, url, str(go), str(tmp_path / f"backups-{n}")],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    go.write_text("go")
    results = [process.communicate(timeout=120) for process in processes]

    for process, (_out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err[-2000:]
    database = Database(url)
    head = database.head_revision()
    assert database.current_revision() == head
    lines = sorted(out.split() for out, _ in results)
    # One created the schema; the others waited and found it done.
    assert lines.count(["None", head, "False"]) == 1
    assert lines.count([head, head, "False"]) == 3
    database.dispose()
