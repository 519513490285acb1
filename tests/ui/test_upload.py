"""The upload screen on a real SQLite station: outbox counts after committed weighings."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from station.config import parse_config
from station.lanes.notices import WeighingCompleted
from station.lanes.runtime import StationRuntime
from station.security import Role
from station.storage import outbox
from station.storage.accounts import SignedIn
from station.storage.models import Outbox, Record
from station.tables import default_limit_book
from station.timeutil import beijing_now, format_time
from tests.lanes.conftest import Rig, make_rig
from ui.context import AppContext, Session
from ui.tasks import Tasks
from ui.upload import UploadView

LEGAL_2 = ([5000, 9000], [4200])  # 14 t on a 2-axle truck, limit 18 t
OVER_2 = ([7000, 15000], [4200])  # 22 t: 4 t over, opens a case
CONFIG = """
[station]
site_code = "410102210001"
name = "测试站"
{province}
"""
PROVINCE = """
[province]
url = "https://zhichao.example.gov.cn/api"
upload_time = "03:30"
"""


def weigh(rig: Rig, plate: str, axles=LEGAL_2) -> None:
    got = rig.loop(1, True) + rig.plate(1, plate) + rig.crossing(1, *axles)
    assert any(isinstance(n, WeighingCompleted) for n in got), got


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    made = make_rig(tmp_path)
    weigh(made, "豫A12345")
    weigh(made, "豫B23456", OVER_2)
    weigh(made, "豫C34567")
    yield made
    made.database.dispose()


@pytest.fixture
def make_ctx(qtbot, rig: Rig, tmp_path: Path) -> Iterator:
    made: list[AppContext] = []

    def make(province: str = PROVINCE) -> AppContext:
        config = parse_config(CONFIG.format(province=province), tmp_path / "station.toml")
        runtime = StationRuntime(
            config,
            database=rig.database,
            limits=default_limit_book(),
            open_devices=None,
            clock=time.monotonic,
        )
        session = Session()
        session.sign_in(SignedIn("sup", "站长", Role.SUPERVISOR, False))
        ctx = AppContext(config, rig.database, runtime, Tasks(), session)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.tasks.wait()


def outbox_counts(rig: Rig) -> tuple[int, int, object]:
    with rig.database.read() as session:
        pending, oldest = session.execute(
            select(func.count(), func.min(Record.created_at))
            .select_from(Outbox)
            .join(Record, Record.seq == Outbox.seq)
            .where(Outbox.status == "PENDING")
        ).one()
        rejected = session.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.status == "REJECTED")
        )
    return pending, rejected, oldest


def open_view(qtbot, ctx: AppContext) -> UploadView:
    view = UploadView(ctx)
    qtbot.addWidget(view)
    view.show()  # showing refreshes at once
    qtbot.waitUntil(lambda: view.status is not None, timeout=2000)
    return view


def test_counts_match_the_outbox_of_committed_weighings(qtbot, rig: Rig, make_ctx) -> None:
    pending, rejected, oldest = outbox_counts(rig)
    assert pending >= 3 and rejected == 0  # one record per weighing at least, plus the case
    view = open_view(qtbot, make_ctx())
    assert view.values["pending"].text() == str(pending)
    assert view.values["rejected"].text() == "0"
    assert view.values["oldest"].text().startswith(format_time(oldest))
    assert "ago" in view.values["oldest"].text()
    assert view.values["last_pass"].text() == "never"
    assert view.values["configured"].text() == (
        "Configured: https://zhichao.example.gov.cn/api, daily at 03:30"
    )
    assert view.upload_button.isEnabled()  # configured, and a supervisor may upload
    assert view.passes.rowCount() == 0 and not view.rejected_box.isVisible()
    assert not view.skew_warning.isVisible() and not view.progress_bar.isVisible()


def test_rejected_records_are_counted_and_explained(qtbot, rig: Rig, make_ctx) -> None:
    with rig.database.transaction() as session:
        first = session.scalar(select(func.min(Outbox.seq)))
        session.execute(update(Outbox).where(Outbox.seq == first).values(status="REJECTED"))
    pending, rejected, _ = outbox_counts(rig)
    view = open_view(qtbot, make_ctx())
    assert (view.values["pending"].text(), view.values["rejected"].text()) == (
        str(pending),
        str(rejected),
    )
    assert rejected == 1
    assert "Rejected by the province: 1." in view.note.text()
    assert view.rejected.rowCount() == 1 and view.rejected_box.isVisible()
    assert view.rejected.data(view.rejected.index(0, 0)) == str(first)


def test_a_clock_off_by_a_minute_or_more_is_a_red_warning(qtbot, rig: Rig, make_ctx) -> None:
    outbox.put_state(rig.database, "clock_skew_s", "30", beijing_now())
    view = open_view(qtbot, make_ctx())
    assert not view.skew_warning.isVisible()
    outbox.put_state(rig.database, "clock_skew_s", "75", beijing_now())
    view.refresh()
    qtbot.waitUntil(view.skew_warning.isVisible, timeout=2000)
    assert view.skew_warning.text() == (
        "The station clock is 75 s ahead of the provincial platform; set the clock."
    )


def test_not_configured_says_so_and_a_refresh_sees_new_weighings(qtbot, rig: Rig, make_ctx) -> None:
    view = open_view(qtbot, make_ctx(province=""))
    assert view.values["configured"].text().startswith("Not configured")
    assert not view.upload_button.isEnabled()
    assert view.upload_button.toolTip() == "The province upload is not configured"
    assert "not configured" in view.note.text()
    before = int(view.values["pending"].text())
    weigh(rig, "豫D45678")
    pending, _, _ = outbox_counts(rig)
    assert pending > before
    view.refresh_button.click()
    qtbot.waitUntil(lambda: view.values["pending"].text() == str(pending), timeout=2000)


def test_age_text(qtbot, make_ctx) -> None:
    view = UploadView(make_ctx())
    qtbot.addWidget(view)
    assert view.age_text(30) == "less than a minute"
    assert view.age_text(125) == "2 min"
    assert view.age_text(3 * 3600 + 20 * 60) == "3 h 20 min"
    assert view.age_text(2 * 86400 + 5 * 3600) == "2 d 5 h"
