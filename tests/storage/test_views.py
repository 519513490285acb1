"""Read-models of the records list, the weighing detail, open cases, prints and the upload
status, built from real databases (SQLite, and PostgreSQL where the `station` fixture runs)."""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from station.chain import canonical_json, record_hash
from station.config import ConfigError, parse_config
from station.domain.limits import Verdict
from station.domain.records import CaseResult, PictureRef, PictureType, PlateColor, PlateSource
from station.domain.vehicle import Axle, Configuration, Tyres, Vehicle
from station.readmodel import SearchQuery, WeighingSummary
from station.services.recording import Plate, check_record_for
from station.simulation import placeholder_photo
from station.storage.cases import (
    CaseInfo,
    close_case,
    close_not_over,
    open_case,
    record_reweigh,
    void_check,
)
from station.storage.evidence import TraceData, WeighingEvidence, new_check_no, stage_weighing
from station.storage.files import StoredFile
from station.storage.models import AuditEvent, Outbox, Record
from station.storage.views import (
    open_cases,
    prints_of,
    record_print,
    search_weighings,
    upload_status,
    weighing_detail,
)
from station.tables import default_limit_book
from tests.support.factory import CONTEXT, SITE, Station, sqlite_station

T0 = datetime(2026, 11, 25, 8, 0, 0)
ACTOR = "tester"
OVER = (7000, 11000, 11000)  # 29000 kg against the 3-axle truck's 25000: 4000 over
STILL_OVER = (6500, 10000, 10000)  # 26500 kg: 1500 over
WITHIN = (6000, 9000, 9000)  # 24000 kg
SAMPLES = (0, 150, 3500, 7000, 7010, 6990, 3000, 0, -5, 11000, 10990, 0)


@dataclass(frozen=True)
class Weighed:
    check_no: str
    seq: int
    verdict: Verdict
    files: tuple[StoredFile, ...] = ()
    case: CaseInfo | None = None


def truck(weights: tuple[int, int, int]) -> Vehicle:
    """A 3-axle rigid truck: single-tyre steering axle, then a dual-tyre tandem (groups 1 5 5)."""
    front, middle, rear = weights
    return Vehicle(
        Configuration.TRUCK,
        (
            Axle(front, Tyres.SINGLE, spacing_mm=3800, steering=True),
            Axle(middle, Tyres.DUAL, drive=True, spacing_mm=1350),
            Axle(rear, Tyres.DUAL, drive=True, spacing_mm=0),
        ),
    )


def stage(
    session: Session,
    station: Station,
    weights: tuple[int, int, int],
    *,
    plate: str,
    moment: datetime,
    first_check_no: str | None = None,
    pictures: int = 0,
    flags: tuple[str, ...] = (),
    color: PlateColor = PlateColor.YELLOW,
) -> Weighed:
    """Stage one weighing with a trace (and pictures: the first a plate crop, then fronts)."""
    vehicle = truck(weights)
    verdict = default_limit_book().judge(vehicle, moment.date())
    rng = random.Random(f"{plate}{moment}")
    files = tuple(station.store.put(placeholder_photo(rng), "image/png") for _ in range(pictures))
    refs = tuple(
        PictureRef(PictureType.PLATE if i == 0 else PictureType.FRONT, f.sha256, f.size)
        for i, f in enumerate(files)
    )
    check_no = new_check_no(session, SITE, moment)
    record = check_record_for(
        vehicle, verdict, CONTEXT, check_no=check_no, check_time=moment,
        plate=Plate(plate, color, PlateSource.ANPR), speed_kmh="5.0", pictures=refs,
        flags=flags, first_check_no=first_check_no,
    )  # fmt: skip
    evidence = WeighingEvidence(record, vehicle, TraceData(50, SAMPLES), files)
    done = stage_weighing(session, SITE, evidence)
    return Weighed(check_no, done.seq, verdict, files)


def case_args(w: Weighed, plate: str, moment: datetime) -> dict[str, Any]:
    return {
        "site_code": SITE, "check_no": w.check_no, "plate_num": plate,
        "plate_color": int(PlateColor.YELLOW), "lane": CONTEXT.lane,
        "sum_kg": w.verdict.sum_weight_kg, "limit_kg": w.verdict.limit_weight_kg,
        "moment": moment, "actor": ACTOR,
    }  # fmt: skip


