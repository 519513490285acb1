"""Weighing on while the station's database server is unreachable.

At a station with several workstations the records live on one PostgreSQL server. If a
workstation loses it (the server restarts, a switch fails), its lanes must not stop: a
truck on the scale is weighed, judged and released or held as always. This recorder wraps
the lane recorder (station.lanes.recorder) and, when a call fails because the server cannot
be reached, goes offline:

- the weighing is judged here (the limits are local data) and queued on the workstation's
  own disk (station.storage.spool), durably, before the lane moves on. Its outcome has no
  ticket number yet and carries the flag QUEUED: a vehicle within the limit is released as
  usual; an overloaded one is held, because its case and unload notice are made on the
  server (the lane says so);
- a vehicle that leaves without a weighing is queued as an abandoned attempt;
- the watchlist and the re-weighing lookup are skipped (they need the server).

While offline, and while anything is still queued, every weighing goes to the queue, so
the chain receives them in the order they were weighed. `catch_up`, called by the lane
runtime between events, retries the server every RETRY_S and then commits the queue in
order, each entry at its own weighing time, with a WEIGHING_QUEUED_OFFLINE event naming
it. An entry committed just before a crash is recognised and not committed again.

A queue that cannot be written (disk full) is not hidden: the error propagates and the
lane keeps the vehicle, as it does for any failed commit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from station.domain.limits import LimitBook
from station.lanes.capture import QUEUED, Capture, Outcome
from station.lanes.recorder import LaneRecorder
from station.lanes.settings import LaneSettings
from station.storage import journal
from station.storage.chainstore import record_audit
from station.storage.database import Database, connection_lost, ping
from station.storage.files import PictureStoreError
from station.storage.spool import Entry, Spool
from station.timeutil import beijing_now, format_time

log = logging.getLogger(__name__)


def unreachable(exc: BaseException) -> bool:
    """The server (its database, or the picture share beside it) cannot be reached."""
    return connection_lost(exc) or isinstance(exc, PictureStoreError)


RETRY_S = 5.0  # how often an unreachable server is tried again (on the prober thread)
CATCH_UP_BUDGET_S = 0.25  # per call: the lane thread must get back to its events
WEIGHING, ABANDONED = "weighing", "abandoned"


@dataclass(frozen=True, slots=True)
class QueueState:
    """What the screen shows: whether the server answers, and how much is queued."""

    online: bool
    pending: int
    set_aside: int


@dataclass(frozen=True, slots=True)
class QueuedCommitted:
    """A queued weighing reached the server and got its ticket number."""

    lane: int
    check_no: str
    queued_at: datetime


class SpoolingRecorder:
    """A station.lanes.capture.Recorder that queues locally while the server is gone."""

    def __init__(
        self,
        inner: LaneRecorder,
        database: Database,
        spool: Spool,
        limits: LimitBook,
        operator_id: str,
        *,
        retry_s: float = RETRY_S,
    ) -> None:
        self._inner, self._database, self._spool = inner, database, spool
        self._limits, self._operator_id, self._retry_s = limits, operator_id, retry_s
        self._online = True
        # Set by the prober thread when the server answers again. The lane thread never
        # waits on an unreachable server itself: a pulled cable would hold it for seconds.
        self._back = threading.Event()
        self._closing = threading.Event()
        self._prober: threading.Thread | None = None
        self._local_attempts = 0
        self._pending = spool.pending()
        self._set_aside = len(spool.set_aside_problems())  # the runtime asks every tick
        if self._pending:
            log.warning(
                "%d weighings queued locally from before; committing them first", self._pending
            )

    # ---- state ---------------------------------------------------------------------------

    @property
    def online(self) -> bool:
        return self._online

    def state(self) -> QueueState:
        return QueueState(self.online, self._pending, self._set_aside)

    def _offline(self, exc: BaseException) -> None:
        if self._online:
            log.error("the database server is unreachable; queueing locally: %s", exc)
        self._online = False
        self._back.clear()
        if self._prober is None or not self._prober.is_alive():
            self._prober = threading.Thread(target=self._probe, name="server-probe", daemon=True)
            self._prober.start()

    def _probe(self) -> None:
        while not self._closing.wait(self._retry_s):
            try:
                ping(self._database)
            except Exception as exc:
                if not unreachable(exc):
                    log.exception("probing the database server failed")
                continue
            log.info("the database server answers again")
            self._back.set()
            return

    def close(self) -> None:
        """Stop probing (the station is stopping); the queue stays on disk."""
        self._closing.set()
        if self._prober is not None:
            self._prober.join(timeout=self._retry_s + 1)

    def _try(self, call: Callable[[], object], fallback: object) -> object:
        if not self.online:
            return fallback
        try:
            return call()
        except Exception as exc:
            if not unreachable(exc):
                raise
            self._offline(exc)
            return fallback

    # ---- the Recorder port -----------------------------------------------------------------

    def begin(self, lane: int, plate: str = "") -> int:
        local = self._next_local_attempt()
        return self._try(lambda: self._inner.begin(lane, plate), local)  # type: ignore[return-value]

    def _next_local_attempt(self) -> int:
        self._local_attempts -= 1  # negative: never a journal id on the server
        return self._local_attempts

    def note_plate(self, attempt_id: int, plate: str) -> None:
        if attempt_id > 0:
            self._try(lambda: self._inner.note_plate(attempt_id, plate), None)

    def abandon(self, attempt_id: int, reason: str) -> None:
        if self.online and not self._pending and attempt_id > 0:
            try:
                self._inner.abandon(attempt_id, reason)
                return
            except Exception as exc:
                if not unreachable(exc):
                    raise
                self._offline(exc)
        self._queue(ABANDONED, (attempt_id, reason))

    def watch_reason(self, plate: str) -> str | None:
        return self._try(lambda: self._inner.watch_reason(plate), None)  # type: ignore[return-value]

    def reweigh_layout(
        self, plate: str
    ) -> tuple[tuple[int | None, ...], tuple[int | None, ...]] | None:
        return self._try(lambda: self._inner.reweigh_layout(plate), None)  # type: ignore[return-value]

    def commit(self, settings: LaneSettings, capture: Capture) -> Outcome:
        if self.online and not self._pending:
            try:
                return self._inner.commit(settings, capture)
            except Exception as exc:
                if not unreachable(exc):
                    raise
                self._offline(exc)
        return self._queue_weighing(settings, capture)

    def override(self, lane: int, check_no: str | None, reason: str, actor: str) -> None:
        self._inner.override(lane, check_no, reason, actor)  # needs the server: errors show

    # ---- queueing --------------------------------------------------------------------------

    def _queue(self, kind: str, payload: object) -> None:
        self._spool.put(kind, payload, beijing_now())
        self._pending += 1

    def _queue_weighing(self, settings: LaneSettings, capture: Capture) -> Outcome:
        moment = beijing_now()
        self._spool.put(WEIGHING, (settings, capture), moment)
        self._pending += 1
        verdict = self._limits.judge(capture.vehicle, moment.date())
        return Outcome(
            check_no="",
            check_type=1,
            first_check_no=None,
            sum_kg=verdict.sum_weight_kg,
            limit_kg=verdict.limit_weight_kg,
            over_kg=verdict.over_weight_kg,
            is_over=verdict.is_over,
            flags=tuple(sorted({*capture.flags, QUEUED})),
            case_id=None,
            case_status=None,
            case_result=None,
            notice_no=None,
            unload_kg=0,
        )

    # ---- catching up -----------------------------------------------------------------------

    def catch_up(
        self, budget_s: float = CATCH_UP_BUDGET_S, *, retry_now: bool = False
    ) -> list[QueuedCommitted]:
        """Commit queued entries in order for up to `budget_s`; what reached the server.

        While offline, only once the prober thread has found the server answering again,
        unless `retry_now` (a clean stop's last try).
        """
        if not self._pending:
            return []
        if not self._online:
            if not (self._back.is_set() or retry_now):
                return []
            self._online = True
        done: list[QueuedCommitted] = []
        deadline = time.monotonic() + budget_s
        while time.monotonic() < deadline:
            entry = self._spool.oldest()
            if entry is None:
                break
            try:
                committed = self._apply(entry)
            except Exception as exc:
                if unreachable(exc):
                    self._offline(exc)
                    break
                log.exception("queued entry %s refused by the server; set aside", entry.spool_id)
                self._spool.set_aside(entry.id, repr(exc))
            else:
                self._spool.remove(entry.id)
                if committed is not None:
                    done.append(committed)
        self._pending = self._spool.pending()
        self._set_aside = len(self._spool.set_aside_problems())
        return done

    def _apply(self, entry: Entry) -> QueuedCommitted | None:
        if entry.kind == ABANDONED:
            self._apply_abandon(entry)
            return None
        settings, capture = entry.payload
        outcome = self._inner.commit_queued(settings, capture, entry.spool_id, entry.queued_at)
        if outcome is None:
            return None
        return QueuedCommitted(settings.number, outcome.check_no, entry.queued_at)

    def _apply_abandon(self, entry: Entry) -> None:
        attempt_id, reason = entry.payload
        if journal.attempt_state(self._database, attempt_id) == journal.OPEN:
            journal.abandon_attempt(
                self._database, attempt_id, reason=reason, moment=entry.queued_at,
                actor=self._operator_id,
            )  # fmt: skip
            return
        detail = {"spoolId": entry.spool_id, "reason": reason, "at": format_time(entry.queued_at)}
        with self._database.transaction() as session:
            record_audit(session, self._operator_id, "ATTEMPT_ABANDONED_OFFLINE", detail)


def queued(outcome: Outcome) -> bool:
    return QUEUED in outcome.flags
