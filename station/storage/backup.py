"""Backup archives of a station, and restoring them.

One archive, an uncompressed tar file, holds:
- `database/station.sqlite3`, a consistent copy made with SQLite's online backup API, or
  `database/station.pgdump`, `pg_dump --format=custom` of the very snapshot the manifest
  describes (an exported snapshot, so chain heads and row counts match the dump);
- `pictures/ab/cd/<sha256>.<ext>`: every content-addressed file of the picture store
  (evidence photos, certificate scans). Nothing else of the data folder is read, so no key
  file or other secret can end up in a backup;
- `manifest.json`: format and program versions, creation time, site code, schema revision,
  both chain heads, row counts, and the size and SHA-256 of every other member; then
  `manifest.json.sha256`, the digest of the manifest itself.

The archive is written under a temporary name beside the final one, read back and checked,
and only then renamed: a full disk or a kill never leaves a partial backup under that name.
Restoring checks the whole archive before changing anything, refuses to replace a database
that is newer than the backup (`refusals`), and keeps a safety backup of what it replaces.
"""

from __future__ import annotations

import glob
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

import station
from station.storage.database import MIGRATIONS, StorageError, UpgradeReport, open_database
from station.storage.files import EXTENSIONS
from station.timeutil import beijing_now

FORMAT = "overload-station-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_DIGEST = "manifest.json.sha256"
DATABASE_MEMBERS = {"sqlite": "database/station.sqlite3", "postgresql": "database/station.pgdump"}
PICTURES = "pictures/"
CHAIN_TABLES = {"province": "record", "audit": "audit_event"}
GENESIS_HASH = "0" * 64
BLOCK = 1 << 20

# Where the PostgreSQL client programs are looked for, after STATION_PG_BIN and PATH.
PG_BIN_ENV = "STATION_PG_BIN"
PG_BIN_GLOBS = ("/usr/lib/postgresql/*/bin", "C:/Program Files/PostgreSQL/*/bin")
# A restore waits this long for the station's own connections to let go of the tables.
PG_LOCK_TIMEOUT = "10s"
# URL query options of the station's database URL and the libpq variables that carry them
# to pg_dump/psql (a password goes through the environment, never the command line).
LIBPQ_OPTIONS = {
    "host": "PGHOST", "hostaddr": "PGHOSTADDR", "port": "PGPORT", "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL", "passfile": "PGPASSFILE", "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME", "options": "PGOPTIONS", "gssencmode": "PGGSSENCMODE",
    "target_session_attrs": "PGTARGETSESSIONATTRS", "service": "PGSERVICE",
}  # fmt: skip


def _picture_name() -> re.Pattern[str]:
    extensions = "|".join(sorted({re.escape(ext.lstrip(".")) for ext in EXTENSIONS.values()}))
    return re.compile(
        rf"(?P<a>[0-9a-f]{{2}})/(?P<b>[0-9a-f]{{2}})/(?P=a)(?P=b)[0-9a-f]{{60}}\.(?:{extensions})"
    )