def first(
    station: Station,
    weights: tuple[int, int, int],
    *,
    plate: str,
    moment: datetime,
    pictures: int = 0,
    flags: tuple[str, ...] = (),
) -> Weighed:
    """A first weighing with its case, as the lane records it: opened when over, else closed."""
    with station.database.transaction() as session:
        w = stage(
            session, station, weights, plate=plate, moment=moment, pictures=pictures, flags=flags
        )
        args = case_args(w, plate, moment)
        if w.verdict.is_over:
            case = open_case(session, over_kg=w.verdict.over_weight_kg, **args)
        else:
            case = close_not_over(session, **args)
    return Weighed(w.check_no, w.seq, w.verdict, w.files, case)


def plain(
    station: Station, weights: tuple[int, int, int], *, plate: str, moment: datetime
) -> Weighed:
    """A weighing without a case (as when a gate flag stopped enforcement)."""
    with station.database.transaction() as session:
        return stage(session, station, weights, plate=plate, moment=moment)


def reweigh(
    station: Station, case: CaseInfo, weights: tuple[int, int, int], *, moment: datetime
) -> tuple[Weighed, CaseInfo]:
    with station.database.transaction() as session:
        w = stage(
            session, station, weights, plate=case.plate_num, moment=moment,
            first_check_no=case.check_no,
        )  # fmt: skip
        after = record_reweigh(
            session, case, site_code=SITE, recheck_no=w.check_no, sum_kg=w.verdict.sum_weight_kg,
            is_over=w.verdict.is_over, over_kg=w.verdict.over_weight_kg, moment=moment,
            actor=ACTOR,
        )  # fmt: skip
    return w, after


def void(station: Station, check_no: str, reason: str = "误称") -> None:
    with station.database.transaction() as session:
        void_check(
            session, site_code=SITE, check_no=check_no, reason=reason, approver="chief",
            moment=T0 + timedelta(days=1),
        )  # fmt: skip


def search(station: Station, **query: Any) -> list[WeighingSummary]:
    return search_weighings(station.database, SearchQuery(**query))


def numbers(found: list[WeighingSummary]) -> list[str]:
    return [row.check_no for row in found]


def detail(station: Station, check_no: str, hours: int = 24):
    found = weighing_detail(
        station.database, check_no, station.store.root, site_name="测试站", deadline_hours=hours
    )
    assert found is not None
    return found


# ---- the records list: plates ----------------------------------------------------------------


@dataclass(frozen=True)
class Traffic:
    exact: Weighed  # 豫A12345, 08:00
    spaced: Weighed  # "豫a 12345" as typed, 09:00
    one_off: Weighed  # 豫A12346, 10:00
    two_off: Weighed  # 豫A12366, 11:00
    shorter: Weighed  # 豫A1234, 12:00
    other: Weighed  # 鲁B99999, 13:00


@pytest.fixture
def traffic(station: Station) -> Traffic:
    def at(hour: int, plate: str, weights: tuple[int, int, int] = WITHIN) -> Weighed:
        return first(station, weights, plate=plate, moment=T0.replace(hour=hour))

    return Traffic(
        exact=at(8, "豫A12345", OVER),
        spaced=at(9, "豫a 12345"),
        one_off=at(10, "豫A12346", OVER),
        two_off=at(11, "豫A12366"),
        shorter=at(12, "豫A1234"),
        other=at(13, "鲁B99999"),
    )


def test_fuzzy_search_ignores_spaces_and_case_and_puts_exact_matches_first(
    station: Station, traffic: Traffic
) -> None:
    found = search(station, plate="豫A12345")

    # Exact (after normalising) newest first, then the one-character misread.
    assert numbers(found) == [
        traffic.spaced.check_no,
        traffic.exact.check_no,
        traffic.one_off.check_no,
    ]
    assert [row.plate_distance for row in found] == [0, 0, 1]
    assert found[0].plate_num == "豫a 12345"  # shown as stored


def test_fuzzy_search_with_spaces_and_lower_case_in_the_query(
    station: Station, traffic: Traffic
) -> None:
    found = search(station, plate=" 豫a1 2345 ")

    assert numbers(found) == [
        traffic.spaced.check_no,
        traffic.exact.check_no,
        traffic.one_off.check_no,
    ]


