"""The records list and the record detail on a real SQLite station (pytest-qt, offscreen)."""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6 import QtCore

from station.config import parse_config
from station.domain.readings import PlateColour, PlatePicture, PlateRead
from station.lanes.notices import WeighingCompleted
from station.lanes.runtime import StationRuntime
from station.readmodel import SearchQuery
from station.security import Role
from station.simulation import placeholder_photo
from station.storage import views
from station.storage.accounts import SignedIn
from station.tables import default_limit_book
from tests.lanes.conftest import CONFIG, Rig, make_rig
from ui import record_detail, trace_plot
from ui.context import AppContext, Session
from ui.record_detail import RecordDetailDialog, Thumbnail
from ui.records import FUZZY_BACKGROUND, OVER_BACKGROUND, Column, RecordsView
from ui.tasks import Tasks

LEGAL_2 = ([5000, 9000], [4200])  # 14 t on a 2-axle truck, limit 18 t
OVER_2 = ([7000, 15000], [4200])  # 22 t: 4 t over
OVER_PLATE = "豫A22222"


@dataclass
class Station:
    """A station database with weighings, and the desktop's context on it."""

    ctx: AppContext
    rig: Rig
    done: dict[str, WeighingCompleted] = field(default_factory=dict)

    def weigh(self, plate: str, axles=LEGAL_2, picture: bytes | None = None) -> WeighingCompleted:
        rig = self.rig
        rig.loop(1, True)
        data = picture or placeholder_photo(random.Random(plate))
        rig.t += 0.1
        read = PlateRead(
            "cam1",
            plate,
            PlateColour.YELLOW,
            95,
            rig.t,
            pictures=(PlatePicture("plate", "image/png", data),),
        )
        got = rig.feed(1, read) + rig.crossing(1, *axles)
        rig.loop(1, False)
        [completed] = [n for n in got if isinstance(n, WeighingCompleted)]
        self.done[plate] = completed
        return completed


def build_station(tmp_path: Path, role: Role | None = Role.OPERATOR) -> Station:
    """Three weighings on lane 1 (one over the limit, so one open case with a notice)."""
    rig = make_rig(tmp_path)
    storage = f'[storage]\ndata_dir = "{tmp_path.as_posix()}"\n'
    config = parse_config(CONFIG.format(workflow="", storage=storage), tmp_path / "station.toml")
    runtime = StationRuntime(
        config,
        database=rig.database,
        limits=default_limit_book(),
        open_devices=None,
        clock=time.monotonic,
    )
    session = Session()
    if role is not None:
        session.sign_in(SignedIn("op1", "值班员", role, False))
    ctx = AppContext(
        config, rig.database, runtime, Tasks(), session, documents_dir=tmp_path / "documents"
    )
    station = Station(ctx, rig)
    station.weigh("豫A12345")
    station.weigh(OVER_PLATE, OVER_2)
    station.weigh("豫B67890")
    return station


def close_station(station: Station) -> None:
    station.ctx.tasks.wait()
    station.ctx.database.dispose()


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    made = build_station(tmp_path)
    yield made
    close_station(made)


def open_view(qtbot, ctx: AppContext) -> RecordsView:
    view = RecordsView(ctx)
    qtbot.addWidget(view)
    view.resize(1200, 500)
    view.show()
    # The first search starts by itself; wait until its answer is on screen.
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=2000)
    return view


def search(qtbot, view: RecordsView, plate: str) -> None:
    view.plate.setText(plate)
    with qtbot.waitSignal(view.searched, timeout=2000):
        qtbot.keyClick(view.plate, QtCore.Qt.Key.Key_Return)


def column(view: RecordsView, col: Column, role=QtCore.Qt.ItemDataRole.DisplayRole) -> list:
    proxy = view.proxy
    return [proxy.data(proxy.index(row, col), role) for row in range(proxy.rowCount())]


