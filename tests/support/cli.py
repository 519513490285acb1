"""Running `main.py` as a user would: a separate process, its own user folders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def user_env(
    tmp_path: Path, config: str = "user-config", data: str = "user-data"
) -> dict[str, str]:
    """The environment of a fresh shell whose per-user folders are under tmp_path."""
    env = dict(os.environ)
    env["STATION_CONFIG_DIR"] = str(tmp_path / config)
    env["STATION_DATA_DIR"] = str(tmp_path / data)
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop("PYTHONWARNINGS", None)
    return env


def run_main(
    env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=timeout,
        check=False,
    )
