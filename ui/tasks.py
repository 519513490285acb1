"""Work off the GUI thread: database queries, documents, device commands.

The GUI thread never waits on a device, the database or a PDF (DESIGN.md). A view hands a
plain function to `Tasks.run`; it runs on a worker thread and its result (or exception)
comes back to the GUI thread through a queued signal, where `done` or `failed` is called.

A task's function and callbacks often hold widgets (a bound method, a lambda over
`self`). If a worker thread dropped the last reference to one, the widget would be
destroyed off the GUI thread and Qt would crash. So the GUI thread keeps every task's
function, callbacks, result and exception in a table until it has delivered them; the
worker only borrows the function and lets go of everything before it signals.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6 import QtCore

log = logging.getLogger(__name__)


@dataclass
class _Task:
    work: Callable[[], Any]
    done: Callable[[Any], None] | None
    failed: Callable[[BaseException], None] | None
    value: Any = None
    error: BaseException | None = None


class _Relay(QtCore.QObject):
    """Lives on the GUI thread; worker threads emit task numbers into it (queued)."""

    finished = QtCore.Signal(int)


class Tasks(QtCore.QObject):
    """A small pool of worker threads with results delivered on the GUI thread."""

    busy_changed = QtCore.Signal(int)

    def __init__(self, parent: QtCore.QObject | None = None, threads: int = 3) -> None:
        super().__init__(parent)
        self._pool = QtCore.QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._deliver, QtCore.Qt.ConnectionType.QueuedConnection)
        self._lock = threading.Lock()
        self._tasks: dict[int, _Task] = {}
        self._numbers = itertools.count()

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._tasks)

    def run(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run `work()` on a worker; then `done(result)` or `failed(exc)` on the GUI thread."""
        number = next(self._numbers)
        with self._lock:
            self._tasks[number] = _Task(work, done, failed)
            count = len(self._tasks)
        self.busy_changed.emit(count)
        self._pool.start(lambda: self._execute(number))

    def _execute(self, number: int) -> None:
        """On a worker: run the task, park the outcome in the table, then signal."""
        with self._lock:
            task = self._tasks[number]
        work = task.work
        del task
        try:
            value = work()
        except BaseException as exc:
            self._park(number, error=exc)
        else:
            self._park(number, value=value)
            del value
        del work
        self._relay.finished.emit(number)

    def _park(self, number: int, *, value: Any = None, error: BaseException | None = None) -> None:
        with self._lock:
            task = self._tasks[number]
            task.value, task.error = value, error

    def wait(self, timeout_ms: int = 30000) -> bool:
        """For shutdown and tests only: wait until the workers are idle."""
        return self._pool.waitForDone(timeout_ms)

    @QtCore.Slot(int)
    def _deliver(self, number: int) -> None:
        with self._lock:
            task = self._tasks.pop(number)
            count = len(self._tasks)
        self.busy_changed.emit(count)
        try:
            if task.error is None:
                if task.done is not None:
                    task.done(task.value)
            elif task.failed is not None:
                task.failed(task.error)
            else:
                log.error("background task failed", exc_info=task.error)
        except RuntimeError as exc:  # the widget the callback belongs to was deleted
            if "already deleted" not in str(exc):
                raise
