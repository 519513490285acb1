"""kill -9 at random moments of a simulated headless run: after every restart `verify`
passes, every weighing the simulator saw completed is committed, and nothing else is,
except the one vehicle in flight at the kill (committed before the simulator heard back)."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from drivers.sim.traffic import plan_traffic
from station.config import parse_config
from tests.lanes.test_headless import station_config
from tests.support.cli import ROOT, run_main, user_env

# 80 vehicles and 10 kills 2-6 s apart keep CI under its 20 minutes (about 100 s).
# STATION_KILL_VEHICLES=500 STATION_KILL_COUNT=20 STATION_KILL_SPREAD_S=10 repeats the
# issue-4 acceptance run (about 9 minutes on the 2-core VM).
VEHICLES = int(os.environ.get("STATION_KILL_VEHICLES", "80"))
KILLS = int(os.environ.get("STATION_KILL_COUNT", "10"))
SPREAD_S = float(os.environ.get("STATION_KILL_SPREAD_S", "6"))
KILL_SPEEDUP = "40"  # above ~40 the simulated axle stream stalls (docs/benchmarks.md)


def journal(path: Path) -> tuple[dict[int, str], dict[int, str]]:
    """Visits completed (index -> checkNo) and started (index -> plate)."""
    done: dict[int, str] = {}
    started: dict[int, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                break
            if entry["event"] == "start":
                started[entry["visit"]] = entry["plate"]
            else:
                done[entry["visit"]] = entry["checkNo"]
    return done, started


def committed(database: Path) -> dict[str, str]:
    """checkNo -> plate of every CHECK record."""
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute("SELECT body FROM record WHERE record_type = 'CHECK'")
        return {
            record["checkNo"]: record["plateNum"]
            for record in map(json.loads, (r[0] for r in rows))
        }
    finally:
        connection.close()


def attempt_states(database: Path) -> dict[str, int]:
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute("SELECT state, count(*) FROM weighing_attempt GROUP BY state")
        return dict(rows.fetchall())
    finally:
        connection.close()


def check_consistent(database: Path, journal_path: Path, kills: int) -> None:
    done, started = journal(journal_path)
    records = committed(database)
    missing = set(done.values()) - set(records)
    assert not missing, f"completed but not committed: {missing}"
    in_flight = {plate for index, plate in started.items() if index not in done}
    extra = {no: plate for no, plate in records.items() if no not in set(done.values())}
    assert all(plate in in_flight for plate in extra.values()), (extra, in_flight)
    assert len(extra) <= kills


@pytest.mark.timeout(1500)
def test_kill_minus_nine_loses_nothing(tmp_path: Path):
    rng = random.Random(20261126)
    config_path = station_config(tmp_path)
    env = user_env(tmp_path)
    data = tmp_path / "user-data"
    command = [
        sys.executable, "main.py", "headless", "--config", str(config_path), "--simulate",
        "--vehicles", str(VEHICLES), "--speedup", KILL_SPEEDUP, "--seed", "9",
    ]  # fmt: skip
    for kill in range(1, KILLS + 1):
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(2.0, SPREAD_S))  # spread over the run: kills land mid-vehicle too
        process.kill()
        process.wait(timeout=30)
        verified = run_main(env, "verify", "--config", str(config_path))
        assert verified.returncode == 0, (kill, verified.stdout + verified.stderr)
        check_consistent(data / "station.sqlite3", data / "simulation-journal.jsonl", kill)
    final = run_main(env, *command[2:], timeout=900)
    assert final.returncode == 0, final.stderr
    assert set(json.loads(final.stdout)) >= {"vehicles", "weighings", "over", "cases", "flags"}
    database = data / "station.sqlite3"
    check_consistent(database, data / "simulation-journal.jsonl", KILLS)
    states = attempt_states(database)
    assert "OPEN" not in states
    done, started = journal(data / "simulation-journal.jsonl")
    config = parse_config(config_path.read_text(encoding="utf-8"), config_path)
    visits = plan_traffic(seed=9, vehicles=VEHICLES, lanes=config.lanes)
    assert set(started) == {visit.index for visit in visits}  # the run went to its end
    assert len(started) - len(done) <= KILLS  # only visits in flight at a kill are open
    verified = run_main(env, "verify", "--config", str(config_path))
    assert verified.returncode == 0, verified.stdout + verified.stderr
