"""The calibration wizard against a simulated scale with a known error.

The simulated platform (`SimulatedIndicator`) is a transmitter sending raw counts with an
indicator turning them into kg by the coefficients in force in the database
(`current_coefficients`, read at every reading; the names of station/domain/coefficients.py):

    counts     = round(load × (1 + GAIN_ERROR) / TRUE_KG_PER_COUNT) + ZERO_COUNTS
    indication = round_half_up((counts − zero_counts) × span_kg_per_count / e) × e

The load cells' gain has drifted by GAIN_ERROR = +0.06 %. Installed with the nominal span
(0.01 kg per count) the scale reads 0.06 % high: +60 kg at Max 100 t. Initial-verification
MPEs (e = 10 kg) are 5 / 10 / 15 kg, so the points at 33333 kg (eccentric), 50000 kg and
100000 kg fail and those up to 20000 kg pass. The technician sets span_kg_per_count =
0.01 / 1.0006 = 0.0099940036 in the wizard, and the same simulated scale reads right.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from PySide6 import QtCore
from sqlalchemy import select

from station.domain.readings import WeightReading
from station.readmodel_calibration import CalibrationRecord
from station.security import Role
from station.storage import calibration
from station.storage.accounts import SignedIn
from station.storage.database import Database
from station.storage.models import AuditEvent
from station.storage.verify import verify_database
from tests.ui.conftest import LEGAL_2_AXLE, signed_in
from tests.ui.test_responsive import LIMIT_S, Heartbeat
from ui.calibration_dynamic import DynamicPage
from ui.calibration_history import CalibrationHistoryDialog
from ui.calibration_model import (
    CORRECTED_MEAN,
    STATIC_PAGES,
    ReferenceVehicle,
    ScaleMetrology,
    evaluate_dynamic,
    suggested_loads,
)
from ui.calibration_points import TestPage
from ui.calibration_steps import AdjustPage, FinishPage, ResultsPage
from ui.calibration_wizard import CalibrationWizard, may_calibrate

SCALE = "platform"  # Max 100000 kg, e 10 kg (tests/ui/conftest.py)
E_KG = 10
GAIN_ERROR = Decimal("0.0006")
TRUE_KG_PER_COUNT = Decimal("0.01")
ZERO_COUNTS = 8400
INSTALLED = {"zero_counts": ZERO_COUNTS, "span_kg_per_count": "0.01"}
CORRECT_SPAN = "0.0099940036"  # 0.01 / 1.0006, to 10 decimals
FAILING_LOADS = {33333, 50000, 100000}
DISCRIMINATION_KG = 14  # 1.4 d, d = e = 10 kg
PDFTOTEXT = shutil.which("pdftotext")


class SimulatedIndicator:
    """The scale's indicator as the wizard reads it (`read() -> int` kg); see the module."""

    def __init__(self, database: Database, delay_s: float = 0.0) -> None:
        self.database, self.delay_s = database, delay_s
        self.load_kg = 0  # what the technician has put on the platform
        self.reads = 0

    def read(self) -> int:
        time.sleep(self.delay_s)
        self.reads += 1
        coefficients = calibration.current_coefficients(self.database, SCALE) or {}
        zero = Decimal(str(coefficients["zero_counts"]))
        span = Decimal(str(coefficients["span_kg_per_count"]))
        raw = Decimal(self.load_kg) * (1 + GAIN_ERROR) / TRUE_KG_PER_COUNT
        counts = int(raw.quantize(Decimal(1), rounding=ROUND_HALF_UP)) + ZERO_COUNTS
        steps = ((counts - zero) * span / E_KG).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return int(steps) * E_KG


def install(database: Database) -> None:
    """The factory setting: the nominal span (calibration counter 1), seal closed."""
    calibration.open_seal(database, SCALE, "installer", "installation")
    calibration.change_coefficients(database, SCALE, INSTALLED,
                                    actor="installer", actor_role=Role.TECHNICIAN,
                                    reason="installation")  # fmt: skip
    calibration.close_seal(database, SCALE, "installer")


