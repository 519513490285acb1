"""The lane gate on the calibration seal (station/storage/calibration.py): while a scale's seal
is open its weighings are recorded flagged SEAL_OPEN and held, with no case and no unload
notice; closing the seal gives the lane its enforcement output back. Other scales go on."""

from __future__ import annotations

from pathlib import Path

from station.lanes.capture import GATE_FLAGS, enforceable
from station.security import Role
from station.storage.calibration import (
    change_coefficients,
    close_seal,
    open_seal,
    seal_is_open,
)
from tests.lanes.conftest import make_rig
from tests.lanes.test_certificate_gate import cases, next_vehicle
from tests.lanes.test_workflow import OVER_2, records, verified, weigh


def test_seal_open_is_a_gate_flag():
    assert "SEAL_OPEN" in GATE_FLAGS
    assert not enforceable({"SEAL_OPEN"}, is_over=False)
    assert not enforceable({"SEAL_OPEN"}, is_over=True)


def test_an_open_seal_holds_the_vehicle_until_the_seal_is_closed(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    open_seal(rig.database, "axle", "tech1", "span adjustment after a load-cell swap")
    assert seal_is_open(rig.database, "axle")

    held = weigh(rig, "豫A77777", OVER_2)

    assert held.is_over and held.step == "hold" and "SEAL_OPEN" in held.flags
    assert held.reason == "不能执法，需人工处理 (SEAL_OPEN)"
    assert (held.case_id, held.notice_no, held.unload_kg) == (None, None, 0)
    assert (rig.outputs[1].green, rig.outputs[1].open) == (False, False)
    assert cases(rig) == 0 and records(rig, "CLOSE") == []
    [check] = records(rig, "CHECK")
    assert check["flags"] == ["SEAL_OPEN"] and check["sumWeight"] == 22000  # still recorded

    # A technician changes the coefficients meanwhile: the seal stays open, so does the gate.
    change_coefficients(
        rig.database, "axle", {"zero_counts": 1200, "span_kg_per_count": "0.0125"},
        actor="tech1", actor_role=Role.TECHNICIAN, reason="span",
    )  # fmt: skip
    next_vehicle(rig)
    still = weigh(rig, "豫A77778", OVER_2)
    assert still.step == "hold" and "SEAL_OPEN" in still.flags and still.case_id is None

    next_vehicle(rig)
    close_seal(rig.database, "axle", "tech1")
    enforced = weigh(rig, "豫A77779", OVER_2)

    assert "SEAL_OPEN" not in enforced.flags and enforced.flags == ()
    assert enforced.case_status == "OPEN" and enforced.notice_no
    assert enforced.unload_kg == 4000 and cases(rig) == 1
    assert records(rig, "CHECK")[2]["flags"] == []
    verified(rig)
    rig.database.dispose()


def test_the_seal_of_one_scale_does_not_hold_another(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    open_seal(rig.database, "platform", "tech1", "zero check")  # lane 2's static scale

    done = weigh(rig, "豫A88888", OVER_2)  # on lane 1's axle scale

    assert done.flags == () and done.step == "over" and done.case_status == "OPEN"
    rig.database.dispose()