PICTURE_NAME = _picture_name()


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what was changed."""


# ---- values ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainState:
    seq: int
    hash: str


@dataclass(frozen=True)
class DatabaseState:
    """What a database holds, read in one transaction: schema, chain heads, rows per table."""

    revision: str | None
    chains: dict[str, ChainState]
    rows: dict[str, int]

    @property
    def empty(self) -> bool:
        return not self.rows

    def head(self, chain: str) -> ChainState:
        return self.chains.get(chain, ChainState(0, GENESIS_HASH))


@dataclass(frozen=True, slots=True)
class Member:
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    program_version: str
    created_at: str
    site_code: str
    backend: str
    schema_revision: str | None
    chains: dict[str, ChainState]
    rows: dict[str, int]
    members: dict[str, Member]

    @property
    def database_member(self) -> str:
        return DATABASE_MEMBERS[self.backend]

    @property
    def pictures(self) -> list[str]:
        return [name for name in self.members if name.startswith(PICTURES)]

    def head(self, chain: str) -> ChainState:
        return self.chains.get(chain, ChainState(0, GENESIS_HASH))

    def to_json(self) -> bytes:
        document = {
            "format": FORMAT,
            "formatVersion": FORMAT_VERSION,
            "program": {"name": "overload-station", "version": self.program_version},
            "createdAt": self.created_at,
            "siteCode": self.site_code,
            "backend": self.backend,
            "schemaRevision": self.schema_revision,
            "chains": {
                name: {"seq": head.seq, "hash": head.hash} for name, head in self.chains.items()
            },
            "rows": self.rows,
            "members": [[name, m.size, m.sha256] for name, m in self.members.items()],
        }
        return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            document = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BackupError(f"{MANIFEST} is not valid JSON: {exc}") from exc
        reader = _ManifestReader(document)
        return reader.manifest()


class _ManifestReader:
    """Reads manifest.json, naming the field that is missing or of the wrong kind."""

    def __init__(self, document: Any) -> None:
        if not isinstance(document, dict):
            raise BackupError(f"{MANIFEST}: expected a JSON object")
        self.document = document

    def field(self, key: str, kind: type | tuple[type, ...]) -> Any:
        value = self.document.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise BackupError(f"{MANIFEST}: {key}: missing or of the wrong type")
        return value

    def manifest(self) -> Manifest:
        if self.document.get("format") != FORMAT:
            raise BackupError(f"{MANIFEST}: format is not {FORMAT!r}: not a station backup")
        version = self.field("formatVersion", int)
        if version > FORMAT_VERSION:
            raise BackupError(
                f"the archive has format version {version}, written by a newer program; "
                f"this program reads version {FORMAT_VERSION}"
            )
        backend = self.field("backend", str)
        if backend not in DATABASE_MEMBERS:
            raise BackupError(f"{MANIFEST}: backend {backend!r} is not one of sqlite, postgresql")
        program = self.field("program", dict)
        revision = self.document.get("schemaRevision")
        return Manifest(
            program_version=str(program.get("version", "")),
            created_at=self.field("createdAt", str),
            site_code=self.field("siteCode", str),
            backend=backend,
            schema_revision=revision if isinstance(revision, str) else None,
            chains=self._chains(),
            rows={str(k): int(v) for k, v in self.field("rows", dict).items()},
            members=self._members(),
        )

    def _chains(self) -> dict[str, ChainState]:
        chains = {}
        for name, head in self.field("chains", dict).items():
            try:
                chains[str(name)] = ChainState(int(head["seq"]), str(head["hash"]))
            except (TypeError, KeyError, ValueError) as exc:
                raise BackupError(f"{MANIFEST}: chains.{name}: needs seq and hash") from exc
        return chains

    def _members(self) -> dict[str, Member]:
        members: dict[str, Member] = {}
        for entry in self.field("members", list):
            if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[1], int)):
                raise BackupError(f"{MANIFEST}: members: {entry!r} is not [name, size, sha256]")
            members[str(entry[0])] = Member(entry[1], str(entry[2]))
        return members


# ---- reading a database's state ----------------------------------------------------------------


def backend_of(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in DATABASE_MEMBERS:
        raise BackupError(f"database url: {backend} databases cannot be backed up")
    return backend


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path:
    return Path(make_url(url).database or "")


def _engine(url: str) -> Engine:
    return create_engine(url, poolclass=NullPool)


def _tables(conn: Connection) -> list[str]:
    if conn.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    return sorted(conn.execute(text(query)).scalars())


def read_state(conn: Connection) -> DatabaseState:
    """Schema revision, chain heads and row counts, in the caller's transaction."""
    tables = _tables(conn)
    revision = None
    if "alembic_version" in tables:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    chains = {}
    if "chain_head" in tables:
        rows = conn.execute(text("SELECT chain, last_seq, last_hash FROM chain_head"))
        chains = {row.chain: ChainState(int(row.last_seq), row.last_hash) for row in rows}
    quote = conn.dialect.identifier_preparer.quote
    counts = {
        table: int(conn.execute(text(f"SELECT count(*) FROM {quote(table)}")).scalar_one())
        for table in tables
    }
    return DatabaseState(revision, chains, counts)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, SQLAlchemyError):
        original = getattr(exc, "orig", None)
        text_ = str(original if original is not None else exc)
    elif isinstance(exc, OSError) and exc.strerror:
        text_ = exc.strerror
    else:
        text_ = str(exc)
    return " ".join(text_.split())


