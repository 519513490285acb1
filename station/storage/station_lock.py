"""One upload pass at a time for the whole station, when workstations share a server.

The OS file lock of station.upload.lock covers one computer. Workstations sharing a
PostgreSQL database also take a session-level advisory lock on the server for the length
of the pass: the server drops it when the pass's connection ends, so a workstation that
dies mid-pass never blocks the others. A SQLite station is one computer: nothing to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from station.storage.database import Database

# A fixed key of this program's own (the bytes of "UPLD"), for pg_try_advisory_lock.
UPLOAD_LOCK_KEY = 0x55504C44


@contextmanager
def station_upload_lock(database: Database) -> Iterator[bool]:
    """Yields whether this pass holds the station-wide lock (always True on SQLite)."""
    if database.is_sqlite:
        yield True
        return
    with database.writer.connect() as conn:
        held = bool(
            conn.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": UPLOAD_LOCK_KEY}
            ).scalar()
        )
        conn.commit()
        try:
            yield held
        finally:
            if held:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": UPLOAD_LOCK_KEY})
                conn.commit()
