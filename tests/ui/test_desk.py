"""The operator's desk: a vehicle appears with its verdict, documents, plate correction, roles."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess

import pytest
from PySide6 import QtWidgets

from station.domain.readings import DeviceState
from station.security import Permission
from station.storage import verify
from tests.ui.conftest import LEGAL_2_AXLE, OVERLOADED_6_AXLE, PASSWORDS, signed_in, wait_completed
from ui.login import ApprovalDialog
from ui.plate_dialog import PlateCorrectionDialog


def audit_actions(desk, action: str) -> list[dict]:
    path = desk.ctx.database.sqlite_path
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT actor, body FROM audit_event WHERE action = ? ORDER BY seq", (action,)
        ).fetchall()
    return [{"actor": actor, **json.loads(body)} for actor, body in rows]


def audit_actions_all(desk) -> list[dict]:
    with sqlite3.connect(desk.ctx.database.sqlite_path) as connection:
        rows = connection.execute("SELECT body FROM audit_event ORDER BY seq").fetchall()
    return [json.loads(body) for (body,) in rows]


def check_records(desk) -> list[dict]:
    with sqlite3.connect(desk.ctx.database.sqlite_path) as connection:
        rows = connection.execute(
            "SELECT body FROM record WHERE record_type = 'CHECK' ORDER BY seq"
        ).fetchall()
    return [json.loads(body) for (body,) in rows]


def test_an_overloaded_vehicle_appears_with_its_verdict(qtbot, desk, feed) -> None:
    feed.truck("豫A12345", *OVERLOADED_6_AXLE)
    notice = wait_completed(qtbot, desk)
    panel = desk.window.panels[1]
    record = check_records(desk)[-1]
    assert notice.plate == record["plateNum"] == "豫A12345"
    assert record["isOver"] == 1 and notice.is_over
    over = f"{record['overWeight']:,}"
    assert "OVERLOADED" in " ".join(panel.verdict_lines) and over in " ".join(panel.verdict_lines)
    assert f"{record['sumWeight']:,}" in " ".join(panel.verdict_lines)
    assert f"({record['overRate']}%)" in panel.verdict_lines[0]
    assert panel.plate_edit.text() == "豫A12345"
    # The recorded axles come back from the database: bars and the pictogram.
    qtbot.waitUntil(lambda: panel.detail is not None, timeout=5000)
    heights = list(panel.bars.bars.opts["height"])
    assert heights == [axle["weight"] for axle in record["axles"]]
    assert panel.pictogram.shape is not None and panel.pictogram.shape.is_over
    assert panel.pictogram.over_groups(), "the overloaded tridem is drawn red"


def test_a_legal_vehicle_shows_within_limit(qtbot, desk, feed) -> None:
    feed.truck("豫B54321", *LEGAL_2_AXLE)
    wait_completed(qtbot, desk)
    panel = desk.window.panels[1]
    assert " ".join(panel.verdict_lines).startswith("WITHIN LIMIT")
    assert "14,000" in " ".join(panel.verdict_lines)


def test_device_status_lights_follow_the_drivers(qtbot, desk, feed) -> None:
    panel = desk.window.panels[1]
    feed.status(1, "cam1", DeviceState.OFFLINE)
    qtbot.waitUntil(lambda: panel.lights["camera"].level == "fault", timeout=3000)
    feed.status(1, "axle", DeviceState.STALE)
    qtbot.waitUntil(lambda: panel.lights["scale"].level == "stale", timeout=3000)
    feed.status(1, "axle", DeviceState.OK)
    qtbot.waitUntil(lambda: panel.lights["scale"].level == "ok", timeout=3000)


def test_the_unload_notice_action_produces_a_document_and_a_reprint_is_a_copy(
    qtbot, desk, feed
) -> None:
    feed.truck("豫A12345", *OVERLOADED_6_AXLE)
    notice = wait_completed(qtbot, desk)
    assert notice.notice_no, "an overloaded first weighing opens a case with a notice"
    window = desk.window
    window.actions["print_unload"].trigger()
    qtbot.waitUntil(lambda: getattr(window, "last_document", None) is not None, timeout=15000)
    first = window.last_document
    assert first.read_bytes().startswith(b"%PDF")
    window.last_document = None
    window.actions["print_unload"].trigger()
    qtbot.waitUntil(lambda: window.last_document is not None, timeout=15000)
    second = window.last_document
    assert second != first and second.exists()
    prints = audit_actions(desk, "DOCUMENT_PRINTED")
    details = [p["detail"] for p in prints]
    assert [d["kind"] for d in details] == ["unload", "unload"]
    assert [d["copy"] for d in details] == [False, True]
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(first), "-"], capture_output=True, text=True, check=True
        )
        assert notice.notice_no in text.stdout and "副本" not in text.stdout
        copy = subprocess.run(
            ["pdftotext", str(second), "-"], capture_output=True, text=True, check=True
        )
        assert "副本" in copy.stdout


def test_a_plate_correction_is_a_new_record_and_is_audited(qtbot, desk, feed) -> None:
    feed.truck("豫A1234S", *LEGAL_2_AXLE)
    notice = wait_completed(qtbot, desk)
    dialog = PlateCorrectionDialog(desk.ctx, notice.check_no, notice.plate, desk.window)
    qtbot.addWidget(dialog)
    dialog.plate_edit.setText("豫A12345")
    dialog.reason_edit.setText("camera read S for 5")
    with qtbot.waitSignal(dialog.corrected, timeout=10000) as signal:
        dialog.submit()
    new_check_no = signal.args[0]
    corrected = audit_actions(desk, "PLATE_CORRECTED")
    assert len(corrected) == 1
    detail = corrected[0]["detail"]
    assert (detail["old"], detail["new"]) == ("豫A1234S", "豫A12345")
    assert corrected[0]["actor"] == "sup"
    records = {r["checkNo"]: r for r in check_records(desk)}
    assert records[new_check_no]["plateNum"] == "豫A12345"
    assert records[new_check_no]["plateSource"] == "OPERATOR"
    report = verify.verify_database(desk.ctx.database, desk.ctx.pictures_root)
    assert report.ok, report.problems + [str(f) for f in report.faults]


def test_the_correct_plate_action_opens_the_dialog_for_the_last_weighing(qtbot, desk, feed) -> None:
    feed.truck("豫A1234S", *LEGAL_2_AXLE)
    notice = wait_completed(qtbot, desk)
    desk.window.actions["correct_plate"].trigger()
    dialogs = [w for w in QtWidgets.QApplication.topLevelWidgets()
               if isinstance(w, PlateCorrectionDialog) and w.isVisible()]  # fmt: skip
    assert len(dialogs) == 1 and dialogs[0].check_no == notice.check_no
    dialogs[0].reject()


@pytest.mark.parametrize(
    ("login", "enabled", "disabled"),
    [
        ("op", {"confirm", "print_ticket", "print_unload", "close_case", "override"},
         {"zero", "settings"}),
        ("tech", {"zero"}, {"confirm", "print_unload", "close_case", "settings"}),
        ("sup", {"confirm", "print_unload", "close_case", "override"}, {"zero", "settings"}),
    ],
)  # fmt: skip
def test_menus_follow_the_role(desk, login, enabled, disabled) -> None:
    desk.ctx.session.sign_in(signed_in(login))
    actions = desk.window.actions
    assert {key for key in enabled if actions[key].isEnabled()} == enabled
    assert {key for key in disabled if actions[key].isEnabled()} == set()
    tabs = desk.window.tabs
    devices_visible = tabs.isTabVisible(tabs.indexOf(desk.window.views["devices"]))
    assert devices_visible == desk.ctx.session.can(Permission.CALIBRATE)


def test_a_locked_screen_allows_nothing(qtbot, desk) -> None:
    desk.window.lock()
    assert desk.window.lock_screen.isVisible()
    assert not any(desk.window.actions[k].isEnabled() for k in ("confirm", "print_unload"))
    screen = desk.window.lock_screen
    screen.password_edit.setText("wrong password!")
    screen._try()
    qtbot.waitUntil(lambda: "Wrong" in screen.message.text(), timeout=5000)
    assert screen.isVisible()
    screen.password_edit.setText(PASSWORDS["sup"])
    with qtbot.waitSignal(screen.unlocked, timeout=5000):
        screen._try()
    assert desk.window.actions["confirm"].isEnabled()
    # The desk writes its audit events in the background.
    qtbot.waitUntil(lambda: len(audit_actions(desk, "SCREEN_UNLOCKED")) == 1, timeout=5000)
    assert [e["actor"] for e in audit_actions(desk, "SCREEN_LOCKED")] == ["sup"]
    # In the chain in the order they happened: locked, the failed try, unlocked.
    order = [e["action"] for e in audit_actions_all(desk)]
    assert order[-4:] == ["SCREEN_LOCKED", "LOGIN_FAILED", "LOGIN", "SCREEN_UNLOCKED"]


def test_an_override_needs_a_supervisor_password(qtbot, desk) -> None:
    ctx = desk.ctx
    from ui.main_window import _policy

    dialog = ApprovalDialog(ctx.database, ctx.tasks, _policy(ctx), Permission.OVERRIDE_RELEASE,
                            "release", parent=desk.window)  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.reason_edit.setText("ambulance escort")
    dialog.login_edit.setText("op")
    dialog.password_edit.setText(PASSWORDS["op"])
    dialog.check()
    qtbot.waitUntil(lambda: "may not approve" in dialog.message.text(), timeout=5000)
    assert dialog.signed_in is None
    dialog.login_edit.setText("sup")
    dialog.password_edit.setText(PASSWORDS["sup"])
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.check()
    assert dialog.signed_in.login == "sup" and dialog.reason == "ambulance escort"


def test_the_lock_screen_hides_the_lanes(qtbot, desk) -> None:
    window = desk.window
    window.lock()
    screen = window.lock_screen
    assert screen.geometry() == window.rect()
    image = window.grab().toImage()
    # The lane panels must not show through: the middle of the window is the lock colour.
    colour = image.pixelColor(window.width() // 4, window.height() // 2)
    assert (colour.red(), colour.green(), colour.blue()) == (0x26, 0x32, 0x38)


def test_a_hand_over_ends_one_shift_and_starts_the_next(qtbot, desk) -> None:
    window = desk.window
    qtbot.waitUntil(lambda: len(audit_actions(desk, "SHIFT_START")) == 1, timeout=5000)
    window.end_shift()
    assert desk.ctx.session.user is None and window.lock_screen.isVisible()
    screen = window.lock_screen
    screen.login_edit.setText("op")
    screen.password_edit.setText(PASSWORDS["op"])
    with qtbot.waitSignal(screen.unlocked, timeout=5000):
        screen._try()
    assert desk.ctx.session.login == "op"
    qtbot.waitUntil(lambda: len(audit_actions(desk, "SHIFT_START")) == 2, timeout=5000)
    ends = audit_actions(desk, "SHIFT_END")
    assert [e["actor"] for e in ends] == ["sup"]
    starts = [e["actor"] for e in audit_actions(desk, "SHIFT_START")]
    assert starts == ["sup", "op"]
