"""The lane's durable side: journal, gates, the weighing record and its case, in storage.

One transaction per weighing holds the CHECK record with its evidence, the journal entry
turning DONE, and the case change (opened with its unload notice, closed NOT_OVER, or
matched as a re-weighing and closed UNLOADED). A crash before the commit leaves the
journal entry OPEN, and the next start records it as interrupted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from station.domain.limits import LimitBook, Verdict
from station.domain.readings import PlatePicture
from station.domain.records import UNREAD_PLATE, PictureRef, PictureType
from station.lanes.capture import Capture, Outcome, enforceable
from station.lanes.settings import LaneSettings
from station.services.recording import Observed, WeighingContext, stage_observed
from station.storage import cases, checks, journal, spool
from station.storage.calibration import calibration_counter, seal_is_open
from station.storage.cases import CaseInfo
from station.storage.database import Database
from station.storage.evidence import COUNTER_AT_COMMIT, Committed
from station.storage.evidence import WriteSession as Session
from station.storage.files import PictureStore, StoredFile
from station.storage.queries import axle_layout
from station.storage.scales import Certificate, current_certificate
from station.timeutil import beijing_now

NO_CERTIFICATE_UNTIL = date(1970, 1, 1)  # a record must name a validity; none is expired
PICTURE_TYPES = {"plate": PictureType.PLATE, "scene": PictureType.FRONT}

ConvertedWith = Callable[[str, float], int | None]
"""(scale id, t_mono of the weight) -> the calibration counter of the coefficients that
converted that weight from raw counts; None when the app did not convert it
(station.lanes.rawcounts.RawCounts.converted_with)."""


@dataclass(frozen=True, slots=True)
class RecorderSetup:
    site_code: str
    operator_id: str
    reweigh_window: timedelta
    require_daily_check: bool


class LaneRecorder:
    """Implements station.lanes.capture.Recorder on the station database."""

    def __init__(
        self,
        database: Database,
        store: PictureStore,
        limits: LimitBook,
        setup: RecorderSetup,
        *,
        converted_with: ConvertedWith | None = None,
    ) -> None:
        self._database = database
        self._store = store
        self._limits = limits
        self._setup = setup
        self._converted_with = converted_with

    def begin(self, lane: int, plate: str = "") -> int:
        return journal.open_attempt(self._database, lane=lane, moment=beijing_now(), plate=plate)

    def note_plate(self, attempt_id: int, plate: str) -> None:
        journal.update_attempt(self._database, attempt_id, plate=plate)

    def abandon(self, attempt_id: int, reason: str) -> None:
        journal.abandon_attempt(
            self._database,
            attempt_id,
            reason=reason,
            moment=beijing_now(),
            actor=self._setup.operator_id,
        )

    def watch_reason(self, plate: str) -> str | None:
        if plate == UNREAD_PLATE:
            return None
        with self._database.read() as session:
            return checks.watch_reason(session, plate)

    def _open_case(self, session: Session, plate: str, moment: datetime) -> CaseInfo | None:
        if plate == UNREAD_PLATE:
            return None
        since = moment - self._setup.reweigh_window
        return cases.find_open_case(session, plate, since=since)

    def reweigh_layout(
        self, plate: str
    ) -> tuple[tuple[int | None, ...], tuple[int | None, ...]] | None:
        with self._database.read() as session:
            case = self._open_case(session, plate, beijing_now())
        return None if case is None else axle_layout(self._database, case.check_no)

    def override(self, lane: int, check_no: str | None, reason: str, actor: str) -> None:
        with self._database.transaction() as session:
            cases.record_override(
                session,
                lane=lane,
                check_no=check_no or None,
                reason=reason,
                actor=actor,
                moment=beijing_now(),
            )

    # ---- the weighing -----------------------------------------------------------------

    def _gate_flags(
        self,
        session: Session,
        scale_id: str,
        cert: Certificate | None,
        used: int | None,
        today: date,
    ) -> set[str]:
        flags = set()
        if cert is None:
            flags.add("NO_CERTIFICATE")
        elif cert.valid_until < today:
            flags.add("CERT_EXPIRED")
        if self._setup.require_daily_check and not checks.scale_checked_on(
            session, scale_id, today
        ):
            flags.add("NO_SCALE_CHECK")
        if seal_is_open(session, scale_id):
            flags.add("SEAL_OPEN")
        if used is not None and used != calibration_counter(session, scale_id):
            flags.add("CALIBRATION_CHANGED")
        return flags

    def _converted_counter(self, scale_id: str, t_event: float) -> int | None:
        if self._converted_with is None:
            return None
        return self._converted_with(scale_id, t_event)

    def _pictures(self, capture: Capture) -> tuple[tuple[StoredFile, ...], tuple[PictureRef, ...]]:
        files = tuple(self._store.put(picture.data, picture.mime) for picture in capture.pictures)
        refs = tuple(
            PictureRef(_picture_type(picture), stored.sha256, stored.size)
            for picture, stored in zip(capture.pictures, files, strict=True)
        )
        return files, refs

    def commit(self, settings: LaneSettings, capture: Capture) -> Outcome:
        outcome = self._commit(settings, capture, None)
        assert outcome is not None  # only a queued entry can have been committed already
        return outcome

    def commit_queued(
        self, settings: LaneSettings, capture: Capture, spool_id: str, queued_at: datetime
    ) -> Outcome | None:
        """Commit a weighing queued while the server was unreachable, at its own time.

        None when this queue entry was committed before (a crash after the commit, before
        the entry left the queue): it is never recorded twice.
        """
        return self._commit(settings, capture, (spool_id, queued_at))

    def _commit(
        self, settings: LaneSettings, capture: Capture, queued: tuple[str, datetime] | None
    ) -> Outcome | None:
        files, refs = self._pictures(capture)  # content-addressed: a crash leaves only orphans
        cert = current_certificate(self._database, settings.scale_id)
        used = self._converted_counter(settings.scale_id, capture.t_event)
        with self._database.transaction() as session:
            journal_state = journal.attempt_state(session, capture.attempt_id)
            if queued is not None and (
                spool.already_committed(session, queued[0]) or journal_state == journal.DONE
            ):
                return None  # this entry, or the online commit that seemed to fail, is in
            moment = beijing_now() if queued is None else queued[1]
            gates = self._gate_flags(session, settings.scale_id, cert, used, moment.date())
            flags = set(capture.flags) | gates
            case = self._open_case(session, capture.plate.number, moment)
            verdict = self._limits.judge(capture.vehicle, moment.date())
            context = WeighingContext(
                settings.number,
                settings.direction,
                settings.mode,
                settings.scale_id,
                cert.number if cert else "",
                cert.valid_until if cert else NO_CERTIFICATE_UNTIL,
                self._setup.operator_id,
            )
            observed = Observed(
                capture.vehicle,
                verdict,
                capture.plate,
                speed_kmh=capture.speed_kmh,
                trace=capture.trace,
                files=files,
                pictures=refs,
                flags=tuple(sorted(flags)),
                first_check_no=case.check_no if case else None,
                calibration_counter=COUNTER_AT_COMMIT if used is None else used,
            )
            committed = stage_observed(session, self._setup.site_code, context, observed, moment)
            # A local attempt (station.lanes.spooling) has no journal row; a queued one may
            # have been marked INTERRUPTED by a restart meanwhile, and stays so.
            if journal_state == journal.OPEN or (queued is None and capture.attempt_id > 0):
                journal.finish_attempt(
                    session, capture.attempt_id, check_no=committed.check_no, moment=moment
                )
            if queued is not None:
                spool.mark_committed(
                    session, spool_id=queued[0], check_no=committed.check_no,
                    queued_at=queued[1], actor=self._setup.operator_id,
                )  # fmt: skip
            touched = None
            if enforceable(flags, verdict.is_over):
                touched = self._case_change(session, settings.number, case, committed, observed)
        return _outcome(committed.check_no, observed, case, touched)

    def _case_change(
        self,
        session: Session,
        lane: int,
        case: CaseInfo | None,
        committed: Committed,
        observed: Observed,
    ) -> CaseInfo:
        check_no = committed.check_no
        verdict, moment = observed.verdict, beijing_now()
        common = {"site_code": self._setup.site_code, "moment": moment}
        actor = self._setup.operator_id
        if case is not None:
            return cases.record_reweigh(
                session,
                case,
                recheck_no=check_no,
                sum_kg=verdict.sum_weight_kg,
                is_over=verdict.is_over,
                over_kg=verdict.over_weight_kg,
                actor=actor,
                **common,
            )
        first = {
            "check_no": check_no,
            "plate_num": observed.plate.number,
            "plate_color": int(observed.plate.color),
            "lane": lane,
            "sum_kg": verdict.sum_weight_kg,
            "limit_kg": verdict.limit_weight_kg,
            "actor": actor,
        }
        if verdict.is_over:
            return cases.open_case(session, over_kg=verdict.over_weight_kg, **first, **common)
        return cases.close_not_over(session, **first, **common)


def _picture_type(picture: PlatePicture) -> PictureType:
    return PICTURE_TYPES.get(picture.kind, PictureType.FRONT)


def _outcome(
    check_no: str, observed: Observed, matched: CaseInfo | None, case: CaseInfo | None
) -> Outcome:
    verdict: Verdict = observed.verdict
    return Outcome(
        check_no=check_no,
        check_type=2 if matched else 1,
        first_check_no=matched.check_no if matched else None,
        sum_kg=verdict.sum_weight_kg,
        limit_kg=verdict.limit_weight_kg,
        over_kg=verdict.over_weight_kg,
        is_over=verdict.is_over,
        flags=observed.flags,
        case_id=case.id if case else None,
        case_status=case.status if case else None,
        case_result=case.result if case else None,
        notice_no=(case or matched).notice_no if (case or matched) else None,
        unload_kg=case.unload_kg if case and case.status == "OPEN" else 0,
    )
