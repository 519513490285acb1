"""`python main.py init --config FILE`: creates the database; the first run makes `admin`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.support import cli

PASSWORD_LINE = re.compile(r"^ {4}(\S+)$", re.MULTILINE)


def run_main(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cli.run_main(cli.user_env(tmp_path), *args)


def write_config(folder: Path) -> Path:
    """A station whose data folder is `data` next to the configuration file."""
    config = folder / "station.toml"
    config.write_text(
        '[station]\nsite_code = "410102210001"\nname = "测试检测站"\n\n'
        '[storage]\ndata_dir = "data"\n',
        encoding="utf-8",
    )
    return config


def test_first_run_creates_database_and_admin_password_once(tmp_path: Path) -> None:
    folder = tmp_path / "station"
    folder.mkdir()
    config = write_config(folder)
    database = folder / "data" / "station.sqlite3"

    first = run_main(tmp_path, "init", "--config", str(config))

    assert first.returncode == 0, first.stderr
    assert database.is_file()
    assert "database schema: empty -> " in first.stdout
    passwords = PASSWORD_LINE.findall(first.stdout)
    assert len(passwords) == 1, first.stdout
    password = passwords[0]
    assert first.stdout.count(password) == 1
    assert "created login 'admin'" in first.stdout

    second = run_main(tmp_path, "init", "--config", str(config))

    assert second.returncode == 0, second.stderr
    assert password not in second.stdout
    assert "password" not in second.stdout.lower()
    assert "database schema" not in second.stdout  # already at the newest revision

    verify = run_main(tmp_path, "verify", "--config", str(config))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "audit events: 1" in verify.stdout  # ADMIN_CREATED, once


def test_init_with_a_broken_config_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "station.toml"
    config.write_text('[station]\nsite_code = "410102210001"\n', encoding="utf-8")

    result = run_main(tmp_path, "init", "--config", str(config))

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().startswith(f"{config}:1: station.name: missing required key")
    assert not (tmp_path / "user-data").exists()