# ---- PostgreSQL client programs -----------------------------------------------------------------


def _versioned_bin_folders() -> list[tuple[int, str]]:
    found = []
    for pattern in PG_BIN_GLOBS:
        for folder in glob.glob(pattern):
            version = re.match(r"\d+", Path(folder).parent.name)
            found.append((int(version.group()) if version else 0, folder))
    return sorted(found, reverse=True)


def find_pg_tool(name: str, server_major: int | None = None) -> str:
    """The path of a PostgreSQL client program (pg_dump, pg_restore, psql).

    STATION_PG_BIN, when set, is the only folder searched. Otherwise the version matching
    the server comes first, then PATH, then the newest installed version.
    """
    configured = os.environ.get(PG_BIN_ENV)
    if configured:
        found = shutil.which(name, path=configured)
        if found is None:
            raise BackupError(f"{name} not found in {configured} (set by {PG_BIN_ENV})")
        return found
    folders = _versioned_bin_folders()
    matching = [folder for major, folder in folders if major == server_major]
    found = _first_found(name, [*matching, None, *(folder for _, folder in folders)])
    if found is None:
        raise BackupError(
            f"{name} not found on PATH or in {', '.join(PG_BIN_GLOBS)}: install the PostgreSQL "
            f"client programs (Debian: apt-get install postgresql-client) or set {PG_BIN_ENV} "
            "to the folder that holds them"
        )
    return found


def _first_found(name: str, folders: list[str | None]) -> str | None:
    for folder in folders:
        # folder None: the PATH
        found = shutil.which(name) if folder is None else shutil.which(name, path=folder)
        if found:
            return found
    return None


def libpq_environment(url: str) -> dict[str, str]:
    """The libpq variables that point pg_dump/psql at the database of `url`."""
    parsed = make_url(url)
    env = {"PGCONNECT_TIMEOUT": "10"}
    for attribute, variable in (
        ("host", "PGHOST"), ("port", "PGPORT"), ("username", "PGUSER"),
        ("password", "PGPASSWORD"), ("database", "PGDATABASE"),
    ):  # fmt: skip
        value = getattr(parsed, attribute)
        if value not in (None, ""):
            env[variable] = str(value)
    for key, value in parsed.query.items():
        if key not in LIBPQ_OPTIONS:
            raise BackupError(
                f"database url: the option {key!r} is not passed to the PostgreSQL tools; "
                f"allowed: {', '.join(sorted(LIBPQ_OPTIONS))}"
            )
        env[LIBPQ_OPTIONS[key]] = value if isinstance(value, str) else value[-1]
    return env


def _run_pg(tool: str, arguments: list[str], url: str | None, doing: str) -> None:
    env = dict(os.environ)
    if url is not None:
        env.update(libpq_environment(url))
    try:
        done = subprocess.run(
            [tool, *arguments], env=env, stdin=subprocess.DEVNULL, capture_output=True,
            text=True, errors="replace", check=False,
        )  # fmt: skip
    except OSError as exc:
        raise BackupError(f"cannot run {tool}: {_reason(exc)}") from exc
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        detail = " / ".join(lines[-3:]) or f"exit code {done.returncode}"
        raise BackupError(f"{Path(tool).name} failed {doing}: {detail}")