def audit_details(database: Database, action: str) -> list[dict]:
    with database.read() as session:
        bodies = session.scalars(
            select(AuditEvent.body).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
        return [json.loads(body)["detail"] for body in bodies]


def pdf_text(path: Path) -> str:
    done = subprocess.run([PDFTOTEXT or "pdftotext", str(path), "-"], capture_output=True,
                          text=True, check=True)  # fmt: skip
    return done.stdout


# ---- driving the wizard --------------------------------------------------------------------


def open_wizard(qtbot, desk, sim: SimulatedIndicator | None, scale: str = SCALE):
    desk.ctx.session.sign_in(signed_in("tech"))
    sources = (lambda _scale: sim) if sim is not None else None
    wizard = CalibrationWizard(desk.ctx, scale, sources=sources, parent=desk.window)
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.scale_page
    qtbot.waitUntil(lambda: page.state is not None and page.scale_id == scale, timeout=5000)
    return wizard


def next_to(qtbot, wizard: CalibrationWizard, key: str) -> None:
    assert wizard.next_button.isEnabled(), f"Next is disabled on {wizard.current}"
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current == key, timeout=5000)


def prepare(qtbot, wizard: CalibrationWizard, *, initial: bool = True) -> None:
    wizard.scale_page.kind_box.setCurrentIndex(0 if initial else 1)
    next_to(qtbot, wizard, "prep")
    prep = wizard.pages["prep"]
    assert not wizard.next_button.isEnabled()
    for box in prep.boxes:
        box.setChecked(True)
    assert not wizard.next_button.isEnabled(), "the temperature must be entered"
    prep.temperature.setValue(21.5)


def read_all(qtbot, page: TestPage, sim: SimulatedIndicator) -> None:
    """The technician puts each row's load on the platform and presses Read."""
    table = page.table
    for row, entry in enumerate(table.entries):
        sim.load_kg = entry.load_kg
        table.read_button(row).click()
        qtbot.waitUntil(lambda e=entry: e.indication_kg is not None, timeout=5000)
        if page.page == "discrimination":
            sim.load_kg = entry.load_kg + DISCRIMINATION_KG
            table.read_button(row, extra=True).click()
            qtbot.waitUntil(lambda e=entry: e.changed is not None, timeout=5000)
    assert page.complete()


def run_tests(qtbot, wizard: CalibrationWizard, phase: str, sim: SimulatedIndicator) -> None:
    for name in STATIC_PAGES:
        key = f"{phase}:{name}"
        assert wizard.current == key
        read_all(qtbot, wizard.pages[key], sim)
        following = STATIC_PAGES.index(name) + 1
        next_to(qtbot, wizard, f"{phase}:{STATIC_PAGES[following]}" if following < len(
            STATIC_PAGES) else f"{phase}:results")  # fmt: skip


def failing(points) -> set[tuple[str, int]]:
    return {(p.test, p.load_kg) for p in points if not p.passed}


