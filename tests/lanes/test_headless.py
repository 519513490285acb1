"""`main.py headless --simulate` end to end: simulated trucks through the real drivers over
loopback (TCP indicator streams, Modbus TCP, camera HTTP posts, the LED sign protocol) into
a SQLite station, compared with the simulator's ground truth."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from drivers.sim.traffic import expected_summary, plan_traffic
from station.config import demo_config_text, parse_config
from tests.support.cli import ROOT, run_main, user_env
from tests.support.ports import with_free_ports

SPEEDUP = "20"


def station_config(tmp_path: Path) -> Path:
    """The demo station with every simulated device on a free loopback port."""
    path = tmp_path / "station.toml"
    path.write_text(with_free_ports(demo_config_text()), encoding="utf-8")
    return path


def checks_by_plate(database: Path) -> dict[str, list[dict]]:
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute(
            "SELECT body FROM record WHERE record_type = 'CHECK' ORDER BY seq"
        ).fetchall()
    finally:
        connection.close()
    found: dict[str, list[dict]] = defaultdict(list)
    for (body,) in rows:
        record = json.loads(body)
        found[record["plateNum"]].append(record)
    return found


def audit_count(database: Path, action: str) -> int:
    connection = sqlite3.connect(database)
    try:
        query = "SELECT count(*) FROM audit_event WHERE action = ?"
        return connection.execute(query, (action,)).fetchone()[0]
    finally:
        connection.close()


def test_simulated_traffic_matches_the_ground_truth(tmp_path: Path):
    config_path = station_config(tmp_path)
    env = user_env(tmp_path)
    vehicles, seed = 24, 5
    done = run_main(
        env,
        "headless",
        "--config",
        str(config_path),
        "--simulate",
        "--vehicles",
        str(vehicles),
        "--speedup",
        SPEEDUP,
        "--seed",
        str(seed),
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    config = parse_config(config_path.read_text(encoding="utf-8"), config_path)
    visits = plan_traffic(seed=seed, vehicles=vehicles, lanes=config.lanes)
    truth = expected_summary(visits)
    assert summary["vehicles"] == truth["vehicles"] == vehicles
    assert summary["weighings"] == truth["weighings"]
    assert summary["over"] == truth["over"]
    expected_cases = {result: n for result, n in truth["cases"].items() if n}
    assert summary["cases"] == expected_cases
    database = tmp_path / "user-data" / "station.sqlite3"
    records = checks_by_plate(database)
    for visit in visits:
        weighings = records[visit.plate]
        assert weighings, f"visit {visit.index} ({visit.plate}) was not recorded"
        flags = set().union(*(set(record["flags"]) for record in weighings))
        assert set(visit.expected_flags) <= flags, (visit.index, visit.cheat, flags)
        first = weighings[0]
        assert first["checkType"] == 1 and first["isOver"] == int(visit.over or not visit.first)
    reweighs = [r for rs in records.values() for r in rs if r["checkType"] == 2]
    assert len(reweighs) == sum(1 for visit in visits if not visit.first)
    assert audit_count(database, "RELEASE_OVERRIDE") == summary["overrides"]
    verified = run_main(env, "verify", "--config", str(config_path))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_sigterm_stops_cleanly_with_a_summary(tmp_path: Path):
    config_path = station_config(tmp_path)
    env = user_env(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "main.py", "headless", "--config", str(config_path), "--simulate",
         "--vehicles", "200", "--speedup", SPEEDUP],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    journal = tmp_path / "user-data" / "simulation-journal.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and journal_completes(journal) < 3:
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    summary = json.loads(out)
    assert 3 <= summary["weighings"] < 200
    verified = run_main(env, "verify", "--config", str(config_path))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def journal_completes(journal: Path) -> int:
    if not journal.exists():
        return 0
    return journal.read_text(encoding="utf-8").count('"complete"')


@pytest.mark.parametrize("bad", ["--vehicles=0", "--speedup=0"])
def test_bad_arguments_are_refused(tmp_path: Path, bad: str):
    done = run_main(user_env(tmp_path), "headless", "--simulate", bad)
    assert done.returncode == 2 and "must be" in done.stderr


def test_static_platform_on_a_serial_pty_pair(tmp_path: Path):
    """The re-weighing platform on a serial line (a socat pty pair), the rest on loopback."""
    from tests.drivers.transport.conftest import SOCAT, PtyPair

    if SOCAT is None:
        pytest.skip("socat is not installed (apt-get install socat)")
    pair = PtyPair(tmp_path)
    pair.plug()
    try:
        config_path = station_config(tmp_path)
        text = config_path.read_text(encoding="utf-8")
        start = text.index('id = "lane2-platform"')
        port_line = text.index("port = ", start)
        end = text.index("\n", port_line)
        simulate_end = text.index("simulate = true", end) + len("simulate = true")
        text = (
            text[:port_line]
            + f'port = "{pair.app}"'
            + text[end:simulate_end]
            + f'\n[lanes.devices.options]\nsim_port = "{pair.device}"'
            + text[simulate_end:]
        )
        config_path.write_text(text, encoding="utf-8")
        env = user_env(tmp_path)
        vehicles, seed = 12, 2
        done = run_main(
            env, "headless", "--config", str(config_path), "--simulate",
            "--vehicles", str(vehicles), "--speedup", SPEEDUP, "--seed", str(seed),
            timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout)
        config = parse_config(text, config_path)
        truth = expected_summary(plan_traffic(seed=seed, vehicles=vehicles, lanes=config.lanes))
        assert any(
            not visit.first
            for visit in plan_traffic(seed=seed, vehicles=vehicles, lanes=config.lanes)
        )
        assert (summary["weighings"], summary["over"]) == (truth["weighings"], truth["over"])
        assert summary["cases"] == {result: n for result, n in truth["cases"].items() if n}
    finally:
        pair.unplug()