def _server_major(conn: Connection) -> int:
    return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def dump_postgres(url: str, target: Path, *, snapshot: str | None = None) -> None:
    """`pg_dump --format=custom` of the database at `url` into `target`, atomically.

    With `snapshot` (from pg_export_snapshot() in a transaction that is still open) the dump
    shows exactly what that transaction sees.
    """
    try:
        with closing(_engine(url).connect()) as conn:
            major = _server_major(conn)
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot connect to {safe_url(url)}: {_reason(exc)}") from exc
    tool = find_pg_tool("pg_dump", major)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    arguments = ["--format=custom", "--no-password", f"--file={partial}"]
    if snapshot is not None:
        arguments.append(f"--snapshot={snapshot}")
    try:
        _run_pg(tool, arguments, url, f"dumping {safe_url(url)}")
        _fsync(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


# ---- making a backup ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: Manifest
    size: int


def picture_files(root: Path) -> list[tuple[str, Path]]:
    """The store's content-addressed files as (relative name, path); nothing else."""
    if not root.is_dir():
        return []
    found = []
    for path in root.glob("??/??/*"):
        relative = path.relative_to(root).as_posix()
        if PICTURE_NAME.fullmatch(relative) and path.is_file() and not path.is_symlink():
            found.append((relative, path))
    return sorted(found)


def create_backup(
    url: str,
    pictures_root: Path,
    out: Path,
    *,
    site_code: str,
    overwrite: bool = False,
    require_station: bool = True,
) -> BackupResult:
    """Write the backup archive `out` of the database at `url` and its picture store."""
    out = Path(out).absolute()
    _refuse_existing(out, overwrite)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        manifest = _write_archive(url, pictures_root, partial, site_code, require_station)
        _fsync(partial)
        if check_archive(partial) != manifest:
            raise BackupError(f"{out}: the archive read back differs from what was written")
        _refuse_existing(out, overwrite)
        os.replace(partial, out)
        _fsync_folder(out.parent)
        size = out.stat().st_size
    except OSError as exc:
        raise BackupError(f"cannot write {out}: {_reason(exc)}; no backup was made") from exc
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(out, manifest, size)


def _refuse_existing(out: Path, overwrite: bool) -> None:
    if out.exists() and not overwrite:
        raise BackupError(f"{out} already exists; not overwritten (--force replaces it)")
    if out.is_dir():
        raise BackupError(f"{out} is a folder; give the name of the archive file")


def _write_archive(
    url: str, pictures_root: Path, partial: Path, site_code: str, require_station: bool
) -> Manifest:
    backend = backend_of(url)
    with tempfile.TemporaryDirectory(dir=partial.parent, prefix=".station-backup-") as work:
        # The database first: every picture it names was stored before its row was written.
        snapshot, state = _snapshot(url, backend, Path(work))
        if require_station and state.revision is None:
            raise BackupError(f"{safe_url(url)} is not a station database (no schema revision)")
        members: dict[str, Member] = {}
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            members[DATABASE_MEMBERS[backend]] = _add_file(tar, DATABASE_MEMBERS[backend], snapshot)
            for relative, path in picture_files(pictures_root):
                members[PICTURES + relative] = _add_file(tar, PICTURES + relative, path)
            manifest = Manifest(
                program_version=station.__version__,
                created_at=beijing_now().isoformat(),
                site_code=site_code,
                backend=backend,
                schema_revision=state.revision,
                chains={name: state.head(name) for name in CHAIN_TABLES},
                rows=state.rows,
                members=members,
            )
            data = manifest.to_json()
            _add_bytes(tar, MANIFEST, data)
            _add_bytes(tar, MANIFEST_DIGEST, f"{_sha256(data)}  {MANIFEST}\n".encode())
    return manifest


def _snapshot(url: str, backend: str, work: Path) -> tuple[Path, DatabaseState]:
    if backend == "sqlite":
        return _sqlite_snapshot(sqlite_file(url), work / "station.sqlite3")
    return _postgres_snapshot(url, work / "station.pgdump")


def _sqlite_snapshot(source: Path, target: Path) -> tuple[Path, DatabaseState]:
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    try:
        with (
            closing(sqlite3.connect(source, timeout=30)) as src,
            closing(sqlite3.connect(target)) as dst,
        ):
            src.backup(dst)
            # One self-contained file: no -wal beside it in the archive.
            dst.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise BackupError(
            f"cannot copy the database {source} to {target.parent}: {exc}; no backup was made"
        ) from exc
    engine = _engine(URL.create("sqlite", database=str(target)).render_as_string())
    try:
        with engine.connect() as conn, conn.begin():
            return target, read_state(conn)
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot read the database {source}: {_reason(exc)}") from exc
    finally:
        engine.dispose()


def _postgres_snapshot(url: str, target: Path) -> tuple[Path, DatabaseState]:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                exported = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                state = read_state(conn)
                # The transaction stays open until pg_dump has read the exported snapshot.
                dump_postgres(url, target, snapshot=exported)
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot read the database {safe_url(url)}: {_reason(exc)}") from exc
    finally:
        engine.dispose()
    return target, state


class _Hashing:
    """A file reader that hashes what passes through it (tarfile reads it in blocks)."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> Member:
    info = tarfile.TarInfo(name)
    info.size = path.stat().st_size
    info.mtime = int(path.stat().st_mtime)
    info.mode = 0o644
    with path.open("rb") as source:
        reader = _Hashing(source)
        tar.addfile(info, reader)  # type: ignore[arg-type]
    return Member(reader.size, reader.digest.hexdigest())


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fsync(path: Path) -> None:
    with path.open("r+b") as handle:
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return  # Windows cannot open a folder to flush it; NTFS journals the rename
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# ---- checking an archive ------------------------------------------------------------------------


def check_archive(path: Path) -> Manifest:
    """Read the whole archive: the manifest and its digest, and every member's SHA-256."""
    if not path.is_file():
        raise BackupError(f"no backup archive at {path}")
    try:
        with tarfile.open(path, "r:") as tar:
            digests, specials = _read_members(path, tar)
            end = tar.offset
    except (tarfile.TarError, EOFError) as exc:
        raise BackupError(f"{path} is not a station backup, or it is damaged: {exc}") from exc
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {_reason(exc)}") from exc
    for name in (MANIFEST, MANIFEST_DIGEST):
        if name not in specials:
            raise BackupError(_incomplete(path, name, end))
    manifest_data = specials[MANIFEST]
    if specials[MANIFEST_DIGEST].decode("ascii", "replace").split()[:1] != [_sha256(manifest_data)]:
        raise BackupError(f"{path}: {MANIFEST} does not match its SHA-256 (damaged)")
    manifest = Manifest.from_json(manifest_data)
    _compare_members(path, manifest, digests)
    return manifest


def _incomplete(path: Path, missing: str, end: int) -> str:
    # tarfile ends quietly at a damaged header; data after that point tells the two apart.
    with path.open("rb") as source:
        source.seek(end)
        for block in iter(lambda: source.read(BLOCK), b""):
            if block.strip(b"\0"):
                return f"{path} is damaged: the member header at byte {end} is unreadable"
    return (
        f"{path} has no {missing}: the archive is incomplete (cut short?) or not a station backup"
    )


def _member_name_problem(name: str) -> str | None:
    parts = name.split("/")
    if name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts):
        return "an unsafe path"
    if name in (MANIFEST, MANIFEST_DIGEST) or name in DATABASE_MEMBERS.values():
        return None
    if name.startswith(PICTURES) and PICTURE_NAME.fullmatch(name[len(PICTURES) :]):
        return None
    return "not a member a station backup has"


