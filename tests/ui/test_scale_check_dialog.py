"""The daily scale check from the desktop: stored at once, judged by the in-service MPE."""

from __future__ import annotations

from station.storage.checks import scale_checked_on
from station.timeutil import beijing_now
from ui.scale_check_dialog import ScaleCheckDialog, scale_ids


def _check(qtbot, desk, scale: str, reference: int, reading: int) -> ScaleCheckDialog:
    dialog = ScaleCheckDialog(desk.ctx)
    qtbot.addWidget(dialog)
    dialog.scale_box.setCurrentText(scale)
    dialog.reference_box.setValue(reference)
    dialog.reading_box.setValue(reading)
    with qtbot.waitSignal(dialog.checked, timeout=5000):
        dialog.submit()
    return dialog


def test_the_scales_offered_are_the_lanes_weighing_devices(qtbot, desk):
    assert scale_ids(desk.ctx) == ["axle", "platform"]


def test_a_passing_check_is_saved_and_counts_for_the_day(qtbot, desk):
    # Max 100 t, e = 10 kg: 20 t is 2000 e, in service the MPE is 2 e = 20 kg.
    dialog = _check(qtbot, desk, "platform", 20000, 20020)
    assert dialog.result.passed and dialog.result.tolerance_kg == 20
    assert "+20 kg" in dialog.message.text() and "passed" in dialog.message.text()
    with desk.ctx.database.read() as session:
        assert scale_checked_on(session, "platform", beijing_now().date())


def test_a_failing_check_is_saved_as_failed(qtbot, desk):
    dialog = _check(qtbot, desk, "axle", 20000, 19970)
    assert not dialog.result.passed
    assert "FAILED" in dialog.message.text()
    with desk.ctx.database.read() as session:
        assert not scale_checked_on(session, "axle", beijing_now().date())


def test_the_zero_check_is_stored_but_does_not_stand_for_the_daily_check(qtbot, desk):
    dialog = _check(qtbot, desk, "axle", 0, 10)
    assert dialog.result.passed and dialog.result.tolerance_kg == 10
    with desk.ctx.database.read() as session:
        assert not scale_checked_on(session, "axle", beijing_now().date())
