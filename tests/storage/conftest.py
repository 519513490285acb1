"""Storage tests run against a SQLite file and a throwaway PostgreSQL cluster alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from station.storage.database import open_database
from station.storage.files import PictureStore
from tests.support.factory import Station


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'station.sqlite3'}"
    cluster = request.getfixturevalue("postgres_cluster")
    return cluster.create_database()


@pytest.fixture
def station(backend_url: str, tmp_path: Path) -> Iterator[Station]:
    database, _ = open_database(backend_url, tmp_path / "backups")
    yield Station(database, PictureStore(tmp_path / "pictures"), tmp_path)
    database.dispose()
