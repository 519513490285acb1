"""Drift raised by itself: the desktop's periodic analysis puts warning scales in the status bar."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from station.storage.checks import record_scale_check
from station.timeutil import beijing_today


def _creeping_zero(database, scale: str, kg_per_day: float) -> None:
    """A zero check every morning of the last 40 days, e = 10 kg, with ±0.5 e of noise."""
    rng, today = random.Random(5), beijing_today()
    for day in range(40):
        zero = kg_per_day * day + rng.gauss(0, 5)
        moment = datetime.combine(today - timedelta(days=39 - day), time(7, 0))
        record_scale_check(
            database, scale_id=scale, reference_kg=0, reading_kg=round(zero / 10) * 10,
            actor="tech", moment=moment, tolerance_kg=10,
        )  # fmt: skip


def _check(qtbot, window) -> list[str]:
    with qtbot.waitSignal(window.drift_watch.changed, timeout=10000) as signal:
        window.drift_watch.check()
    return signal.args[0]


def test_a_creeping_zero_is_raised_in_the_status_bar(qtbot, desk):
    _creeping_zero(desk.ctx.database, "axle", 1.5)  # 45 kg in the 30-day window: > 2 e
    assert _check(qtbot, desk.window) == ["axle"]
    label = desk.window.drift_warning
    assert label.isVisibleTo(desk.window) and label.text() == "Drift: axle (see the Drift tab)"


def test_nothing_is_raised_without_a_drift(qtbot, desk):
    _creeping_zero(desk.ctx.database, "platform", 0.0)
    assert _check(qtbot, desk.window) == []
    assert not desk.window.drift_warning.isVisibleTo(desk.window)
