"""Upload passes against the reference receiver over HTTPS on loopback (province-api.md)."""

from __future__ import annotations

import json

from station.storage import outbox
from station.storage.checks import watch_reason
from station.upload.passes import run_pass
from station.upload.transport import Backoff

FAST = Backoff(base_s=0.01, cap_s=0.05, attempts=8)


def _run(setup, **kw):
    kw.setdefault("backoff", FAST)
    return run_pass(setup.config, setup.database, trigger="MANUAL", actor="tester", **kw)


def _local_records(database):
    with database.read() as session:
        from station.storage.models import Record

        return {row.seq: json.loads(row.body) for row in session.query(Record)}


def test_a_pass_delivers_every_record_and_picture_and_the_manifest_is_complete(setup):
    outcome = _run(setup)
    assert outcome.status == "COMPLETE", outcome.error
    assert outcome.exit_code == 0
    local = _local_records(setup.database)
    held = setup.receiver.held_records()
    assert held == local  # byte-for-byte the sealed records, every seq
    assert set(setup.receiver.store_counts().values()) == {1}
    assert outcome.accepted == len(local) and outcome.rejected == 0
    assert not setup.receiver.missing_pictures()
    assert len(setup.receiver.pictures()) == outcome.pictures_sent > 0
    body, answer = setup.receiver.manifests()[-1]
    assert answer["status"] == "COMPLETE" and body["lastSeq"] == max(local)
    assert outbox.counts(setup.database) == (0, 0)


def test_a_second_pass_sends_nothing_again(setup):
    assert _run(setup).exit_code == 0
    before = setup.receiver.request_counts()
    again = _run(setup)
    assert again.exit_code == 0 and again.records_sent == 0 and again.pictures_sent == 0
    after = setup.receiver.request_counts()
    assert after.get("POST /records", 0) == before.get("POST /records", 0)
    assert after.get("PUT /pictures", 0) == before.get("PUT /pictures", 0)


def test_the_pass_is_kept_where_the_supervisor_sees_it(setup):
    outcome = _run(setup)
    [row] = outbox.passes(setup.database)
    assert row.id == outcome.pass_id and row.status == "COMPLETE" and row.trigger == "MANUAL"
    assert row.accepted == outcome.accepted and row.manifest_status == "COMPLETE"
    assert row.finished_at is not None and row.pending_after == 0


def test_heartbeat_reports_pending_records_devices_and_the_clock(setup):
    devices = [{"id": "lane1-axle-scale", "kind": "scale", "state": "OK"}]
    outcome = _run(setup, devices=lambda: devices)
    beat = setup.receiver.last_heartbeat()
    assert beat["siteCode"] == setup.config.station.site_code
    assert beat["pendingRecords"] == 0 and beat["devices"] == devices
    assert abs(outcome.clock_skew_s) <= 2


def test_the_watchlist_is_fetched_with_its_cursor_and_flags_plates(setup):
    setup.receiver.add_watch("豫A12345", 1, reason="LOCKED", note="证照锁定")
    setup.receiver.add_watch("豫B99999", 1, reason="BLACKLIST")
    assert _run(setup).exit_code == 0
    with setup.database.read() as session:
        assert "LOCKED" in watch_reason(session, "豫A12345")
        assert "BLACKLIST" in watch_reason(session, "豫B99999")
    cursor = outbox.get_state(setup.database, "watchlist_cursor")
    assert cursor
    setup.receiver.remove_watch("豫B99999", 1)
    assert _run(setup).exit_code == 0
    with setup.database.read() as session:
        assert watch_reason(session, "豫B99999") is None
        assert watch_reason(session, "豫A12345") is not None
    assert outbox.get_state(setup.database, "watchlist_cursor") != cursor