def test_one_substitution_matches_but_two_or_a_shorter_plate_do_not(
    station: Station, traffic: Traffic
) -> None:
    found = search(station, plate="豫A12366")

    # 豫A12346 is one off 豫A12366; 豫A12345 (and the spaced one) are two off.
    assert [(row.check_no, row.plate_distance) for row in found] == [
        (traffic.two_off.check_no, 0),
        (traffic.one_off.check_no, 1),
    ]
    assert search(station, plate="豫A123") == []
    assert numbers(search(station, plate="豫A1234")) == [traffic.shorter.check_no]


def test_a_misread_province_character_matches(station: Station, traffic: Traffic) -> None:
    found = search(station, plate="鲁B99989")

    assert [(row.check_no, row.plate_distance) for row in found] == [(traffic.other.check_no, 1)]


def test_like_wildcards_in_the_query_match_only_themselves(
    station: Station, traffic: Traffic
) -> None:
    assert search(station, plate="豫A%") == []
    assert search(station, plate="%") == []
    assert search(station, plate="豫A%45") == []  # as a wildcard "_A%45" would match 豫A12345
    # "_" is one substituted character at most: it stands for the 5 or the 6, never for
    # both the 6 and another character (豫A12366 is two off).
    found = search(station, plate="豫A1234_")
    assert sorted(numbers(found)) == sorted(
        [traffic.exact.check_no, traffic.spaced.check_no, traffic.one_off.check_no]
    )
    assert {row.plate_distance for row in found} == {1}


def test_exact_search_compares_the_stored_plate(station: Station, traffic: Traffic) -> None:
    assert numbers(search(station, plate="豫A12345", fuzzy=False)) == [traffic.exact.check_no]
    assert numbers(search(station, plate="豫a 12345", fuzzy=False)) == [traffic.spaced.check_no]
    assert search(station, plate="豫A12344", fuzzy=False) == []


# ---- the records list: filters ---------------------------------------------------------------


def test_without_filters_newest_first_with_every_field(station: Station, traffic: Traffic) -> None:
    found = search(station)

    assert numbers(found) == [
        traffic.other.check_no, traffic.shorter.check_no, traffic.two_off.check_no,
        traffic.one_off.check_no, traffic.spaced.check_no, traffic.exact.check_no,
    ]  # fmt: skip
    row = found[-1]
    assert row == WeighingSummary(
        check_no=traffic.exact.check_no,
        check_time=T0,
        plate_num="豫A12345",
        plate_color=int(PlateColor.YELLOW),
        lane=CONTEXT.lane,
        check_type=1,
        sum_kg=29000,
        limit_kg=25000,
        over_kg=4000,
        over_rate="16.00",
        is_over=True,
        vehicle_class="GB1589-2016:3axle-truck",
        flags=(),
        voided=False,
        case_status="OPEN",
        plate_distance=0,
    )
    assert found[0].case_status == "CLOSED"  # within the limit: closed NOT_OVER at once
    assert numbers(search(station, limit=2)) == numbers(found)[:2]


def test_the_date_range_includes_since_and_excludes_until(
    station: Station, traffic: Traffic
) -> None:
    found = search(station, since=T0.replace(hour=9), until=T0.replace(hour=11))
    assert numbers(found) == [traffic.one_off.check_no, traffic.spaced.check_no]

    just_after = search(station, since=T0.replace(hour=9, second=1), until=T0.replace(hour=12))
    assert numbers(just_after) == [traffic.two_off.check_no, traffic.one_off.check_no]

    combined = search(station, plate="豫A12345", until=T0.replace(hour=9))
    assert numbers(combined) == [traffic.exact.check_no]


def test_over_only(station: Station, traffic: Traffic) -> None:
    found = search(station, over_only=True)

    assert numbers(found) == [traffic.one_off.check_no, traffic.exact.check_no]
    assert all(row.is_over for row in found)


def test_open_cases_only_follows_the_case_of_first_weighings_and_reweighings(
    station: Station, traffic: Traffic
) -> None:
    assert traffic.exact.case is not None
    again, _ = reweigh(station, traffic.exact.case, STILL_OVER, moment=T0.replace(hour=14))
    void(station, traffic.one_off.check_no)

    found = search(station, open_cases_only=True)

    # The re-weighing belongs to the still-open case; the voided weighing's case is VOIDED.
    assert numbers(found) == [again.check_no, traffic.exact.check_no]
    assert [row.check_type for row in found] == [2, 1]
    assert {row.case_status for row in found} == {"OPEN"}


