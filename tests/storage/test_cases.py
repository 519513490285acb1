"""Enforcement cases on SQLite and PostgreSQL: opened, re-weighed, closed, voided, in one
transaction with the weighing that caused the change."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from station.domain.limits import Verdict
from station.domain.records import CaseResult, PlateColor, PlateSource
from station.domain.vehicle import Axle, Configuration, Tyres, Vehicle
from station.services.recording import Plate, check_record_for
from station.storage.cases import (
    CaseInfo,
    case_counts,
    cases_for,
    close_case,
    close_not_over,
    find_open_case,
    open_case,
    record_override,
    record_reweigh,
    void_check,
)
from station.storage.chainstore import record_body
from station.storage.checks import add_watch, record_scale_check
from station.storage.database import Database
from station.storage.evidence import WeighingEvidence, new_check_no, stage_weighing
from station.storage.journal import (
    abandon_attempt,
    finish_attempt,
    open_attempt,
    recover_interrupted,
)
from station.storage.models import (
    AuditEvent,
    CaseEvent,
    EnforcementCase,
    NumberSequence,
    Record,
    UnloadNotice,
    Weighing,
)
from station.storage.scales import register_scale
from station.storage.verify import verify_database
from station.tables import default_limit_book
from tests.support.factory import CONTEXT, SITE, Station, weighings_at_revision

MOMENT = datetime(2026, 11, 25, 14, 3, 27)
PLATE = "豫A12345"
ACTOR = "tester"
LAYOUT = (
    (Tyres.SINGLE, False, 3200),
    (Tyres.DUAL, True, 1350),
    (Tyres.DUAL, True, 7200),
    (Tyres.DUAL, False, 1310),
    (Tyres.DUAL, False, 1310),
    (Tyres.DUAL, False, 0),
)
OVER = (10000, 11000, 11000, 11130, 11130, 11120)  # 65380 kg against 49000: 16380 over
STILL_OVER = (9000, 10000, 10000, 10000, 10000, 10000)  # 59000 kg: 10000 over
WITHIN = (7000, 8000, 8000, 8600, 8600, 8600)  # 48800 kg
CLOSE_FIELDS = {"recordType", "seq", "siteCode", "prevHash", "recordHash", "checkNo"}


@dataclass(frozen=True)
class Weighed:
    check_no: str
    seq: int
    verdict: Verdict


def truck(weights: tuple[int, ...]) -> Vehicle:
    axles = tuple(
        Axle(w, tyres, drive=drive, spacing_mm=spacing)
        for w, (tyres, drive, spacing) in zip(weights, LAYOUT, strict=True)
    )
    return Vehicle(Configuration.ARTICULATED, axles)


def weigh(
    session: Session,
    weights: tuple[int, ...],
    *,
    moment: datetime = MOMENT,
    plate: str = PLATE,
    first_check_no: str | None = None,
) -> Weighed:
    """Stage one weighing (a re-weighing when `first_check_no` is given) in the session."""
    vehicle = truck(weights)
    verdict = default_limit_book().judge(vehicle, moment.date())
    check_no = new_check_no(session, SITE, moment)
    record = check_record_for(
        vehicle, verdict, CONTEXT, check_no=check_no, check_time=moment,
        plate=Plate(plate, PlateColor.YELLOW, PlateSource.ANPR), speed_kmh="5.0",
        first_check_no=first_check_no,
    )  # fmt: skip
    done = stage_weighing(session, SITE, WeighingEvidence(record, vehicle))
    return Weighed(check_no, done.seq, verdict)


def stage_open(session: Session, *, moment: datetime = MOMENT, plate: str = PLATE) -> CaseInfo:
    weighed = weigh(session, OVER, moment=moment, plate=plate)
    verdict = weighed.verdict
    return open_case(
        session, site_code=SITE, check_no=weighed.check_no, plate_num=plate,
        plate_color=int(PlateColor.YELLOW), lane=CONTEXT.lane, sum_kg=verdict.sum_weight_kg,
        limit_kg=verdict.limit_weight_kg, over_kg=verdict.over_weight_kg, moment=moment,
        actor=ACTOR,
    )  # fmt: skip


def open_over(station: Station, *, moment: datetime = MOMENT, plate: str = PLATE) -> CaseInfo:
    with station.database.transaction() as session:
        return stage_open(session, moment=moment, plate=plate)


def first_within(station: Station, *, moment: datetime = MOMENT) -> CaseInfo:
    with station.database.transaction() as session:
        weighed = weigh(session, WITHIN, moment=moment)
        return close_not_over(
            session, site_code=SITE, check_no=weighed.check_no, plate_num=PLATE,
            plate_color=int(PlateColor.YELLOW), lane=CONTEXT.lane,
            sum_kg=weighed.verdict.sum_weight_kg, limit_kg=weighed.verdict.limit_weight_kg,
            moment=moment, actor=ACTOR,
        )  # fmt: skip


def reweigh(
    station: Station, case: CaseInfo, weights: tuple[int, ...], *, moment: datetime
) -> tuple[Weighed, CaseInfo]:
    with station.database.transaction() as session:
        weighed = weigh(session, weights, moment=moment, first_check_no=case.check_no)
        verdict = weighed.verdict
        after = record_reweigh(
            session, case, site_code=SITE, recheck_no=weighed.check_no,
            sum_kg=verdict.sum_weight_kg, is_over=verdict.is_over,
            over_kg=verdict.over_weight_kg, moment=moment, actor=ACTOR,
        )  # fmt: skip
    return weighed, after


def audit(station: Station) -> list[tuple[str, dict[str, Any]]]:
    with station.database.read() as session:
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    return [(row.action, json.loads(row.body)["detail"]) for row in rows]


def case_events(station: Station, case_id: int) -> list[tuple[str, dict[str, Any]]]:
    with station.database.read() as session:
        rows = session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        ).all()
    return [(row.status, json.loads(row.detail)) for row in rows]


def body_of(station: Station, seq: int) -> dict[str, Any]:
    with station.database.read() as session:
        row = session.get(Record, seq)
        assert row is not None
        return record_body(row)


def stored_case(station: Station, check_no: str) -> CaseInfo:
    with station.database.read() as session:
        case = cases_for(session, check_no)
    assert case is not None
    return case


def count(station: Station, model: Any) -> int:
    with station.database.read() as session:
        return session.scalar(select(func.count()).select_from(model))


# ---- opening --------------------------------------------------------------------------------


def test_an_overloaded_first_weighing_opens_a_case_with_a_notice(station: Station) -> None:
    case = open_over(station)
    assert case.status == "OPEN" and case.result is None
    assert (case.plate_num, case.plate_color, case.lane) == (PLATE, 1, 1)
    assert (case.first_sum_kg, case.limit_kg, case.unload_kg) == (65380, 49000, 16380)
    assert case.notice_no == f"XZ{SITE}2026000001"
    assert case.opened_at == MOMENT
    assert stored_case(station, case.check_no) == case
    with station.database.read() as session:
        notice = session.execute(select(UnloadNotice)).scalar_one()
        row = session.get(EnforcementCase, case.id)
        assert row is not None and row.closed_at is None and row.close_seq is None
    assert (notice.number, notice.case_id, notice.year, notice.serial) == (
        case.notice_no, case.id, 2026, 1,
    )  # fmt: skip
    assert (notice.unload_kg, notice.issued_at, notice.issued_by) == (16380, MOMENT, ACTOR)
    opened = {"checkNo": case.check_no, "noticeNo": case.notice_no, "unloadKg": 16380}
    assert case_events(station, case.id) == [("OPENED", opened)]
    assert [a for a in audit(station) if a[0] == "CASE_OPENED"] == [("CASE_OPENED", opened)]
    assert count(station, Record) == 1, "opening a case sends nothing to the province"


def test_notice_numbers_run_per_year_and_restart_at_one(station: Station) -> None:
    numbers = [
        open_over(station, moment=MOMENT).notice_no,
        open_over(station, moment=MOMENT + timedelta(minutes=5)).notice_no,
        open_over(station, moment=datetime(2026, 12, 31, 23, 59, 59)).notice_no,
        open_over(station, moment=datetime(2027, 1, 1, 0, 0, 1)).notice_no,
        open_over(station, moment=datetime(2027, 1, 2, 8, 0, 0)).notice_no,
    ]
    assert numbers == [
        f"XZ{SITE}2026000001", f"XZ{SITE}2026000002", f"XZ{SITE}2026000003",
        f"XZ{SITE}2027000001", f"XZ{SITE}2027000002",
    ]  # fmt: skip


def test_opening_refuses_what_is_not_an_overloaded_first_weighing(station: Station) -> None:
    def attempt(**changes: Any) -> None:
        with station.database.transaction() as session:
            weighed = weigh(session, OVER)
            arguments: dict[str, Any] = {
                "site_code": SITE, "check_no": weighed.check_no, "plate_num": PLATE,
                "plate_color": 1, "lane": 1, "sum_kg": 65380, "limit_kg": 49000,
                "over_kg": 16380, "moment": MOMENT, "actor": ACTOR,
            }  # fmt: skip
            arguments.update(changes)
            open_case(session, **arguments)

    with pytest.raises(ValueError, match=r"^over_kg: "):
        attempt(over_kg=0)
    with pytest.raises(ValueError, match=r"^over_kg: "):
        attempt(sum_kg=49000, over_kg=0)
    with pytest.raises(ValueError, match=r"^site_code: "):
        attempt(site_code="4101")
    case = open_over(station)
    with pytest.raises(ValueError, match=r"^check_no: .* already has a case"):
        attempt(check_no=case.check_no)
    assert count(station, EnforcementCase) == 1


def test_a_failed_transaction_leaves_no_case_notice_or_record(station: Station) -> None:
    with (
        pytest.raises(RuntimeError, match="barrier"),
        station.database.transaction() as session,
    ):
        case = stage_open(session)
        assert case.notice_no is not None
        raise RuntimeError("the barrier controller failed after the case was staged")
    for model in (EnforcementCase, UnloadNotice, CaseEvent, Record, Weighing, AuditEvent):
        assert count(station, model) == 0, model.__tablename__
    with station.database.read() as session:
        assert session.get(NumberSequence, "notice:2026") is None
    assert open_over(station).notice_no == f"XZ{SITE}2026000001", "no number was used up"


# ---- a first weighing within the limit ----------------------------------------------------------


def test_a_first_weighing_within_the_limit_is_closed_not_over(station: Station) -> None:
    case = first_within(station)
    assert (case.status, case.result, case.unload_kg, case.notice_no) == (
        "CLOSED", "NOT_OVER", 0, None,
    )  # fmt: skip
    assert (case.first_sum_kg, case.limit_kg) == (48800, 49000)
    with station.database.read() as session:
        row = session.get(EnforcementCase, case.id)
        assert row is not None
        close_seq, closed_at = row.close_seq, row.closed_at
    assert (close_seq, closed_at) == (2, MOMENT)
    body = body_of(station, 2)
    assert set(body) == CLOSE_FIELDS | {"closeTime", "result", "operatorId"}
    assert (body["checkNo"], body["result"], body["closeTime"], body["operatorId"]) == (
        case.check_no, "NOT_OVER", "2026-11-25 14:03:27", ACTOR,
    )  # fmt: skip
    assert case_events(station, case.id) == [("CLOSED", {"result": "NOT_OVER", "seq": 2})]
    closed = [a for a in audit(station) if a[0] == "CASE_CLOSED"]
    assert closed == [
        ("CASE_CLOSED", {"checkNo": case.check_no, "seq": 2, "recordHash": body["recordHash"]})
    ]
    assert count(station, UnloadNotice) == 0


def test_closing_not_over_refuses_an_overloaded_weighing(station: Station) -> None:
    with pytest.raises(ValueError, match=r"^sum_kg: "), station.database.transaction() as session:
        weighed = weigh(session, OVER)
        close_not_over(
            session, site_code=SITE, check_no=weighed.check_no, plate_num=PLATE, plate_color=1,
            lane=1, sum_kg=65380, limit_kg=49000, moment=MOMENT, actor=ACTOR,
        )  # fmt: skip
    assert count(station, Record) == 0


# ---- finding the case of a returning truck -----------------------------------------------------


def test_the_open_case_of_a_plate_is_found_exactly(station: Station) -> None:
    older = open_over(station, moment=MOMENT - timedelta(hours=3))
    newer = open_over(station, moment=MOMENT)
    open_over(station, moment=MOMENT, plate="豫A12346")
    since = MOMENT - timedelta(hours=12)
    with station.database.read() as session:
        assert find_open_case(session, PLATE, since=since) == newer
        assert find_open_case(session, PLATE, since=MOMENT) == newer, "at `since` counts"
        assert find_open_case(session, PLATE, since=MOMENT + timedelta(seconds=1)) is None
        assert find_open_case(session, "豫A1234", since=since) is None, "no prefix match"
        assert find_open_case(session, "未识别", since=since) is None
        assert find_open_case(session, "", since=since) is None
    with station.database.transaction() as session:
        close_case(
            session, newer.id, site_code=SITE, result=CaseResult.ABSCONDED, reason="驶离",
            actor=ACTOR, moment=MOMENT + timedelta(minutes=30),
        )  # fmt: skip
    with station.database.read() as session:
        assert find_open_case(session, PLATE, since=since) == older, "a closed case is skipped"


def test_an_unread_plate_never_matches_a_case(station: Station) -> None:
    open_over(station, plate="未识别")
    with station.database.read() as session:
        assert find_open_case(session, "未识别", since=MOMENT - timedelta(days=1)) is None


# ---- re-weighing --------------------------------------------------------------------------------


def test_a_reweighing_within_the_limit_closes_the_case_unloaded(station: Station) -> None:
    case = open_over(station)
    later = MOMENT + timedelta(hours=2)
    recheck, closed = reweigh(station, case, WITHIN, moment=later)
    assert (closed.status, closed.result) == ("CLOSED", "UNLOADED")
    assert closed == stored_case(station, case.check_no)
    with station.database.read() as session:
        row = session.get(EnforcementCase, case.id)
        assert row is not None
        close_seq, closed_at = row.close_seq, row.closed_at
        check = session.get(Record, recheck.seq)
        assert check is not None
        check_body = record_body(check)
    assert (check_body["checkType"], check_body["firstCheckNo"]) == (2, case.check_no)
    assert closed_at == later and close_seq == recheck.seq + 1
    body = body_of(station, close_seq)
    assert set(body) == CLOSE_FIELDS | {
        "closeTime", "result", "operatorId", "recheckNo", "unloadWeight", "orderNo",
    }  # fmt: skip
    assert body["result"] == "UNLOADED" and body["checkNo"] == case.check_no
    assert (body["recheckNo"], body["unloadWeight"], body["orderNo"]) == (
        recheck.check_no, 65380 - 48800, case.notice_no,
    )  # fmt: skip
    assert body["closeTime"] == "2026-11-25 16:03:27"
    assert case_events(station, case.id)[1:] == [
        ("REWEIGHED", {"recheckNo": recheck.check_no, "sumKg": 48800, "overKg": 0}),
        ("CLOSED", {"result": "UNLOADED", "seq": close_seq}),
    ]
    assert audit(station)[-1] == (
        "CASE_CLOSED",
        {"checkNo": case.check_no, "seq": close_seq, "recordHash": body["recordHash"]},
    )


def test_a_reweighing_still_over_keeps_the_case_open_with_what_remains(station: Station) -> None:
    case = open_over(station)
    first, after = reweigh(station, case, STILL_OVER, moment=MOMENT + timedelta(hours=1))
    assert (after.status, after.result, after.unload_kg) == ("OPEN", None, 10000)
    assert stored_case(station, case.check_no).unload_kg == 10000
    assert count(station, Record) == 2, "no CLOSE record while still over"
    assert audit(station)[-1] == (
        "CASE_STILL_OVER",
        {"checkNo": case.check_no, "recheckNo": first.check_no, "sumKg": 59000, "unloadKg": 10000},
    )
    assert case_events(station, case.id)[-1] == (
        "REWEIGHED", {"recheckNo": first.check_no, "sumKg": 59000, "overKg": 10000},
    )  # fmt: skip
    second, closed = reweigh(station, after, WITHIN, moment=MOMENT + timedelta(hours=2))
    assert (closed.status, closed.result) == ("CLOSED", "UNLOADED")
    with station.database.read() as session:
        close = session.scalars(select(Record).where(Record.record_type == "CLOSE")).one()
        body = record_body(close)
    assert (body["recheckNo"], body["unloadWeight"]) == (second.check_no, 65380 - 48800)


def test_the_unloaded_weight_is_never_negative(station: Station) -> None:
    case = open_over(station)
    with station.database.transaction() as session:
        closed = record_reweigh(
            session, case, site_code=SITE, recheck_no=f"{SITE}2026112599999", sum_kg=66000,
            is_over=False, over_kg=0, moment=MOMENT + timedelta(hours=1), actor=ACTOR,
        )  # fmt: skip
    with station.database.read() as session:
        close = session.scalars(select(Record).where(Record.record_type == "CLOSE")).one()
    assert closed.result == "UNLOADED" and record_body(close)["unloadWeight"] == 0


def test_a_reweighing_needs_an_open_case_and_its_own_number(station: Station) -> None:
    case = open_over(station)

    def attempt(target: CaseInfo, **changes: Any) -> None:
        arguments: dict[str, Any] = {
            "site_code": SITE, "recheck_no": "R1", "sum_kg": 48800, "is_over": False,
            "over_kg": 0, "moment": MOMENT, "actor": ACTOR,
        }  # fmt: skip
        arguments.update(changes)
        with station.database.transaction() as session:
            record_reweigh(session, target, **arguments)

    with pytest.raises(ValueError, match=r"^recheck_no: "):
        attempt(case, recheck_no="")
    with pytest.raises(ValueError, match=r"^recheck_no: "):
        attempt(case, recheck_no=case.check_no)
    with pytest.raises(ValueError, match=r"^over_kg: "):
        attempt(case, is_over=True, over_kg=0)
    reweigh(station, case, WITHIN, moment=MOMENT + timedelta(hours=1))
    with pytest.raises(ValueError, match=r"^case: .* is CLOSED, not OPEN"):
        attempt(case)
    assert count(station, Record) == 3


# ---- closing by hand ----------------------------------------------------------------------------


def test_an_operator_closes_a_case_for_the_police_with_a_reason(station: Station) -> None:
    case = open_over(station)
    later = MOMENT + timedelta(hours=1)
    with station.database.transaction() as session:
        closed = close_case(
            session, case.id, site_code=SITE, result=CaseResult.POLICE,
            reason="拒不卸载，移交交警", actor="chief", moment=later,
        )  # fmt: skip
    assert (closed.status, closed.result) == ("CLOSED", "POLICE")
    body = body_of(station, 2)
    assert set(body) == CLOSE_FIELDS | {"closeTime", "result", "operatorId", "orderNo"}
    assert (body["result"], body["orderNo"], body["operatorId"]) == (
        "POLICE", case.notice_no, "chief",
    )  # fmt: skip
    assert audit(station)[-1] == (
        "CASE_CLOSED",
        {
            "checkNo": case.check_no, "seq": 2, "recordHash": body["recordHash"],
            "reason": "拒不卸载，移交交警",
        },
    )  # fmt: skip
    assert case_events(station, case.id)[-1] == (
        "CLOSED", {"result": "POLICE", "seq": 2, "reason": "拒不卸载，移交交警"},
    )  # fmt: skip


def test_a_permit_close_carries_the_permit_number(station: Station) -> None:
    case = open_over(station)
    with station.database.transaction() as session:
        close_case(
            session, case.id, site_code=SITE, result=CaseResult.PERMIT, reason="持大件运输许可",
            actor=ACTOR, moment=MOMENT, permit_no="豫交运许2026-0042",
        )  # fmt: skip
    body = body_of(station, 2)
    assert (body["result"], body["permitNo"]) == ("PERMIT", "豫交运许2026-0042")
    assert "recheckNo" not in body and "unloadWeight" not in body


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"result": CaseResult.UNLOADED}, "result"),
        ({"result": CaseResult.NOT_OVER}, "result"),
        ({"result": "LOST"}, "result"),
        ({"reason": "  "}, "reason"),
        ({"result": CaseResult.PERMIT}, "permit_no"),
        ({"result": CaseResult.PERMIT, "permit_no": " "}, "permit_no"),
        ({"permit_no": "P-1"}, "permit_no"),
        ({"site_code": "12"}, "site_code"),
    ],
)
def test_closing_by_hand_refuses_what_is_not_allowed(
    station: Station, changes: dict[str, Any], field: str
) -> None:
    case = open_over(station)
    arguments: dict[str, Any] = {
        "site_code": SITE, "result": CaseResult.POLICE, "reason": "移交交警", "actor": ACTOR,
        "moment": MOMENT,
    }  # fmt: skip
    arguments.update(changes)
    with pytest.raises(ValueError, match=f"^{field}: "), station.database.transaction() as s:
        close_case(s, case.id, **arguments)
    assert stored_case(station, case.check_no).status == "OPEN"
    assert count(station, Record) == 1


def test_only_an_open_case_is_closed_by_hand(station: Station) -> None:
    done = first_within(station)
    for case_id in (done.id, 999):
        with (
            pytest.raises(ValueError, match=r"^case_id: "),
            station.database.transaction() as session,
        ):
            close_case(
                session, case_id, site_code=SITE, result=CaseResult.ABSCONDED, reason="驶离",
                actor=ACTOR, moment=MOMENT,
            )  # fmt: skip


# ---- overrides ---------------------------------------------------------------------------------


def test_a_release_against_the_verdict_is_audited_and_noted_on_the_case(
    station: Station,
) -> None:
    case = open_over(station)
    with station.database.transaction() as session:
        record_override(
            session, lane=1, check_no=case.check_no, reason="救护车让行", actor="chief",
            moment=MOMENT,
        )  # fmt: skip
        record_override(
            session, lane=2, check_no=None, reason="道闸故障", actor="chief", moment=MOMENT
        )
    overrides = [a for a in audit(station) if a[0] == "RELEASE_OVERRIDE"]
    assert overrides == [
        ("RELEASE_OVERRIDE", {"lane": 1, "checkNo": case.check_no, "reason": "救护车让行"}),
        ("RELEASE_OVERRIDE", {"lane": 2, "checkNo": None, "reason": "道闸故障"}),
    ]
    assert case_events(station, case.id)[-1] == ("OVERRIDE", {"lane": 1, "reason": "救护车让行"})
    with pytest.raises(ValueError, match=r"^reason: "), station.database.transaction() as session:
        record_override(session, lane=1, check_no=None, reason="", actor="chief", moment=MOMENT)


# ---- voids --------------------------------------------------------------------------------------


def test_voiding_the_weighing_of_an_open_case_voids_the_case(station: Station) -> None:
    case = open_over(station)
    with station.database.transaction() as session:
        void_check(
            session, site_code=SITE, check_no=case.check_no, reason="称重员误操作",
            approver="chief", moment=MOMENT + timedelta(minutes=10),
        )  # fmt: skip
    assert stored_case(station, case.check_no).status == "VOIDED"
    body = body_of(station, 2)
    assert (body["recordType"], body["targetSeq"], body["checkNo"], body["approverId"]) == (
        "VOID", 1, case.check_no, "chief",
    )  # fmt: skip
    assert case_events(station, case.id)[-1] == (
        "VOIDED", {"reason": "称重员误操作", "was": "OPEN"},
    )  # fmt: skip
    assert audit(station)[-1][0] == "RECORD_VOIDED"
    with station.database.read() as session:
        assert find_open_case(session, PLATE, since=MOMENT) is None


def test_voiding_a_closed_case_withdraws_its_close_record_too(station: Station) -> None:
    case = open_over(station)
    with station.database.transaction() as session:
        close_case(
            session, case.id, site_code=SITE, result=CaseResult.POLICE, reason="移交交警",
            actor=ACTOR, moment=MOMENT,
        )  # fmt: skip
        void_check(
            session, site_code=SITE, check_no=case.check_no, reason="车牌识别错误",
            approver="chief", moment=MOMENT,
        )  # fmt: skip
    voids = [body_of(station, seq) for seq in (3, 4)]
    assert [(v["recordType"], v["targetSeq"]) for v in voids] == [("VOID", 2), ("VOID", 1)]
    assert stored_case(station, case.check_no).status == "VOIDED"
    voided = [a[1]["targetSeq"] for a in audit(station) if a[0] == "RECORD_VOIDED"]
    assert voided == [2, 1]


def test_voiding_a_weighing_without_a_case_and_refusals(station: Station) -> None:
    with station.database.transaction() as session:
        plain = weigh(session, WITHIN)

    def attempt(check_no: str, reason: str = "录入错误") -> None:
        with station.database.transaction() as session:
            void_check(
                session, site_code=SITE, check_no=check_no, reason=reason, approver="chief",
                moment=MOMENT,
            )  # fmt: skip

    with pytest.raises(ValueError, match=r"^reason: "):
        attempt(plain.check_no, reason=" ")
    with pytest.raises(ValueError, match=r"^check_no: there is no CHECK"):
        attempt("NOPE")
    attempt(plain.check_no)
    with pytest.raises(ValueError, match=r"^check_no: .* already voided"):
        attempt(plain.check_no)
    assert [body_of(station, 2)["targetSeq"]] == [1] and count(station, Record) == 2


def test_a_void_of_a_not_over_case_withdraws_its_close(station: Station) -> None:
    case = first_within(station)
    with station.database.transaction() as session:
        void_check(
            session, site_code=SITE, check_no=case.check_no, reason="重复称重", approver="chief",
            moment=MOMENT,
        )  # fmt: skip
    assert [body_of(station, seq)["targetSeq"] for seq in (3, 4)] == [2, 1]
    assert stored_case(station, case.check_no).status == "VOIDED"


# ---- summaries ---------------------------------------------------------------------------------


def test_case_counts_by_result(station: Station) -> None:
    with station.database.read() as session:
        assert case_counts(session) == {
            "NOT_OVER": 0, "UNLOADED": 0, "POLICE": 0, "PERMIT": 0, "ABSCONDED": 0, "OPEN": 0,
        }  # fmt: skip
    first_within(station)
    first_within(station)
    unloaded = open_over(station)
    reweigh(station, unloaded, WITHIN, moment=MOMENT + timedelta(hours=1))
    open_over(station)
    voided = open_over(station)
    with station.database.transaction() as session:
        void_check(
            session, site_code=SITE, check_no=voided.check_no, reason="误", approver="chief",
            moment=MOMENT,
        )  # fmt: skip
        assert cases_for(session, "NOPE") is None
    with station.database.read() as session:
        assert case_counts(session) == {
            "NOT_OVER": 2, "UNLOADED": 1, "POLICE": 0, "PERMIT": 0, "ABSCONDED": 0, "OPEN": 1,
        }  # fmt: skip


# ---- the whole station still verifies ----------------------------------------------------------


def test_verify_passes_with_cases_closes_voids_attempts_and_scale_checks(
    station: Station,
) -> None:
    database = station.database
    register_scale(database, ACTOR, "lane1-axle-scale", max_kg=100000, division_kg=20)
    record_scale_check(
        database, scale_id="lane1-axle-scale", reference_kg=20000, reading_kg=20020,
        actor=ACTOR, moment=MOMENT, tolerance_kg=40,
    )  # fmt: skip
    add_watch(database, plate_num=PLATE, reason="REPEAT_OFFENDER", actor=ACTOR, moment=MOMENT)
    attempt = open_attempt(database, lane=1, moment=MOMENT, plate=PLATE)
    with database.transaction() as session:
        case = stage_open(session)
        finish_attempt(session, attempt, check_no=case.check_no, moment=MOMENT)
    reweigh(station, case, WITHIN, moment=MOMENT + timedelta(hours=1))
    first_within(station)
    police = open_over(station)
    with database.transaction() as session:
        close_case(
            session, police.id, site_code=SITE, result=CaseResult.POLICE, reason="移交",
            actor=ACTOR, moment=MOMENT,
        )  # fmt: skip
        void_check(
            session, site_code=SITE, check_no=police.check_no, reason="错误", approver="chief",
            moment=MOMENT,
        )  # fmt: skip
        record_override(session, lane=1, check_no=None, reason="故障", actor="chief", moment=MOMENT)
    open_over(station)
    gone = open_attempt(database, lane=2, moment=MOMENT)
    abandon_attempt(database, gone, reason="倒车离开", moment=MOMENT, actor=ACTOR)
    open_attempt(database, lane=1, moment=MOMENT)
    assert len(recover_interrupted(database, actor="system", moment=MOMENT)) == 1
    report = verify_database(database, station.store.root)
    assert report.ok, (report.problems, report.faults, report.audit_faults)
    # 4 first weighings, 1 re-weighing; closes: UNLOADED, NOT_OVER, POLICE; 2 voids
    assert (report.records, report.weighings) == (10, 5)


# ---- migration ----------------------------------------------------------------------------------


def test_a_database_at_0002_with_weighings_upgrades_and_takes_cases(
    backend_url: str, tmp_path: Path
) -> None:
    database = Database(backend_url, tmp_path / "backups")
    try:
        station, done = weighings_at_revision(database, tmp_path, "0002", 4, seed=6)
        with database.transaction() as session:
            # A case row written by the 0002 schema (none exist in the field; still upgraded).
            session.execute(
                text(
                    "INSERT INTO enforcement_case (check_no, status, opened_at) "
                    "VALUES (:check_no, 'OPEN', :opened_at)"
                ),
                {"check_no": done[0].check_no, "opened_at": datetime(2026, 11, 25, 8, 0)},
            )
        report = database.upgrade()
        assert (report.from_revision, report.to_revision) == ("0002", database.head_revision())
        legacy = stored_case(station, done[0].check_no)
        assert (legacy.plate_num, legacy.plate_color, legacy.unload_kg, legacy.notice_no) == (
            "", 9, 0, None,
        )  # fmt: skip
        with database.transaction() as session:
            weighing = session.scalars(
                select(Weighing).where(Weighing.check_no == done[1].check_no)
            ).one()
            arguments: dict[str, Any] = {
                "site_code": SITE, "check_no": weighing.check_no,
                "plate_num": weighing.plate_num, "plate_color": weighing.plate_color,
                "lane": weighing.lane, "sum_kg": weighing.sum_weight,
                "limit_kg": weighing.limit_weight, "moment": weighing.check_time, "actor": ACTOR,
            }  # fmt: skip
            if weighing.is_over:
                open_case(session, over_kg=weighing.over_weight, **arguments)
            else:
                close_not_over(session, **arguments)
        assert stored_case(station, done[1].check_no).plate_num == weighing.plate_num
        with database.read() as session:
            assert session.execute(text("SELECT count(*) FROM scale_check")).scalar() == 0
            assert session.execute(text("SELECT count(*) FROM watchlist")).scalar() == 0
            assert session.execute(text("SELECT count(*) FROM weighing_attempt")).scalar() == 0
        verified = verify_database(database, None)
        assert verified.ok, (verified.problems, verified.faults)
        assert verified.records == 4 + (0 if weighing.is_over else 1)
    finally:
        database.dispose()
