"""The nightly pass: due at the upload time, caught up after downtime, retried after failure."""

from __future__ import annotations

from datetime import datetime, timedelta

from station.readmodel import PassView
from station.upload.schedule import RETRY_MINUTES, is_due, last_slot


def _pass(started: datetime, status: str) -> PassView:
    return PassView(
        started_at=started, finished_at=None, trigger="SCHEDULE", actor="t", status=status,
        records_sent=0, accepted=0, duplicate=0, rejected=0, pictures_sent=0,
        manifest_status=None, pending_after=0, error="",
    )  # fmt: skip


def test_the_slot_is_today_once_the_time_has_come_else_yesterday():
    assert last_slot(datetime(2026, 11, 27, 2, 0), "02:00") == datetime(2026, 11, 27, 2, 0)
    assert last_slot(datetime(2026, 11, 27, 1, 59), "02:00") == datetime(2026, 11, 26, 2, 0)
    assert last_slot(datetime(2026, 1, 1, 0, 10), "23:30") == datetime(2025, 12, 31, 23, 30)


def test_due_when_no_pass_has_started_since_the_slot():
    now = datetime(2026, 11, 27, 2, 0, 30)
    yesterday = _pass(datetime(2026, 11, 26, 2, 0, 5), "COMPLETE")
    assert is_due(now, "02:00", (yesterday,))
    assert not is_due(datetime(2026, 11, 27, 1, 59), "02:00", (yesterday,))


def test_a_pass_missed_while_the_computer_was_off_runs_at_start():
    two_days_ago = _pass(datetime(2026, 11, 25, 2, 0), "COMPLETE")
    assert is_due(datetime(2026, 11, 27, 9, 15), "02:00", (two_days_ago,))
    assert is_due(datetime(2026, 11, 27, 9, 15), "02:00", ())


def test_a_finished_pass_satisfies_the_slot():
    now = datetime(2026, 11, 27, 5, 0)
    for status in ("COMPLETE", "INCOMPLETE"):
        assert not is_due(now, "02:00", (_pass(datetime(2026, 11, 27, 2, 0), status),))


def test_a_running_pass_holds_the_slot_until_it_looks_killed():
    started = datetime(2026, 11, 27, 2, 0)
    running = (_pass(started, "RUNNING"),)
    assert not is_due(started + timedelta(minutes=RETRY_MINUTES - 1), "02:00", running)
    assert is_due(started + timedelta(minutes=RETRY_MINUTES), "02:00", running)


def test_a_failed_pass_is_retried_after_the_retry_interval():
    started = datetime(2026, 11, 27, 2, 0)
    failed = (_pass(started, "FAILED"),)
    assert not is_due(started + timedelta(minutes=RETRY_MINUTES - 1), "02:00", failed)
    assert is_due(started + timedelta(minutes=RETRY_MINUTES), "02:00", failed)
    # A manual pass after the slot that finished also satisfies it.
    later = (_pass(started + timedelta(minutes=5), "COMPLETE"), *failed)
    assert not is_due(started + timedelta(hours=2), "02:00", later)