def test_voided_weighings_are_listed_and_marked(station: Station, traffic: Traffic) -> None:
    void(station, traffic.one_off.check_no)

    found = {row.check_no: row for row in search(station, plate="豫A12346")}

    assert found[traffic.one_off.check_no].voided
    assert found[traffic.one_off.check_no].case_status == "VOIDED"
    assert not found[traffic.exact.check_no].voided


def test_flags_and_plate_colour_are_shown(station: Station) -> None:
    with station.database.transaction() as session:
        w = stage(
            session, station, WITHIN, plate="苏E55555", moment=T0,
            flags=("MANUAL_PLATE", "STOPPED"), color=PlateColor.YELLOW_GREEN,
        )  # fmt: skip

    (row,) = search(station, plate="苏E55555")

    assert (row.check_no, row.flags, row.plate_color) == (
        w.check_no,
        ("MANUAL_PLATE", "STOPPED"),
        int(PlateColor.YELLOW_GREEN),
    )
    assert row.case_status is None


def test_a_limit_below_one_is_refused(station: Station) -> None:
    with pytest.raises(ValueError, match=r"^limit:"):
        search(station, limit=0)


# ---- one weighing ----------------------------------------------------------------------------


def test_the_detail_of_an_overloaded_first_weighing(station: Station) -> None:
    w = first(station, OVER, plate="豫A12345", moment=T0, pictures=2)

    d = detail(station, w.check_no)

    assert (d.site_code, d.station_name, d.check_no) == (SITE, "测试站", w.check_no)
    assert (d.check_type, d.first_check_no, d.check_time) == (1, None, T0)
    assert (d.lane, d.direction, d.plate_num, d.plate_color) == (1, 0, "豫A12345", 1)
    assert (d.plate_source, d.axle_type, d.weigh_mode, d.speed_kmh) == ("ANPR", "15", "AXLE", "5.0")
    assert [(a.no, a.weight_kg, a.group, a.spacing_mm) for a in d.axles] == [
        (1, 7000, 1, 3800),
        (2, 11000, 5, 1350),
        (3, 11000, 5, None),
    ]
    assert (d.sum_kg, d.limit_kg, d.over_kg, d.over_rate, d.is_over) == (
        29000, 25000, 4000, "16.00", True,
    )  # fmt: skip
    assert (d.vehicle_class, d.adjustments, d.flags) == ("GB1589-2016:3axle-truck", (), ())
    assert (d.scale_id, d.cert_no, d.cert_valid_until, d.operator_id) == (
        CONTEXT.scale_id, CONTEXT.cert_no, CONTEXT.cert_valid_until, CONTEXT.operator_id,
    )  # fmt: skip
    assert (d.trace_rate_hz, d.trace) == (50, SAMPLES)
    assert (d.voided, d.void_reason, d.prints, d.calibration_counter) == (False, "", {}, None)


def test_the_detail_pictures_have_absolute_paths_to_their_files(station: Station) -> None:
    w = first(station, WITHIN, plate="豫A12345", moment=T0, pictures=2)

    pictures = detail(station, w.check_no).pictures

    plate_crop, front = w.files
    assert [(p.file_type, p.sha256, p.mime, p.size) for p in pictures] == [
        (11, plate_crop.sha256, "image/png", plate_crop.size),
        (12, front.sha256, "image/png", front.size),
    ]
    for picture, stored in zip(pictures, w.files, strict=True):
        assert picture.path.is_absolute()
        assert picture.path == (station.store.root / stored.relative_path).absolute()
        assert picture.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_detail_chain_status_of_an_intact_record(station: Station) -> None:
    w = first(station, OVER, plate="豫A12345", moment=T0)
    second = first(station, WITHIN, plate="豫B00001", moment=T0 + timedelta(hours=1))

    with station.database.read() as session:
        stored = session.get(Record, second.seq)
        assert stored is not None
        expected_hash = stored.record_hash

    chain = detail(station, second.check_no).chain
    assert (chain.seq, chain.record_hash, chain.intact, chain.problem) == (
        second.seq, expected_hash, True, "",
    )  # fmt: skip
    assert detail(station, w.check_no).chain.intact
    assert w.seq == 1  # the first record links to the genesis hash


