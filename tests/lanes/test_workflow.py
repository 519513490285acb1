"""The lane workflow on a real SQLite station: records, cases, gates, flags and signals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from station.domain.readings import WeightReading
from station.domain.records import CaseResult
from station.lanes.notices import (
    AxlesNeeded,
    PlateNeeded,
    Released,
    VehicleEntered,
    WeighingCompleted,
)
from station.lanes.workflow import LaneCommandError
from station.storage import checks
from station.storage.database import Database
from station.storage.models import AuditEvent, EnforcementCase, Record, Weighing
from station.storage.verify import verify_database
from station.timeutil import beijing_now
from tests.lanes.conftest import Rig, make_rig

LEGAL_2 = ([5000, 9000], [4200])  # 14 t on a 2-axle truck, limit 18 t
OVER_2 = ([7000, 15000], [4200])  # 22 t: 4 t over
SIX_AXLE = ([6000, 9000, 9000, 8000, 8000, 8000], [3200, 1350, 7200, 1310, 1310])


def completed(notices) -> WeighingCompleted:
    found = [n for n in notices if isinstance(n, WeighingCompleted)]
    assert len(found) == 1, notices
    return found[0]


def weigh(rig: Rig, plate: str, axles=LEGAL_2, flags=(), lane: int = 1) -> WeighingCompleted:
    got = rig.loop(lane, True)
    got += rig.plate(lane, plate)
    got += rig.crossing(lane, *axles, flags=flags)
    return completed(got)


def records(rig: Rig, kind: str) -> list[dict]:
    with rig.database.read() as session:
        rows = session.execute(select(Record).where(Record.record_type == kind)).scalars()
        return [json.loads(row.body) for row in rows]


def audit_actions(rig: Rig) -> list[str]:
    with rig.database.read() as session:
        return list(session.execute(select(AuditEvent.action)).scalars())


def verified(rig: Rig) -> None:
    database = Database(rig.database.url)
    try:
        report = verify_database(database, rig.store.root)
    finally:
        database.dispose()
    assert report.ok, report.problems + [str(f) for f in report.faults]


def test_legal_vehicle_passes_and_closes_not_over(rig):
    got = rig.loop(1, True)
    assert any(isinstance(n, VehicleEntered) for n in got)
    assert rig.outputs[1].text.startswith("正在称重")
    got = rig.plate(1, "豫A12345") + rig.crossing(1, *LEGAL_2)
    done = completed(got)
    assert (done.step, done.is_over, done.sum_kg, done.limit_kg) == ("pass", False, 14000, 18000)
    assert done.case_result == "NOT_OVER"
    assert any(isinstance(n, Released) and not n.override for n in got)
    assert rig.outputs[1].green and rig.outputs[1].open
    assert rig.outputs[1].text == "豫A12345 未超限 请通行"
    [check] = records(rig, "CHECK")
    assert (check["plateNum"], check["plateSource"], check["checkType"]) == ("豫A12345", "ANPR", 1)
    assert check["speed"] == "5.2" and check["flags"] == []
    assert check["scaleId"] == "axle" and check["certNo"] == "JD-axle"
    assert len(check["pictures"]) == 1
    [close] = records(rig, "CLOSE")
    assert (close["checkNo"], close["result"]) == (done.check_no, "NOT_OVER")
    rig.loop(1, False)
    assert (rig.outputs[1].green, rig.outputs[1].open) == (False, False)
    verified(rig)


def test_overloaded_vehicle_opens_a_case_with_a_notice_and_stays_red(rig):
    done = weigh(rig, "豫A22222", OVER_2)
    assert (done.step, done.is_over, done.over_kg) == ("over", True, 4000)
    assert done.case_status == "OPEN" and done.notice_no.startswith("XZ410102210001")
    assert done.unload_kg == 4000
    assert (rig.outputs[1].green, rig.outputs[1].open) == (False, False)
    assert "超限4000公斤" in rig.outputs[1].text
    assert records(rig, "CLOSE") == []
    assert "CASE_OPENED" in audit_actions(rig)


def test_reweigh_on_the_static_lane_is_matched_and_closes_unloaded(rig):
    first = weigh(rig, "豫A33333", OVER_2)
    rig.loop(1, False)
    got = rig.plate(2, "豫A33333", camera="cam2") + rig.stand(2, 17000)
    done = completed(got)
    assert (done.check_type, done.first_check_no) == (2, first.check_no)
    assert (done.step, done.case_result, done.case_id) == ("pass", "UNLOADED", first.case_id)
    [_, recheck] = records(rig, "CHECK")
    assert recheck["checkType"] == 2 and recheck["firstCheckNo"] == first.check_no
    assert recheck["weighMode"] == "STATIC" and "speed" not in recheck
    assert recheck["axleCnt"] == 2 and recheck["sumWeight"] == 17000
    [close] = records(rig, "CLOSE")
    assert close["result"] == "UNLOADED" and close["recheckNo"] == done.check_no
    assert close["unloadWeight"] == 22000 - 17000 and close["orderNo"] == first.notice_no
    assert rig.outputs[2].open
    rig.weight(2, 0)
    assert rig.outputs[2].open is False
    verified(rig)


def test_reweigh_still_over_keeps_the_case_open_with_a_new_amount(rig):
    first = weigh(rig, "豫A44444", OVER_2)
    done = completed(rig.plate(2, "豫A44444", camera="cam2") + rig.stand(2, 19500))
    assert (done.check_type, done.step, done.case_status) == (2, "over", "OPEN")
    assert done.unload_kg == 1500 and done.case_id == first.case_id
    rig.weight(2, 0)
    again = completed(rig.plate(2, "豫A44444", camera="cam2") + rig.stand(2, 17800))
    assert again.case_result == "UNLOADED" and again.first_check_no == first.check_no


def test_missing_plate_is_asked_for_and_typed_plate_is_flagged(rig):
    got = rig.loop(1, True) + rig.crossing(1, *LEGAL_2)
    assert not any(isinstance(n, WeighingCompleted) for n in got)
    asked = rig.advance(1, 2.5)
    assert any(isinstance(n, PlateNeeded) for n in asked)
    assert rig.outputs[1].text.endswith("请输入车牌")
    with pytest.raises(ValueError, match="not a plate"):
        rig.lanes[1].enter_plate("hello")
    done = completed(rig.lanes[1].enter_plate("豫a 55555"))
    assert done.plate == "豫A55555" and "MANUAL_PLATE" in done.flags
    assert records(rig, "CHECK")[0]["plateSource"] == "OPERATOR"


def test_plate_never_given_is_recorded_unread_and_held(rig):
    rig.loop(1, True)
    rig.crossing(1, *LEGAL_2)
    done = completed(rig.advance(1, 125))
    assert done.plate == "未识别" and "NO_PLATE" in done.flags and done.step == "hold"


def test_expired_certificate_refuses_enforcement_output(tmp_path: Path):
    rig = make_rig(tmp_path, cert_days=-1)
    done = weigh(rig, "豫A66666", OVER_2)
    assert done.step == "hold" and "CERT_EXPIRED" in done.flags
    assert done.case_id is None and done.notice_no is None
    assert (rig.outputs[1].green, rig.outputs[1].open) == (False, False)
    with rig.database.read() as session:
        assert session.execute(select(EnforcementCase)).first() is None
    assert records(rig, "CHECK")[0]["flags"] == ["CERT_EXPIRED"]
    rig.database.dispose()


def test_daily_scale_check_gate(tmp_path: Path):
    rig = make_rig(tmp_path, workflow="require_daily_scale_check = true")
    done = weigh(rig, "豫A77777", OVER_2)
    assert "NO_SCALE_CHECK" in done.flags and done.case_id is None
    rig.loop(1, False)
    checks.record_scale_check(
        rig.database,
        scale_id="axle",
        reference_kg=10000,
        reading_kg=10010,
        actor="tech",
        moment=beijing_now(),
        tolerance_kg=20,
    )
    rig.feed(1, WeightReading("axle", 0, True, rig.t))
    done = weigh(rig, "豫A77778", OVER_2)
    assert "NO_SCALE_CHECK" not in done.flags and done.case_status == "OPEN"
    rig.database.dispose()


def test_no_return_to_zero_between_vehicles_is_flagged(rig):
    rig.plate(2, "豫A10001", camera="cam2")
    rig.stand(2, 17000)
    first = completed(rig.lanes[2].enter_axles("12"))
    assert "NO_RETURN_TO_ZERO" not in first.flags
    rig.weight(2, 9000, stable=False)  # the next truck drives on as the first leaves
    got = rig.plate(2, "豫A10002", camera="cam2") + rig.stand(2, 15000)
    assert any(isinstance(n, AxlesNeeded) for n in got)
    second = completed(rig.lanes[2].enter_axles("12"))
    assert "NO_RETURN_TO_ZERO" in second.flags and second.step == "hold"
    rig.weight(2, 30)
    rig.plate(2, "豫A10003", camera="cam2")
    rig.stand(2, 16000)
    third = completed(rig.lanes[2].enter_axles("12"))
    assert "NO_RETURN_TO_ZERO" not in third.flags and third.step == "pass"


def test_watchlist_plate_is_flagged_and_held(rig):
    checks.add_watch(
        rig.database, plate_num="豫A99999", reason="逃逸", actor="sup", moment=beijing_now()
    )
    done = weigh(rig, "豫A99999")
    assert "WATCHLIST" in done.flags and done.step == "hold"
    assert not rig.outputs[1].open


def test_suspect_flags_hold_a_vehicle_within_the_limit(rig):
    done = weigh(rig, "豫A12121", flags=("STOPPED",))
    assert done.step == "hold" and done.case_result == "NOT_OVER"
    assert "STOPPED" in records(rig, "CHECK")[0]["flags"]
    assert not rig.outputs[1].open


def test_two_plates_during_one_vehicle_flag_two_vehicles(rig):
    rig.loop(1, True)
    rig.plate(1, "豫A20001")
    rig.plate(1, "豫A20002")
    done = completed(rig.crossing(1, *LEGAL_2))
    assert "TWO_VEHICLES" in done.flags


def test_override_opens_the_barrier_and_is_audited(rig):
    weigh(rig, "豫A30303", OVER_2)
    with pytest.raises(LaneCommandError, match="reason"):
        rig.lanes[1].override("  ", "sup")
    got = rig.lanes[1].override("持超限运输许可，现场核验", "sup")
    assert any(isinstance(n, Released) and n.override for n in got)
    assert rig.outputs[1].open and rig.outputs[1].green
    assert "RELEASE_OVERRIDE" in audit_actions(rig)
    with pytest.raises(LaneCommandError, match="already open"):
        rig.lanes[1].override("again", "sup")
    verified(rig)


def test_manual_weight_refused_while_the_scale_is_connected(rig):
    rig.connected.add("platform")
    with pytest.raises(LaneCommandError, match="platform is connected"):
        rig.lanes[2].enter_weight(20000)
    rig.connected.clear()
    rig.plate(2, "豫A40404", camera="cam2")
    got = rig.lanes[2].enter_weight(15000)
    assert any(isinstance(n, AxlesNeeded) for n in got)
    done = completed(rig.lanes[2].enter_axles("12"))
    assert "MANUAL_WEIGHT" in done.flags and done.sum_kg == 15000


def test_static_vehicle_leaving_before_stable_is_abandoned(rig):
    rig.weight(2, 8000, stable=False)
    rig.weight(2, 12000, stable=False)
    rig.weight(2, 0)
    assert "WEIGHING_ABANDONED" in audit_actions(rig)
    with rig.database.read() as session:
        assert session.execute(select(Weighing)).first() is None


def test_six_axle_combination_is_judged_on_49_tonnes(rig):
    done = weigh(rig, "豫A60606", SIX_AXLE)
    assert done.limit_kg == 49000 and done.sum_kg == 48000 and done.step == "pass"


def test_operator_closes_a_case_as_police(rig):
    from station.storage import cases

    done = weigh(rig, "豫A50505", OVER_2)
    with rig.database.transaction() as session:
        info = cases.close_case(
            session,
            done.case_id,
            site_code="410102210001",
            result=CaseResult.POLICE,
            reason="移交交警",
            actor="sup",
            moment=beijing_now(),
        )
    assert info.result == "POLICE"
    assert records(rig, "CLOSE")[0]["result"] == "POLICE"
    verified(rig)


def test_over_the_limit_with_a_following_vehicle_opens_no_case(rig):
    done = weigh(rig, "豫A70707", OVER_2, flags=("FOLLOWING_VEHICLE",))
    assert done.is_over and done.step == "hold" and done.case_id is None
    assert "重新称重" in done.reason
    legal = weigh(rig, "豫A70708", LEGAL_2, flags=("FOLLOWING_VEHICLE",))
    assert legal.case_result == "NOT_OVER" and legal.step == "hold"
