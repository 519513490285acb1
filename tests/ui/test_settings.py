"""The settings dialog: validation with line and key, safe saving, summary and roles."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6 import QtGui

from station.config import parse_config
from station.lanes.runtime import StationRuntime
from station.security import Role
from station.storage.accounts import SignedIn
from station.storage.database import open_database
from station.tables import default_limit_book
from ui.context import AppContext, Session
from ui.settings_dialog import SettingsDialog, allowed_for, backup_path, masked_url
from ui.tasks import Tasks

CONFIG = """\
# The test station
[station]
site_code = "410102210001"
name = "测试站"

[workflow]
stable_ms = 1500

[[lanes]]
number = 1
mode = "AXLE"

[[lanes.devices]]
id = "axle"
kind = "axle_scale"
driver = "yaohua-tf0"
simulate = true
"""
STABLE_LINE = 7  # the line of `stable_ms` in CONFIG


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


class Answers:
    """What the 'discard changes?' question answers (True when none is queued)."""

    def __init__(self) -> None:
        self.queued: list[bool] = []
        self.asked: list[bool] = []

    def __call__(self) -> bool:
        answer = self.queued.pop(0) if self.queued else True
        self.asked.append(answer)
        return answer


@pytest.fixture
def discard_answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    """Never a real modal box in a test: the question is answered from a queue."""
    answers = Answers()
    monkeypatch.setattr(SettingsDialog, "confirm_discard", staticmethod(answers))
    return answers


@pytest.fixture
def make_ctx(qtbot, tmp_path: Path, config_file: Path) -> Iterator:
    made: list[AppContext] = []

    def make(role: Role | None = Role.ADMIN) -> AppContext:
        config = parse_config(CONFIG, config_file)
        database, _ = open_database(f"sqlite:///{tmp_path / 'station.sqlite3'}")
        runtime = StationRuntime(
            config,
            database=database,
            limits=default_limit_book(),
            open_devices=None,
            clock=time.monotonic,
        )
        session = Session()
        if role is not None:
            session.sign_in(SignedIn("admin", "管理员", role, False))
        ctx = AppContext(config, database, runtime, Tasks(), session)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.tasks.wait()
        ctx.database.dispose()


def open_dialog(qtbot, ctx: AppContext, path: Path) -> SettingsDialog:
    dialog = SettingsDialog(ctx, path)
    qtbot.addWidget(dialog)
    dialog.show()
    if dialog.allowed:
        qtbot.waitUntil(dialog.save_button.isEnabled, timeout=2000)
    return dialog


def type_text(dialog: SettingsDialog, text: str) -> None:
    """Replace the text as typing does (setPlainText would count as unmodified)."""
    cursor = dialog.editor.textCursor()
    cursor.select(QtGui.QTextCursor.SelectionType.Document)
    cursor.insertText(text)


def test_a_bad_value_names_key_and_line_and_is_not_saved(
    qtbot, make_ctx, config_file: Path, discard_answers
) -> None:
    dialog = open_dialog(qtbot, make_ctx(), config_file)
    assert dialog.editor.toPlainText() == CONFIG
    type_text(dialog, CONFIG.replace("stable_ms = 1500", "stable_ms = -5"))
    dialog.validate_button.click()
    qtbot.waitUntil(lambda: "workflow.stable_ms" in dialog.status.text(), timeout=2000)
    status = dialog.status.text()
    assert f"Line {STABLE_LINE}: workflow.stable_ms: must be an integer >= 0; got -5" in status
    assert "Allowed: an integer >= 0 (milliseconds)" in status
    assert dialog.editor.textCursor().blockNumber() == STABLE_LINE - 1
    assert len(dialog.editor.extraSelections()) == 1  # the error line is marked

    dialog.save_button.click()
    qtbot.waitUntil(lambda: "Not saved" in dialog.status.text(), timeout=2000)
    assert config_file.read_text(encoding="utf-8") == CONFIG
    assert not backup_path(config_file).exists()
    assert dialog.modified


def test_a_good_edit_is_saved_with_a_backup_and_asks_for_a_restart(
    qtbot, make_ctx, config_file: Path, discard_answers
) -> None:
    dialog = open_dialog(qtbot, make_ctx(), config_file)
    edited = CONFIG.replace("stable_ms = 1500", "stable_ms = 2000").replace(
        'mode = "AXLE"', 'mode = "WIM"'
    )
    type_text(dialog, edited)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "Saved" in dialog.status.text(), timeout=2000)
    assert config_file.read_text(encoding="utf-8") == edited
    assert backup_path(config_file).read_text(encoding="utf-8") == CONFIG
    assert "restart the station" in dialog.status.text()
    assert "Lanes or devices changed" in dialog.status.text()
    assert not dialog.modified
    assert not list(config_file.parent.glob(".station.toml.*.tmp"))

    dialog.save_button.click()  # the same text again keeps the real previous version
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=2000)
    assert backup_path(config_file).read_text(encoding="utf-8") == CONFIG
    dialog.cancel_button.click()
    assert discard_answers.asked == []
    assert not dialog.isVisible()


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.TECHNICIAN, Role.SUPERVISOR, None])
def test_only_an_administrator_may_open_the_settings(
    qtbot, make_ctx, config_file: Path, role
) -> None:
    dialog = open_dialog(qtbot, make_ctx(role), config_file)
    assert not dialog.allowed
    assert "administrator" in dialog.status.text()
    assert not hasattr(dialog, "editor")  # the file (maybe with passwords) is not even read


def test_cancel_with_unsaved_changes_asks_first(
    qtbot, make_ctx, config_file: Path, discard_answers
) -> None:
    dialog = open_dialog(qtbot, make_ctx(), config_file)
    dialog.editor.appendPlainText("# a note")
    discard_answers.queued += [False, True]
    dialog.cancel_button.click()
    assert dialog.isVisible()  # "keep editing"
    dialog.cancel_button.click()
    assert not dialog.isVisible()
    assert discard_answers.asked == [False, True]
    assert config_file.read_text(encoding="utf-8") == CONFIG


def test_summary_shows_station_lanes_and_devices(qtbot, make_ctx, config_file: Path) -> None:
    dialog = open_dialog(qtbot, make_ctx(), config_file)
    qtbot.waitUntil(lambda: dialog.summary_fields["site_code"].text() != "", timeout=2000)
    assert dialog.summary_fields["site_code"].text() == "410102210001"
    assert dialog.summary_fields["name"].text() == "测试站"
    assert dialog.summary_fields["province"].text() == "not configured"
    lane = dialog.lanes_tree.topLevelItem(0)
    assert (lane.text(0), lane.text(1)) == ("Lane 1: 1号车道", "AXLE")
    device = lane.child(0)
    assert [device.text(c) for c in range(5)] == ["axle", "axle_scale", "yaohua-tf0", "", "yes"]


def test_a_missing_file_starts_from_the_demo_and_saving_creates_it(
    qtbot, make_ctx, tmp_path: Path, discard_answers
) -> None:
    path = tmp_path / "new" / "station.toml"
    dialog = open_dialog(qtbot, make_ctx(), path)
    assert "does not exist yet" in dialog.status.text()
    assert dialog.modified
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "Saved" in dialog.status.text(), timeout=2000)
    assert parse_config(path.read_text(encoding="utf-8"), path).lanes
    assert not backup_path(path).exists()


def test_allowed_text_and_masked_password() -> None:
    assert allowed_for("lanes[1].mode") == "STATIC, AXLE, WIM"
    assert allowed_for("lanes[0].devices[2].kind").startswith("scale, axle_scale")
    assert allowed_for("nothing.here") == ""
    assert (
        masked_url("postgresql+psycopg://station:s3cret@db/station")
        == "postgresql+psycopg://station:***@db/station"
    )