def test_the_detail_case_of_a_first_weighing_and_its_deadline(station: Station) -> None:
    w = first(station, OVER, plate="豫A12345", moment=T0)
    assert w.case is not None

    case = detail(station, w.check_no, hours=48).case

    assert case is not None
    assert (case.id, case.check_no, case.status, case.result) == (
        w.case.id,
        w.check_no,
        "OPEN",
        None,
    )
    assert (case.first_sum_kg, case.limit_kg, case.unload_kg) == (29000, 25000, 4000)
    assert case.notice_no == f"XZ{SITE}2026000001"
    assert (case.opened_at, case.deadline) == (T0, T0 + timedelta(hours=48))
    assert case.reweigh_check_nos == ()


def test_the_detail_of_a_reweighing_shows_the_case_it_was_matched_to(station: Station) -> None:
    w = first(station, OVER, plate="豫A12345", moment=T0)
    assert w.case is not None
    again, _ = reweigh(station, w.case, STILL_OVER, moment=T0 + timedelta(hours=2))

    d = detail(station, again.check_no)

    assert (d.check_type, d.first_check_no) == (2, w.check_no)
    assert d.case is not None
    assert (d.case.check_no, d.case.unload_kg, d.case.reweigh_check_nos) == (
        w.check_no, 1500, (again.check_no,),
    )  # fmt: skip


def test_a_weighing_without_a_case_or_trace(station: Station) -> None:
    w = plain(station, WITHIN, plate="豫A12345", moment=T0)

    d = detail(station, w.check_no)

    assert d.case is None
    assert d.pictures == ()
    assert (
        weighing_detail(
            station.database, "nope", station.store.root, site_name="站", deadline_hours=24
        )
        is None
    )


def test_the_detail_of_a_voided_weighing(station: Station) -> None:
    w = first(station, OVER, plate="豫A12345", moment=T0)
    void(station, w.check_no, reason="车牌识别错误")

    d = detail(station, w.check_no)

    assert (d.voided, d.void_reason) == (True, "车牌识别错误")
    assert d.case is not None
    assert (d.case.status, d.case.close_reason) == ("VOIDED", "车牌识别错误")
    assert d.chain.intact  # a void is a new record; the voided one is untouched


# ---- chain status of a tampered record (SQLite file edited outside the application) ---------


