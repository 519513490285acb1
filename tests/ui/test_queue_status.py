"""The desktop while the shared database server is unreachable (station.lanes.spooling)."""

from __future__ import annotations

from datetime import datetime

from station.lanes.notices import QueuedRecorded, StorageQueueChanged


def test_the_status_bar_says_what_waits_on_this_workstation(qtbot, desk):
    window = desk.window
    label = window.queue_warning
    assert not label.isVisibleTo(window)

    window.on_notice(StorageQueueChanged(online=False, pending=3, set_aside=0))
    assert label.isVisibleTo(window)
    assert label.text() == "Database server unreachable: 3 weighings queued here"

    window.on_notice(StorageQueueChanged(online=True, pending=1, set_aside=1))
    assert label.text() == (
        "Database server back: 1 queued weighings to record · "
        "1 queued entries could not be recorded (see the log)"
    )

    window.on_notice(
        QueuedRecorded(1, "41010221000120261127000042", datetime(2026, 11, 27, 8, 1, 2))
    )
    assert window.statusBar().currentMessage() == (
        "Lane 1: the weighing queued at 08:01:02 is recorded as 41010221000120261127000042"
    )

    window.on_notice(StorageQueueChanged(online=True, pending=0, set_aside=0))
    assert not label.isVisibleTo(window)
