"""One upload pass at a time on this computer (the nightly pass, "upload now", the OS timer).

An OS file lock, not a row in the database: the operating system drops it when the
process dies, so a pass killed with kill -9 never blocks the next one.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType


class PassLocked(Exception):
    """Another upload pass is running on this computer."""


class PassLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle = None

    def __enter__(self) -> PassLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")  # held for the whole pass
        try:
            _lock(handle)
        except OSError:
            handle.close()
            raise PassLocked("another upload pass is running on this computer") from None
        self._handle = handle
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._handle is not None:
            _unlock(self._handle)
            self._handle.close()
            self._handle = None


if os.name == "nt":
    import msvcrt

    def _lock(handle) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
