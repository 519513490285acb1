"""Backup archives and restore, on a real SQLite file and a real PostgreSQL cluster.

Each test builds a real station (weighings with pictures through the recording service),
writes real archives, damages them byte by byte where it says so, and checks the database
afterwards with queries of its own and with `verify_database`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from station.storage import backup
from station.storage.backup import (
    BackupError,
    ChainState,
    RestoreTarget,
    check_archive,
    create_backup,
    find_pg_tool,
    restore_backup,
    revision_order,
)
from station.storage.database import Database, StorageError, open_database
from station.storage.files import PictureStore
from station.storage.verify import verify_database
from tests.support.factory import SITE, Station, add_weighings, sqlite_station

LATER = datetime(2026, 11, 26, 8, 0)


# ---- helpers ---------------------------------------------------------------------------------


def counts(url: str) -> dict[str, int]:
    """Rows per table, counted here without the backup module."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            names = inspect(conn).get_table_names()
            return {
                name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                for name in names
            }
    finally:
        engine.dispose()


def heads(url: str) -> dict[str, ChainState]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT chain, last_seq, last_hash FROM chain_head"))
            return {row.chain: ChainState(row.last_seq, row.last_hash) for row in rows}
    finally:
        engine.dispose()


def revision(url: str) -> str | None:
    database = Database(url)
    try:
        return database.current_revision()
    finally:
        database.dispose()


def files(root: Path) -> dict[str, bytes]:
    """Every file under root, by relative path, with its bytes."""
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def verified(url: str, pictures: Path) -> tuple[bool, int, list[str]]:
    database = Database(url)
    try:
        report = verify_database(database, pictures)
    finally:
        database.dispose()
    problems = report.problems + [str(f) for f in report.faults + report.audit_faults]
    return report.ok, report.records, problems


def target_of(station: Station, url: str | None = None, site_code: str = SITE) -> RestoreTarget:
    return RestoreTarget(
        url=url or station.database.url,
        pictures_root=station.store.root,
        backup_dir=station.folder / "backups",
        site_code=site_code,
    )


