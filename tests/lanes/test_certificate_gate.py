"""The lane gate on certificates recorded by the technician (station/storage/scales.py): an
expired current certificate holds the vehicle with no case and no unload notice, and a
renewal gives the lane its enforcement output back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from station.domain.readings import WeightReading
from station.storage.models import EnforcementCase
from station.storage.scales import Certificate, Scan, current_certificate, expiring
from station.storage.scales import record_certificate as record
from station.timeutil import beijing_now
from tests.lanes.conftest import Rig, make_rig
from tests.lanes.test_workflow import OVER_2, records, verified, weigh

PNG = b"\x89PNG\r\n\x1a\n" + b"scan" * 50


def next_vehicle(rig: Rig) -> None:
    rig.loop(1, False)
    rig.feed(1, WeightReading("axle", 0, True, rig.t))


def cases(rig: Rig) -> int:
    with rig.database.read() as session:
        return len(session.execute(select(EnforcementCase)).all())


def test_an_expired_certificate_holds_the_vehicle_until_it_is_renewed(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)  # a valid certificate for 200 days
    today = beijing_now().date()
    issued, until = today - timedelta(days=366), today - timedelta(days=1)
    expired = Certificate("JD-2024-0099", "市计量所", until, issued)
    # A correction: the certificate really in force had expired yesterday.
    stored = record(
        rig.database, "tech1", "axle", expired, scan=Scan(PNG, "image/png"), store=rig.store
    )
    assert current_certificate(rig.database, "axle") == stored
    assert [(s.scale_id, s.days_left) for s in expiring(rig.database, today)] == [("axle", -1)]

    held = weigh(rig, "豫A66666", OVER_2)

    assert held.is_over and held.step == "hold" and "CERT_EXPIRED" in held.flags
    assert (held.case_id, held.notice_no, held.unload_kg) == (None, None, 0)
    assert (rig.outputs[1].green, rig.outputs[1].open) == (False, False)
    assert cases(rig) == 0 and records(rig, "CLOSE") == []
    [check] = records(rig, "CHECK")
    assert (check["certNo"], check["certValidUntil"]) == (
        "JD-2024-0099", expired.valid_until.isoformat(),
    )  # fmt: skip
    assert check["flags"] == ["CERT_EXPIRED"]

    next_vehicle(rig)
    renewal = Certificate("JD-2026-0100", "市计量所", today, today - timedelta(days=300))
    record(rig.database, "tech1", "axle", renewal)  # valid through today: in force

    enforced = weigh(rig, "豫A66667", OVER_2)

    assert "CERT_EXPIRED" not in enforced.flags
    assert enforced.case_status == "OPEN" and enforced.notice_no
    assert enforced.unload_kg == 4000 and cases(rig) == 1
    assert records(rig, "CHECK")[1]["certNo"] == "JD-2026-0100"
    verified(rig)  # the scan's file included
    rig.database.dispose()
