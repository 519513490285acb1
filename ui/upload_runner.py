"""Upload passes from the desktop: "upload now" and the nightly schedule (province-api.md §8).

A pass can take minutes (thousands of records and pictures, a platform that answers
slowly or not at all), so it runs on a thread of its own, never in `Tasks`, whose few
workers serve the screens' queries. What the pass reports (progress, its outcome) comes
back to the GUI thread through queued signals. One runner per application: it refuses a
second pass while one runs, and the station's file lock refuses a pass started elsewhere
at the same time (`main.py upload`, the OS timer).

The schedule is a timer on the GUI thread: once a minute, when the upload is configured,
the passes are read on a worker and a SCHEDULE pass starts when `is_due` says so.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

from PySide6 import QtCore

from station.config import StationConfig
from station.readmodel import UploadStatus
from station.security import Permission
from station.storage.database import Database
from station.storage.views import upload_status
from station.timeutil import beijing_now
from station.upload.passes import PassOutcome, run_pass
from station.upload.schedule import is_due
from station.upload.status import device_states
from station.upload.transport import Backoff
from ui.context import AppContext

log = logging.getLogger(__name__)

MANUAL, SCHEDULE = "MANUAL", "SCHEDULE"
SCHEDULER_ACTOR = "scheduler"
SCHEDULE_MS = 60_000
FIRST_CHECK_MS = 5_000  # after start-up: a pass missed while the PC was off runs soon
STOP_WAIT_S = 2.0  # at close: the pass checks the cancel event between requests
PROGRESS_EVERY_S = 0.1  # at most ten progress signals a second (pictures go one by one)


class _Relay(QtCore.QObject):
    """Lives on the GUI thread; the pass thread emits into it (queued connections)."""

    progress = QtCore.Signal(str, int, int)
    finished = QtCore.Signal(object)


def _emit(signal: QtCore.SignalInstance, *args: object) -> None:
    # RuntimeError: the window was closed and deleted while the pass ran on.
    with contextlib.suppress(RuntimeError):
        signal.emit(*args)


class _Throttle:
    """The pass's progress callback: a new stage at once, within a stage ten a second."""

    def __init__(self, signal: QtCore.SignalInstance) -> None:
        self._signal = signal
        self._stage = ""
        self._last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage != self._stage or done >= total or now - self._last >= PROGRESS_EVERY_S:
            self._stage, self._last = stage, now
            _emit(self._signal, stage, done, total)


def _pass(
    config: StationConfig,
    database: Database,
    *,
    trigger: str,
    actor: str,
    progress: Callable[[str, int, int], None],
    cancel: threading.Event,
    backoff: Backoff | None,
) -> PassOutcome:
    """On the pass thread. run_pass reports the network's and the platform's failures in
    its outcome; anything else (a database error, a bug) becomes a FAILED outcome too."""
    try:
        return run_pass(
            config, database, trigger=trigger, actor=actor, progress=progress, cancel=cancel,
            backoff=backoff, devices=lambda: device_states(database, config),
        )  # fmt: skip
    except Exception as exc:
        log.exception("the upload pass failed")
        return PassOutcome(status="FAILED", error=f"{type(exc).__name__}: {exc}")