# ---- the whole procedure -------------------------------------------------------------------


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed")
def test_as_found_adjust_as_left_save_and_pdf(qtbot, desk, tmp_path: Path) -> None:
    database = desk.ctx.database
    install(database)
    sim = SimulatedIndicator(database)
    wizard = open_wizard(qtbot, desk, sim)
    assert "span_kg_per_count = 0.01" in wizard.scale_page.details.text()
    prepare(qtbot, wizard)
    next_to(qtbot, wizard, "weights")
    run = wizard.run
    assert run is not None and run.header.counter_before == 1
    assert run.header.verification == "initial"

    # An expired weight set is refused; a valid one is taken.
    weights = wizard.pages["weights"]
    weights.set_edit.setText("W-2024-01")
    weights.cert_edit.setText("JZ-9-0001")
    weights.until_edit.setDate(QtCore.QDate.currentDate().addDays(-1))
    assert not weights.add_set() and weights.sets == []
    assert "W-2024-01" in weights.message.text()
    assert not wizard.next_button.isEnabled()
    weights.until_edit.setDate(QtCore.QDate.currentDate().addDays(90))
    assert weights.add_set() and [s.weight_class for s in weights.sets] == ["M1"]
    next_to(qtbot, wizard, "found:zero")

    # As found: the points where 0.06 % exceeds the MPE fail, the others pass.
    assert suggested_loads(ScaleMetrology(100000, E_KG)) == [200, 5000, 20000, 50000, 100000]
    run_tests(qtbot, wizard, "found", sim)
    results: ResultsPage = wizard.pages["found:results"]
    found = results.points
    assert {load for _, load in failing(found)} == FAILING_LOADS
    assert all(p.passed == (p.load_kg not in FAILING_LOADS) for p in found)
    assert {p.test for p in found if not p.passed} == {
        "span", "linearity-up", "linearity-down", "eccentric-1", "eccentric-2", "eccentric-3",
        "eccentric-4", "repeatability", "discrimination",
    }  # fmt: skip
    span = next(p for p in found if p.test == "span")
    assert (span.indication_kg, span.error_g, span.mpe_g) == (100060, 60000, 15000)
    assert results.adjusting, "a failing as-found offers the adjustment"
    wizard.grab().save(str(tmp_path / "wizard-found.png"))
    wizard.grab().save("/tmp/wizard.png")

    # Adjustment: refused while the seal is closed, accepted once it is open.
    next_to(qtbot, wizard, "adjust")
    adjust: AdjustPage = wizard.pages["adjust"]
    qtbot.waitUntil(lambda: adjust.seal_open is False and adjust.table.rowCount() == 2)
    assert adjust.coefficients() == {"zero_counts": "8400", "span_kg_per_count": "0.01"}
    adjust.set_coefficient("span_kg_per_count", CORRECT_SPAN)
    adjust.save_button.click()
    qtbot.waitUntil(lambda: "Refused" in adjust.message.text(), timeout=5000)
    assert "seal" in adjust.message.text()
    assert calibration.calibration_counter(database, SCALE) == 1
    assert calibration.current_coefficients(database, SCALE) == INSTALLED
    with pytest.raises(calibration.CalibrationRefused, match="technician"):
        calibration.change_coefficients(database, SCALE, {"x": "1"}, actor="sup",
                                        actor_role=Role.SUPERVISOR, reason="x")  # fmt: skip

    adjust.reason_edit.setText("as-found span error 0.06 %")
    adjust.open_button.click()
    qtbot.waitUntil(lambda: adjust.seal_open is True, timeout=5000)
    adjust.set_coefficient("span_kg_per_count", CORRECT_SPAN)
    adjust.save_button.click()
    qtbot.waitUntil(lambda: "Coefficients saved" in adjust.message.text(), timeout=5000)
    assert "1 → 2" in adjust.message.text()
    qtbot.waitUntil(lambda: adjust.counter == 2)
    assert "1 before adjusting, 2 now" in adjust.counter_label.text()
    assert calibration.calibration_counter(database, SCALE) == 2
    changes = audit_details(database, "COEFFICIENTS_CHANGED")
    assert (changes[-1]["counterBefore"], changes[-1]["counter"]) == (1, 2)
    assert changes[-1]["before"] == INSTALLED
    assert changes[-1]["after"] == {"zero_counts": "8400", "span_kg_per_count": CORRECT_SPAN}
    assert changes[-1]["role"] == "technician"

    # As left: the same scale now reads right everywhere.
    next_to(qtbot, wizard, "left:zero")
    run_tests(qtbot, wizard, "left", sim)
    left = wizard.pages["left:results"].points
    assert left and all(p.passed for p in left)
    # What is left is the rounding to e: 0 where the load is a multiple of e (33333 kg: -3 kg).
    assert {p.load_kg: p.error_g for p in left if p.error_g} == {33333: -3000}

    # The record cannot be saved with the seal open; closed, it is.
    next_to(qtbot, wizard, "finish")
    finish: FinishPage = wizard.pages["finish"]
    qtbot.waitUntil(lambda: finish.seal_open is True, timeout=5000)
    assert not finish.save_button.isEnabled()
    assert "21.5" in finish.notes_edit.toPlainText()
    finish.save()  # what the store says when the seal is open
    qtbot.waitUntil(lambda: "is open" in finish.message.text(), timeout=5000)
    assert finish.session_id is None
    finish.close_button.click()
    qtbot.waitUntil(lambda: finish.seal_open is False and finish.save_button.isEnabled())
    finish.certificate_edit.setText("JD-2025-0042")
    finish.save_button.click()
    qtbot.waitUntil(lambda: finish.session_id is not None, timeout=5000)
    assert not wizard.back_button.isEnabled()

    record: CalibrationRecord = calibration.load_record(database, finish.session_id)
    assert record == finish.record
    assert failing(record.as_found) == failing(found) and failing(record.as_left) == set()
    assert (record.counter_before, record.counter_after) == (1, 2)
    assert record.result_passed and record.verification == "initial"
    assert [w.set_id for w in record.weights] == ["W-2024-01"]
    assert record.certificate_no == "JD-2025-0042" and record.technician == "tech"
    assert not calibration.seal_is_open(database, SCALE)
    report = verify_database(database, desk.ctx.pictures_root)
    assert report.ok, report.problems + [str(f) for f in report.faults + report.audit_faults]
    assert [d["sessionId"] for d in audit_details(database, "CALIBRATION_RECORDED")] == [
        finish.session_id
    ]

    # The PDF, in Chinese as the station prints it.
    desk.ctx.language = "zh_CN"
    finish.save_pdf(tmp_path / "record.pdf")
    qtbot.waitUntil(lambda: finish.pdf_path is not None, timeout=20000)
    text = pdf_text(finish.pdf_path)
    assert SCALE in text and "不合格" in text and "合格" in text
    assert "秤台检定/校准记录" in text and "1→2" in text.replace(" ", "")

    # History: newest first; a past run's PDF renders again, marked as a copy.
    wizard.show_history(SCALE)
    history: CalibrationHistoryDialog = wizard.history
    qtbot.waitUntil(lambda: bool(history.entries), timeout=5000)
    kinds = [row.entry.kind for row in history.entries]
    assert kinds[:4] == ["CALIBRATED", "SEAL_CLOSED", "COEFFICIENTS_CHANGED", "SEAL_OPENED"]
    assert history.entries[0].entry.session.id == finish.session_id
    history.table.selectRow(0)
    assert history.pdf_button.isEnabled()
    history.save_pdf(tmp_path / "copy.pdf")
    qtbot.waitUntil(lambda: history.pdf_path is not None, timeout=20000)
    assert "副本" in pdf_text(history.pdf_path)
    history.table.selectRow(1)
    assert not history.pdf_button.isEnabled()