def open_detail(qtbot, view: RecordsView, plate: str) -> RecordDetailDialog:
    """Double-click the row of `plate` and wait for the dialog to fill itself."""
    row = column(view, Column.PLATE).index(plate)
    rect = view.table.visualRect(view.proxy.index(row, Column.PLATE))
    viewport, left = view.table.viewport(), QtCore.Qt.MouseButton.LeftButton
    # An item view acts on a double-click only on the item the press went to.
    qtbot.mouseClick(viewport, left, pos=rect.center())
    qtbot.mouseDClick(viewport, left, pos=rect.center())
    check_no = column(view, Column.TICKET)[row]
    # A dialog closed before is deleted later; only the one just opened is visible.
    [dialog] = [d for d in view.findChildren(RecordDetailDialog) if d.isVisible()]
    assert dialog.check_no == check_no
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=2000)
    return dialog


# ---- the list ------------------------------------------------------------------------------


def test_search_finds_a_plate_typed_with_a_space_and_a_misread_character(qtbot, station):
    view = open_view(qtbot, station.ctx)
    assert len(column(view, Column.PLATE)) == 3
    assert view.status.text() == "3 records, 1 over the limit"
    search(qtbot, view, "豫a 12346")  # lower case, a space, and 5 misread as 6
    assert column(view, Column.PLATE) == ["豫A12345 ≈"]
    assert column(view, Column.PLATE, QtCore.Qt.ItemDataRole.BackgroundRole) == [FUZZY_BACKGROUND]
    assert column(view, Column.TICKET) == [station.done["豫A12345"].check_no]
    view.fuzzy.setChecked(False)
    search(qtbot, view, "豫A12346")
    assert column(view, Column.PLATE) == []
    assert view.status.text() == "0 records, 0 over the limit"


def test_over_only_shows_the_overloaded_weighing_highlighted(qtbot, station):
    view = open_view(qtbot, station.ctx)
    view.over_only.setChecked(True)
    with qtbot.waitSignal(view.searched, timeout=2000):
        view.search_button.click()
    assert column(view, Column.PLATE) == [OVER_PLATE]
    assert column(view, Column.OVER) == ["4000"]
    assert column(view, Column.CASE) == ["Open"]
    assert column(view, Column.GROSS, QtCore.Qt.ItemDataRole.BackgroundRole) == [OVER_BACKGROUND]
    view.open_only.setChecked(True)
    with qtbot.waitSignal(view.searched, timeout=2000):
        view.search_button.click()
    assert column(view, Column.PLATE) == [OVER_PLATE]


def test_the_date_range_is_whole_days_and_defaults_to_the_last_week(qtbot, station):
    view = open_view(qtbot, station.ctx)
    query = view.query()
    assert query.fuzzy and not query.over_only
    assert (query.until - query.since).days == 7
    assert query.since.time() == query.until.time() == QtCore.QTime(0, 0).toPython()
    view.date_to.setDate(view.date_from.date().addDays(-2))
    with qtbot.waitSignal(view.searched, timeout=2000):
        view.search_button.click()
    assert column(view, Column.PLATE) == []


def test_a_voided_weighing_is_struck_out_and_grey(qtbot, station):
    check_no = station.done["豫B67890"].check_no
    station.ctx.runtime.void(check_no, "测试作废", approver="sup")
    view = open_view(qtbot, station.ctx)
    row = column(view, Column.TICKET).index(check_no)
    font = view.proxy.data(view.proxy.index(row, Column.PLATE), QtCore.Qt.ItemDataRole.FontRole)
    assert font.strikeOut()
    assert column(view, Column.VOIDED)[row] == "voided"


def test_a_newer_search_supersedes_an_older_one_that_answers_late(qtbot, station, monkeypatch):
    real = views.search_weighings

    def slow_for_a(database, query: SearchQuery, **kw):
        if query.plate.startswith("豫A"):
            time.sleep(0.5)
        return real(database, query, **kw)

    view = open_view(qtbot, station.ctx)
    monkeypatch.setattr(views, "search_weighings", slow_for_a)
    view.plate.setText("豫A12345")
    view.search()
    search(qtbot, view, "豫B67890")
    assert column(view, Column.PLATE) == ["豫B67890"]
    station.ctx.tasks.wait()
    qtbot.wait(20)  # let the late answer arrive on the GUI thread: it must be dropped
    assert column(view, Column.PLATE) == ["豫B67890"]