@pytest.fixture
def other_url(backend_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A second, empty database of the same kind."""
    if backend_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'elsewhere' / 'station.sqlite3'}"
    return request.getfixturevalue("postgres_cluster").create_database()


def backup_of(station: Station, archive: Path) -> backup.BackupResult:
    return create_backup(station.database.url, station.store.root, archive, site_code=SITE)


# ---- round trips -----------------------------------------------------------------------------


def test_restore_brings_back_the_backed_up_state(station: Station, tmp_path: Path) -> None:
    url = station.database.url
    first = add_weighings(station, 4, seed=1, pictures=True)
    archive = tmp_path / "out" / "station.tar"
    made = backup_of(station, archive)
    heads_then, counts_then, pictures_then = heads(url), counts(url), files(station.store.root)
    assert made.manifest.head("province") == ChainState(first[-1].seq, first[-1].record_hash)
    assert made.manifest.chains == heads_then
    assert made.manifest.rows == counts_then and counts_then["record"] == 4
    assert len(pictures_then) == 4 and len(made.manifest.pictures) == 4
    assert made.size == archive.stat().st_size

    later = add_weighings(station, 3, seed=2, pictures=True, start=LATER)
    station.database.dispose()
    with pytest.raises(BackupError) as refused:
        restore_backup(archive, target_of(station))
    assert "its province chain runs to seq 7, the backup's to 4" in str(refused.value)
    assert heads(url)["province"] == ChainState(7, later[-1].record_hash)

    done = restore_backup(archive, target_of(station), force=True)

    assert heads(url) == heads_then
    assert counts(url) == counts_then
    restored = files(station.store.root)
    assert {name: restored[name] for name in pictures_then} == pictures_then
    assert verified(url, station.store.root) == (True, 4, [])
    assert done.safety_backup is not None and done.safety_backup.parent == tmp_path / "backups"
    kept = check_archive(done.safety_backup)
    assert kept.head("province") == ChainState(7, later[-1].record_hash)
    assert len(kept.pictures) == 7
    assert done.upgrade.from_revision == done.upgrade.to_revision


def test_restoring_into_an_empty_location_just_works(
    station: Station, other_url: str, tmp_path: Path
) -> None:
    add_weighings(station, 3, seed=3, pictures=True)
    archive = tmp_path / "station.tar"
    made = backup_of(station, archive)
    pictures = tmp_path / "new-pictures"
    target = RestoreTarget(other_url, pictures, tmp_path / "new-backups", SITE)

    done = restore_backup(archive, target)

    assert done.safety_backup is None and files(tmp_path / "new-backups") == {}
    assert done.pictures_written == 3
    assert heads(other_url) == made.manifest.chains
    assert counts(other_url) == made.manifest.rows
    assert files(pictures) == files(station.store.root)
    assert verified(other_url, pictures) == (True, 3, [])


def test_a_backup_taken_while_weighings_are_written_is_consistent(
    station: Station, other_url: str, tmp_path: Path
) -> None:
    add_weighings(station, 2, seed=4, pictures=True)
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        index = 0
        while not stop.is_set():
            index += 1
            moment = datetime(2026, 11, 27, 0, 0).replace(hour=index // 60, minute=index % 60)
            written.extend(c.seq for c in add_weighings(station, 1, seed=100 + index, start=moment))

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 3:
            threading.Event().wait(0.01)
        made = backup_of(station, tmp_path / "busy.tar")
    finally:
        stop.set()
        thread.join()
    assert 2 < made.manifest.head("province").seq < 2 + len(written) + 1
    restore_backup(tmp_path / "busy.tar", target_of(station, other_url))
    assert heads(other_url) == made.manifest.chains
    assert counts(other_url) == made.manifest.rows
    ok, records, problems = verified(other_url, station.store.root)
    assert (ok, problems) == (True, [])
    assert records == made.manifest.head("province").seq


# ---- what restore refuses, and what it allows --------------------------------------------------


def test_a_diverged_database_is_refused(station: Station, other_url: str, tmp_path: Path) -> None:
    add_weighings(station, 3, seed=5)
    archive = tmp_path / "station.tar"
    backup_of(station, archive)
    # Another database with as many records, but different ones: the chains diverged.
    other, _ = open_database(other_url, tmp_path / "other-backups")
    add_weighings(Station(other, PictureStore(tmp_path / "p2"), tmp_path), 3, seed=6)
    other.dispose()
    before = heads(other_url)
    target = target_of(station, other_url)

    with pytest.raises(BackupError) as refused:
        restore_backup(archive, target)

    message = str(refused.value)
    assert "the province chain has diverged: seq 3 is" in message
    assert "the audit chain has diverged" in message
    assert "ahead" not in message
    assert heads(other_url) == before
    assert not (tmp_path / "backups").exists()


def test_a_newer_schema_is_refused_and_a_forced_restore_is_upgraded(
    backend_url: str, tmp_path: Path
) -> None:
    older = revision_order()[-2]
    database = Database(backend_url, tmp_path / "backups")
    database.upgrade(older)
    database.dispose()
    pictures = tmp_path / "pictures"
    archive = tmp_path / "older.tar"
    made = create_backup(backend_url, pictures, archive, site_code=SITE)
    assert made.manifest.schema_revision == older
    open_database(backend_url, tmp_path / "backups")[0].dispose()  # now at the head
    head = revision(backend_url)
    target = RestoreTarget(backend_url, pictures, tmp_path / "backups", SITE)

    with pytest.raises(BackupError, match=f"a newer schema \\({head}\\) than the backup"):
        restore_backup(archive, target)
    assert revision(backend_url) == head

    done = restore_backup(archive, target, force=True)

    assert (done.upgrade.from_revision, done.upgrade.to_revision) == (older, head)
    # The upgrade after the restore backed the restored database up first.
    assert done.upgrade.backup is not None and done.upgrade.backup.is_file()
    assert revision(backend_url) == head
    assert verified(backend_url, pictures) == (True, 0, [])


def test_an_equal_or_older_database_is_replaced_without_force(
    station: Station, tmp_path: Path
) -> None:
    add_weighings(station, 2, seed=7, pictures=True)
    backup_of(station, tmp_path / "two.tar")
    add_weighings(station, 2, seed=8, pictures=True, start=LATER)
    four = backup_of(station, tmp_path / "four.tar")
    station.database.dispose()

    equal = restore_backup(tmp_path / "four.tar", target_of(station))
    assert equal.safety_backup is not None  # the current database is kept all the same
    restore_backup(tmp_path / "two.tar", target_of(station), force=True)
    assert heads(station.database.url)["province"].seq == 2
    behind = restore_backup(tmp_path / "four.tar", target_of(station))

    assert behind.pictures_written == 0  # the later pictures were still in the store
    assert heads(station.database.url) == four.manifest.chains
    assert verified(station.database.url, station.store.root) == (True, 4, [])


def test_a_backup_of_another_station_is_refused(station: Station, tmp_path: Path) -> None:
    add_weighings(station, 1, seed=9)
    backup_of(station, tmp_path / "station.tar")
    station.database.dispose()
    with pytest.raises(BackupError, match="the backup is of station 410102210001, the config"):
        restore_backup(tmp_path / "station.tar", target_of(station, site_code="410102210002"))


def test_a_backup_into_the_other_kind_of_database_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'station.sqlite3'}"
    open_database(url)[0].dispose()
    create_backup(url, tmp_path / "pictures", tmp_path / "s.tar", site_code=SITE)
    target = RestoreTarget(
        "postgresql+psycopg://station@127.0.0.1:9/station", tmp_path, tmp_path, SITE
    )
    with pytest.raises(BackupError, match="the backup holds a sqlite database, the configuration"):
        restore_backup(tmp_path / "s.tar", target)


def _rewrite_manifest(archive: Path, change: Callable[[dict], None]) -> None:
    """Re-pack the archive with a changed manifest and a matching digest (a forged backup)."""
    with tarfile.open(archive) as tar:
        members = [(info, tar.extractfile(info).read()) for info in tar]  # type: ignore[union-attr]
    document = json.loads(dict((i.name, d) for i, d in members)["manifest.json"])
    change(document)
    manifest = json.dumps(document).encode()
    replaced = {
        "manifest.json": manifest,
        "manifest.json.sha256": f"{hashlib.sha256(manifest).hexdigest()}  manifest.json\n".encode(),
    }
    with tarfile.open(archive, "w") as tar:
        for info, data in members:
            packed = replaced.get(info.name, data)
            info.size = len(packed)
            tar.addfile(info, io.BytesIO(packed))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d.update(schemaRevision="0099"),
            "the backup has schema revision 0099, unknown to this program",
        ),
        (lambda d: d.update(formatVersion=2), "format version 2, written by a newer program"),
        (lambda d: d.update(format="something-else"), "not a station backup"),
        (lambda d: d.pop("siteCode"), "manifest.json: siteCode: missing or of the wrong type"),
    ],
    ids=["newer schema", "newer format", "other format", "no site code"],
)
def test_an_archive_this_program_cannot_restore_is_refused(
    station: Station, tmp_path: Path, change: Callable[[dict], None], message: str
) -> None:
    add_weighings(station, 1, seed=10)
    archive = tmp_path / "station.tar"
    backup_of(station, archive)
    station.database.dispose()
    _rewrite_manifest(archive, change)
    before = files(station.folder)
    with pytest.raises(BackupError, match=message):
        restore_backup(archive, target_of(station), force=True)
    assert files(station.folder) == before


# ---- damaged archives --------------------------------------------------------------------------


def _data_offset(archive: Path, predicate: Callable[[str], bool]) -> tuple[int, int]:
    with tarfile.open(archive) as tar:
        info = next(i for i in tar if predicate(i.name))
        return info.offset, info.offset_data


def _flip(archive: Path, position: int) -> None:
    data = bytearray(archive.read_bytes())
    data[position] ^= 0x01
    archive.write_bytes(bytes(data))


def flip_database_byte(archive: Path) -> str:
    _, start = _data_offset(archive, lambda n: n.startswith("database/"))
    _flip(archive, start + 5000)
    return "database/station.sqlite3 does not match its size and SHA-256 in the manifest"


def flip_picture_byte(archive: Path) -> str:
    _, start = _data_offset(archive, lambda n: n.startswith("pictures/"))
    _flip(archive, start + 20)
    return "does not match its size and SHA-256 in the manifest"


def flip_manifest_byte(archive: Path) -> str:
    _, start = _data_offset(archive, lambda n: n == "manifest.json")
    _flip(archive, start + 40)
    return "manifest.json does not match its SHA-256"


def flip_header_byte(archive: Path) -> str:
    header, _ = _data_offset(archive, lambda n: n.startswith("pictures/"))
    _flip(archive, header + 30)  # inside the member's name
    return f"is damaged: the member header at byte {header} is unreadable"


def truncate_in_the_middle(archive: Path) -> str:
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    return "is not a station backup, or it is damaged"


def cut_before_the_manifest(archive: Path) -> str:
    header, _ = _data_offset(archive, lambda n: n == "manifest.json")
    archive.write_bytes(archive.read_bytes()[:header])
    return "has no manifest.json: the archive is incomplete"


def not_an_archive(archive: Path) -> str:
    archive.write_bytes(os.urandom(20000))
    return "is not a station backup, or it is damaged"


def empty_file(archive: Path) -> str:
    archive.write_bytes(b"")
    return "is not a station backup, or it is damaged"


def _repack(archive: Path, keep: Callable[[str], bool], extra: tuple[str, bytes] | None) -> None:
    with tarfile.open(archive) as tar:
        members = [(i, tar.extractfile(i).read()) for i in tar if keep(i.name)]  # type: ignore[union-attr]
    with tarfile.open(archive, "w") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data))
        if extra is not None:
            info = tarfile.TarInfo(extra[0])
            info.size = len(extra[1])
            tar.addfile(info, io.BytesIO(extra[1]))


def missing_member(archive: Path) -> str:
    with tarfile.open(archive) as tar:
        gone = next(i.name for i in tar if i.name.startswith("pictures/"))
    _repack(archive, lambda name: name != gone, None)
    return f"{gone} is listed in the manifest but missing"


def unlisted_member(archive: Path) -> str:
    data = b"not in the manifest"
    digest = hashlib.sha256(data).hexdigest()
    name = f"pictures/{digest[:2]}/{digest[2:4]}/{digest}.png"
    _repack(archive, lambda _name: True, (name, data))
    return f"{name} is not listed in the manifest"


def unsafe_member(archive: Path) -> str:
    _repack(archive, lambda _name: True, ("../../etc/station.sqlite3", b"x"))
    return "member '../../etc/station.sqlite3': an unsafe path"


def foreign_member(archive: Path) -> str:
    _repack(archive, lambda _name: True, ("province.key", b"0" * 64))
    return "member 'province.key': not a member a station backup has"


DAMAGES = [
    flip_database_byte, flip_picture_byte, flip_manifest_byte, flip_header_byte,
    truncate_in_the_middle, cut_before_the_manifest, not_an_archive, empty_file,
    missing_member, unlisted_member, unsafe_member, foreign_member,
]  # fmt: skip


@pytest.mark.parametrize("damage", DAMAGES, ids=[d.__name__ for d in DAMAGES])
def test_a_damaged_archive_is_refused_and_nothing_changes(
    tmp_path: Path, damage: Callable[[Path], str]
) -> None:
    folder = tmp_path / "station"
    database, _ = open_database(f"sqlite:///{folder / 'station.sqlite3'}")
    station = Station(database, PictureStore(folder / "pictures"), folder)
    add_weighings(station, 3, seed=11, pictures=True)
    archive = tmp_path / "station.tar"
    backup_of(station, archive)
    add_weighings(station, 1, seed=12, pictures=True, start=LATER)
    database.dispose()
    fragment = damage(archive)
    before = files(folder)

    with pytest.raises(BackupError) as refused:
        restore_backup(archive, target_of(station), force=True)

    assert fragment in str(refused.value)
    assert files(folder) == before  # no safety backup, no picture, no database change
    with pytest.raises(BackupError):
        check_archive(archive)


# ---- writing archives --------------------------------------------------------------------------


def test_an_existing_archive_is_not_overwritten_unless_forced(
    station: Station, tmp_path: Path
) -> None:
    add_weighings(station, 1, seed=13)
    archive = tmp_path / "station.tar"
    archive.write_bytes(b"someone else's file")
    with pytest.raises(BackupError, match="already exists; not overwritten"):
        backup_of(station, archive)
    assert archive.read_bytes() == b"someone else's file"
    made = create_backup(
        station.database.url, station.store.root, archive, site_code=SITE, overwrite=True
    )
    assert check_archive(archive) == made.manifest
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_only_pictures_go_into_a_backup(station: Station, tmp_path: Path) -> None:
    add_weighings(station, 2, seed=14, pictures=True)
    key = "5ec2e7" * 10 + "abcd"  # 64 hex characters, as a province key
    (station.store.root / "province.key").write_text(key)
    (station.store.root / "ab").mkdir(exist_ok=True)
    (station.store.root / "ab" / "notes.txt").write_text("not a picture")
    (station.store.root / "ab" / ".incoming-x1y2").write_bytes(b"half a picture")
    (station.folder / "province.key").write_text(key)
    archive = tmp_path / "station.tar"
    backup_of(station, archive)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = tar.extractfile("manifest.json").read().decode()  # type: ignore[union-attr]
    assert len([n for n in names if n.startswith("pictures/")]) == 2
    assert not [n for n in names if "key" in n or "notes" in n or "incoming" in n]
    assert key.encode() not in archive.read_bytes()
    assert station.database.url not in manifest


def test_a_database_in_use_is_not_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "station"
    database, _ = open_database(f"sqlite:///{folder / 'station.sqlite3'}")
    station = Station(database, PictureStore(folder / "pictures"), folder)
    add_weighings(station, 2, seed=15)
    archive = tmp_path / "station.tar"
    backup_of(station, archive)
    add_weighings(station, 1, seed=16, start=LATER)
    try:
        # The station program still has the database open.
        with pytest.raises(BackupError, match="is in use by another program"):
            restore_backup(archive, target_of(station), force=True)
        assert heads(database.url)["province"].seq == 3
    finally:
        database.dispose()
    assert verified(database.url, station.store.root) == (True, 3, [])


# ---- PostgreSQL -------------------------------------------------------------------------------


@pytest.mark.postgres
def test_a_postgres_upgrade_is_backed_up_first(postgres_cluster: object, tmp_path: Path) -> None:
    url = postgres_cluster.create_database()  # type: ignore[attr-defined]
    older = revision_order()[-2]
    database = Database(url, tmp_path / "backups")
    database.upgrade(older)
    database.dispose()

    upgraded, report = open_database(url, tmp_path / "backups")
    upgraded.dispose()

    assert report.from_revision == older and report.backup is not None
    assert report.backup.parent == tmp_path / "backups" and report.backup.suffix == ".pgdump"
    # The dump is a real custom-format dump of the database before the upgrade.
    copy = postgres_cluster.create_database()  # type: ignore[attr-defined]
    subprocess.run(
        [find_pg_tool("pg_restore"), "--no-owner", f"--dbname={copy.split('/')[-1]}",
         str(report.backup)],
        env={**os.environ, **backup.libpq_environment(copy)}, check=True, capture_output=True,
    )  # fmt: skip
    assert revision(copy) == older


@pytest.mark.postgres
def test_a_postgres_upgrade_without_pg_dump_is_refused_unless_opted_out(
    postgres_cluster: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_cluster.create_database()  # type: ignore[attr-defined]
    older = revision_order()[-2]
    database = Database(url, tmp_path / "backups")
    database.upgrade(older)
    database.dispose()
    (tmp_path / "no-tools").mkdir()
    monkeypatch.setenv("STATION_PG_BIN", str(tmp_path / "no-tools"))

    with pytest.raises(StorageError) as refused:
        open_database(url, tmp_path / "backups")
    assert "was not upgraded from schema" in str(refused.value)
    assert "pg_dump not found" in str(refused.value)
    assert "STATION_PG_UPGRADE_WITHOUT_BACKUP=1" in str(refused.value)
    assert revision(url) == older

    monkeypatch.setenv("STATION_PG_UPGRADE_WITHOUT_BACKUP", "1")
    upgraded, report = open_database(url, tmp_path / "backups")
    upgraded.dispose()
    assert report.backup is None and report.to_revision == revision(url) != older


@pytest.mark.postgres
def test_a_postgres_backup_without_pg_dump_says_so(
    postgres_cluster: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_cluster.create_database()  # type: ignore[attr-defined]
    open_database(url)[0].dispose()
    (tmp_path / "no-tools").mkdir()
    monkeypatch.setenv("STATION_PG_BIN", str(tmp_path / "no-tools"))
    with pytest.raises(BackupError, match=r"pg_dump not found in .*no-tools"):
        create_backup(url, tmp_path / "pictures", tmp_path / "out" / "s.tar", site_code=SITE)
    assert list((tmp_path / "out").iterdir()) == []


def test_the_database_url_options_reach_the_postgres_tools() -> None:
    env = backup.libpq_environment(
        "postgresql+psycopg://station:s3cret@db.example:5433/weigh?sslmode=require"
    )
    assert env["PGHOST"] == "db.example" and env["PGPORT"] == "5433"
    assert (env["PGUSER"], env["PGPASSWORD"], env["PGDATABASE"]) == ("station", "s3cret", "weigh")
    assert env["PGSSLMODE"] == "require"
    with pytest.raises(BackupError, match="the option 'frobnicate' is not passed"):
        backup.libpq_environment("postgresql+psycopg://station@db/weigh?frobnicate=1")


def test_sqlite_connections_see_the_restored_database(tmp_path: Path) -> None:
    """A reader opened after the restore sees the backup, not a stale -wal file."""
    station = sqlite_station(tmp_path)
    add_weighings(station, 2, seed=17)
    backup_of(station, tmp_path / "s.tar")
    add_weighings(station, 2, seed=18, start=LATER)
    station.database.dispose()
    restore_backup(tmp_path / "s.tar", target_of(station), force=True)
    path = station.sqlite_file
    assert not path.with_name(path.name + "-wal").exists()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT max(seq) FROM record").fetchone() == (2,)


def test_an_unreadable_current_database_is_named_and_kept(tmp_path: Path) -> None:
    station = sqlite_station(tmp_path)
    add_weighings(station, 2, seed=19)
    backup_of(station, tmp_path / "s.tar")
    station.database.dispose()
    station.sqlite_file.write_bytes(b"overwritten by a broken disk " * 200)

    with pytest.raises(BackupError) as refused:
        restore_backup(tmp_path / "s.tar", target_of(station), force=True)
    assert f"cannot read the current database {station.sqlite_file}" in str(refused.value)
    assert "move it (and any -wal/-shm file beside it) to a safe place" in str(refused.value)
    assert station.sqlite_file.read_bytes().startswith(b"overwritten by a broken disk")

    station.sqlite_file.rename(tmp_path / "damaged.sqlite3")
    restore_backup(tmp_path / "s.tar", target_of(station))
    assert verified(station.database.url, station.store.root) == (True, 2, [])


def test_a_restore_that_cannot_write_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    station = sqlite_station(tmp_path)
    add_weighings(station, 2, seed=20, pictures=True)
    backup_of(station, tmp_path / "s.tar")
    add_weighings(station, 1, seed=21, start=LATER)
    station.database.dispose()
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the picture folder should be")
    target = RestoreTarget(station.database.url, blocked, tmp_path / "backups", SITE)

    with pytest.raises(BackupError) as failed:
        restore_backup(tmp_path / "s.tar", target, force=True)

    message = str(failed.value)
    assert f"cannot write {blocked}" in message
    assert "the database was not replaced; the safety backup is " in message
    assert heads(station.database.url)["province"].seq == 3
    safety = Path(message.rsplit("the safety backup is ", 1)[1])
    assert check_archive(safety).head("province").seq == 3


@pytest.mark.postgres
def test_a_postgres_database_in_use_is_not_replaced(
    postgres_cluster: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_cluster.create_database()  # type: ignore[attr-defined]
    database, _ = open_database(url, tmp_path / "backups")
    station = Station(database, PictureStore(tmp_path / "pictures"), tmp_path)
    add_weighings(station, 2, seed=22)
    backup_of(station, tmp_path / "s.tar")
    add_weighings(station, 1, seed=23, start=LATER)
    monkeypatch.setattr(backup, "PG_LOCK_TIMEOUT", "1s")
    try:
        with database.read() as session:  # a station reading the records, mid-transaction
            session.execute(text("SELECT count(*) FROM record")).scalar_one()
            with pytest.raises(BackupError, match="is in use by another program"):
                restore_backup(tmp_path / "s.tar", target_of(station), force=True)
    finally:
        database.dispose()
    assert heads(url)["province"].seq == 3
    assert verified(url, station.store.root) == (True, 3, [])