class UploadRunner(QtCore.QObject):
    """Runs one pass at a time on its own thread; schedules the nightly pass."""

    started = QtCore.Signal(str)  # trigger
    progress = QtCore.Signal(str, int, int)  # stage, done, total
    finished = QtCore.Signal(object)  # PassOutcome
    running_changed = QtCore.Signal(bool)
    status_arrived = QtCore.Signal(object)  # UploadStatus, read by the schedule check

    def __init__(
        self, ctx: AppContext, parent: QtCore.QObject | None = None, *,
        backoff: Backoff | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self._ctx = ctx
        self.backoff = backoff  # None: the transport's own (1 s doubling to 60 s, 6 tries)
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self._checking = False
        self.trigger = ""
        self.stage: tuple[str, int, int] | None = None
        self.last_outcome: PassOutcome | None = None
        self._relay = _Relay(self)
        queued = QtCore.Qt.ConnectionType.QueuedConnection
        self._relay.progress.connect(self._progressed, queued)
        self._relay.finished.connect(self._finished, queued)
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(SCHEDULE_MS)
        self._timer.timeout.connect(self.check_schedule)

    @property
    def configured(self) -> bool:
        return bool(self._ctx.config.province.url)

    @property
    def running(self) -> bool:
        return self._thread is not None

    # ---- a pass -------------------------------------------------------------------------

    def upload_now(self) -> bool:
        """The signed-in person's "upload now"; False when not allowed or already running."""
        session = self._ctx.session
        if not session.can(Permission.UPLOAD_NOW):
            return False
        return self.start(MANUAL, session.login)

    def start(self, trigger: str, actor: str) -> bool:
        if self.running or not self.configured:
            return False
        self._cancel = threading.Event()
        work = _work(
            self._ctx.config, self._ctx.database, trigger=trigger, actor=actor,
            relay=self._relay, cancel=self._cancel, backoff=self.backoff,
        )  # fmt: skip
        self._thread = threading.Thread(target=work, name="upload-pass", daemon=True)
        self.trigger, self.stage = trigger, None
        self._thread.start()
        self.started.emit(trigger)
        self.running_changed.emit(True)
        return True

    @QtCore.Slot(str, int, int)
    def _progressed(self, stage: str, done: int, total: int) -> None:
        if self.running:
            self.stage = (stage, done, total)
            self.progress.emit(stage, done, total)

    @QtCore.Slot(object)
    def _finished(self, outcome: PassOutcome) -> None:
        self._thread = None
        self.stage = None
        self.last_outcome = outcome
        self.running_changed.emit(False)
        self.finished.emit(outcome)

    def stop(self, wait_s: float = STOP_WAIT_S) -> None:
        """At close: no new pass; the running one is cancelled and waited for briefly. A pass
        stuck in a request longer than that is left to die with the process; the next
        pass resumes it (its row becomes INTERRUPTED)."""
        self._timer.stop()
        self._cancel.set()
        thread = self._thread
        if thread is not None:
            thread.join(wait_s)

    # ---- the schedule -------------------------------------------------------------------

    def start_schedule(self, first_ms: int = FIRST_CHECK_MS) -> None:
        """Check every minute whether the nightly pass is due; nothing when not configured."""
        if not self.configured:
            return
        self._timer.start()
        QtCore.QTimer.singleShot(first_ms, self, self.check_schedule)

    @property
    def scheduled(self) -> bool:
        return self._timer.isActive()

    def check_schedule(self) -> None:
        """Read the passes on a worker; start a SCHEDULE pass if due and none runs."""
        if not self.configured or self._checking:
            return
        self._checking = True
        database = self._ctx.database
        self._ctx.tasks.run(
            lambda: upload_status(database, configured=True), self._checked, self._check_failed
        )

    def _checked(self, status: UploadStatus) -> None:
        self._checking = False
        self.status_arrived.emit(status)
        if self.running or not self.scheduled:
            return
        if is_due(beijing_now(), self._ctx.config.province.upload_time, status.passes):
            self.start(SCHEDULE, SCHEDULER_ACTOR)

    def _check_failed(self, error: BaseException) -> None:
        self._checking = False
        log.warning("cannot read the upload passes for the schedule: %s", error)


def _work(
    config: StationConfig,
    database: Database,
    *,
    trigger: str,
    actor: str,
    relay: _Relay,
    cancel: threading.Event,
    backoff: Backoff | None,
) -> Callable[[], None]:
    """The pass thread's function: plain values and the relay (owned by the runner)."""
    progress = _Throttle(relay.progress)

    def work() -> None:
        outcome = _pass(
            config, database, trigger=trigger, actor=actor, progress=progress, cancel=cancel,
            backoff=backoff,
        )  # fmt: skip
        _emit(relay.finished, outcome)

    return work