def test_a_typed_reading_and_in_service_mpe(qtbot, desk) -> None:
    """An indicator the app cannot read: the technician types; in service the MPE doubles."""
    wizard = open_wizard(qtbot, desk, None)  # live source: not connected, typing works
    prepare(qtbot, wizard, initial=False)
    next_to(qtbot, wizard, "weights")
    weights = wizard.pages["weights"]
    weights.set_edit.setText("W1")
    weights.cert_edit.setText("C1")
    assert weights.add_set()
    next_to(qtbot, wizard, "found:zero")
    zero_page = wizard.pages["found:zero"]
    edit = zero_page.table.indication_edit(0)
    qtbot.keyClicks(edit, "10")
    zero = zero_page.table.points[0]
    assert (zero.error_g, zero.mpe_g, zero.passed) == (10000, 2500, False)
    next_to(qtbot, wizard, "found:span")
    span_page = wizard.pages["found:span"]
    qtbot.keyClicks(span_page.table.indication_edit(0), "100030")
    point = span_page.table.points[0]
    assert (point.error_g, point.mpe_g, point.passed) == (30000, 30000, True)
    # The change-point method: ΔL 4000 g -> E = I + 0.5 e - ΔL - L = 30 + 5 - 4 = 31 kg.
    qtbot.keyClicks(span_page.table.added_edit(0), "4000")
    point = span_page.table.points[0]
    assert (point.error_g, point.passed) == (31000, False)
    assert span_page.table.item(0, span_page.table.VERDICT).text() == "Fail"


def test_reading_the_running_lane(qtbot, desk, feed) -> None:
    """Without a source given, Read waits for the lane's next stable weight."""
    wizard = open_wizard(qtbot, desk, None)
    prepare(qtbot, wizard)
    next_to(qtbot, wizard, "weights")
    weights = wizard.pages["weights"]
    weights.set_edit.setText("W1")
    weights.cert_edit.setText("C1")
    assert weights.add_set()
    next_to(qtbot, wizard, "found:zero")
    table = wizard.pages["found:zero"].table
    table.read_button(0).click()
    assert table.read_button(0).text() == "Reading..."
    sender = QtCore.QTimer()
    sender.timeout.connect(lambda: feed.sink(2, WeightReading(SCALE, 0, True, feed.clock())))
    sender.start(50)
    qtbot.waitUntil(lambda: table.entries[0].indication_kg == 0, timeout=5000)
    sender.stop()
    assert table.points[0].passed and table.read_button(0).text() == "Read"


def test_the_window_stays_responsive_while_a_reading_is_slow(qtbot, desk) -> None:
    install(desk.ctx.database)
    sim = SimulatedIndicator(desk.ctx.database, delay_s=1.0)
    wizard = open_wizard(qtbot, desk, sim)
    prepare(qtbot, wizard)
    next_to(qtbot, wizard, "weights")
    weights = wizard.pages["weights"]
    weights.set_edit.setText("W1")
    weights.cert_edit.setText("C1")
    assert weights.add_set()
    next_to(qtbot, wizard, "found:zero")
    table = wizard.pages["found:zero"].table
    qtbot.wait(200)  # let the first layout pass settle
    with Heartbeat() as beat:
        started = time.monotonic()
        table.read_button(0).click()
        qtbot.waitUntil(lambda: table.entries[0].indication_kg is not None, timeout=5000)
        took = time.monotonic() - started
    assert took >= 1.0
    assert beat.longest < LIMIT_S, f"GUI thread stalled {beat.longest * 1000:.0f} ms"


