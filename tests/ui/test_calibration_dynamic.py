"""The calibration wizard on a dynamic axle scale, end to end: the reference vehicle weighed
statically, passes typed and read from the running lane, evaluated, the check saved on a
worker (the store refusing what it must), its PDF written, and the run in the history."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from station.readmodel_calibration import DynamicRecord
from station.security import Role
from station.storage import calibration, calibration_dynamic
from station.storage.calibration_dynamic import DynamicRunSummary
from station.storage.database import Database
from station.storage.verify import verify_database
from tests.ui.conftest import LEGAL_2_AXLE
from tests.ui.test_calibration_wizard import audit_details, next_to, open_wizard, pdf_text, prepare
from ui.calibration_dynamic import DynamicPage
from ui.calibration_history import CalibrationHistoryDialog
from ui.calibration_steps import DynamicFinishPage, not_before
from ui.calibration_wizard import CalibrationWizard

SCALE = "axle"  # an axle_scale device of lane 1 (tests/lanes/conftest.py), d = 10 kg
PDFTOTEXT = shutil.which("pdftotext")


def coefficients(database: Database, values: dict, reason: str) -> None:
    """A coefficient change by another technician: seal opened, values set, seal closed."""
    calibration.open_seal(database, SCALE, "installer", reason)
    calibration.change_coefficients(database, SCALE, values, actor="installer",
                                    actor_role=Role.TECHNICIAN, reason=reason)  # fmt: skip
    calibration.close_seal(database, SCALE, "installer")


def to_dynamic_page(qtbot, desk) -> tuple[CalibrationWizard, DynamicPage]:
    wizard = open_wizard(qtbot, desk, None, scale=SCALE)
    assert wizard.scale_page.dynamic_radio.isChecked()
    prepare(qtbot, wizard, initial=False)
    next_to(qtbot, wizard, "dynamic")
    return wizard, wizard.pages["dynamic"]


def reference_vehicle(page: DynamicPage) -> None:
    """A 2-axle rigid vehicle, 6000 + 10000 kg, compared with its static loads."""
    page.set_static([6000, 10000])
    page.vehicle_edit.setText("豫A·D1234")
    page.rigid.setChecked(True)
    page.reference.setCurrentIndex(page.reference.findData("static"))


def to_finish(qtbot, wizard: CalibrationWizard) -> DynamicFinishPage:
    next_to(qtbot, wizard, "dynamic_finish")
    finish: DynamicFinishPage = wizard.pages["dynamic_finish"]
    qtbot.waitUntil(lambda: finish.seal_open is not None, timeout=5000)
    return finish


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed")
def test_a_dynamic_check_is_saved_printed_and_listed(qtbot, desk, feed, tmp_path: Path) -> None:
    database = desk.ctx.database
    coefficients(database, {"span": "0.0123"}, "installation")  # counter 1
    wizard, page = to_dynamic_page(qtbot, desk)
    assert wizard.run is not None and wizard.run.header.counter_before == 1
    assert [wizard.step_title(k) for k in wizard.sequence()[-2:]] == [
        "Reference vehicle", "Seal, record and PDF",
    ]  # fmt: skip

    reference_vehicle(page)
    page.add_pass(5, [6030, 9950])
    page.add_pass(10, [5990, 10060])
    page.read_button.click()  # the third pass is the next vehicle the lane's scale reports
    qtbot.wait(100)
    feed.truck("豫A·D1234", *LEGAL_2_AXLE)  # 5000 + 9000 kg at 4.8 km/h: far too light
    qtbot.waitUntil(lambda: page.passes.rowCount() == 3, timeout=10000)
    assert page.evaluate()
    # In service, class 5: 5 % of 16000 kg = 800 kg; class D, 2-axle rigid: 2 % of each axle.
    assert {(i.pass_no, i.item): (i.deviation_g, i.limit_g, i.passed) for i in page.items} == {
        (1, "gross"): (-20000, 800000, True), (1, "axle 1"): (30000, 120000, True),
        (1, "axle 2"): (-50000, 200000, True), (2, "gross"): (50000, 800000, True),
        (2, "axle 1"): (-10000, 120000, True), (2, "axle 2"): (60000, 200000, True),
        (3, "gross"): (-2000000, 800000, False), (3, "axle 1"): (-1000000, 120000, False),
        (3, "axle 2"): (-1000000, 200000, False),
    }  # fmt: skip
    assert "3 of 9 items fail" in page.verdict.text()

    # The seal was left open by someone: the store refuses the check until it is closed.
    calibration.open_seal(database, SCALE, "installer", "inspection")
    finish = to_finish(qtbot, wizard)
    assert finish.seal_open and not finish.save_button.isEnabled()
    assert finish.verdict_label.text() == "Result: Fail"
    assert "21.5" in finish.notes_edit.toPlainText()
    assert "Not adjusted" not in finish.notes_edit.toPlainText()
    finish.save()
    qtbot.waitUntil(lambda: "is open" in finish.message.text(), timeout=5000)
    assert finish.run_id is None and calibration_dynamic.dynamic_runs(database, SCALE) == []
    finish.close_button.click()
    qtbot.waitUntil(lambda: finish.seal_open is False and finish.save_button.isEnabled())
    finish.certificate_edit.setText("JD-WIM-2026-07")
    finish.save_button.click()
    qtbot.waitUntil(lambda: finish.run_id is not None, timeout=5000)
    assert f"dynamic run {finish.run_id}" in finish.message.text()
    assert not wizard.back_button.isEnabled() and wizard.next_button.text() == "Close"

    record: DynamicRecord = calibration_dynamic.load_dynamic_run(database, finish.run_id)
    assert record == finish.record
    assert record.items == tuple(page.items) and not record.result_passed
    assert [(p.speed_kmh, p.axles_kg) for p in record.passes] == [
        (5, (6030, 9950)), (10, (5990, 10060)), (5, (5000, 9000)),
    ]  # fmt: skip
    assert (record.static_axles_kg, record.static_gross_kg, record.two_axle_rigid) == (
        (6000, 10000), 16000, True,
    )  # fmt: skip
    assert (record.vehicle_class, record.axle_class, record.reference, record.d_kg) == (
        "5", "D", "static", 10,
    )  # fmt: skip
    assert (record.verification, record.counter, record.technician) == ("in_service", 1, "tech")
    assert record.certificate_no == "JD-WIM-2026-07" and record.reference_vehicle == "豫A·D1234"
    [detail] = audit_details(database, "DYNAMIC_CHECK_RECORDED")
    assert detail["runId"] == finish.run_id
    assert detail["recordSha256"] == calibration_dynamic.dynamic_record_digest(record)
    report = verify_database(database, desk.ctx.pictures_root)
    assert report.ok, report.problems + [str(f) for f in report.faults + report.audit_faults]

    # The PDF, in Chinese as the station prints it.
    desk.ctx.language = "zh_CN"
    finish.save_pdf(tmp_path / "dynamic.pdf")
    qtbot.waitUntil(lambda: finish.pdf_path is not None, timeout=20000)
    assert finish.print_button.isEnabled()
    text = pdf_text(finish.pdf_path)
    assert "动态轴重秤检定/校准记录" in text and SCALE in text and "JD-WIM-2026-07" in text
    assert "9 项中 3 项不合格" in text and "不合格" in text and "使用中检验" in text

    # History: the check is listed first with its id; its PDF renders again as a copy.
    wizard.show_history(SCALE)
    history: CalibrationHistoryDialog = wizard.history
    qtbot.waitUntil(lambda: bool(history.entries), timeout=5000)
    top = history.entries[0]
    assert top.entry.kind == "DYNAMIC_CHECKED" and top.entry.counter == 1
    assert isinstance(top.run, DynamicRunSummary) and top.run.id == finish.run_id
    assert history.table.item(0, 1).text() == "Dynamic check recorded"
    assert f"dynamic run {finish.run_id}" in history.table.item(0, 4).text()
    assert "3 of 9 items fail" in history.table.item(0, 4).text()
    assert [row.entry.kind for row in history.entries[1:]] == [
        "SEAL_CLOSED", "SEAL_OPENED", "SEAL_CLOSED", "COEFFICIENTS_CHANGED", "SEAL_OPENED",
    ]  # fmt: skip
    history.table.selectRow(0)
    assert history.pdf_button.isEnabled() and history.selected_dynamic_run() == finish.run_id
    history.save_pdf(tmp_path / "copy.pdf")
    qtbot.waitUntil(lambda: history.pdf_path is not None, timeout=20000)
    copy = pdf_text(history.pdf_path)
    assert "副本" in copy and "动态轴重秤检定/校准记录" in copy
    history.table.selectRow(1)
    assert not history.pdf_button.isEnabled()


def test_changing_an_input_drops_the_verdicts(qtbot, desk) -> None:
    wizard, page = to_dynamic_page(qtbot, desk)
    reference_vehicle(page)
    page.add_pass(5, [6030, 9950])
    assert page.evaluate() and wizard.next_button.isEnabled()
    assert page.passed()
    page.passes.item(0, 2).setText("10950")  # a typo corrected after evaluating
    assert page.items == [] and page.check is None
    assert not wizard.next_button.isEnabled()
    assert "evaluate again" in page.message.text()
    assert page.evaluate() and not page.passed()
    page.axle_class.setCurrentText("F")
    assert not wizard.next_button.isEnabled()
    wizard.reject()


def test_a_coefficient_change_during_the_check_is_refused(qtbot, desk) -> None:
    database = desk.ctx.database
    wizard, page = to_dynamic_page(qtbot, desk)
    assert wizard.run is not None
    reference_vehicle(page)
    page.add_pass(5, [6030, 9950])
    assert page.evaluate()
    # Someone adjusts the scale while the passes are run (a later second than the start).
    not_before(wizard.run.header.started_at)
    coefficients(database, {"span": "0.0124"}, "adjusted during the check")
    finish = to_finish(qtbot, wizard)
    qtbot.waitUntil(finish.save_button.isEnabled, timeout=5000)
    finish.save_button.click()
    qtbot.waitUntil(lambda: "changed during the check" in finish.message.text(), timeout=5000)
    assert finish.run_id is None and calibration_dynamic.dynamic_runs(database, SCALE) == []
    assert wizard.back_button.isEnabled() and not wizard.next_button.isEnabled()
    wizard.reject()
