"""A station with real weighings and pictures, and the reference receiver over HTTPS."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from station.config import StationConfig, load_config
from station.storage.database import Database, open_database
from tests.support.factory import SITE, add_weighings, sqlite_station
from tests.support.province_receiver import ProvinceReceiver
from tests.support.tls import LoopbackPki
from tests.support.upload import station_toml, write_key


@dataclass
class Setup:
    folder: Path
    config: StationConfig
    database: Database
    receiver: ProvinceReceiver
    key: bytes


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> LoopbackPki:
    return LoopbackPki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def receiver(pki) -> Iterator[ProvinceReceiver]:
    key = secrets.token_bytes(32)
    server = ProvinceReceiver({SITE: key}, ssl_context=pki.server_context(), hold_seconds=3)
    server.key = key
    with server:
        yield server
    assert server.errors() == []


@pytest.fixture(scope="session")
def small_station(tmp_path_factory) -> Path:
    """40 weighings with one picture each, built once and copied per test."""
    folder = tmp_path_factory.mktemp("small-station")
    station = sqlite_station(folder)
    add_weighings(station, 40, seed=3, pictures=True, per_transaction=20)
    station.database.dispose()
    return folder


def copy_station(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


@pytest.fixture
def setup(tmp_path, small_station, receiver, pki) -> Iterator[Setup]:
    yield from make_setup(tmp_path, small_station, receiver, pki)


def make_setup(tmp_path, source, receiver, pki, **more) -> Iterator[Setup]:
    folder = copy_station(source, tmp_path / "station")
    key_file = write_key(tmp_path, receiver.key)
    toml = station_toml(folder, receiver.base_url, key_file, pki.ca_file, **more)
    config = load_config(toml)
    database, _ = open_database(config.database.url)
    yield Setup(folder, config, database, receiver, receiver.key)
    database.dispose()


BIG = 10_000


@pytest.fixture(scope="session")
def big_station(tmp_path_factory) -> Path:
    """10k weighings, each with a picture, with the cases and CLOSE records they bring."""
    folder = tmp_path_factory.mktemp("big-station")
    station = sqlite_station(folder)
    add_weighings(station, BIG, seed=11, pictures=True, per_transaction=500)
    station.database.dispose()
    return folder
