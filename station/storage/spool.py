"""The workstation's own queue of weighings, for when the station's database server is gone.

A station with several workstations keeps its records on one PostgreSQL server. When a
workstation cannot reach it, the lanes go on weighing: each weighing (and each abandoned
vehicle) is written here, to a SQLite file on the workstation's own disk, fsynced before
the lane moves on, and committed to the server in queue order when it answers again
(station.lanes.spooling). The entry's id goes into the server's `queued_weighing` table in
the same transaction as the weighing, so an entry committed just before a crash is
recognised and never committed twice.

Payloads are pickled station values (the capture with its pictures, the lane settings):
the queue lives for hours, on one machine, written and read by the same program. An entry
that cannot be read back (a program upgrade while it waited) or that the server refuses
as data is set aside, kept in the file with its problem, and reported; it never blocks the
entries behind it and is never deleted.
"""

from __future__ import annotations

import hashlib
import pickle
import socket
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from station import paths
from station.storage.chainstore import record_audit
from station.storage.database import Database
from station.storage.models import QueuedWeighing
from station.timeutil import beijing_now, format_time

SCHEMA = """
CREATE TABLE IF NOT EXISTS entry (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    spool_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    payload BLOB NOT NULL,
    problem TEXT
)
"""


class SpoolError(RuntimeError):
    """The local queue cannot be written (disk full, permissions): the weighing is not safe."""


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    spool_id: str
    kind: str
    queued_at: datetime
    payload: Any


class Spool:
    """One SQLite file of queued entries; safe to call from several threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise SpoolError(f"cannot open the local queue {path}: {exc}") from exc

    def put(self, kind: str, payload: object, queued_at: datetime) -> str:
        """Queue one entry durably; returns its id. SpoolError when it could not be written."""
        spool_id = str(uuid.uuid4())
        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            with self._lock:
                self._db.execute(
                    "INSERT INTO entry (spool_id, kind, queued_at, payload) VALUES (?, ?, ?, ?)",
                    (spool_id, kind, queued_at.isoformat(sep=" "), data),
                )
        except sqlite3.Error as exc:
            raise SpoolError(f"cannot write to the local queue {self.path}: {exc}") from exc
        return spool_id

    def oldest(self) -> Entry | None:
        """The first entry still to commit; one that cannot be read back is set aside."""
        while True:
            with self._lock:
                row = self._db.execute(
                    "SELECT id, spool_id, kind, queued_at, payload FROM entry "
                    "WHERE problem IS NULL ORDER BY id LIMIT 1"
                ).fetchone()
            if row is None:
                return None
            try:
                payload = pickle.loads(row[4])
            except Exception as exc:  # any unpickling failure: keep it, go on
                self.set_aside(row[0], f"cannot be read back: {exc!r}")
                continue
            return Entry(row[0], row[1], row[2], datetime.fromisoformat(row[3]), payload)

    def remove(self, entry_id: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM entry WHERE id = ?", (entry_id,))

    def set_aside(self, entry_id: int, problem: str) -> None:
        with self._lock:
            self._db.execute("UPDATE entry SET problem = ? WHERE id = ?", (problem, entry_id))

    def pending(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT count(*) FROM entry WHERE problem IS NULL").fetchone()
        return row[0]

    def set_aside_problems(self) -> list[tuple[str, str]]:
        """(spool id, problem) of every entry set aside, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT spool_id, problem FROM entry WHERE problem IS NOT NULL ORDER BY id"
            ).fetchall()
        return [(row[0], row[1]) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def local_spool_path(database: Database) -> Path:
    """The queue file of this workstation for this database, on the workstation's own disk.

    Never in `[storage] data_dir`, which stations with several workstations put on a share
    of the server that may be gone with it. One file per database, so a workstation moved
    to another server never sends one server's queue to the other.
    """
    url = make_url(database.url).render_as_string(hide_password=True)
    name = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    return paths.data_dir() / "queue" / f"spool-{name}.sqlite3"


def workstation_name() -> str:
    return socket.gethostname()[:64] or "workstation"


def already_committed(session: Session, spool_id: str) -> bool:
    return session.get(QueuedWeighing, spool_id) is not None


def mark_committed(
    session: Session,
    *,
    spool_id: str,
    check_no: str,
    queued_at: datetime,
    actor: str,
) -> None:
    """In the weighing's transaction: the entry is committed, and the chain says it came late."""
    now = beijing_now()
    workstation = workstation_name()
    session.add(
        QueuedWeighing(
            spool_id=spool_id,
            check_no=check_no,
            queued_at=queued_at,
            committed_at=now,
            workstation=workstation,
        )
    )
    detail = {
        "spoolId": spool_id,
        "checkNo": check_no,
        "queuedAt": format_time(queued_at),
        "workstation": workstation,
    }
    record_audit(session, actor, "WEIGHING_QUEUED_OFFLINE", detail, now)