@contextmanager
def edited(path: Path, foreign_keys: bool = True) -> Iterator[sqlite3.Connection]:
    """The station file opened outside the application with the guard triggers dropped."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall():
            db.execute(f"DROP TRIGGER {name}")
        db.execute("BEGIN")
        yield db
        db.execute("COMMIT")
    finally:
        db.close()


def stored_body(db: sqlite3.Connection, seq: int) -> dict[str, Any]:
    return json.loads(db.execute("SELECT body FROM record WHERE seq = ?", (seq,)).fetchone()[0])


@pytest.fixture
def three(tmp_path: Path) -> tuple[Station, list[Weighed]]:
    """A SQLite station with three weighings and no cases: record seqs 1, 2, 3."""
    station = sqlite_station(tmp_path)
    made = [
        plain(station, WITHIN, plate=f"豫A1000{i}", moment=T0 + timedelta(minutes=i))
        for i in range(3)
    ]
    station.database.dispose()
    assert [w.seq for w in made] == [1, 2, 3]
    return station, made


def test_an_altered_record_body_is_not_intact(three: tuple[Station, list[Weighed]]) -> None:
    station, made = three
    with edited(station.sqlite_file) as db:
        body = stored_body(db, 2)
        body["sumWeight"] -= 5000
        db.execute(
            "UPDATE record SET body = ? WHERE seq = 2", (canonical_json(body).decode("utf-8"),)
        )

    chain = detail(station, made[1].check_no).chain

    assert not chain.intact
    assert chain.problem == "recordHash does not match the record (record altered)"
    # The next record links to the stored hash column, which did not change.
    assert detail(station, made[2].check_no).chain.intact
    assert detail(station, made[0].check_no).chain.intact


def test_a_rehashed_record_breaks_the_link_of_the_next(
    three: tuple[Station, list[Weighed]],
) -> None:
    station, made = three
    with edited(station.sqlite_file) as db:
        body = stored_body(db, 2)
        body["sumWeight"] -= 5000
        body["recordHash"] = record_hash(body)
        db.execute(
            "UPDATE record SET body = ?, record_hash = ? WHERE seq = 2",
            (canonical_json(body).decode("utf-8"), body["recordHash"]),
        )

    assert detail(station, made[1].check_no).chain.intact  # consistent in itself
    chain = detail(station, made[2].check_no).chain
    assert not chain.intact
    assert "prevHash does not match the recordHash of the previous record" in chain.problem


def test_a_wrong_hash_column_is_not_intact(three: tuple[Station, list[Weighed]]) -> None:
    station, made = three
    with edited(station.sqlite_file) as db:
        db.execute("UPDATE record SET record_hash = ? WHERE seq = 3", ("f" * 64,))

    chain = detail(station, made[2].check_no).chain

    assert (chain.intact, chain.record_hash) == (False, "f" * 64)
    assert chain.problem == "hash columns differ from the record body"


def test_a_removed_previous_record_is_reported(three: tuple[Station, list[Weighed]]) -> None:
    station, made = three
    with edited(station.sqlite_file, foreign_keys=False) as db:
        db.execute("DELETE FROM outbox WHERE seq = 1")
        db.execute("DELETE FROM record WHERE seq = 1")

    chain = detail(station, made[1].check_no).chain

    assert not chain.intact
    assert chain.problem == "the previous record (seq 1) is missing: removed"


# ---- open cases ------------------------------------------------------------------------------


def test_open_cases_oldest_first_with_deadline_and_reweighings(station: Station) -> None:
    later = first(station, OVER, plate="豫B22222", moment=T0 + timedelta(hours=3))
    older = first(station, OVER, plate="豫A11111", moment=T0)
    first(station, WITHIN, plate="豫C33333", moment=T0)  # closed NOT_OVER at once
    assert older.case is not None
    again, _ = reweigh(station, older.case, STILL_OVER, moment=T0 + timedelta(hours=4))
    gone, _ = reweigh(station, older.case, STILL_OVER, moment=T0 + timedelta(hours=5))
    void(station, gone.check_no)  # a voided re-weighing is not matched any more

    found = open_cases(station.database, deadline_hours=24)

    assert [case.check_no for case in found] == [older.check_no, later.check_no]
    assert [case.deadline for case in found] == [
        T0 + timedelta(hours=24),
        T0 + timedelta(hours=27),
    ]
    assert found[0].reweigh_check_nos == (again.check_no,)
    assert found[0].unload_kg == 1500
    assert found[1].reweigh_check_nos == ()
    assert [case.plate_num for case in found] == ["豫A11111", "豫B22222"]


def test_cases_closed_since_a_time_are_added_on_request(station: Station) -> None:
    unloaded = first(station, OVER, plate="豫A11111", moment=T0)
    police = first(station, OVER, plate="豫B22222", moment=T0 + timedelta(minutes=5))
    still = first(station, OVER, plate="豫C33333", moment=T0 + timedelta(minutes=10))
    assert unloaded.case is not None and police.case is not None
    step1, _ = reweigh(station, unloaded.case, STILL_OVER, moment=T0 + timedelta(hours=1))
    step2, closed = reweigh(station, unloaded.case, WITHIN, moment=T0 + timedelta(hours=2))
    assert closed.status == "CLOSED"
    with station.database.transaction() as session:
        close_case(
            session, police.case.id, site_code=SITE, result=CaseResult.POLICE,
            reason="移交交警", actor=ACTOR, moment=T0 + timedelta(hours=3),
        )  # fmt: skip

    assert [c.check_no for c in open_cases(station.database, deadline_hours=24)] == [still.check_no]
    found = open_cases(
        station.database, deadline_hours=24, include_closed_since=T0 + timedelta(hours=2)
    )
    assert [(c.check_no, c.status, c.result) for c in found] == [
        (still.check_no, "OPEN", None),
        (unloaded.check_no, "CLOSED", "UNLOADED"),
        (police.check_no, "CLOSED", "POLICE"),
    ]
    assert found[1].reweigh_check_nos == (step1.check_no, step2.check_no)
    assert (found[1].closed_at, found[1].close_reason) == (T0 + timedelta(hours=2), "")
    assert (found[2].closed_at, found[2].close_reason) == (T0 + timedelta(hours=3), "移交交警")
    later = open_cases(
        station.database, deadline_hours=24, include_closed_since=T0 + timedelta(hours=2, seconds=1)
    )
    assert [c.check_no for c in later] == [still.check_no, police.check_no]


def test_a_deadline_must_be_positive(station: Station) -> None:
    with pytest.raises(ValueError, match=r"^deadline_hours:"):
        open_cases(station.database, deadline_hours=0)


# ---- printed documents -----------------------------------------------------------------------


def printed_events(station: Station) -> list[tuple[str, dict[str, Any]]]:
    with station.database.read() as session:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "DOCUMENT_PRINTED")
            .order_by(AuditEvent.seq)
        ).all()
    return [(row.actor, json.loads(row.body)["detail"]) for row in rows]


def test_prints_are_counted_per_kind_and_weighing(station: Station) -> None:
    w = first(station, OVER, plate="豫A12345", moment=T0)
    other = first(station, OVER, plate="豫B12345", moment=T0 + timedelta(minutes=1))
    db = station.database

    assert record_print(db, w.check_no, "ticket", actor="op1", printer="P1") == 0
    assert record_print(db, w.check_no, "ticket", actor="op1", printer="P1") == 1
    assert record_print(db, w.check_no, "notice", actor="op2") == 0
    assert record_print(db, other.check_no, "ticket", actor="op1") == 0
    assert record_print(db, w.check_no, "ticket", actor="op2", moment=T0) == 2

    assert prints_of(db, w.check_no) == {"ticket": 3, "notice": 1}
    assert prints_of(db, other.check_no) == {"ticket": 1}
    assert detail(station, w.check_no).prints == {"ticket": 3, "notice": 1}
    events = printed_events(station)
    assert events[:2] == [
        ("op1", {"checkNo": w.check_no, "kind": "ticket", "copy": False, "copyNo": 0,
                 "printer": "P1"}),
        ("op1", {"checkNo": w.check_no, "kind": "ticket", "copy": True, "copyNo": 1,
                 "printer": "P1"}),
    ]  # fmt: skip
    assert events[-1][1]["copyNo"] == 2


def test_printing_refuses_an_unknown_weighing_or_no_kind(station: Station) -> None:
    w = first(station, OVER, plate="豫A12345", moment=T0)

    with pytest.raises(ValueError, match=r"^check_no:"):
        record_print(station.database, "4101022100012026112599999", "ticket", actor="op")
    with pytest.raises(ValueError, match=r"^kind:"):
        record_print(station.database, w.check_no, " ", actor="op")
    assert printed_events(station) == []
    assert prints_of(station.database, w.check_no) == {}


# ---- upload status ---------------------------------------------------------------------------


def test_upload_status_counts_pending_and_rejected_records(station: Station) -> None:
    first(station, OVER, plate="豫A12345", moment=T0)  # CHECK, seq 1
    first(station, WITHIN, plate="豫B12345", moment=T0)  # CHECK + CLOSE, seqs 2 and 3
    with station.database.read() as session:
        created = {row.seq: row.created_at for row in session.scalars(select(Record))}

    status = upload_status(station.database, configured=True)
    assert (status.pending_records, status.rejected_records) == (3, 0)
    assert status.oldest_pending == min(created.values())
    assert (status.configured, status.last_pass_at, status.last_pass_result) == (True, None, "")

    with station.database.transaction() as session:
        session.execute(update(Outbox).where(Outbox.seq == 1).values(status="ACCEPTED"))
        session.execute(update(Outbox).where(Outbox.seq == 2).values(status="REJECTED"))
    status = upload_status(station.database, configured=False)
    assert (status.pending_records, status.rejected_records) == (1, 1)
    assert status.oldest_pending == created[3]
    assert not status.configured

    with station.database.transaction() as session:
        session.execute(update(Outbox).where(Outbox.seq == 3).values(status="DUPLICATE"))
    status = upload_status(station.database, configured=True)
    assert (status.pending_records, status.oldest_pending) == (0, None)


def test_upload_status_of_an_empty_station(station: Station) -> None:
    status = upload_status(station.database, configured=False)
    assert (status.pending_records, status.oldest_pending, status.rejected_records) == (0, None, 0)


# ---- configuration ---------------------------------------------------------------------------


CONFIG = """
[station]
site_code = "410102210001"
name = "站"
[workflow]
{line}
"""


def test_the_unload_deadline_is_configured_in_hours() -> None:
    assert parse_config(CONFIG.format(line="")).workflow.unload_deadline_hours == 24
    parsed = parse_config(CONFIG.format(line="unload_deadline_hours = 720"))
    assert parsed.workflow.unload_deadline_hours == 720
    for bad in (0, 721):
        with pytest.raises(ConfigError, match="unload_deadline_hours"):
            parse_config(CONFIG.format(line=f"unload_deadline_hours = {bad}"))
