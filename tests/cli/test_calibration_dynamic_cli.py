"""`python main.py calibration history | dynamic` for a dynamic axle scale's reference-vehicle
check: separate processes on a real SQLite station, as the maintenance technician runs them."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from station.security import Role
from station.storage import calibration_dynamic as dyn
from station.storage.database import open_database
from station.storage.scales import register_scale
from tests.reports.conftest import poppler  # noqa: F401 (fixture)
from tests.reports.test_calibration_dynamic import sample_dynamic_record
from tests.support.cli import run_main, user_env

CONFIG = """
[station]
site_code = "410102210001"
name = "测试站"
[storage]
data_dir = {data}
"""
SCALE = "lane1-axle"
T0 = datetime(2026, 11, 26, 9, 0, 0)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A station with one axle scale and one recorded reference-vehicle check (run 1)."""
    data = tmp_path / "data"
    data.mkdir()
    database, _ = open_database(f"sqlite:///{data / 'station.sqlite3'}")
    try:
        register_scale(database, "tester", SCALE, max_kg=60_000, division_kg=10)
        record = replace(sample_dynamic_record(), scale_id=SCALE, started_at=T0,
                         finished_at=T0.replace(hour=10), counter=0)  # fmt: skip
        assert dyn.save_dynamic_run(database, record, actor="wang", actor_role=Role.TECHNICIAN,
                                    moment=T0.replace(hour=11)) == 1  # fmt: skip
    finally:
        database.dispose()
    path = tmp_path / "station.toml"
    path.write_text(CONFIG.format(data=json.dumps(str(data))), encoding="utf-8")
    return path


def run(tmp_path: Path, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_main(user_env(tmp_path), *args, "--config", str(config))


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True)  # fmt: skip
    return done.stdout


def test_the_history_lists_the_check_with_its_run_id(tmp_path: Path, config: Path) -> None:
    lines = ok(run(tmp_path, config, "calibration", "history", "--scale", SCALE)).splitlines()

    assert lines == [
        f"scale {SCALE}: counter 0, seal closed",
        "2026-11-26 11:00:00  DYNAMIC_CHECKED  counter 0  by wang  dynamic run 1 initial "
        "FAILED classes 2/C passes 3 failed items 2/12 technician 王建国  "
        "reason: 第3次通过车速偏高",
    ]


@pytest.mark.usefixtures("poppler")
def test_the_check_is_printed_as_pdf(tmp_path: Path, config: Path) -> None:
    out = tmp_path / "records" / "dynamic.pdf"

    done = ok(run(tmp_path, config, "calibration", "dynamic", "1", "--out", str(out)))

    assert done.strip() == str(out)
    text = pdf_text(out)
    assert "动态轴重秤检定/校准记录" in text and SCALE in text and "副本" not in text
    gross = [line for line in text.splitlines() if re.search(r"\b51010\b.*\+710\.000", line)]
    assert len(gross) == 1 and gross[0].rstrip().endswith("不合格")
    english = tmp_path / "copy-en.pdf"
    ok(run(tmp_path, config, "calibration", "dynamic", "1", "--out", str(english), "--copy",
           "--lang", "en"))  # fmt: skip
    text = pdf_text(english)
    assert "Dynamic axle scale verification record" in text and "FAIL" in text
    assert "副本" in text


@pytest.mark.parametrize(
    ("run_id", "message"),
    [
        ("7", "calibration dynamic: RUN_ID: no dynamic run 7"),
        ("x", "calibration dynamic: RUN_ID: 'x' is not a run number"),
    ],
)
def test_an_unknown_run_exits_2(tmp_path: Path, config: Path, run_id: str, message: str) -> None:
    out = tmp_path / "dynamic.pdf"
    done = run(tmp_path, config, "calibration", "dynamic", run_id, "--out", str(out))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.strip().splitlines() == [message]
    assert not out.exists()


def test_a_missing_database_exits_2(tmp_path: Path, config: Path) -> None:
    (tmp_path / "data" / "station.sqlite3").unlink()
    done = run(tmp_path, config, "calibration", "dynamic", "1", "--out", str(tmp_path / "x.pdf"))
    assert done.returncode == 2
    assert done.stderr.startswith("calibration dynamic: --config: no database at ")
