"""Schema migrations: from empty, from an older schema with a backup first, and their guards."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import station.storage.database as database_module
from station.storage.database import Database, StorageError, open_database
from station.storage.models import Base
from station.storage.verify import verify_database
from tests.support.factory import Station, weighings_at_revision


def test_an_empty_database_is_created_at_the_head_revision(backend_url: str) -> None:
    database, report = open_database(backend_url)
    try:
        assert report.from_revision is None
        assert report.to_revision == database.head_revision() == database.current_revision()
        assert report.backup is None
        assert verify_database(database, None).ok
    finally:
        database.dispose()


def test_models_and_migrations_describe_the_same_schema(backend_url: str) -> None:
    database, _ = open_database(backend_url)
    try:
        with database.writer.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert differences == []
    finally:
        database.dispose()


def test_opening_again_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    open_database(url)[0].dispose()
    database, report = open_database(url)
    database.dispose()
    assert report.from_revision == report.to_revision and report.backup is None
    assert not (tmp_path / "backups").exists()


def _older_station(tmp_path: Path) -> tuple[str, Station]:
    url = f"sqlite:///{tmp_path / 'station.sqlite3'}"
    database = Database(url, tmp_path / "backups")
    station, _ = weighings_at_revision(database, tmp_path, "0001", 6, seed=4)
    database.dispose()
    return url, station


def test_an_older_database_is_backed_up_then_upgraded(tmp_path: Path) -> None:
    url, _ = _older_station(tmp_path)
    database, report = open_database(url, tmp_path / "backups")
    assert report.from_revision == "0001" and report.to_revision == database.head_revision()
    assert report.backup is not None and report.backup.parent == tmp_path / "backups"
    backup = sqlite3.connect(report.backup)
    assert backup.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    assert backup.execute("SELECT count(*) FROM record").fetchone() == (6,)
    backup.close()
    upgraded = verify_database(database, None)
    assert upgraded.ok and upgraded.records == 6
    database.dispose()
    live = sqlite3.connect(tmp_path / "station.sqlite3")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        live.execute("UPDATE record SET body = 'x'")
    live.close()


def test_no_upgrade_without_room_for_the_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = _older_station(tmp_path)

    class FullDisk:
        free = 1024

    monkeypatch.setattr(database_module.shutil, "disk_usage", lambda _path: FullDisk())
    with pytest.raises(StorageError, match="not enough free disk space"):
        open_database(url, tmp_path / "backups")
    assert Database(url).current_revision() == "0001"


def test_a_file_that_is_not_a_database_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "station.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StorageError, match="cannot open the database"):
        open_database(f"sqlite:///{path}")
    assert path.read_bytes().startswith(b"this is not a database")


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'station.sqlite3'}"
    open_database(url)[0].dispose()
    conn = sqlite3.connect(tmp_path / "station.sqlite3")
    conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="newer version"):
        open_database(url)


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(StorageError, match="in-memory"):
        Database("sqlite:///:memory:")
