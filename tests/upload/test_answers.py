"""How a pass meets each kind of answer: Retry-After, clock skew, lost records, damaged files."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from station.storage import outbox
from station.storage.models import Outbox, Picture, UploadPass
from station.upload import passes
from station.upload.passes import run_pass
from station.upload.transport import Backoff, skew_seconds

FAST = Backoff(base_s=0.01, cap_s=0.05, attempts=6)


def _run(setup, **kw):
    kw.setdefault("backoff", FAST)
    return run_pass(setup.config, setup.database, trigger="MANUAL", actor="tester", **kw)


def test_429_waits_at_least_what_retry_after_asks(setup):
    from tests.support.province_receiver import Fault

    setup.receiver.faults.script(Fault("429", retry_after=1), endpoints={"records"})
    started = time.monotonic()
    outcome = _run(setup)
    assert outcome.exit_code == 0
    assert time.monotonic() - started >= 1.0  # jitter only ever adds to Retry-After
    assert setup.receiver.faults.counts()["429"] == 1


def test_a_station_clock_the_platform_refuses_fails_the_pass_and_says_by_how_much(setup):
    setup.receiver.clock_offset = -400  # the platform is 400 s behind: the station is ahead
    outcome = _run(setup)
    assert outcome.status == "FAILED" and outcome.exit_code == 3
    assert 398 <= outcome.clock_skew_s <= 402
    assert "ahead of the provincial platform" in outcome.error
    assert outbox.get_state(setup.database, "clock_skew_s") == str(outcome.clock_skew_s)
    [row] = outbox.passes(setup.database)
    assert row.status == "FAILED" and row.clock_skew_s == outcome.clock_skew_s
    assert setup.receiver.held_records() == {}


def test_a_small_skew_is_a_warning_after_a_complete_pass(setup):
    setup.receiver.clock_offset = 90
    outcome = _run(setup)
    assert outcome.exit_code == 0
    assert any("behind the provincial platform" in w for w in outcome.warnings)


def test_skew_is_measured_from_beijing_server_time():
    station = datetime(2026, 11, 27, 0, 0, 30, tzinfo=UTC).timestamp()  # 08:00:30 in Beijing
    assert skew_seconds("2026-11-27 08:00:00", station) == 30
    assert skew_seconds("2026-11-27 08:01:00", station) == -30


def test_records_the_manifest_reports_missing_are_sent_again_in_the_same_pass(setup):
    assert _run(setup).exit_code == 0
    # The platform lost what it had (restored from an old backup): it holds nothing.
    setup.receiver.forget_everything()
    outcome = _run(setup)
    assert outcome.status == "COMPLETE", outcome
    assert outcome.records_sent == len(setup.receiver.held_records()) > 0
    manifests = [answer["status"] for _, answer in setup.receiver.manifests()]
    assert manifests[-2:] == ["INCOMPLETE", "COMPLETE"]


def test_a_picture_damaged_on_disk_is_not_sent_and_is_reported(setup):
    with setup.database.read() as session:
        picture = session.query(Picture).order_by(Picture.sha256).first()
        sha, path = picture.sha256, setup.folder / "pictures" / picture.stored_path
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    outcome = _run(setup)
    assert outcome.status == "INCOMPLETE" and outcome.exit_code == 3
    assert outcome.pictures_failed >= 1
    assert sha in setup.receiver.missing_pictures()
    assert sha not in setup.receiver.pictures()
    with setup.database.read() as session:
        from station.storage.models import PictureDelivery

        assert "damaged on disk" in session.get(PictureDelivery, sha).last_error


def test_an_unexpected_error_still_ends_the_pass_failed(setup, monkeypatch):
    def broken(*_args, **_kw):
        raise RuntimeError("disk I/O error")

    monkeypatch.setattr(passes.outbox, "store_results", broken)
    outcome = _run(setup)
    assert outcome.status == "FAILED" and "disk I/O error" in outcome.error
    with setup.database.read() as session:
        assert session.query(UploadPass).one().status == "FAILED"
        assert session.query(Outbox).filter(Outbox.status == "PENDING").count() > 0


def test_a_second_pass_at_the_same_time_is_refused(setup):
    from station.upload.lock import PassLock

    with PassLock(setup.config.data_dir / "upload.lock"):
        outcome = _run(setup)
    assert outcome.status == "FAILED" and "another upload pass" in outcome.error
    assert setup.receiver.request_counts() == {}


@pytest.mark.parametrize("batch_size", [1, 7])
def test_any_batch_size_delivers_in_seq_order(setup, batch_size, monkeypatch):
    import dataclasses

    province = dataclasses.replace(setup.config.province, batch_size=batch_size)
    monkeypatch.setattr(setup, "config", dataclasses.replace(setup.config, province=province))
    outcome = _run(setup)
    assert outcome.exit_code == 0
    assert list(setup.receiver.held_records()) == sorted(setup.receiver.held_records())