def test_only_a_technician_may_calibrate(qtbot, desk) -> None:
    window, session = desk.window, desk.ctx.session
    admin = SignedIn("admin", "admin", Role.ADMIN, False)
    for user in (signed_in("sup"), signed_in("op"), admin):
        session.sign_in(user)
        assert not window.actions["calibration"].isEnabled()
        assert not may_calibrate(session)
        with pytest.raises(PermissionError):
            CalibrationWizard(desk.ctx)
        window.open_calibration()
        assert not hasattr(window, "calibration_wizard")
        assert "technician" in window.last_warning
    session.sign_in(signed_in("tech"))
    assert window.actions["calibration"].isEnabled()
    window.open_calibration()
    wizard = window.calibration_wizard
    qtbot.waitUntil(lambda: wizard.scale_page.state is not None, timeout=5000)
    session.set_locked(True)
    assert not wizard.isEnabled() and not window.actions["calibration"].isEnabled()
    session.set_locked(False)
    assert wizard.isEnabled()
    wizard.reject()


# ---- dynamic axle scales -------------------------------------------------------------------


def test_dynamic_reference_vehicle(qtbot, desk, feed) -> None:
    """The axle scale: passes typed and read from the lane, judged per item."""
    wizard = open_wizard(qtbot, desk, None, scale="axle")
    assert wizard.scale_page.dynamic_radio.isChecked()  # an axle_scale device
    prepare(qtbot, wizard)
    next_to(qtbot, wizard, "dynamic")
    page: DynamicPage = wizard.pages["dynamic"]
    assert wizard.next_button.text() == "Next >" and not wizard.next_button.isEnabled()
    page.set_static([6000, 10000])
    page.rigid.setChecked(True)
    page.reference.setCurrentIndex(page.reference.findData("static"))
    page.add_pass(5, [6050, 9900])
    page.add_pass(5, [6200, 10300])
    assert page.evaluate()
    judged = {(i.pass_no, i.item): (i.deviation_g, i.limit_g, i.passed) for i in page.items}
    # Class 5 initial: 2.5 % of 16000 kg = 400 kg; class D, 2-axle rigid, initial: 1 %.
    assert judged == {
        (1, "gross"): (-50000, 400000, True),
        (1, "axle 1"): (50000, 60000, True),
        (1, "axle 2"): (-100000, 100000, True),
        (2, "gross"): (500000, 400000, False),
        (2, "axle 1"): (200000, 60000, False),
        (2, "axle 2"): (300000, 100000, False),
    }
    assert wizard.next_button.isEnabled()
    assert "3 of 6 items fail" in page.verdict.text()
    # The next vehicle the axle scale reports becomes a pass.
    page.read_button.click()
    qtbot.wait(100)
    feed.truck("豫A00001", *LEGAL_2_AXLE)
    qtbot.waitUntil(lambda: page.passes.rowCount() == 3, timeout=10000)
    assert [page.passes.item(2, c).text() for c in range(3)] == ["5", "5000", "9000"]
    wizard.reject()


def test_corrected_mean_of_the_passes() -> None:
    """R 134: each axle against its mean × static gross / mean gross (here 16000/16160)."""
    vehicle = ReferenceVehicle((6000, 10000), 16000, (), two_axle_rigid=True)
    items = evaluate_dynamic(
        vehicle, [(5, [6060, 10100]), (10, [6060, 10100])], vehicle_class="1", axle_class="D",
        d_kg=10, in_service=False, reference=CORRECTED_MEAN,
    )  # fmt: skip
    axle1 = [i for i in items if i.item == "axle 1"]
    assert [(i.reference_g, i.deviation_g, i.limit_g, i.passed) for i in axle1] == [
        (6000000, 60000, 60000, True)
    ] * 2
    gross = [i for i in items if i.item == "gross"]
    assert [(i.deviation_g, i.limit_g, i.passed) for i in gross] == [(160000, 80000, False)] * 2


def test_the_scale_state_is_read_on_a_worker(qtbot, desk, monkeypatch) -> None:
    """The first page reads the scale through Tasks; the GUI thread never opens the DB."""
    gui = threading.get_ident()
    seen: list[int] = []
    original = calibration.seal_is_open

    def spy(source, scale_id):
        seen.append(threading.get_ident())
        return original(source, scale_id)

    monkeypatch.setattr(calibration, "seal_is_open", spy)
    open_wizard(qtbot, desk, None)
    assert seen and gui not in seen
