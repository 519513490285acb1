"""Upload passes from the desktop against the reference receiver over HTTPS on loopback.

The whole desktop (runtime, window, the application's UploadRunner) on a station with
real weighings and pictures; "Upload now" is clicked, the nightly schedule is checked,
and the GUI thread is measured while the platform keeps a request waiting.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6 import QtCore

from station.config import StationConfig, load_config, parse_config
from station.storage import outbox
from station.storage.database import Database
from station.storage.files import PictureStore
from station.storage.models import Record
from station.upload.lock import PassLock
from station.upload.passes import run_pass
from station.upload.transport import Backoff
from tests.lanes.conftest import CONFIG
from tests.support.factory import SITE, Station, add_weighings, sqlite_station
from tests.support.province_receiver import Fault, ProvinceReceiver
from tests.support.tls import LoopbackPki
from tests.support.upload import station_toml, write_key
from tests.ui.conftest import prepare_database, signed_in
from tests.ui.test_responsive import LIMIT_S, Heartbeat
from ui.app import Desktop, build_desktop
from ui.upload import PassColumn, RejectedColumn, UploadView
from ui.upload_runner import UploadRunner

FAST = Backoff(base_s=0.01, cap_s=0.05, attempts=8)
WEIGHINGS = 12
PASS_TIMEOUT_MS = 15_000


@dataclass
class Upload:
    desktop: Desktop
    config: StationConfig
    database: Database
    receiver: ProvinceReceiver

    @property
    def runner(self) -> UploadRunner:
        return self.desktop.window.upload_runner

    @property
    def view(self) -> UploadView:
        return self.desktop.window.views["upload"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> LoopbackPki:
    return LoopbackPki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def receiver(pki: LoopbackPki) -> Iterator[ProvinceReceiver]:
    key = secrets.token_bytes(32)
    server = ProvinceReceiver({SITE: key}, ssl_context=pki.server_context(), hold_seconds=2)
    server.key = key
    with server:
        yield server
    assert server.errors() == []


def upload_config(tmp_path: Path, receiver: ProvinceReceiver, pki: LoopbackPki,
                  upload_time: str) -> StationConfig:  # fmt: skip
    data = tmp_path / "data"
    key_file = write_key(tmp_path, receiver.key)
    sections = (
        f'[storage]\ndata_dir = "{data.as_posix()}"\n'
        f'[province]\nurl = "{receiver.base_url}"\nkey_file = "{key_file.as_posix()}"\n'
        f'ca_file = "{pki.ca_file.as_posix()}"\nupload_time = "{upload_time}"\n'
    )
    path = tmp_path / "station.toml"
    path.write_text(CONFIG.format(workflow="", storage=sections), encoding="utf-8")
    return parse_config(path.read_text(encoding="utf-8"), path)


@pytest.fixture
def make_upload(qtbot, tmp_path: Path, receiver, pki, feed) -> Iterator:
    made: list[Desktop] = []

    def make(upload_time: str = "02:00", login: str = "sup") -> Upload:
        config = upload_config(tmp_path, receiver, pki, upload_time)
        database = prepare_database(config)
        station = Station(database, PictureStore(config.data_dir / "pictures"), config.data_dir)
        add_weighings(station, WEIGHINGS, pictures=True, per_transaction=WEIGHINGS)
        desktop = build_desktop(config, database, language="en", opener=feed.open)
        made.append(desktop)
        qtbot.addWidget(desktop.window)
        desktop.window.upload_runner.backoff = FAST
        desktop.window.show()
        desktop.window.start_shift(signed_in(login))
        upload = Upload(desktop, config, database, receiver)
        desktop.window.tabs.setCurrentWidget(upload.view)
        qtbot.waitUntil(lambda: upload.view.status is not None, timeout=5000)
        return upload

    yield make
    for desktop in made:
        desktop.shutdown()


def local_records(database: Database) -> dict[int, dict]:
    with database.read() as session:
        return {row.seq: json.loads(row.body) for row in session.query(Record)}


def cell(model, row: int, column: int) -> str:
    return model.data(model.index(row, column), QtCore.Qt.ItemDataRole.DisplayRole)


def click_upload(qtbot, upload: Upload):
    with qtbot.waitSignal(upload.runner.finished, timeout=PASS_TIMEOUT_MS) as finished:
        qtbot.mouseClick(upload.view.upload_button, QtCore.Qt.MouseButton.LeftButton)
    return finished.args[0]


def wait_shown(qtbot, view: UploadView, status: str) -> None:
    """Until the screen has read the finished pass back from the database."""
    qtbot.waitUntil(
        lambda: view.passes.rowCount() > 0 and view.passes.row(0).status == status,
        timeout=5000,
    )


def test_upload_now_delivers_every_record_and_shows_the_pass(qtbot, make_upload) -> None:
    upload = make_upload()
    view = upload.view
    assert view.upload_button.isEnabled()
    assert int(view.values["pending"].text()) == WEIGHINGS
    outcome = click_upload(qtbot, upload)
    assert outcome.status == "COMPLETE", outcome.error
    local = local_records(upload.database)
    assert len(local) == WEIGHINGS
    assert upload.receiver.held_records() == local
    assert outcome.pictures_sent == WEIGHINGS
    wait_shown(qtbot, view, "COMPLETE")
    passes = view.passes
    assert [cell(passes, 0, column) for column in (PassColumn.TRIGGER, PassColumn.ACTOR,
            PassColumn.RESULT, PassColumn.ACCEPTED, PassColumn.MANIFEST,
            PassColumn.PENDING)] == ["upload now", "sup", "complete", str(WEIGHINGS),
                                     "complete", "0"]  # fmt: skip
    assert view.values["pending"].text() == "0"
    assert view.outcome_label.text().startswith("Upload finished: complete.")
    assert not view.progress_bar.isVisible() and view.upload_button.isEnabled()
    window = upload.desktop.window
    assert window.statusBar().currentMessage() == "Upload: complete; 12 records sent, 0 left"
    assert not window.upload_warning.isVisible()
    assert not view.skew_warning.isVisible()


def test_the_window_answers_while_the_platform_holds_a_request(qtbot, make_upload) -> None:
    """The first records request is held 2 s and dropped; the pass retries on its thread."""
    upload = make_upload()
    view, runner = upload.view, upload.runner
    upload.receiver.faults.script(Fault("timeout", hold_seconds=2.0), endpoints={"records"})
    qtbot.wait(100)  # let the first layout pass settle
    began = time.monotonic()
    with Heartbeat() as beat:
        view.upload_button.click()
        assert runner.running and not view.upload_button.isEnabled()
        assert view.upload_button.toolTip() == "An upload pass is running"
        assert not runner.upload_now()  # one pass at a time
        qtbot.waitUntil(lambda: view.stage_label.text() == "Sending records", timeout=2000)
        assert view.progress_bar.isVisible()
        qtbot.waitUntil(lambda: not runner.running, timeout=PASS_TIMEOUT_MS)
    assert time.monotonic() - began >= 1.8  # the platform really kept it waiting
    assert beat.longest < LIMIT_S, f"GUI thread stalled {beat.longest * 1000:.0f} ms"
    assert runner.last_outcome is not None and runner.last_outcome.status == "COMPLETE"
    assert upload.receiver.faults.counts() == {"timeout": 1}
    assert view.upload_button.isEnabled()


def test_upload_now_follows_the_role(qtbot, make_upload) -> None:
    upload = make_upload(login="tech")
    view = upload.view
    assert not view.upload_button.isEnabled()
    assert view.upload_button.toolTip() == "Your role may not start an upload"
    assert not upload.runner.upload_now() and not upload.runner.running
    upload.desktop.ctx.session.sign_in(signed_in("op"))
    assert view.upload_button.isEnabled()
    upload.desktop.window.lock()
    assert not view.upload_button.isEnabled()


def test_a_rejected_record_is_listed_for_the_supervisor(
    qtbot, make_upload, tmp_path: Path, pki
) -> None:
    """Another station already sent a different seq 1 under this site code: CONFLICT."""
    upload = make_upload()
    other = sqlite_station(tmp_path / "other")
    add_weighings(other, 1, seed=99)
    key_file = write_key(tmp_path / "other", upload.receiver.key)
    toml = station_toml(tmp_path / "other", upload.receiver.base_url, key_file, pki.ca_file)
    first = run_pass(load_config(toml), other.database, trigger="CLI", actor="t", backoff=FAST)
    other.database.dispose()
    assert first.accepted == 1
    outcome = click_upload(qtbot, upload)
    assert outcome.status == "INCOMPLETE" and outcome.rejected >= 1
    view = upload.view
    wait_shown(qtbot, view, "INCOMPLETE")
    qtbot.waitUntil(lambda: view.rejected.rowCount() == outcome.rejected, timeout=5000)
    assert view.rejected_box.isVisible()
    row = [cell(view.rejected, 0, column) for column in RejectedColumn]
    assert row[: 4] == ["1", "weighing", local_records(upload.database)[1]["checkNo"],
                        "CONFLICT"]  # fmt: skip
    assert row[RejectedColumn.MESSAGE] and row[RejectedColumn.AT] != "—"
    assert cell(view.passes, 0, PassColumn.REJECTED) == str(outcome.rejected)
    assert view.values["rejected"].text() == str(outcome.rejected)
    assert "Rejected by the province" in view.note.text()


def test_the_schedule_starts_the_nightly_pass_once(qtbot, make_upload) -> None:
    upload = make_upload(upload_time="00:00")  # today's slot has passed; no pass yet
    runner = upload.runner
    with qtbot.waitSignal(runner.finished, timeout=PASS_TIMEOUT_MS) as finished:
        runner.start_schedule(first_ms=0)
    assert finished.args[0].status == "COMPLETE"
    [row] = outbox.passes(upload.database)
    assert (row.trigger, row.actor, row.status) == ("SCHEDULE", "scheduler", "COMPLETE")
    assert len(upload.receiver.held_records()) == WEIGHINGS
    with qtbot.waitSignal(runner.status_arrived, timeout=5000):
        runner.check_schedule()  # as the timer does every minute
    assert not runner.running
    assert len(outbox.passes(upload.database)) == 1
    wait_shown(qtbot, upload.view, "COMPLETE")
    assert cell(upload.view.passes, 0, PassColumn.TRIGGER) == "nightly"


def test_a_station_clock_off_the_platform_is_shown_in_red(qtbot, make_upload) -> None:
    upload = make_upload()
    upload.receiver.clock_offset = 120  # the platform is two minutes ahead of the station
    outcome = click_upload(qtbot, upload)
    assert outcome.status == "COMPLETE" and abs(outcome.clock_skew_s + 120) <= 1
    view = upload.view
    qtbot.waitUntil(view.skew_warning.isVisible, timeout=5000)
    assert re.fullmatch(
        r"The station clock is 1(19|20|21) s behind the provincial platform; set the clock\.",
        view.skew_warning.text(),
    )
    warning = upload.desktop.window.upload_warning
    assert warning.isVisible() and re.fullmatch(r"Clock off by 1(19|20|21) s", warning.text())


def test_closing_cancels_a_pass_waiting_to_retry(qtbot, make_upload) -> None:
    upload = make_upload()
    runner = upload.runner
    runner.backoff = Backoff(base_s=0.1, cap_s=0.1, attempts=3)
    upload.receiver.faults.script(Fault("503", retry_after=30), endpoints={"records"})
    runner.upload_now()
    qtbot.waitUntil(lambda: upload.receiver.faults.counts() == {"503": 1}, timeout=5000)
    with qtbot.waitSignal(runner.finished, timeout=5000) as finished:
        began = time.monotonic()
        runner.stop()
        assert time.monotonic() - began < 0.5
    assert finished.args[0].status == "CANCELLED"
    assert not runner.running
    assert upload.desktop.window.statusBar().currentMessage().startswith("Upload: cancelled")


def test_a_pass_refused_by_the_lock_leaves_a_warning(qtbot, make_upload) -> None:
    """`main.py upload` (or the OS timer) holds the station's upload lock."""
    upload = make_upload()
    with PassLock(upload.config.data_dir / "upload.lock"):
        outcome = click_upload(qtbot, upload)
    assert outcome.status == "FAILED" and outcome.pass_id is None
    assert "another upload pass is running" in outcome.error
    view, window = upload.view, upload.desktop.window
    assert view.outcome_label.text().startswith("The upload did not run: another upload pass")
    assert window.statusBar().currentMessage().startswith("Upload did not run")
    assert window.upload_warning.isVisible() and window.upload_warning.text() == "Upload failed"
    assert "another upload pass" in window.upload_warning.toolTip()
    assert view.upload_button.isEnabled()  # the next try may go through
    assert upload.receiver.request_counts() == {}
