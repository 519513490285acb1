"""Plate corrections: the original is voided, the weighing recorded again under the right
plate with a new number (and a new case and notice when it had one), in one transaction,
and `verify` still passes."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from station.domain.readings import PlateColour
from station.domain.records import PlateColor
from station.lanes.plates import PlateError
from station.readmodel import SearchQuery, WeighingDetail
from station.storage.chainstore import record_body
from station.storage.corrections import correct_plate
from station.storage.evidence import encode_trace
from station.storage.models import AuditEvent, EnforcementCase, Record, UnloadNotice
from station.storage.verify import verify_database
from station.storage.views import search_weighings, weighing_detail
from tests.storage.test_views import (
    OVER,
    SAMPLES,
    STILL_OVER,
    T0,
    WITHIN,
    first,
    plain,
    reweigh,
)
from tests.support.factory import SITE, Station, sqlite_station

FIXED = T0 + timedelta(minutes=30)
# What a correction copies unchanged from the weighing it replaces.
COPIED = (
    "site_code", "check_type", "first_check_no", "check_time", "lane", "direction",
    "axle_type", "axles", "sum_kg", "limit_kg", "over_kg", "over_rate", "is_over",
    "vehicle_class", "adjustments", "weigh_mode", "speed_kmh", "scale_id", "cert_no",
    "cert_valid_until", "operator_id", "pictures", "trace_rate_hz", "trace",
)  # fmt: skip


def correct(station: Station, check_no: str, plate: str = "豫B54321", **more: Any) -> str:
    args: dict[str, Any] = {
        "plate_color": PlateColor.YELLOW, "actor": "chief", "reason": "车牌识别错误",
        "moment": FIXED,
    }  # fmt: skip
    args.update(more)
    color = args.pop("plate_color")
    return correct_plate(station.database, SITE, check_no, plate, color, **args)


def detail(station: Station, check_no: str) -> WeighingDetail:
    found = weighing_detail(
        station.database, check_no, station.store.root, site_name="站", deadline_hours=24
    )
    assert found is not None
    return found


def audit(station: Station, action: str) -> list[dict[str, Any]]:
    with station.database.read() as session:
        bodies = session.scalars(
            select(AuditEvent.body).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        ).all()
    return [json.loads(body)["detail"] for body in bodies]


def records(station: Station) -> list[dict[str, Any]]:
    with station.database.read() as session:
        return [record_body(row) for row in session.scalars(select(Record).order_by(Record.seq))]


def verified(station: Station) -> None:
    report = verify_database(station.database, station.store.root)
    assert report.ok, report


# ---- an overloaded first weighing with an open case ------------------------------------------


def test_a_correction_voids_the_original_and_records_it_again(station: Station) -> None:
    original = first(station, OVER, plate="豫B54821", moment=T0, pictures=2)
    assert original.case is not None
    before = detail(station, original.check_no)

    new_no = correct(station, original.check_no, plate="豫b 54321")

    assert new_no != original.check_no
    assert new_no.startswith(f"{SITE}20261125")  # numbered on the weighing's day
    old = detail(station, original.check_no)
    assert (old.voided, old.void_reason, old.plate_num) == (True, "车牌识别错误", "豫B54821")
    new = detail(station, new_no)
    assert not new.voided
    assert (new.plate_num, new.plate_color, new.plate_source) == ("豫B54321", 1, "OPERATOR")
    assert new.flags == ("MANUAL_PLATE",)
    for name in COPIED:
        assert getattr(new, name) == getattr(before, name), name
    assert new.trace == SAMPLES and len(new.pictures) == 2
    assert new.chain.intact
    verified(station)


def test_the_corrected_weighing_opens_a_new_case_with_a_new_notice(station: Station) -> None:
    original = first(station, OVER, plate="豫B54821", moment=T0)
    assert original.case is not None

    new_no = correct(station, original.check_no)

    old_case = detail(station, original.check_no).case
    new_case = detail(station, new_no).case
    assert old_case is not None and new_case is not None
    assert (old_case.status, old_case.notice_no) == ("VOIDED", f"XZ{SITE}2026000001")
    assert (new_case.check_no, new_case.status, new_case.result) == (new_no, "OPEN", None)
    assert (new_case.plate_num, new_case.unload_kg) == ("豫B54321", 4000)
    assert new_case.notice_no == f"XZ{SITE}2026000002"
    assert (new_case.opened_at, new_case.deadline) == (FIXED, FIXED + timedelta(hours=24))
    with station.database.read() as session:
        notices = session.scalars(select(UnloadNotice.number).order_by(UnloadNotice.id)).all()
    assert notices == [f"XZ{SITE}2026000001", f"XZ{SITE}2026000002"]


def test_the_chain_holds_void_then_new_check_and_the_audit_links_them(station: Station) -> None:
    original = first(station, OVER, plate="豫B54821", moment=T0)

    new_no = correct(station, original.check_no, reason="复核车牌")

    chain = records(station)
    assert [(r["recordType"], r["checkNo"]) for r in chain] == [
        ("CHECK", original.check_no),
        ("VOID", original.check_no),
        ("CHECK", new_no),
    ]
    assert (chain[1]["targetSeq"], chain[1]["reason"], chain[1]["approverId"]) == (
        original.seq, "复核车牌", "chief",
    )  # fmt: skip
    assert chain[2]["plateSource"] == "OPERATOR" and chain[2]["flags"] == ["MANUAL_PLATE"]
    assert audit(station, "PLATE_CORRECTED") == [
        {
            "old": "豫B54821", "oldColor": 1, "new": "豫B54321", "newColor": 1,
            "voidedCheckNo": original.check_no, "newCheckNo": new_no, "reason": "复核车牌",
        }
    ]  # fmt: skip
    assert [d["checkNo"] for d in audit(station, "CASE_OPENED")] == [original.check_no, new_no]


def test_the_search_finds_the_new_plate_and_marks_the_old_voided(station: Station) -> None:
    original = first(station, OVER, plate="豫B54821", moment=T0)
    new_no = correct(station, original.check_no)

    found = search_weighings(station.database, SearchQuery(plate="豫B54321", fuzzy=False))
    assert [(row.check_no, row.voided, row.case_status) for row in found] == [
        (new_no, False, "OPEN")
    ]
    old = search_weighings(station.database, SearchQuery(plate="豫B54821", fuzzy=False))
    assert [(row.check_no, row.voided, row.case_status) for row in old] == [
        (original.check_no, True, "VOIDED")
    ]


# ---- other weighings --------------------------------------------------------------------------


def test_a_weighing_within_the_limit_gets_a_new_not_over_case(station: Station) -> None:
    original = first(station, WITHIN, plate="豫B54821", moment=T0, flags=("STOPPED",))

    new_no = correct(station, original.check_no, plate_color=PlateColour.YELLOW_GREEN)

    # The CLOSE of the old case is withdrawn before the CHECK it rests on.
    assert [(r["recordType"], r["checkNo"]) for r in records(station)] == [
        ("CHECK", original.check_no),
        ("CLOSE", original.check_no),
        ("VOID", original.check_no),
        ("VOID", original.check_no),
        ("CHECK", new_no),
        ("CLOSE", new_no),
    ]
    new = detail(station, new_no)
    assert new.plate_color == int(PlateColor.YELLOW_GREEN)
    assert new.flags == ("MANUAL_PLATE", "STOPPED")
    assert new.case is not None
    assert (new.case.status, new.case.result, new.case.notice_no) == ("CLOSED", "NOT_OVER", None)
    verified(station)


def test_a_weighing_without_a_case_gets_none(station: Station) -> None:
    original = plain(station, OVER, plate="豫B54821", moment=T0)

    new_no = correct(station, original.check_no)

    assert detail(station, new_no).case is None
    with station.database.read() as session:
        assert session.scalar(select(func.count()).select_from(EnforcementCase)) == 0
    verified(station)


def test_a_corrected_reweighing_stays_a_reweighing_of_its_case(station: Station) -> None:
    opened = first(station, OVER, plate="豫B54321", moment=T0)
    assert opened.case is not None
    again, _ = reweigh(station, opened.case, STILL_OVER, moment=T0 + timedelta(hours=1))

    new_no = correct(station, again.check_no, plate="豫B54321", plate_color=PlateColor.BLUE)

    new = detail(station, new_no)
    assert (new.check_type, new.first_check_no) == (2, opened.check_no)
    assert new.case is not None and new.case.check_no == opened.check_no
    assert new.case.status == "OPEN"  # the case of the first weighing is not touched
    assert new.case.reweigh_check_nos == (new_no,)  # the voided one no longer counts
    with station.database.read() as session:
        assert session.scalar(select(func.count()).select_from(EnforcementCase)) == 1
    verified(station)


# ---- refusals ---------------------------------------------------------------------------------


def test_refusals_name_the_field_and_store_nothing(station: Station) -> None:
    original = first(station, OVER, plate="豫B54821", moment=T0)
    stored = len(records(station))

    with pytest.raises(ValueError, match=r"^reason:"):
        correct(station, original.check_no, reason="  ")
    with pytest.raises(PlateError, match=r"^plate:"):
        correct(station, original.check_no, plate="ABC123")
    with pytest.raises(ValueError, match=r"^plate:"):
        correct(station, original.check_no, plate="豫B54821")  # already recorded so
    with pytest.raises(ValueError, match=r"^plate_color:"):
        correct(station, original.check_no, plate_color=7)
    with pytest.raises(ValueError, match=r"^check_no:"):
        correct(station, "4101022100012026112599999")
    with pytest.raises(ValueError, match=r"^site_code:"):
        correct_plate(
            station.database, "123", original.check_no, "豫B54321", 1, actor="c", reason="r"
        )

    assert len(records(station)) == stored
    assert audit(station, "PLATE_CORRECTED") == []
    assert not detail(station, original.check_no).voided


def test_a_voided_weighing_is_not_corrected_again(station: Station) -> None:
    original = first(station, OVER, plate="豫B54821", moment=T0)
    correct(station, original.check_no)
    stored = len(records(station))

    with pytest.raises(ValueError, match=r"^check_no: .* already voided"):
        correct(station, original.check_no, plate="豫B54322")

    assert len(records(station)) == stored


def test_the_same_plate_in_another_colour_is_a_correction(station: Station) -> None:
    original = first(station, OVER, plate="豫B54321", moment=T0)

    new_no = correct(station, original.check_no, plate="豫B54321", plate_color=PlateColor.BLUE)

    assert detail(station, new_no).plate_color == int(PlateColor.BLUE)


def test_two_corrections_in_a_row_then_verify(tmp_path: Path) -> None:
    station = sqlite_station(tmp_path)
    original = first(station, OVER, plate="豫B54821", moment=T0, pictures=1)
    once = correct(station, original.check_no, plate="豫B54322")
    twice = correct(station, once, plate="豫B54321", moment=FIXED + timedelta(minutes=1))

    new = detail(station, twice)
    assert (new.plate_num, new.flags) == ("豫B54321", ("MANUAL_PLATE",))
    assert new.case is not None and new.case.notice_no == f"XZ{SITE}2026000003"
    assert [d["voidedCheckNo"] for d in audit(station, "PLATE_CORRECTED")] == [
        original.check_no,
        once,
    ]
    verified(station)


def test_an_altered_trace_is_not_copied_into_a_new_record(tmp_path: Path) -> None:
    station = sqlite_station(tmp_path)
    original = first(station, OVER, plate="豫B54821", moment=T0)
    station.database.dispose()
    db = sqlite3.connect(station.sqlite_file, isolation_level=None)
    try:
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'raw_trace'"
        ).fetchall():
            db.execute(f"DROP TRIGGER {name}")
        # A valid blob of other samples, under the old trace hash.
        db.execute("UPDATE raw_trace SET data = ?", (encode_trace([0, 20000, 0])[0],))
    finally:
        db.close()

    with pytest.raises(ValueError, match=r"^check_no: the raw trace"):
        correct(station, original.check_no)
    assert not detail(station, original.check_no).voided


def test_plates_are_normalised_like_typed_plates(station: Station) -> None:
    original = first(station, OVER, plate="豫B54821", moment=T0)

    new_no = correct(station, original.check_no, plate=" 豫b·54321 ")

    assert detail(station, new_no).plate_num == "豫B54321"


def test_moment_defaults_to_now(station: Station) -> None:
    original = first(station, OVER, plate="豫B54821", moment=T0)

    new_no = correct(station, original.check_no, moment=None)

    case = detail(station, new_no).case
    assert case is not None
    assert case.opened_at > datetime(2020, 1, 1)
    assert case.opened_at != T0