def _read_members(path: Path, tar: tarfile.TarFile) -> tuple[dict[str, Member], dict[str, bytes]]:
    """Every member's size and SHA-256, and the manifest and its digest as bytes."""
    digests: dict[str, Member] = {}
    specials: dict[str, bytes] = {}
    for info in tar:
        problem = _member_name_problem(info.name)
        if problem is None and not info.isreg():
            problem = "not a regular file"
        if problem is None and (info.name in digests or info.name in specials):
            problem = "stored twice"
        if problem:
            raise BackupError(f"{path}: member {info.name!r}: {problem}")
        source = tar.extractfile(info)
        assert source is not None  # a regular file
        if info.name in (MANIFEST, MANIFEST_DIGEST):
            specials[info.name] = source.read()
        else:
            digests[info.name] = _hash_stream(source)
    return digests, specials


def _hash_stream(source: IO[bytes], sink: IO[bytes] | None = None) -> Member:
    digest = hashlib.sha256()
    size = 0
    for block in iter(lambda: source.read(BLOCK), b""):
        digest.update(block)
        size += len(block)
        if sink is not None:
            sink.write(block)
    return Member(size, digest.hexdigest())


def _compare_members(path: Path, manifest: Manifest, found: dict[str, Member]) -> None:
    problems = []
    if manifest.database_member not in manifest.members:
        problems.append(f"the manifest lists no {manifest.database_member}")
    for name, expected in manifest.members.items():
        actual = found.get(name)
        if actual is None:
            problems.append(f"{name} is listed in the manifest but missing")
        elif actual != expected:
            problems.append(f"{name} does not match its size and SHA-256 in the manifest")
    problems.extend(
        f"{name} is not listed in the manifest" for name in found if name not in manifest.members
    )
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise BackupError(f"{path} is damaged: {problems[0]}{more}")