def test_the_gui_never_stalls_while_the_database_is_slow(qtbot, station, monkeypatch):
    view = open_view(qtbot, station.ctx)
    real = views.search_weighings
    release = threading.Event()

    def slow(database, query, **kw):
        release.wait(2)
        return real(database, query, **kw)

    monkeypatch.setattr(views, "search_weighings", slow)
    beats: list[float] = []
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: beats.append(time.monotonic()))
    timer.start(10)
    view.plate.setText("豫A12345")
    view.search()
    qtbot.wait(400)
    release.set()
    qtbot.waitUntil(lambda: column(view, Column.PLATE) == ["豫A12345"], timeout=2000)
    timer.stop()
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    assert len(beats) > 20 and max(gaps) < 0.1


def test_enter_on_the_table_opens_the_detail(qtbot, station):
    view = open_view(qtbot, station.ctx)
    view.table.setFocus()
    view.table.selectRow(0)
    view.table.setCurrentIndex(view.proxy.index(0, 0))
    with qtbot.waitSignal(view.record_opened, timeout=1000) as opened:
        qtbot.keyClick(view.table, QtCore.Qt.Key.Key_Return)
    assert opened.args == [column(view, Column.TICKET)[0]]


# ---- the detail ----------------------------------------------------------------------------


def test_detail_shows_weights_axles_verdict_case_and_intact_chain(qtbot, station):
    view = open_view(qtbot, station.ctx)
    dialog = open_detail(qtbot, view, OVER_PLATE)
    done = station.done[OVER_PLATE]
    fields = dialog.fields
    assert fields["check_no"].text() == done.check_no
    assert (fields["gross"].text(), fields["limit"].text()) == ("22000 kg", "18000 kg")
    assert (fields["over"].text(), fields["over_rate"].text()) == ("4000 kg", "22.22 %")
    assert "OVER THE LIMIT by 4000 kg" in dialog.banner.text()
    table = dialog.axle_table
    assert [table.item(r, 1).text() for r in range(table.rowCount())] == ["7000", "15000"]
    assert fields["chain"].text().startswith("✓")
    assert fields["notice_no"].text() == done.notice_no
    assert fields["case_status"].text() == "Open"
    assert "h" in fields["deadline"].text() and "left" in fields["deadline"].text()
    assert dialog.print_unload.isEnabled() and dialog.print_ticket.isEnabled()
    assert dialog.prints_label.text().splitlines() == [
        "Ticket not printed yet",
        "Unload notice not printed yet",
    ]
    assert not dialog.void_banner.isVisible()


def test_the_trace_plot_holds_the_samples_and_replays_them(qtbot, station, monkeypatch):
    monkeypatch.setattr(trace_plot, "MAX_REPLAY_S", 0.4)
    view = open_view(qtbot, station.ctx)
    dialog = open_detail(qtbot, view, OVER_PLATE)
    trace = dialog.trace
    xs, ys = trace.curve.getData()
    assert trace.sample_count == len(dialog.detail.trace) == len(ys) == 100
    assert list(ys) == list(dialog.detail.trace) and ys.max() == 5000
    assert xs[1] == pytest.approx(1 / 25)  # seconds, from the stored 25 Hz
    trace.replay_button.click()
    assert trace.replaying
    qtbot.waitUntil(lambda: 1 < len(trace.curve.getData()[1]) < 100, timeout=1000)
    assert trace.cursor.isVisible() and trace.readout.text().startswith("t = ")
    with qtbot.waitSignal(trace.replay_finished, timeout=2000):
        pass
    assert len(trace.curve.getData()[1]) == 100 and not trace.cursor.isVisible()


