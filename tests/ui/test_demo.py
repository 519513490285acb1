"""`main.py --demo`: the whole station on simulators in a real window, throwaway database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from station.lanes.notices import WeighingCompleted
from station.storage import verify
from ui.app import open_demo

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(120)
def test_demo_traffic_reaches_the_window(qtbot, tmp_path: Path) -> None:
    desktop = open_demo(language="en", vehicles=3, seed=11, speedup=4.0, folder=tmp_path)
    try:
        qtbot.addWidget(desktop.window)
        desktop.window.show()
        shown: list[WeighingCompleted] = []
        desktop.bridge.notice_arrived.connect(
            lambda n: shown.append(n) if isinstance(n, WeighingCompleted) else None
        )
        qtbot.waitUntil(lambda: len(shown) >= 2, timeout=90000)
        first = shown[0]
        panel = desktop.window.panels[first.lane]
        assert panel.last is not None and " ".join(panel.verdict_lines)
        assert desktop.ctx.session.user.login == "supervisor"
        assert set(desktop.demo_accounts) == {"admin", "operator", "supervisor", "technician"}
    finally:
        desktop.shutdown()
    report = verify.verify_database(desktop.ctx.database, desktop.ctx.pictures_root)
    assert report.ok and report.weighings >= 2


@pytest.mark.timeout(120)
def test_main_demo_opens_a_window_and_leaves_nothing_behind(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "main.py", "--demo", "--lang", "zh_CN", "--quit-after", "6"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=100, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert not list(tmp_path.glob("overload-demo-*")), "the throwaway station is removed"


def test_the_desktop_refuses_a_bad_configuration(tmp_path: Path) -> None:
    bad = tmp_path / "station.toml"
    bad.write_text('[station]\nsite_code = "12"\nname = "x"\n', encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "main.py", "--config", str(bad), "--quit-after", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "station.toml:2: station.site_code" in done.stderr
