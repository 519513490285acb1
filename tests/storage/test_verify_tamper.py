"""`verify_database` finds evidence edited directly in the SQLite file.

Each test builds a real station (20 weighings, pictures on seqs 11 to 20), closes it, then
edits the file with the stdlib `sqlite3` module as an attacker holding the file would:
the append-only triggers are dropped first, hashes are recomputed where a careful attacker
would recompute them. Every test states the exact seq verify must name and why.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from station.chain import canonical_json, record_hash, seal
from station.domain.records import VoidRecord, void_record_body
from station.storage.database import Database
from station.storage.verify import VerifyReport, verify_database
from tests.support.factory import SITE, Station, add_weighings, sqlite_station

RECORDS = 20
PICTURE_SEQS = range(11, 21)  # the second batch of weighings carries one picture each


@pytest.fixture
def stored(tmp_path: Path) -> Station:
    """A closed station database: seqs 1-10 without pictures, 11-20 with one picture each."""
    station = sqlite_station(tmp_path)
    add_weighings(station, 10, seed=1)
    add_weighings(station, 10, seed=2, pictures=True, start=datetime(2026, 11, 25, 9, 0))
    station.database.dispose()
    return station


def verify(station: Station) -> VerifyReport:
    database = Database(station.database.url)
    try:
        return verify_database(database, station.store.root)
    finally:
        database.dispose()


@contextmanager
def attacker(
    path: Path, foreign_keys: bool = True, restore_guards: bool = True
) -> Iterator[sqlite3.Connection]:
    """The file opened outside the application, guard triggers dropped, one transaction.

    A careful attacker puts the triggers back afterwards (the default), so that verify has
    to find the edit from the evidence itself and not from the missing guards.
    """
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        triggers = [
            (name, sql)
            for (name, sql) in db.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
            )
            if name.endswith(("_no_update", "_no_delete"))
        ]
        assert triggers, "the evidence guard triggers should exist before the attack"
        for name, _ in triggers:
            db.execute(f"DROP TRIGGER {name}")
        db.execute("BEGIN")
        yield db
        if restore_guards:
            for _, sql in triggers:
                db.execute(sql)
        db.execute("COMMIT")
    finally:
        db.close()


def body_of(db: sqlite3.Connection, seq: int) -> dict[str, Any]:
    return json.loads(db.execute("SELECT body FROM record WHERE seq = ?", (seq,)).fetchone()[0])


def hash_of(db: sqlite3.Connection, seq: int) -> str:
    return db.execute("SELECT record_hash FROM record WHERE seq = ?", (seq,)).fetchone()[0]


def text(record: dict[str, Any]) -> str:
    return canonical_json(record).decode("utf-8")


def lighter(body: dict[str, Any], kg: int = 5000) -> dict[str, Any]:
    """The record with the gross and its heaviest axle reduced alike (still adding up)."""
    changed = json.loads(json.dumps(body))
    heaviest = max(changed["axles"], key=lambda axle: axle["weight"])
    heaviest["weight"] -= kg
    changed["sumWeight"] -= kg
    return changed


def weighing_id(db: sqlite3.Connection, seq: int) -> int:
    return db.execute("SELECT id FROM weighing WHERE record_seq = ?", (seq,)).fetchone()[0]


def delete_with_evidence(db: sqlite3.Connection, seq: int) -> None:
    """Remove a CHECK record and every row that refers to it (foreign keys stay satisfied)."""
    wid = weighing_id(db, seq)
    for table in ("weighing_picture", "raw_trace", "weighing_axle"):
        db.execute(f"DELETE FROM {table} WHERE weighing_id = ?", (wid,))
    db.execute("DELETE FROM weighing WHERE id = ?", (wid,))
    db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))
    db.execute("DELETE FROM record WHERE seq = ?", (seq,))


def insert_record(db: sqlite3.Connection, sealed: dict[str, Any]) -> None:
    """Store a sealed record the way append_record does, with its outbox entry."""
    db.execute(
        "INSERT INTO record (seq, record_type, check_no, prev_hash, record_hash, body, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            sealed["seq"],
            sealed["recordType"],
            sealed["checkNo"],
            sealed["prevHash"],
            sealed["recordHash"],
            text(sealed),
            "2026-11-25 10:00:00.000000",
        ),
    )
    db.execute(
        "INSERT INTO outbox (seq, status, attempts) VALUES (?, 'PENDING', 0)", (sealed["seq"],)
    )


def forged_void(db: sqlite3.Connection, seq: int) -> dict[str, Any]:
    """A VOID withdrawing seq 3, correctly sealed at `seq` after the record stored at seq - 1."""
    target = body_of(db, 3)
    void = VoidRecord(3, target["checkNo"], "录入错误", "tester")
    return seal(void_record_body(void, SITE), seq, hash_of(db, seq - 1))


def fault_seqs(report: VerifyReport) -> set[int]:
    return {fault.seq for fault in report.faults}


def problems_at(report: VerifyReport, seq: int) -> str:
    return " | ".join(fault.problem for fault in report.faults if fault.seq == seq)


# ---- the untouched database ------------------------------------------------------------------


def test_intact_database_verifies(stored: Station) -> None:
    report = verify(stored)

    assert report.ok, report
    assert report.first_bad_seq is None
    assert (report.records, report.weighings, report.audit_events) == (RECORDS, RECORDS, RECORDS)
    assert report.pictures == len(PICTURE_SEQS)
    assert report.problems == report.faults == report.audit_faults == []


# ---- changed weights ---------------------------------------------------------------------------


def test_changed_weight_in_record_body(stored: Station) -> None:
    with attacker(stored.sqlite_file) as db:
        db.execute("UPDATE record SET body = ? WHERE seq = 7", (text(lighter(body_of(db, 7))),))

    report = verify(stored)

    assert not report.ok
    assert report.first_bad_seq == 7
    # record_hash column is unchanged, so seq 8 still links to it: only seq 7 is faulty.
    assert fault_seqs(report) == {7}
    assert "record altered" in problems_at(report, 7)
    assert "sumWeight" in problems_at(report, 7)


def test_changed_weight_with_rehashed_record(stored: Station) -> None:
    with attacker(stored.sqlite_file) as db:
        body = lighter(body_of(db, 7))
        body["recordHash"] = record_hash(body)
        db.execute(
            "UPDATE record SET body = ?, record_hash = ? WHERE seq = 7",
            (text(body), body["recordHash"]),
        )

    report = verify(stored)

    assert not report.ok
    assert report.first_bad_seq == 7
    # Seq 7 is self-consistent now but disagrees with its weighing rows; seq 8 still
    # carries the old hash of seq 7 as prevHash.
    assert fault_seqs(report) == {7, 8}
    assert "sumWeight" in problems_at(report, 7)
    assert "axles" in problems_at(report, 7)
    assert "prevHash" in problems_at(report, 8)


def test_changed_weight_rewritten_everywhere(stored: Station) -> None:
    """Record re-sealed AND its weighing rows changed to match everywhere."""
    with attacker(stored.sqlite_file) as db:
        original = body_of(db, 7)
        body = lighter(original)
        body["recordHash"] = record_hash(body)
        db.execute(
            "UPDATE record SET body = ?, record_hash = ? WHERE seq = 7",
            (text(body), body["recordHash"]),
        )
        wid = weighing_id(db, 7)
        db.execute("UPDATE weighing SET sum_weight = ? WHERE id = ?", (body["sumWeight"], wid))
        for axle in body["axles"]:
            db.execute(
                "UPDATE weighing_axle SET weight = ? WHERE weighing_id = ? AND no = ?",
                (axle["weight"], wid, axle["no"]),
            )

    report = verify(stored)

    assert not report.ok
    # Seq 7 and its copies now agree with each other, but the audit event written with
    # seq 7 still holds its original hash; the chain also breaks at 8, whose prevHash is
    # that original hash.
    assert report.first_bad_seq == 7
    assert fault_seqs(report) == {7, 8}
    assert "audit event" in problems_at(report, 7)


@pytest.mark.parametrize(
    ("sql", "field"),
    [
        pytest.param(
            "UPDATE weighing SET sum_weight = sum_weight - 5000 WHERE record_seq = 7",
            "sumWeight",
            id="weighing.sum_weight",
        ),
        pytest.param(
            "UPDATE weighing_axle SET weight = weight - 5000 "
            "WHERE no = 1 AND weighing_id = (SELECT id FROM weighing WHERE record_seq = 7)",
            "axles",
            id="weighing_axle.weight",
        ),
    ],
)
def test_changed_weight_in_weighing_tables(stored: Station, sql: str, field: str) -> None:
    with attacker(stored.sqlite_file) as db:
        assert db.execute(sql).rowcount == 1

    report = verify(stored)

    assert not report.ok
    assert report.first_bad_seq == 7
    assert fault_seqs(report) == {7}
    assert field in problems_at(report, 7)


# ---- removed records -----------------------------------------------------------------------


def test_deleted_record_with_its_evidence(stored: Station) -> None:
    with attacker(stored.sqlite_file, foreign_keys=True) as db:
        delete_with_evidence(db, 15)

    report = verify(stored)

    assert not report.ok
    # 15 is missing; 16 no longer links to the record before it (14).
    assert report.first_bad_seq == 15
    assert fault_seqs(report) == {15, 16}
    assert "missing" in problems_at(report, 15)
    assert report.problems == []  # every foreign key was kept satisfied


def test_deleted_record_row_only_with_foreign_keys_off(stored: Station) -> None:
    with attacker(stored.sqlite_file, foreign_keys=False) as db:
        db.execute("DELETE FROM record WHERE seq = 15")

    report = verify(stored)

    assert not report.ok
    # Same gap as above; in addition the weighing row of 15 is left without its record
    # and the outbox and weighing rows break their foreign keys.
    assert report.first_bad_seq == 15
    assert fault_seqs(report) == {15, 16}
    assert any("foreign key broken: outbox" in problem for problem in report.problems)
    assert any("foreign key broken: weighing" in problem for problem in report.problems)


def test_deleted_last_record(stored: Station) -> None:
    with attacker(stored.sqlite_file) as db:
        delete_with_evidence(db, RECORDS)

    report = verify(stored)

    assert not report.ok
    # Records 1-19 chain correctly; only the chain head still says 20.
    assert report.first_bad_seq == RECORDS
    assert fault_seqs(report) == {RECORDS}
    assert "chain head" in problems_at(report, RECORDS)


def test_deleted_last_record_and_chain_head_rewound(stored: Station) -> None:
    """The chain head is not guarded: an attacker can point it back at seq 19.

    The audit chain still holds WEIGHING_RECORDED for seq 20 with its recordHash, so the
    removal can be proven from the file.
    """
    with attacker(stored.sqlite_file) as db:
        delete_with_evidence(db, RECORDS)
        db.execute(
            "UPDATE chain_head SET last_seq = ?, last_hash = ? WHERE chain = 'province'",
            (RECORDS - 1, hash_of(db, RECORDS - 1)),
        )

    report = verify(stored)

    assert not report.ok
    assert report.first_bad_seq == RECORDS


# ---- inserted records ----------------------------------------------------------------------


def test_inserted_record_in_the_middle(stored: Station) -> None:
    k = 8
    with attacker(stored.sqlite_file, foreign_keys=False) as db:
        # Move seqs >= k up by one (through negatives: the seqs are unique keys).
        for table, column in (("record", "seq"), ("outbox", "seq"), ("weighing", "record_seq")):
            db.execute(f"UPDATE {table} SET {column} = -({column} + 1) WHERE {column} >= ?", (k,))
            db.execute(f"UPDATE {table} SET {column} = -{column} WHERE {column} < 0")
        insert_record(db, forged_void(db, k))
        db.execute("UPDATE chain_head SET last_seq = last_seq + 1 WHERE chain = 'province'")

    report = verify(stored)

    assert not report.ok
    # The forged record at 8 is sealed correctly and links to 7, but the audit event of
    # seq 8 records the original's hash, so it is the first bad seq. The original, now at 9,
    # no longer links (its prevHash is the hash of 7) and its body says seq 8; every later
    # row holds the record of the seq before it.
    assert report.first_bad_seq == k
    assert "its audit event recorded" in problems_at(report, k)
    assert fault_seqs(report) == set(range(k, RECORDS + 2))
    assert "prevHash" in problems_at(report, k + 1)
    assert "renumbered" in problems_at(report, k + 1)


def test_inserted_record_at_the_end_without_chain_head(stored: Station) -> None:
    with attacker(stored.sqlite_file) as db:
        insert_record(db, forged_void(db, RECORDS + 1))

    report = verify(stored)

    assert not report.ok
    # Records 1-20 match the chain head (seq 20 and its hash); the forged seq 21 is the
    # first record beyond it.
    assert report.first_bad_seq == RECORDS + 1


# ---- reordered records ---------------------------------------------------------------------


@pytest.mark.parametrize("move_weighings", [False, True], ids=["records", "records+weighings"])
def test_swapped_pair(stored: Station, move_weighings: bool) -> None:
    k = 5
    with attacker(stored.sqlite_file, foreign_keys=False) as db:
        columns = "body, prev_hash, record_hash"
        first, second = (
            db.execute(f"SELECT {columns} FROM record WHERE seq = ?", (seq,)).fetchone()
            for seq in (k, k + 1)
        )
        db.execute("UPDATE record SET record_hash = 'moving' WHERE seq = ?", (k,))
        db.execute(
            "UPDATE record SET body = ?, prev_hash = ?, record_hash = ? WHERE seq = ?",
            (*first, k + 1),
        )
        db.execute(
            "UPDATE record SET body = ?, prev_hash = ?, record_hash = ? WHERE seq = ?", (*second, k)
        )
        if move_weighings:  # so the weighing copies agree with the moved bodies
            db.execute("UPDATE weighing SET record_seq = -1 WHERE record_seq = ?", (k,))
            db.execute("UPDATE weighing SET record_seq = ? WHERE record_seq = ?", (k, k + 1))
            db.execute("UPDATE weighing SET record_seq = ? WHERE record_seq = -1", (k + 1,))

    report = verify(stored)

    assert not report.ok
    # Row 5 holds the record of seq 6 (its body says 6, its prevHash is the hash of 5).
    assert report.first_bad_seq == k
    assert "renumbered" in problems_at(report, k)
    assert fault_seqs(report) == {k, k + 1, k + 2}


# ---- the audit chain -----------------------------------------------------------------------


def test_altered_audit_event(stored: Station) -> None:
    with attacker(stored.sqlite_file) as db:
        row = db.execute("SELECT body FROM audit_event WHERE seq = 3").fetchone()
        event = json.loads(row[0])
        event["actor"] = "someone-else"
        db.execute("UPDATE audit_event SET body = ? WHERE seq = 3", (text(event),))

    report = verify(stored)

    assert not report.ok
    assert [fault.seq for fault in report.audit_faults] == [3]
    assert report.faults == []
    assert report.first_bad_seq is None


# ---- picture files -----------------------------------------------------------------------------


def _picture_file(station: Station, seq: int) -> Path:
    db = sqlite3.connect(station.sqlite_file)
    try:
        (relative,) = db.execute(
            "SELECT p.stored_path FROM picture p "
            "JOIN weighing_picture wp ON wp.sha256 = p.sha256 "
            "JOIN weighing w ON w.id = wp.weighing_id WHERE w.record_seq = ?",
            (seq,),
        ).fetchone()
    finally:
        db.close()
    return station.store.path_of(relative)


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        pytest.param(lambda path: path.unlink(), "missing", id="deleted"),
        pytest.param(
            lambda path: path.write_bytes(path.read_bytes()[:-1] + b"\x00"), "altered", id="altered"
        ),
    ],
)
def test_damaged_picture_file(stored: Station, damage: Any, problem: str) -> None:
    damage(_picture_file(stored, 14))

    report = verify(stored)

    assert not report.ok
    assert report.first_bad_seq == 14
    assert fault_seqs(report) == {14}
    assert problem in problems_at(report, 14)


# ---- not a station database ----------------------------------------------------------------


def test_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "station.sqlite3"
    path.write_bytes(b"this is certainly not an SQLite database\n" * 100)
    database = Database(f"sqlite:///{path}")
    try:
        report = verify_database(database, tmp_path / "pictures")
    finally:
        database.dispose()

    assert not report.ok
    assert report.first_bad_seq is None
    assert report.problems == ["the database cannot be read: file is not a database"]


def test_empty_file_has_no_schema(tmp_path: Path) -> None:
    path = tmp_path / "station.sqlite3"
    path.write_bytes(b"")
    database = Database(f"sqlite:///{path}")
    try:
        report = verify_database(database, tmp_path / "pictures")
    finally:
        database.dispose()

    assert not report.ok
    assert len(report.problems) == 1
    assert "schema revision None" in report.problems[0]


# ---- the guard triggers ------------------------------------------------------------------------

GUARDED_COLUMNS = {
    "record": "body",
    "weighing": "sum_weight",
    "weighing_axle": "weight",
    "raw_trace": "data",
    "picture": "size",
    "weighing_picture": "file_type",
    "audit_event": "body",
}


@pytest.mark.parametrize("table", GUARDED_COLUMNS)
@pytest.mark.parametrize("action", ["UPDATE", "DELETE"])
def test_triggers_refuse_changes(stored: Station, table: str, action: str) -> None:
    column = GUARDED_COLUMNS[table]
    statement = (
        f"UPDATE {table} SET {column} = {column}" if action == "UPDATE" else f"DELETE FROM {table}"
    )
    db = sqlite3.connect(stored.sqlite_file, isolation_level=None)
    try:
        with pytest.raises(sqlite3.DatabaseError, match=f"{table} is append-only"):
            db.execute(statement)
    finally:
        db.close()

    assert verify(stored).ok


def test_dropped_guard_triggers_are_reported(stored: Station) -> None:
    with attacker(stored.sqlite_file, restore_guards=False):
        pass

    report = verify(stored)

    assert not report.ok
    assert report.faults == []
    assert any("record_no_update is missing" in problem for problem in report.problems)


def test_changed_raw_trace_is_found(stored: Station) -> None:
    with attacker(stored.sqlite_file) as db:
        db.execute(
            "UPDATE raw_trace SET data = ? WHERE weighing_id = (SELECT id FROM weighing "
            "WHERE record_seq = 4)",
            (zlib.compress(b"\x00" * 400),),
        )

    report = verify(stored)

    assert report.first_bad_seq == 4
    assert "raw trace" in problems_at(report, 4)


def test_changed_local_evidence_is_found(stored: Station) -> None:
    """Tyres and adjustments are not in the province body; the audit digest covers them."""
    with attacker(stored.sqlite_file) as db:
        db.execute(
            "UPDATE weighing_axle SET tyres = 'wide_single' WHERE no = 2 AND weighing_id = "
            "(SELECT id FROM weighing WHERE record_seq = 9)"
        )

    report = verify(stored)

    assert report.first_bad_seq == 9
    assert "local evidence" in problems_at(report, 9)