# ---- restoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreTarget:
    """Where a backup goes: the configured database, picture store and backup folder."""

    url: str
    pictures_root: Path
    backup_dir: Path
    site_code: str


@dataclass(frozen=True)
class CurrentDatabase:
    state: DatabaseState
    # Per chain: the hash of the current database's link at the backup's head seq, if any.
    at_backup_heads: dict[str, str | None]


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    safety_backup: Path | None
    pictures_written: int
    upgrade: UpgradeReport


def revision_order() -> list[str]:
    """This program's schema revisions, oldest first."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def inspect_current(url: str, manifest: Manifest) -> CurrentDatabase | None:
    """The database a restore would replace; None when there is none yet (or it is empty)."""
    if backend_of(url) == "sqlite":
        path = sqlite_file(url)
        if not path.is_file() or path.stat().st_size == 0:
            return None
    engine = _engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            state = read_state(conn)
            if state.empty:
                return None
            at_heads = {
                chain: _hash_at(conn, state, table, manifest.head(chain).seq)
                for chain, table in CHAIN_TABLES.items()
            }
    except SQLAlchemyError as exc:
        raise BackupError(_unreadable(url, exc)) from exc
    finally:
        engine.dispose()
    return CurrentDatabase(state, at_heads)


def _hash_at(conn: Connection, state: DatabaseState, table: str, seq: int) -> str | None:
    if seq == 0 or table not in state.rows:
        return None
    query = text(f"SELECT record_hash FROM {table} WHERE seq = :seq")
    return conn.execute(query, {"seq": seq}).scalar()


def _unreadable(url: str, exc: SQLAlchemyError) -> str:
    if backend_of(url) == "sqlite":
        return (
            f"cannot read the current database {sqlite_file(url)}: {_reason(exc)}; nothing was "
            "changed. If it is damaged, move it (and any -wal/-shm file beside it) to a safe "
            "place, then restore again"
        )
    return f"cannot read the current database {safe_url(url)}: {_reason(exc)}; nothing was changed"


def refusals(manifest: Manifest, current: CurrentDatabase | None, site_code: str) -> list[str]:
    """Why restoring `manifest` over `current` would lose something; [] when it is safe.

    The current database is newer when its schema is newer, or when a chain is ahead of the
    backup's head, or has a different link at the backup's head seq (the chains diverged).
    """
    problems = []
    if manifest.site_code != site_code:
        problems.append(
            f"the backup is of station {manifest.site_code}, the configuration is of {site_code}"
        )
    if current is None:
        return problems
    schema = _schema_refusal(manifest, current.state.revision)
    if schema:
        problems.append(schema)
    for chain in CHAIN_TABLES:
        problem = _chain_refusal(
            chain, manifest.head(chain), current.state.head(chain), current.at_backup_heads[chain]
        )
        if problem:
            problems.append(problem)
    return problems


def _schema_refusal(manifest: Manifest, revision: str | None) -> str | None:
    order = revision_order()
    if revision is None:
        return "the current database has tables but no schema revision (not a station database)"
    if revision not in order:
        return f"the current database has schema revision {revision}, newer than this program"
    if manifest.schema_revision in order and order.index(revision) > order.index(
        manifest.schema_revision
    ):
        return (
            f"the current database has a newer schema ({revision}) than the backup "
            f"({manifest.schema_revision})"
        )
    return None


def _chain_refusal(
    chain: str, backup: ChainState, current: ChainState, current_at_backup_head: str | None
) -> str | None:
    if 0 < backup.seq <= current.seq and current_at_backup_head != backup.hash:
        return (
            f"the {chain} chain has diverged: seq {backup.seq} is "
            f"{(current_at_backup_head or 'missing')[:12]} here, {backup.hash[:12]} in the backup"
        )
    if current.seq > backup.seq:
        return (
            f"the current database is ahead: its {chain} chain runs to seq {current.seq}, "
            f"the backup's to {backup.seq}"
        )
    return None


def _check_restorable(manifest: Manifest, url: str) -> None:
    backend = backend_of(url)
    if manifest.backend != backend:
        raise BackupError(
            f"the backup holds a {manifest.backend} database, the configuration names a "
            f"{backend} database; restore it into a {manifest.backend} database"
        )
    order = revision_order()
    if manifest.schema_revision not in order:
        raise BackupError(
            f"the backup has schema revision {manifest.schema_revision}, unknown to this "
            f"program (it knows up to {order[-1]}): restore it with the newer version that "
            "wrote it"
        )


def restore_backup(archive: Path, target: RestoreTarget, *, force: bool = False) -> RestoreResult:
    """Check `archive`, refuse to lose newer data unless `force`, then replace and upgrade."""
    manifest = check_archive(archive)
    _check_restorable(manifest, target.url)
    current = inspect_current(target.url, manifest)
    problems = refusals(manifest, current, target.site_code)
    if problems and not force:
        raise BackupError(
            f"refused: {'; '.join(problems)}. Nothing was changed; --force replaces the current "
            "database after a safety backup"
        )
    safety = _safety_backup(target) if current is not None else None
    kept = f"; the safety backup is {safety}" if safety else ""
    try:
        written = _replace(archive, manifest, target)
        database, upgrade = open_database(target.url, target.backup_dir)
    except (BackupError, StorageError) as exc:
        raise BackupError(f"{exc}{kept}") from exc
    except OSError as exc:  # staging the database or writing a picture, before replacing
        where = f"{exc.filename}: " if exc.filename else ""
        raise BackupError(
            f"cannot write {where}{_reason(exc)}; the database was not replaced{kept}"
        ) from exc
    database.dispose()
    return RestoreResult(manifest, safety, written, upgrade)


def _safety_backup(target: RestoreTarget) -> Path:
    stamp = beijing_now().strftime("%Y%m%d-%H%M%S")
    path = target.backup_dir / f"pre-restore-{stamp}.tar"
    number = 1
    while path.exists():
        number += 1
        path = target.backup_dir / f"pre-restore-{stamp}-{number}.tar"
    try:
        create_backup(
            target.url, target.pictures_root, path, site_code=target.site_code,
            require_station=False,
        )  # fmt: skip
    except BackupError as exc:
        raise BackupError(f"no safety backup of the current database: {exc}") from exc
    return path


def _replace(archive: Path, manifest: Manifest, target: RestoreTarget) -> int:
    sqlite = manifest.backend == "sqlite"
    folder = sqlite_file(target.url).parent if sqlite else target.backup_dir
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".station-restore-") as work:
        staged = Path(work) / Path(manifest.database_member).name
        # Pictures may go in first: files named by their content change nothing the
        # current database refers to.
        written = _extract(archive, manifest, staged, target.pictures_root)
        if sqlite:
            _replace_sqlite(staged, sqlite_file(target.url))
        else:
            _replace_postgres(target.url, staged, Path(work))
    return written


def _extract(archive: Path, manifest: Manifest, staged: Path, pictures_root: Path) -> int:
    written = 0
    try:
        with tarfile.open(archive, "r:") as tar:
            for info, source in _members(tar):
                expected = manifest.members.get(info.name)
                if expected is None:
                    continue
                if info.name == manifest.database_member:
                    with staged.open("wb") as sink:
                        actual = _hash_stream(source, sink)
                    _same(info.name, actual, expected)
                else:
                    path = pictures_root / info.name[len(PICTURES) :]
                    written += _restore_file(source, path, info.name, expected)
    except (tarfile.TarError, EOFError) as exc:
        raise BackupError(f"{archive} changed or became unreadable while restoring: {exc}") from exc
    return written


def _members(tar: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
    for info in tar:
        source = tar.extractfile(info) if info.isreg() else None
        if source is not None:
            yield info, source


def _same(name: str, actual: Member, expected: Member) -> None:
    if actual != expected:
        raise BackupError(
            f"{name} changed in the archive while restoring; the database was not replaced"
        )


def _restore_file(source: IO[bytes], path: Path, name: str, expected: Member) -> int:
    """Write one picture atomically unless an identical file is there; 1 when written."""
    if path.is_file() and path.stat().st_size == expected.size:
        with path.open("rb") as present:
            if _hash_stream(present) == expected:
                return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as sink:
            actual = _hash_stream(source, sink)
            sink.flush()
            os.fsync(sink.fileno())
        _same(name, actual, expected)
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return 1


def _replace_sqlite(staged: Path, target: Path) -> None:
    """Copy the staged database into `target` in one transaction of the backup API.

    Leaving WAL mode first needs the only connection to the file: that is the check that no
    station program is using it, and it folds any -wal file into the old database.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            closing(sqlite3.connect(staged)) as src,
            closing(sqlite3.connect(target, timeout=2)) as dst,
        ):
            mode = dst.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
            if str(mode).lower() != "delete":
                raise BackupError(_in_use(target))
            src.backup(dst)
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise BackupError(_in_use(target)) from exc
        raise BackupError(f"cannot replace the database {target}: {exc}") from exc
    except sqlite3.Error as exc:
        raise BackupError(f"cannot replace the database {target}: {exc}") from exc


