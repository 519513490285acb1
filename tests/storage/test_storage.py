"""Evidence storage on SQLite and PostgreSQL: one transaction per weighing, sealed, append-only."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from datetime import date, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from station.chain import GENESIS_HASH, canonical_json, record_hash
from station.domain.records import (
    CaseResult,
    CloseRecord,
    PictureRef,
    PictureType,
    PlateColor,
    PlateSource,
    VoidRecord,
)
from station.domain.vehicle import Axle, Configuration, Tyres, Vehicle
from station.services.recording import Plate, check_record_for
from station.simulation import placeholder_photo
from station.storage.chainstore import EvidenceImmutable
from station.storage.evidence import (
    TraceData,
    WeighingEvidence,
    commit_close,
    commit_void,
    decode_trace,
    new_check_no,
    stage_weighing,
)
from station.storage.models import (
    AuditEvent,
    ChainHead,
    Outbox,
    Picture,
    RawTrace,
    Record,
    Weighing,
    WeighingAxle,
)
from station.storage.verify import verify_database
from station.tables import default_limit_book
from tests.support.factory import CONTEXT, SITE, Station, add_weighings

CHECK_FIELDS = {
    "recordType", "seq", "siteCode", "prevHash", "recordHash", "checkNo", "checkType", "lane",
    "direction", "checkTime", "plateNum", "plateColor", "plateSource", "axleCnt", "axleType",
    "vehicleClass", "axles", "sumWeight", "limitWeight", "overWeight", "overRate", "isOver",
    "weighMode", "speed", "scaleId", "certNo", "certValidUntil", "operatorId", "pictures", "flags",
}  # fmt: skip
MOMENT = datetime(2026, 11, 25, 14, 3, 27)


def six_axle_157() -> Vehicle:
    layout = [
        (10000, Tyres.SINGLE, False, 3200),
        (11000, Tyres.DUAL, True, 1350),
        (11000, Tyres.DUAL, True, 7200),
        (11130, Tyres.DUAL, False, 1310),
        (11130, Tyres.DUAL, False, 1310),
        (11120, Tyres.DUAL, False, 0),
    ]
    return Vehicle(
        Configuration.ARTICULATED,
        tuple(Axle(w, t, drive=d, spacing_mm=s) for w, t, d, s in layout),
    )


def commit_known(station: Station, pictures: bool = True) -> tuple[int, str, bytes]:
    vehicle = six_axle_157()
    verdict = default_limit_book().judge(vehicle, MOMENT.date())
    photo = placeholder_photo(__import__("random").Random(5))
    stored = station.store.put(photo, "image/png")
    refs = (PictureRef(PictureType.FRONT, stored.sha256, stored.size),) if pictures else ()
    with station.database.transaction() as session:
        check_no = new_check_no(session, SITE, MOMENT)
        record = check_record_for(
            vehicle,
            verdict,
            CONTEXT,
            check_no=check_no,
            check_time=MOMENT,
            plate=Plate("豫A12345", PlateColor.YELLOW, PlateSource.ANPR),
            speed_kmh="5.2",
            pictures=refs,
            flags=("SPEED_CHANGE",),
        )
        trace = TraceData(50, [0, 500, 10000, 10010, 9990, 20, 0])
        files = (stored,) if pictures else ()
        done = stage_weighing(session, SITE, WeighingEvidence(record, vehicle, trace, files))
    return done.seq, check_no, photo


def test_a_weighing_is_sealed_with_exactly_the_province_fields(station: Station) -> None:
    seq, check_no, photo = commit_known(station)
    with station.database.read() as session:
        row = session.get(Record, seq)
        assert row is not None
        body = json.loads(row.body)
    assert set(body) == CHECK_FIELDS
    assert row.body == canonical_json(body).decode("utf-8")
    assert body["recordHash"] == record_hash(body) == row.record_hash
    assert (body["seq"], body["prevHash"]) == (1, GENESIS_HASH)
    assert check_no == f"{SITE}2026112500001"
    assert body["checkTime"] == "2026-11-25 14:03:27"
    assert body["sumWeight"] == 65380
    assert (body["limitWeight"], body["overWeight"], body["overRate"]) == (49000, 16380, "33.43")
    assert (body["isOver"], body["axleType"], body["axleCnt"]) == (1, "157", 6)
    assert body["vehicleClass"] == "GB1589-2016:6axle-combination"
    assert body["axles"][0] == {"no": 1, "group": 1, "weight": 10000, "spacing": 3200}
    assert body["axles"][-1] == {"no": 6, "group": 7, "weight": 11120, "spacing": 0}
    assert body["pictures"] == [
        {"fileType": 12, "sha256": hashlib.sha256(photo).hexdigest(), "size": len(photo)}
    ]
    assert body["flags"] == ["SPEED_CHANGE"]
    assert body["plateNum"] == "豫A12345" and body["speed"] == "5.2"


def test_the_weighing_commits_its_evidence_with_it(station: Station) -> None:
    seq, _, photo = commit_known(station)
    with station.database.read() as session:
        weighing = session.execute(select(Weighing).where(Weighing.record_seq == seq)).scalar_one()
        trace = session.get(RawTrace, weighing.id)
        axles = session.scalars(
            select(WeighingAxle)
            .where(WeighingAxle.weighing_id == weighing.id)
            .order_by(WeighingAxle.no)
        ).all()
        outbox = session.get(Outbox, seq)
        audit = session.execute(select(AuditEvent)).scalars().all()
        picture = session.get(Picture, hashlib.sha256(photo).hexdigest())
        head = session.get(ChainHead, "province")
        record = session.get(Record, seq)
    assert trace is not None and decode_trace(trace.data) == [0, 500, 10000, 10010, 9990, 20, 0]
    assert [a.weight for a in axles] == [10000, 11000, 11000, 11130, 11130, 11120]
    assert outbox is not None and outbox.status == "PENDING"
    assert [event.action for event in audit] == ["WEIGHING_RECORDED"]
    detail = json.loads(audit[0].body)["detail"]
    assert detail["recordHash"] == record.record_hash and detail["traceSha256"] == trace.sha256
    assert picture is not None and station.store.path_of(picture.stored_path).read_bytes() == photo
    assert (head.last_seq, head.last_hash) == (1, record.record_hash)


def test_records_chain_one_after_another(station: Station) -> None:
    done = add_weighings(station, 12, seed=3)
    with station.database.read() as session:
        rows = session.execute(select(Record).order_by(Record.seq)).scalars().all()
    assert [r.seq for r in rows] == list(range(1, 13)) == [d.seq for d in done]
    for earlier, later in itertools.pairwise(rows):
        assert later.prev_hash == earlier.record_hash
    assert len({d.check_no for d in done}) == 12


def test_a_failed_weighing_leaves_nothing_behind(station: Station) -> None:
    vehicle = six_axle_157()
    verdict = default_limit_book().judge(vehicle, MOMENT.date())
    ghost = PictureRef(PictureType.FRONT, "ab" * 32, 10)
    with (
        pytest.raises(ValueError, match="was not stored first"),
        station.database.transaction() as session,
    ):
        check_no = new_check_no(session, SITE, MOMENT)
        record = check_record_for(
            vehicle, verdict, CONTEXT, check_no=check_no, check_time=MOMENT,
            plate=Plate("豫A12345", PlateColor.YELLOW, PlateSource.ANPR),
            speed_kmh="5.0", pictures=(ghost,),
        )  # fmt: skip
        stage_weighing(session, SITE, WeighingEvidence(record, vehicle))
    with station.database.read() as session:
        assert session.scalar(select(func.count()).select_from(Record)) == 0
        assert session.scalar(select(func.count()).select_from(Weighing)) == 0
        head = session.get(ChainHead, "province")
        assert (head.last_seq, head.last_hash) == (0, GENESIS_HASH)
    _, check_no, _ = commit_known(station)
    assert check_no.endswith("00001"), "the failed weighing must not consume a ticket number"


def test_the_orm_refuses_to_change_or_delete_evidence(station: Station) -> None:
    seq, _, _ = commit_known(station)
    with pytest.raises(EvidenceImmutable), station.database.transaction() as session:
        weighing = session.execute(select(Weighing)).scalar_one()
        weighing.sum_weight = 40000
        session.flush()
    with pytest.raises(EvidenceImmutable), station.database.transaction() as session:
        session.delete(session.get(Record, seq))
        session.flush()
    assert verify_database(station.database, station.store.root).ok


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE record SET body = 'x'",
        "DELETE FROM record",
        "UPDATE weighing SET sum_weight = 1",
        "DELETE FROM weighing_axle",
        "UPDATE audit_event SET actor = 'nobody'",
    ],
)
def test_the_database_refuses_to_change_evidence(station: Station, statement: str) -> None:
    commit_known(station)
    with pytest.raises(DBAPIError, match="append-only"), station.database.transaction() as session:
        session.execute(text(statement))


def test_close_and_void_records_join_the_chain(station: Station) -> None:
    seq, check_no, _ = commit_known(station)
    close = CloseRecord(
        check_no=check_no,
        close_time=datetime(2026, 11, 25, 16, 0, 0),
        result=CaseResult.POLICE,
        operator_id="tester",
        order_no="XZ2026-0001",
    )
    close_row = commit_close(station.database, SITE, close)
    void = VoidRecord(
        target_seq=close_row.seq, check_no=check_no, reason="录入错误", approver_id="sup"
    )
    void_row = commit_void(station.database, SITE, void)
    close_body, void_body = json.loads(close_row.body), json.loads(void_row.body)
    assert (close_row.seq, void_row.seq) == (seq + 1, seq + 2)
    assert set(close_body) == {
        "recordType", "seq", "siteCode", "prevHash", "recordHash", "checkNo", "closeTime",
        "result", "operatorId", "orderNo",
    }  # fmt: skip
    assert close_body["closeTime"] == "2026-11-25 16:00:00"
    assert void_body["targetSeq"] == close_row.seq and void_body["reason"] == "录入错误"
    assert void_body["prevHash"] == close_body["recordHash"]
    report = verify_database(station.database, station.store.root)
    assert report.ok, report.faults
    assert report.records == 3


def test_a_void_must_name_a_record_of_the_same_case(station: Station) -> None:
    seq, check_no, _ = commit_known(station)
    with pytest.raises(ValueError, match="targetSeq"):
        commit_void(station.database, SITE, VoidRecord(99, check_no, "错误", "sup"))
    with pytest.raises(ValueError, match="checkNo"):
        commit_void(station.database, SITE, VoidRecord(seq, "OTHER", "错误", "sup"))


def test_parallel_writers_keep_one_unbroken_chain(station: Station) -> None:
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        try:
            add_weighings(station, 15, seed=seed, start=datetime(2026, 11, 25, seed, 0, 0))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(seed,)) for seed in (8, 9, 10, 11)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    report = verify_database(station.database, station.store.root)
    assert report.ok, report.faults[:5]
    assert report.records == report.weighings == 60
    with station.database.read() as session:
        numbers = session.scalars(select(Weighing.check_no)).all()
    assert len(set(numbers)) == 60


def test_verify_reports_an_intact_database(station: Station) -> None:
    add_weighings(station, 5, pictures=True)
    report = verify_database(station.database, station.store.root)
    assert report.ok
    assert (report.records, report.weighings, report.audit_events, report.pictures) == (5, 5, 5, 5)


def test_certificate_validity_is_part_of_the_record(station: Station) -> None:
    commit_known(station, pictures=False)
    with station.database.read() as session:
        body = json.loads(session.get(Record, 1).body)
    assert body["certNo"] == CONTEXT.cert_no
    assert body["certValidUntil"] == date(2030, 6, 30).isoformat()
    assert body["pictures"] == []
