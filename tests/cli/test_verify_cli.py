"""`python main.py verify [--config FILE]`: exit 0 intact, 1 with the first bad seq, 2 bad input."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from station.chain import canonical_json
from tests.support import cli
from tests.support.factory import Station, add_weighings, sqlite_station

SITE_CODE = "410102210001"


def run_main(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cli.run_main(cli.user_env(tmp_path), *args)


def config_text(data_dir: Path, database: Path) -> str:
    return (
        "[station]\n"
        f'site_code = "{SITE_CODE}"\n'
        'name = "测试检测站"\n'
        "\n"
        "[storage]\n"
        f'data_dir = "{data_dir.as_posix()}"\n'
        "\n"
        "[database]\n"
        f'url = "sqlite:///{database.as_posix()}"\n'
    )


@pytest.fixture
def station(tmp_path: Path) -> Station:
    """Six closed weighings, the last three with pictures, in tmp_path/station."""
    folder = tmp_path / "station"
    folder.mkdir()
    built = sqlite_station(folder)  # pictures in folder/pictures = data_dir/pictures
    add_weighings(built, 3, seed=4)
    add_weighings(built, 3, seed=5, pictures=True, start=datetime(2026, 11, 25, 9, 0))
    built.database.dispose()
    return built


@pytest.fixture
def config(tmp_path: Path, station: Station) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(config_text(station.folder, station.sqlite_file), encoding="utf-8")
    return path


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_intact_database(tmp_path: Path, config: Path) -> None:
    result = run_main(tmp_path, "verify", "--config", str(config))

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "records: 6  weighings cross-checked: 6  audit events: 6  pictures: 3" in result.stdout
    assert "verify: OK, chain intact from seq 1 to 6" in result.stdout


def _change_body_weight(db: sqlite3.Connection) -> None:
    body = json.loads(db.execute("SELECT body FROM record WHERE seq = 4").fetchone()[0])
    body["sumWeight"] -= 3000
    body["axles"][-1]["weight"] -= 3000
    db.execute("UPDATE record SET body = ? WHERE seq = 4", (canonical_json(body).decode(),))


def _change_weighing_column(db: sqlite3.Connection) -> None:
    db.execute("UPDATE weighing SET sum_weight = sum_weight - 3000 WHERE record_seq = 4")


@pytest.mark.parametrize(
    "tamper", [_change_body_weight, _change_weighing_column], ids=["record body", "weighing row"]
)
def test_changed_weight_names_the_seq(
    tmp_path: Path, config: Path, station: Station, tamper: Callable[[sqlite3.Connection], None]
) -> None:
    db = sqlite3.connect(station.sqlite_file, isolation_level=None)
    try:
        db.execute("DROP TRIGGER record_no_update")
        db.execute("DROP TRIGGER weighing_no_update")
        tamper(db)
    finally:
        db.close()

    result = run_main(tmp_path, "verify", "--config", str(config))

    assert result.returncode == 1, result.stdout + result.stderr
    assert "first bad seq 4" in result.stdout
    assert "record seq 4:" in result.stdout
    assert "verify: FAILED" in result.stdout


def test_missing_database_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "station.sqlite3"
    config = tmp_path / "station.toml"
    config.write_text(config_text(tmp_path / "nowhere", missing), encoding="utf-8")

    result = run_main(tmp_path, "verify", "--config", str(config))

    assert result.returncode == 2
    assert result.stdout == ""
    assert one_line(result.stderr) == f"verify: no database at {missing}"
    assert not missing.exists()  # verify must not create an empty database


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        pytest.param(
            '[station]\nname = "测试检测站"\nsite_code = "4101"\n',
            3,
            "station.site_code",
            id="invalid value",
        ),
        pytest.param(
            '[station]\nsite_code = "410102210001"\nname = \n', 3, "invalid TOML", id="invalid TOML"
        ),
    ],
)
def test_config_file_with_an_error(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    config = tmp_path / "broken.toml"
    config.write_text(text, encoding="utf-8")

    result = run_main(tmp_path, "verify", "--config", str(config))

    assert result.returncode == 2
    assert result.stdout == ""
    message = one_line(result.stderr)
    assert message.startswith(f"{config}:{line}: ")
    assert fragment in message


def test_missing_config_file(tmp_path: Path) -> None:
    config = tmp_path / "absent.toml"

    result = run_main(tmp_path, "verify", "--config", str(config))

    assert result.returncode == 2
    assert one_line(result.stderr) == f"{config}: configuration file not found"


def test_file_that_is_not_a_database(tmp_path: Path) -> None:
    database = tmp_path / "station.sqlite3"
    database.write_bytes(b"not a database\n" * 200)
    config = tmp_path / "station.toml"
    config.write_text(config_text(tmp_path, database), encoding="utf-8")

    result = run_main(tmp_path, "verify", "--config", str(config))

    assert result.returncode == 1
    assert "problem: the database cannot be read: file is not a database" in result.stdout
    assert "verify: FAILED, the database itself is damaged" in result.stdout