def test_pictures_are_thumbnails_and_a_lost_file_says_missing(qtbot, station):
    ctx = station.ctx
    lost = views.weighing_detail(
        ctx.database,
        station.done["豫A12345"].check_no,
        ctx.pictures_root,
        site_name="",
        deadline_hours=24,
    )
    lost.pictures[0].path.unlink()
    view = open_view(qtbot, ctx)
    dialog = open_detail(qtbot, view, OVER_PLATE)
    qtbot.waitUntil(lambda: bool(dialog.findChildren(Thumbnail)), timeout=2000)
    [thumb] = dialog.findChildren(Thumbnail)
    assert not thumb.missing and thumb.image.width() == 64
    dialog.close()
    other = open_detail(qtbot, view, "豫A12345")
    qtbot.waitUntil(lambda: bool(other.findChildren(Thumbnail)), timeout=2000)
    [thumb] = other.findChildren(Thumbnail)
    assert thumb.missing
    assert "missing" in [label.text() for label in thumb.findChildren(type(other.status))]


def test_print_buttons_call_print_document_and_count_copies(qtbot, station, monkeypatch):
    calls: list[tuple] = []

    def fake_print(ctx, parent, check_no, kind, done):
        calls.append((parent, check_no, kind))
        views.record_print(ctx.database, check_no, kind, actor=ctx.session.login)
        done(Path("printed.pdf"))

    monkeypatch.setattr(record_detail, "print_document", fake_print)
    check_no = station.done[OVER_PLATE].check_no
    views.record_print(station.ctx.database, check_no, "ticket", actor="op1")
    view = open_view(qtbot, station.ctx)
    dialog = open_detail(qtbot, view, OVER_PLATE)
    assert dialog.prints_label.text().splitlines()[0] == (
        "Ticket printed 1×; the next one is a copy"
    )
    dialog.print_unload.click()
    assert calls == [(dialog, check_no, "unload")]
    qtbot.waitUntil(
        lambda: "Unload notice printed 1×; the next one is a copy" in dialog.prints_label.text(),
        timeout=2000,
    )


def test_the_unload_notice_needs_a_case_and_the_enforcement_permission(qtbot, station):
    view = open_view(qtbot, station.ctx)
    legal = open_detail(qtbot, view, "豫A12345")
    assert legal.detail.case is None or legal.detail.case.notice_no is None
    assert not legal.print_unload.isEnabled() and legal.print_ticket.isEnabled()
    legal.close()
    over = open_detail(qtbot, view, OVER_PLATE)
    assert over.print_unload.isEnabled()
    station.ctx.session.sign_in(SignedIn("tech", "技术员", Role.TECHNICIAN, False))
    assert not over.print_unload.isEnabled()
    station.ctx.session.sign_out()
    assert not over.print_ticket.isEnabled()


def test_a_voided_weighing_says_so_in_the_detail(qtbot, station):
    check_no = station.done[OVER_PLATE].check_no
    station.ctx.runtime.void(check_no, "称重有误", approver="sup")
    view = open_view(qtbot, station.ctx)
    dialog = open_detail(qtbot, view, OVER_PLATE)
    assert dialog.void_banner.isVisible()
    assert dialog.void_banner.text() == "VOIDED: 称重有误"
    assert not dialog.print_unload.isEnabled()


def test_a_supervisor_voids_a_weighing_from_its_detail(qtbot, station):
    view = open_view(qtbot, station.ctx)
    dialog = open_detail(qtbot, view, OVER_PLATE)
    assert not dialog.void_button.isEnabled(), "an operator may not void"
    station.ctx.session.sign_in(SignedIn("sup1", "站长", Role.SUPERVISOR, False))
    dialog._update_buttons()
    assert dialog.void_button.isEnabled()
    dialog.void("   ")
    assert "reason" in dialog.void_error
    with qtbot.waitSignal(dialog.loaded, timeout=5000):
        dialog.void("plate belongs to another truck")
    assert dialog.void_banner.isVisible() and not dialog.void_button.isEnabled()
    with station.ctx.database.read() as session:
        from station.storage.models import AuditEvent

        voids = [e for e in session.query(AuditEvent) if e.action == "RECORD_VOIDED"]
    assert voids and all(e.actor == "sup1" for e in voids)