def _in_use(where: object) -> str:
    return (
        f"the database {where} is in use by another program (the station desktop, headless "
        "station or upload?); stop it, then restore again. The database was not changed"
    )


# Drops what the current schema holds, in the transaction that then loads the dump, so a
# failed restore leaves the database as it was, and a newer schema's extra tables go too.
_PG_CLEAR = """
SET client_min_messages = warning;
DO $clear$
DECLARE
    statement text;
BEGIN
    FOR statement IN
        SELECT format('DROP %s IF EXISTS %I.%I CASCADE',
                      CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                     WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
                                     ELSE 'TABLE' END,
                      n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    LOOP
        EXECUTE statement;
    END LOOP;
    FOR statement IN
        SELECT format('DROP %s IF EXISTS %s CASCADE',
                      CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE'
                                     ELSE 'FUNCTION' END,
                      p.oid::regprocedure)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = current_schema()
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE statement;
    END LOOP;
    FOR statement IN
        SELECT format('DROP %s IF EXISTS %I.%I CASCADE',
                      CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, n.nspname, t.typname)
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = current_schema() AND t.typtype IN ('e', 'd', 'r')
    LOOP
        EXECUTE statement;
    END LOOP;
END
$clear$;
"""


def _replace_postgres(url: str, dump: Path, work: Path) -> None:
    """Replace the database's schema with the dump's, in one transaction (psql -1)."""
    try:
        with closing(_engine(url).connect()) as conn:
            major = _server_major(conn)
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot connect to {safe_url(url)}: {_reason(exc)}") from exc
    clear, body = work / "clear.sql", work / "restore.sql"
    clear.write_text(f"SET lock_timeout = '{PG_LOCK_TIMEOUT}';{_PG_CLEAR}", encoding="utf-8")
    _run_pg(
        find_pg_tool("pg_restore", major),
        ["--no-owner", "--no-privileges", f"--file={body}", str(dump)],
        None,
        "reading the dump",
    )
    psql = find_pg_tool("psql", major)
    arguments = [
        "--no-psqlrc", "--no-password", "--quiet", "--single-transaction",
        "--set=ON_ERROR_STOP=1", f"--file={clear}", f"--file={body}",
    ]  # fmt: skip
    try:
        _run_pg(psql, arguments, url, f"loading the backup into {safe_url(url)}")
    except BackupError as exc:
        if "lock timeout" in str(exc):
            raise BackupError(_in_use(safe_url(url))) from exc
        raise BackupError(f"{exc}; the database was not changed") from exc
