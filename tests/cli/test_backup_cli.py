"""`main.py backup --out FILE` and `main.py restore FILE [--force]` as real processes."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from station.storage.database import open_database
from station.storage.files import PictureStore
from tests.support import cli
from tests.support.factory import SITE, Station, add_weighings

LATER = datetime(2026, 11, 26, 8, 0)


@dataclass
class Site:
    """A configured station: its configuration file, data folder and database URL."""

    config: Path
    data: Path
    url: str

    def add(self, count: int, seed: int, start: datetime = datetime(2026, 11, 25, 8, 0)) -> None:
        database, _ = open_database(self.url, self.data / "backups")
        try:
            station = Station(database, PictureStore(self.data / "pictures"), self.data)
            add_weighings(station, count, seed=seed, pictures=True, start=start)
        finally:
            database.dispose()

    def head(self) -> tuple[int, str]:
        engine = create_engine(self.url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                row = conn.execute(
                    text("SELECT last_seq, last_hash FROM chain_head WHERE chain = 'province'")
                ).one()
                return row.last_seq, row.last_hash
        finally:
            engine.dispose()


def write_config(path: Path, data: Path, url: str) -> Path:
    path.write_text(
        "[station]\n"
        f'site_code = "{SITE}"\n'
        'name = "测试检测站"\n\n'
        "[storage]\n"
        f'data_dir = "{data.as_posix()}"\n\n'
        "[database]\n"
        f'url = "{url}"\n',
        encoding="utf-8",
    )
    return path


def make_site(tmp_path: Path, name: str, url: str | None = None) -> Site:
    data = tmp_path / name
    url = url or f"sqlite:///{(data / 'station.sqlite3').as_posix()}"
    return Site(write_config(tmp_path / f"{name}.toml", data, url), data, url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Site:
    url = None
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_cluster").create_database()
    return make_site(tmp_path, "station", url)


def run_main(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cli.run_main(cli.user_env(tmp_path), *args)


def back_up(tmp_path: Path, site: Site, archive: Path) -> None:
    done = run_main(tmp_path, "backup", "--out", str(archive), "--config", str(site.config))
    assert done.returncode == 0, done.stderr


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def pictures(site: Site) -> dict[str, bytes]:
    return files(site.data / "pictures")


# ---- round trip ---------------------------------------------------------------------------------


def test_backup_then_restore_brings_the_station_back(tmp_path: Path, site: Site) -> None:
    site.add(3, seed=1)
    archive = tmp_path / "archives" / "station.tar"
    head_then, pictures_then = site.head(), pictures(site)

    made = run_main(tmp_path, "backup", "--out", str(archive), "--config", str(site.config))

    assert made.returncode == 0, made.stderr
    assert made.stderr == ""
    assert made.stdout.count("\n") == 1
    assert made.stdout.startswith(f"backup: {archive}: station {SITE}, schema ")
    assert f"records to seq 3 ({head_then[1][:12]})" in made.stdout
    assert "3 pictures" in made.stdout

    site.add(2, seed=2, start=LATER)
    refused = run_main(tmp_path, "restore", str(archive), "--config", str(site.config))
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert "refused: the current database is ahead: its province chain runs to seq 5" in (
        one_line(refused.stderr)
    )
    assert site.head()[0] == 5

    restored = run_main(tmp_path, "restore", str(archive), "--force", "--config", str(site.config))

    assert restored.returncode == 0, restored.stdout + restored.stderr
    safety = site.data / "backups"
    kept = [p for p in safety.iterdir() if p.name.startswith("pre-restore-")]
    assert len(kept) == 1
    assert f"safety backup of the replaced database and pictures: {kept[0]}" in restored.stdout
    assert "verify: OK, chain intact from seq 1 to 3" in restored.stdout
    assert site.head() == head_then
    now = pictures(site)
    assert {name: now[name] for name in pictures_then} == pictures_then
    checked = run_main(tmp_path, "verify", "--config", str(site.config))
    assert checked.returncode == 0, checked.stdout
    assert "records: 3" in checked.stdout and "pictures: 3" in checked.stdout


def test_restore_into_a_new_station_folder(tmp_path: Path) -> None:
    old = make_site(tmp_path, "old")
    old.add(2, seed=3)
    archive = tmp_path / "old.tar"
    back_up(tmp_path, old, archive)
    new = make_site(tmp_path, "new")

    restored = run_main(tmp_path, "restore", str(archive), "--config", str(new.config))

    assert restored.returncode == 0, restored.stderr
    assert "safety backup" not in restored.stdout
    assert "pictures: 2 written, 0 already in place" in restored.stdout
    assert "verify: OK, chain intact from seq 1 to 2" in restored.stdout
    assert new.head() == old.head()
    assert pictures(new) == pictures(old)


def test_restore_exits_1_when_the_restored_station_fails_verify(tmp_path: Path) -> None:
    old = make_site(tmp_path, "old")
    old.add(2, seed=4)
    damaged = next(p for p in (old.data / "pictures").rglob("*.png"))
    data = bytearray(damaged.read_bytes())
    data[-1] ^= 0x01
    damaged.write_bytes(bytes(data))  # the backup keeps the store as it is, damage included
    archive = tmp_path / "old.tar"
    back_up(tmp_path, old, archive)
    new = make_site(tmp_path, "new")

    restored = run_main(tmp_path, "restore", str(archive), "--config", str(new.config))

    assert restored.returncode == 1, restored.stdout + restored.stderr
    assert "does not match its SHA-256 (altered)" in restored.stdout
    assert "verify: FAILED" in restored.stdout


# ---- refusals ------------------------------------------------------------------------------------


def test_backup_does_not_overwrite_an_existing_file(tmp_path: Path) -> None:
    site = make_site(tmp_path, "station")
    site.add(1, seed=5)
    archive = tmp_path / "station.tar"
    archive.write_bytes(b"last week's backup")

    refused = run_main(tmp_path, "backup", "--out", str(archive), "--config", str(site.config))

    assert refused.returncode == 2 and refused.stdout == ""
    assert one_line(refused.stderr) == (
        f"backup: {archive} already exists; not overwritten (--force replaces it)"
    )
    assert archive.read_bytes() == b"last week's backup"
    forced = run_main(
        tmp_path, "backup", "--out", str(archive), "--force", "--config", str(site.config)
    )
    assert forced.returncode == 0, forced.stderr
    assert archive.read_bytes()[:9] != b"last week"


def _flip_last_picture_byte(archive: Path) -> None:
    with tarfile.open(archive) as tar:
        info = [i for i in tar if i.name.startswith("pictures/")][-1]
    data = bytearray(archive.read_bytes())
    data[info.offset_data + info.size - 1] ^= 0x01
    archive.write_bytes(bytes(data))


def test_a_damaged_archive_changes_nothing(tmp_path: Path) -> None:
    site = make_site(tmp_path, "station")
    site.add(2, seed=6)
    archive = tmp_path / "station.tar"
    back_up(tmp_path, site, archive)
    site.add(1, seed=7, start=LATER)
    _flip_last_picture_byte(archive)
    before = files(site.data)

    refused = run_main(tmp_path, "restore", str(archive), "--force", "--config", str(site.config))

    assert refused.returncode == 2 and refused.stdout == ""
    message = one_line(refused.stderr)
    assert message.startswith(f"restore: {archive} is damaged: pictures/")
    assert message.endswith("does not match its size and SHA-256 in the manifest")
    assert files(site.data) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["backup"], "backup: --out FILE is required: where to write the archive"),
        (["restore"], "restore: give the archive to restore: main.py restore FILE"),
        (["restore", "nowhere.tar"], "restore: no backup archive at nowhere.tar"),
    ],
    ids=["backup without --out", "restore without FILE", "restore of a missing file"],
)
def test_missing_arguments_are_named(tmp_path: Path, args: list[str], message: str) -> None:
    site = make_site(tmp_path, "station")
    result = run_main(tmp_path, *args, "--config", str(site.config))
    assert result.returncode == 2 and result.stdout == ""
    assert one_line(result.stderr) == message


def test_a_bad_configuration_is_named(tmp_path: Path) -> None:
    config = tmp_path / "station.toml"
    config.write_text('[station]\nsite_code = "41"\nname = "x"\n', encoding="utf-8")
    for args in (["backup", "--out", str(tmp_path / "b.tar")], ["restore", str(config)]):
        result = run_main(tmp_path, *args, "--config", str(config))
        assert result.returncode == 2
        line = one_line(result.stderr)
        assert f"{config}:2: station.site_code" in line
    assert not (tmp_path / "b.tar").exists()


# ---- a backup that cannot be written ----------------------------------------------------------

# Runs main.py with a file size limit: writing past it fails with EFBIG (SIGXFSZ ignored, as
# Python does by default), as on a full disk; with SIGXFSZ's default action the kernel kills
# the process mid-write.
LIMITED = """
import resource, runpy, signal, sys
limit, ignore = int(sys.argv[1]), sys.argv[2] == "ignore"
signal.signal(signal.SIGXFSZ, signal.SIG_IGN if ignore else signal.SIG_DFL)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.argv = ["main.py", *sys.argv[3:]]
runpy.run_path("main.py", run_name="__main__")
"""


def run_limited(
    tmp_path: Path, limit: int, signal_mode: str, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LIMITED, str(limit), signal_mode, *args],
        capture_output=True, text=True, encoding="utf-8", cwd=cli.ROOT,
        env=cli.user_env(tmp_path), timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.skipif(sys.platform == "win32", reason="file size limits are POSIX")
@pytest.mark.parametrize("phase", ["copying the database", "writing the archive"])
def test_a_write_failure_leaves_no_backup(tmp_path: Path, phase: str) -> None:
    site = make_site(tmp_path, "station")
    site.add(3, seed=8)
    size = (site.data / "station.sqlite3").stat().st_size
    limit = size // 2 if phase == "copying the database" else size + 600
    out = tmp_path / "archives"
    out.mkdir()

    result = run_limited(
        tmp_path, limit, "ignore", "backup", "--out", str(out / "station.tar"),
        "--config", str(site.config),
    )  # fmt: skip

    assert result.returncode == 2, result.stdout + result.stderr
    line = one_line(result.stderr)
    assert line.endswith("no backup was made")
    if phase == "copying the database":
        assert "cannot copy the database" in line
    else:
        assert f"cannot write {out / 'station.tar'}: File too large" in line
    assert list(out.iterdir()) == []  # neither the archive nor its temporary files


@pytest.mark.skipif(sys.platform == "win32", reason="file size limits are POSIX")
def test_a_killed_backup_leaves_nothing_under_the_final_name(tmp_path: Path) -> None:
    site = make_site(tmp_path, "station")
    site.add(3, seed=9)
    size = (site.data / "station.sqlite3").stat().st_size
    archive = tmp_path / "station.tar"

    killed = run_limited(
        tmp_path, size + 600, "default", "backup", "--out", str(archive),
        "--config", str(site.config),
    )  # fmt: skip

    assert killed.returncode == -signal.SIGXFSZ
    assert not archive.exists()
    again = run_main(tmp_path, "backup", "--out", str(archive), "--config", str(site.config))
    assert again.returncode == 0, again.stderr
    assert archive.is_file()


def test_a_restore_while_the_station_runs_is_refused(tmp_path: Path) -> None:
    site = make_site(tmp_path, "station")
    site.add(2, seed=10)
    archive = tmp_path / "station.tar"
    back_up(tmp_path, site, archive)
    site.add(1, seed=11, start=LATER)
    running = sqlite3.connect(site.data / "station.sqlite3")  # as the desktop holds it open
    try:
        running.execute("SELECT count(*) FROM record").fetchone()
        result = run_main(
            tmp_path, "restore", str(archive), "--force", "--config", str(site.config)
        )
    finally:
        running.close()
    assert result.returncode == 2
    assert "is in use by another program" in one_line(result.stderr)
    assert site.head()[0] == 3
