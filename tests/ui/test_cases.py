"""The open cases view on a real SQLite station: deadlines, refresh, closing by hand, roles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6 import QtCore
from sqlalchemy import select, update

from station.domain.records import CaseResult
from station.security import Role
from station.storage.accounts import SignedIn
from station.storage.models import EnforcementCase
from station.timeutil import beijing_now, format_time
from tests.ui.test_records import OVER_2, OVER_PLATE, Station, build_station, close_station
from ui.cases import OVERDUE_TEXT, CasesView, CloseCaseDialog, Column
from ui.record_detail import RecordDetailDialog

OK = "Ok"


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    made = build_station(tmp_path)
    yield made
    close_station(made)


def open_view(qtbot, station: Station) -> CasesView:
    view = CasesView(station.ctx)
    qtbot.addWidget(view)
    view.resize(1200, 400)
    view.show()
    qtbot.waitUntil(lambda: view.status.text().endswith("overdue"), timeout=2000)
    return view


def refresh(qtbot, view: CasesView) -> None:
    with qtbot.waitSignal(view.refreshed, timeout=2000):
        view.refresh()


def column(view: CasesView, col: Column, role=QtCore.Qt.ItemDataRole.DisplayRole) -> list:
    proxy = view.proxy
    return [proxy.data(proxy.index(row, col), role) for row in range(proxy.rowCount())]


def case_row(station: Station, case_id: int) -> EnforcementCase:
    with station.ctx.database.read() as session:
        return session.scalars(select(EnforcementCase).where(EnforcementCase.id == case_id)).one()


def test_open_cases_show_notice_deadline_and_time_left(qtbot, station):
    view = open_view(qtbot, station)
    done = station.done[OVER_PLATE]
    assert column(view, Column.NOTICE) == [done.notice_no]
    assert column(view, Column.PLATE) == [OVER_PLATE]
    [case] = view.model.cases
    assert case.deadline == case.opened_at + timedelta(hours=24)
    assert column(view, Column.DEADLINE) == [format_time(case.deadline)]
    assert column(view, Column.LEFT)[0].startswith(("23 h", "24 h"))
    assert column(view, Column.LEFT, QtCore.Qt.ItemDataRole.ForegroundRole) == [None]
    assert column(view, Column.FIRST_GROSS) == ["22000"]
    assert column(view, Column.UNLOAD) == ["4000"]
    assert view.status.text() == "1 open cases, 0 overdue"


def test_an_overdue_case_is_red(qtbot, station):
    case_id = station.done[OVER_PLATE].case_id
    with station.ctx.database.transaction() as session:
        session.execute(
            update(EnforcementCase)
            .where(EnforcementCase.id == case_id)
            .values(opened_at=beijing_now() - timedelta(hours=30))
        )
    view = open_view(qtbot, station)
    assert column(view, Column.LEFT)[0].startswith("overdue by 6 h")
    assert column(view, Column.DEADLINE, QtCore.Qt.ItemDataRole.ForegroundRole) == [OVERDUE_TEXT]
    assert view.status.text() == "1 open cases, 1 overdue"


def test_refresh_shows_a_case_opened_since(qtbot, station):
    view = open_view(qtbot, station)
    station.weigh("豫C55555", OVER_2)
    refresh(qtbot, view)
    assert sorted(column(view, Column.PLATE)) == sorted([OVER_PLATE, "豫C55555"])


def test_closing_a_case_as_permit_through_the_dialog(qtbot, station):
    view = open_view(qtbot, station)
    case_id = station.done[OVER_PLATE].case_id
    assert not view.close_button.isEnabled()  # nothing selected yet
    view.table.selectRow(0)
    assert view.close_button.isEnabled()
    view.close_button.click()
    [dialog] = view.findChildren(CloseCaseDialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled() and dialog.hint.text() == "A reason is required."
    dialog.result_box.setCurrentIndex(dialog.result_box.findData(CaseResult.PERMIT))
    dialog.reason.setPlainText("持大件运输许可")
    assert not ok.isEnabled() and dialog.permit_no.isEnabled()
    dialog.permit_no.setText("豫许2026-0042")
    assert ok.isEnabled()
    with qtbot.waitSignal(view.case_closed, timeout=2000) as closed:
        ok.click()
    assert closed.args == [case_id]
    row = case_row(station, case_id)
    assert (row.status, row.result) == ("CLOSED", "PERMIT")
    qtbot.waitUntil(lambda: column(view, Column.PLATE) == [], timeout=2000)
    view.show_closed.setChecked(True)
    qtbot.waitUntil(lambda: column(view, Column.PLATE) == [OVER_PLATE], timeout=2000)
    assert column(view, Column.STATUS) == ["Closed: oversize permit"]
    view.table.selectRow(0)
    assert not view.close_button.isEnabled()  # a closed case cannot be closed again


def test_a_failed_close_is_reported_in_a_message_box(qtbot, station):
    view = open_view(qtbot, station)
    case_id = station.done[OVER_PLATE].case_id
    view.table.selectRow(0)
    dialog = view.close_selected()
    # Someone at another workstation closes it meanwhile.
    station.ctx.runtime.close_case(case_id, CaseResult.POLICE, "移交交警", actor="op2")
    dialog.reason.setPlainText("逃逸")
    dialog.result_box.setCurrentIndex(dialog.result_box.findData(CaseResult.ABSCONDED))
    dialog.accept()
    qtbot.waitUntil(lambda: view.error_box is not None and view.error_box.isVisible(), timeout=2000)
    assert "could not be closed" in view.error_box.text()
    assert case_row(station, case_id).result == "POLICE"


def test_a_technician_may_not_close_cases(qtbot, tmp_path: Path):
    station = build_station(tmp_path, role=Role.TECHNICIAN)
    try:
        view = open_view(qtbot, station)
        view.table.selectRow(0)
        assert view.selected_case() is not None
        assert not view.close_button.isEnabled()
        assert view.close_selected() is None
        station.ctx.session.sign_in(SignedIn("op1", "值班员", Role.OPERATOR, False))
        assert view.close_button.isEnabled()
        station.ctx.session.set_locked(True)
        assert not view.close_button.isEnabled()
    finally:
        close_station(station)


def test_double_click_opens_the_first_weighing(qtbot, station):
    view = open_view(qtbot, station)
    rect = view.table.visualRect(view.proxy.index(0, Column.PLATE))
    viewport, left = view.table.viewport(), QtCore.Qt.MouseButton.LeftButton
    qtbot.mouseClick(viewport, left, pos=rect.center())
    qtbot.mouseDClick(viewport, left, pos=rect.center())
    [dialog] = view.findChildren(RecordDetailDialog)
    assert dialog.check_no == station.done[OVER_PLATE].check_no
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=2000)


def test_the_list_refreshes_itself_every_30_seconds(qtbot, station):
    view = open_view(qtbot, station)
    assert view.timer.isActive() and view.timer.interval() == 30_000
    station.weigh("豫C55555", OVER_2)
    with qtbot.waitSignal(view.refreshed, timeout=2000):
        view.timer.timeout.emit()
    assert len(column(view, Column.PLATE)) == 2
