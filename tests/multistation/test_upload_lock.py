"""One upload pass at a time for a station whose workstations share PostgreSQL."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from station.config import load_config
from station.storage.database import Database, open_database
from station.storage.files import PictureStore
from station.storage.station_lock import station_upload_lock
from station.upload.passes import run_pass
from station.upload.transport import Backoff
from tests.support.factory import Station, add_weighings
from tests.support.province_receiver import ProvinceReceiver
from tests.support.upload import SITE, station_toml, write_key

pytestmark = pytest.mark.postgres


def test_the_lock_is_the_stations_and_dies_with_its_holder(postgres_cluster) -> None:
    url = postgres_cluster.create_database()
    first, second = Database(url), Database(url)
    try:
        with station_upload_lock(first) as held:
            assert held
            with station_upload_lock(second) as also:
                assert not also
        with station_upload_lock(second) as held:
            assert held
        holder = station_upload_lock(first)
        assert holder.__enter__()
        first.dispose()  # the holding workstation's connections are gone, as in a crash
        holder.gen.close()  # its generator is abandoned, never unlocked
        with station_upload_lock(second) as held:
            assert held
    finally:
        first.dispose()
        second.dispose()


def test_a_pass_while_another_workstation_uploads_is_refused(
    postgres_cluster, tmp_path: Path
) -> None:
    url = postgres_cluster.create_database()
    database, _ = open_database(url)
    add_weighings(Station(database, PictureStore(tmp_path / "pictures"), tmp_path), 3)
    key = secrets.token_bytes(32)
    with ProvinceReceiver({SITE: key}) as receiver:
        toml = station_toml(tmp_path, receiver.base_url, write_key(tmp_path, key), None)
        toml.write_text(
            toml.read_text(encoding="utf-8") + f'[database]\nurl = "{url}"\n', encoding="utf-8"
        )
        config = load_config(toml)
        other = Database(url)
        try:
            with station_upload_lock(other):
                refused = run_pass(config, database, trigger="MANUAL", actor="t",
                                   backoff=Backoff(base_s=0.01))  # fmt: skip
            asked = receiver.request_counts()
            done = run_pass(config, database, trigger="MANUAL", actor="t")
        finally:
            other.dispose()
        assert refused.status == "FAILED"
        assert "another workstation of this station" in refused.error
        assert asked == {}
        assert done.status == "COMPLETE", done.error
    database.dispose()
