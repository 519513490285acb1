"""`python main.py demo --dir D`: a throwaway station whose chain `verify` then accepts."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from tests.support.cli import run_main, user_env

DEMO_SITE = "410102210001"
CHECK_NO_ROW = re.compile(rf"^({DEMO_SITE}\d{{8}}\d{{5}})\s", re.MULTILINE)


def test_demo_then_verify(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    env = user_env(tmp_path)
    # A fresh shell: the per-user data folder is elsewhere; the demo's config must say where.

    demo = run_main(env, "demo", "--dir", str(folder), "--vehicles", "5")

    assert demo.returncode == 0, demo.stdout + demo.stderr
    printed = CHECK_NO_ROW.findall(demo.stdout)
    assert len(printed) == 5, demo.stdout
    db = sqlite3.connect(folder / "data" / "station.sqlite3")
    try:
        stored = [row[0] for row in db.execute("SELECT check_no FROM weighing ORDER BY record_seq")]
    finally:
        db.close()
    assert printed == stored
    assert "完整" in demo.stdout

    verify = run_main(env, "verify", "--config", str(folder / "station.toml"))

    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "records: 5  weighings cross-checked: 5" in verify.stdout
    assert "verify: OK, chain intact from seq 1 to 5" in verify.stdout
