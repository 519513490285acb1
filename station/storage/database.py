"""Engine set-up, durable SQLite settings, and automatic migration with a backup first."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from station import paths
from station.timeutil import beijing_now

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# pg_advisory_lock key of schema migrations (the bytes of "MIGR"); the upload has its own.
MIGRATION_LOCK_KEY = 0x4D494752
# Set to 1 to upgrade a PostgreSQL database when pg_dump cannot back it up first.
PG_UPGRADE_WITHOUT_BACKUP = "STATION_PG_UPGRADE_WITHOUT_BACKUP"


SERVER_CONNECT_TIMEOUT_S = 5


def connection_lost(exc: BaseException) -> bool:
    """Whether `exc` says the database server cannot be reached (as opposed to bad data).

    OperationalError and InterfaceError are what the drivers raise for a refused, dropped
    or timed-out connection; a DBAPIError that invalidated its connection is one too.
    """
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def ping(database: Database) -> None:
    """One round trip to the database; raises what the driver raises when it is gone."""
    with database.reader.connect() as conn:
        conn.execute(text("SELECT 1"))


class StorageError(RuntimeError):
    """The database cannot be opened, upgraded or written; the message says why."""


@dataclass(frozen=True, slots=True)
class UpgradeReport:
    from_revision: str | None
    to_revision: str
    backup: Path | None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling would defer BEGIN; we emit BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _make_engine(url: str, begin: str | None) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # A server behind a pulled cable must fail in seconds, not after TCP's minutes:
        # the lane then queues its weighings locally (station.lanes.spooling).
        # tcp_user_timeout and keepalives: a connection whose server vanished mid-request
        # (no FIN, no RST) is given up in seconds too, not after TCP's retransmissions.
        options = {
            "connect_timeout": SERVER_CONNECT_TIMEOUT_S,
            "tcp_user_timeout": SERVER_CONNECT_TIMEOUT_S * 1000,
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 3,
            "keepalives_count": 3,
        }
        return create_engine(url, pool_pre_ping=True, connect_args=options)
    if parsed.database in (None, "", ":memory:"):
        raise StorageError("an in-memory SQLite database cannot hold evidence; give a file path")
    Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 10})
    event.listen(engine, "connect", _sqlite_pragmas)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(begin or "BEGIN")

    return engine


class Database:
    """One station database. Writes go through `transaction()`, one writer at a time."""

    def __init__(self, url: str, backup_dir: Path | None = None) -> None:
        self.url = url
        self.backup_dir = backup_dir
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        # Writers take the SQLite write lock at BEGIN so two writers never deadlock
        # upgrading read locks; readers keep plain deferred transactions (WAL).
        self.writer = _make_engine(url, "BEGIN IMMEDIATE")
        self.reader = self.writer if not self.is_sqlite else _make_engine(url, "BEGIN")
        self._write_sessions = sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.reader, expire_on_commit=False)

    @property
    def sqlite_path(self) -> Path | None:
        return Path(make_url(self.url).database) if self.is_sqlite else None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any error."""
        with self._write_sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read_sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()

    # ---- migrations -------------------------------------------------------------------

    def _alembic_config(self) -> AlembicConfig:
        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS))
        return config

    def head_revision(self) -> str:
        head = ScriptDirectory.from_config(self._alembic_config()).get_current_head()
        assert head is not None
        return head

    def current_revision(self) -> str | None:
        with self.reader.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def upgrade(self, target: str = "head") -> UpgradeReport:
        """Bring the schema to `target`; an existing older database is backed up first.

        Workstations sharing a server may start together after a program upgrade: the
        first takes the migration lock, backs up and migrates; the others wait for it and
        then find the schema current.
        """
        with self._migration_lock():
            return self._upgrade(target)

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        if self.is_sqlite:  # one computer: BEGIN IMMEDIATE already serialises writers
            yield
            return
        key = {"key": MIGRATION_LOCK_KEY}
        try:
            conn = self.writer.connect()
        except DatabaseError as exc:
            raise StorageError(f"cannot open the database {self._safe_url()}: {exc.orig}") from exc
        with conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), key)
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), key)
                conn.commit()

    def _upgrade(self, target: str) -> UpgradeReport:
        try:
            current = self.current_revision()
        except DatabaseError as exc:
            raise StorageError(f"cannot open the database {self._safe_url()}: {exc.orig}") from exc
        if current is not None and not self._known_revision(current):
            raise StorageError(
                f"the database {self._safe_url()} has schema revision {current}, written by a "
                "newer version of this program; install that version or restore a backup"
            )
        wanted = self.head_revision() if target == "head" else target
        if current == wanted:
            return UpgradeReport(current, wanted, None)
        backup = self._backup(current) if current is not None else None
        config = self._alembic_config()
        with self.writer.connect() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, target)
            conn.commit()
        log.info("database upgraded from %s to %s", current, wanted)
        return UpgradeReport(current, wanted, backup)

    def _known_revision(self, revision: str) -> bool:
        try:
            return (
                ScriptDirectory.from_config(self._alembic_config()).get_revision(revision)
                is not None
            )
        except CommandError:
            return False

    def _safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def _backup(self, revision: str) -> Path | None:
        """Copy a SQLite database with the online backup API before changing its schema."""
        source = self.sqlite_path
        if source is None:
            return self._backup_postgres(revision)
        folder = self.backup_dir or source.parent / "backups"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = beijing_now().strftime("%Y%m%d-%H%M%S")
        target = folder / f"{source.stem}-{revision}-{stamp}{source.suffix or '.sqlite3'}"
        _check_free_space(folder, source)
        src, dst = sqlite3.connect(source), sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return target

    def _backup_postgres(self, revision: str) -> Path | None:
        """pg_dump the database before changing its schema (docs/backup.md).

        Without a dump the upgrade is refused, unless STATION_PG_UPGRADE_WITHOUT_BACKUP=1
        says the server's own backups are enough.
        """
        # Imported here: the backup module builds on this one.
        from station.storage.backup import BackupError, dump_postgres  # noqa: PLC0415

        folder = self.backup_dir or paths.data_dir() / "backups"
        stamp = beijing_now().strftime("%Y%m%d-%H%M%S")
        name = make_url(self.url).database or "station"
        target = folder / f"{name}-{revision}-{stamp}.pgdump"
        try:
            dump_postgres(self.url, target)
        except (BackupError, OSError) as exc:
            if os.environ.get(PG_UPGRADE_WITHOUT_BACKUP) == "1":
                log.warning(
                    "upgrading %s without a backup (%s=1): %s",
                    self._safe_url(), PG_UPGRADE_WITHOUT_BACKUP, exc,
                )  # fmt: skip
                return None
            raise StorageError(
                f"the database {self._safe_url()} was not upgraded from schema {revision}: "
                f"no backup could be made first ({exc}); fix that, or set "
                f"{PG_UPGRADE_WITHOUT_BACKUP}=1 to upgrade without one"
            ) from exc
        return target


def _check_free_space(folder: Path, source: Path) -> None:
    needed = source.stat().st_size * 2
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise StorageError(
            f"not enough free disk space in {folder} to back up the database before upgrading "
            f"(need {needed // 2**20} MiB, have {free // 2**20} MiB)"
        )


def open_database(url: str, backup_dir: Path | None = None) -> tuple[Database, UpgradeReport]:
    """Open a database and apply migrations (as the app does at every start)."""
    database = Database(url, backup_dir)
    report = database.upgrade()
    return database, report
