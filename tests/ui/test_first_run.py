"""The first-run wizard, driven like an installer would: real widgets offscreen, a real
simulated indicator on a TCP port for the probe, real files, a real SQLite database."""

from __future__ import annotations

import argparse
import itertools
import os
import re
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets

from drivers.base import IndicatorValue
from drivers.protocols import encoder
from drivers.sim.stream import StreamSimulator
from station.config import load_config, write_demo_config
from station.security import Role
from station.storage.accounts import LoginRefused, authenticate, ensure_admin
from station.storage.database import Database, open_database
from station.upload.keys import load_key
from tests.support.ports import free_port
from ui.app import run_gui
from ui.first_run import FirstRunWizard
from ui.first_run_model import NETWORK, SERIAL, admin_policy
from ui.fonts import install_font
from ui.i18n import install_language
from ui.login import LoginDialog
from ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
SITE = "410102210001"
NAME = "郑州东超限检测站"
PASSWORD = "Station-2026-ok"
KEY = "0123456789abcdef" * 4
WEIGHT = 49380


@pytest.fixture
def indicator() -> Iterator[StreamSimulator]:
    """A Toledo indicator behind a device server: what the probe should read."""
    frame = encoder("toledo")(IndicatorValue(weight_kg=WEIGHT, stable=True))
    sim = StreamSimulator.on_tcp([frame], rate_hz=20)
    sim.start()
    yield sim
    assert sim.stop(2.0)


@pytest.fixture
def wizard(qtbot, tmp_path: Path) -> Iterator[FirstRunWizard]:
    shown = FirstRunWizard(
        tmp_path / "config" / "station.toml",
        language="en",
        data_dir=tmp_path / "data",
        probe_timeout_s=2.0,
    )
    qtbot.addWidget(shown)
    shown.show()
    yield shown
    shown.tasks.wait(10000)


# ---- driving the wizard ---------------------------------------------------------------------


def click_next(qtbot, wizard: FirstRunWizard) -> None:
    assert wizard.next_button.isEnabled(), wizard.message.text()
    qtbot.mouseClick(wizard.next_button, QtCore.Qt.MouseButton.LeftButton)


def fill_station(qtbot, wizard: FirstRunWizard) -> None:
    assert wizard.current == "station"
    page = wizard.pages["station"]
    page.code_edit.clear()
    qtbot.keyClicks(page.code_edit, SITE)
    page.name_edit.setText(NAME)
    click_next(qtbot, wizard)


def choose(box: QtWidgets.QComboBox, data: object) -> None:
    index = box.findData(data)
    assert index >= 0, f"{data!r} is not in the box"
    box.setCurrentIndex(index)


def on_network(form, host: str, port: int) -> None:
    choose(form.link_box, NETWORK)
    form.host_edit.setText(host)
    form.tcp_port_box.setValue(port)


def probe(qtbot, form, timeout: int = 20000):
    device = form.device
    qtbot.mouseClick(form.test_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.probing is None and device.probe is not None, timeout=timeout)
    return device.probe


def fill_admin(qtbot, wizard: FirstRunWizard, password: str = PASSWORD) -> None:
    page = wizard.pages["admin"]
    page.password_edit.clear()
    page.again_edit.clear()
    qtbot.keyClicks(page.password_edit, password)
    qtbot.keyClicks(page.again_edit, password)


def walk_to(qtbot, wizard: FirstRunWizard, key: str) -> None:
    """Next until `key`, with the station filled in and everything else as it comes."""
    while wizard.current != key:
        if wizard.current == "station":
            fill_station(qtbot, wizard)
        else:
            if wizard.current == "devices:0":
                wizard.pages["devices:0"].form.port_edit.setText("/dev/ttyUSB0")
            if wizard.current == "admin":
                fill_admin(qtbot, wizard)
            click_next(qtbot, wizard)


def tree(root: Path) -> list[Path]:
    return sorted(root.rglob("*")) if root.exists() else []


# ---- the whole wizard -------------------------------------------------------------------------


def _devices_of_lane_1(qtbot, wizard: FirstRunWizard, indicator: StreamSimulator) -> None:
    page = wizard.pages["devices:0"]
    form = page.form
    assert form.device.kind == "scale" and form.device.driver == "toledo"
    host, port = indicator.address
    on_network(form, host, port)
    outcome = probe(qtbot, form)
    assert outcome.ok, outcome.message
    assert [reading["weight"] for reading in outcome.readings] == [WEIGHT] * 3
    assert "It talks" in form.probe_label.text() and str(WEIGHT) in form.probe_label.text()
    camera = page.add_device("camera")
    choose(page.form.driver_box, "hikvision")
    page.form.host_edit.setText("127.0.0.1")
    page.form.tcp_port_box.setValue(free_port())
    assert camera.driver == "hikvision" and not page.form.test_button.isEnabled()
    io_module = page.add_device("io")
    on_network(page.form, "127.0.0.1", free_port())
    choose(page.form.map_box, "adam-6050")
    page.form.unit_box.setValue(3)
    assert io_module.map == "adam-6050"
    click_next(qtbot, wizard)


def _devices_of_lane_2(qtbot, wizard: FirstRunWizard) -> None:
    form = wizard.pages["devices:1"].form
    assert form.device.kind == "axle_scale"
    choose(form.driver_box, "yaohua-tf0")
    assert form.device.link == SERIAL
    form.port_edit.setText("/dev/ttyUSB7")
    choose(form.baud_box, 4800)
    choose(form.bytesize_box, 7)
    choose(form.parity_box, "E")
    click_next(qtbot, wizard)


def _province(qtbot, wizard: FirstRunWizard, folder: Path) -> None:
    page = wizard.pages["province"]
    assert page.code_edit.text() == SITE, "the station's own code is offered"
    page.enabled_box.setChecked(True)
    qtbot.keyClicks(page.url_edit, "https://zc.example-province.cn/zc/v1")
    ca = folder / "province-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="ascii")
    page.ca_edit.setText(str(ca))
    page.ca_edit.editingFinished.emit()
    qtbot.waitUntil(lambda: page.ca_state == "found", timeout=5000)
    handed_over = folder / "from-the-province.key"
    handed_over.write_text(KEY.upper() + "\r\n", encoding="ascii")
    page.import_key_file(handed_over)
    qtbot.waitUntil(lambda: wizard.plan.province.key == KEY, timeout=5000)
    click_next(qtbot, wizard)


def test_the_whole_wizard_sets_up_a_station_that_loads(
    qtbot, wizard: FirstRunWizard, indicator: StreamSimulator, tmp_path: Path
) -> None:
    click_next(qtbot, wizard)
    fill_station(qtbot, wizard)
    lanes = wizard.pages["lanes"]
    lanes.count_box.setValue(2)
    choose(lanes.rows[1][1], "AXLE")
    choose(lanes.rows[1][2], 1)
    lanes.rows[1][3].setText("2号车道（轴重）")
    click_next(qtbot, wizard)
    _devices_of_lane_1(qtbot, wizard, indicator)
    _devices_of_lane_2(qtbot, wizard)
    _province(qtbot, wizard, tmp_path)
    fill_admin(qtbot, wizard)
    click_next(qtbot, wizard)
    assert wizard.current == "summary"
    summary = wizard.pages["summary"].view.toPlainText()
    assert "It talks" in summary and KEY not in summary and PASSWORD not in summary
    assert wizard.next_button.text() == "Finish"
    click_next(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.setup_result is not None, timeout=30000)

    config = load_config(tmp_path / "config" / "station.toml")
    assert (config.station.site_code, config.station.name) == (SITE, NAME)
    assert config.data_dir == tmp_path / "data"
    one, two = config.lanes
    assert (one.number, one.mode, one.name) == (1, "STATIC", "1号车道")
    assert (two.number, two.mode, two.direction, two.name) == (2, "AXLE", 1, "2号车道（轴重）")
    scale, camera, io_module = one.devices
    assert (scale.kind, scale.driver, scale.port) == ("scale", "toledo", indicator.url)
    assert (camera.driver, camera.port.startswith("http://127.0.0.1:")) == ("hikvision", True)
    assert camera.port.endswith("/anpr/lane1")
    assert io_module.options == {"map": "adam-6050", "unit": 3}
    assert io_module.port.startswith("tcp://127.0.0.1:")
    (axle,) = two.devices
    assert (axle.kind, axle.driver, axle.port) == ("axle_scale", "yaohua-tf0", "/dev/ttyUSB7")
    assert axle.options == {"baud": 4800, "bytesize": 7, "parity": "E", "stopbits": 1}
    province = config.province
    assert province.url == "https://zc.example-province.cn/zc/v1"
    assert province.site_code == SITE
    assert province.ca_file == tmp_path / "province-ca.pem"
    assert province.key_file == tmp_path / "data" / "province.key"
    assert province.key_file.read_text(encoding="ascii").strip() == KEY
    if os.name == "posix":
        assert stat.S_IMODE(province.key_file.stat().st_mode) == 0o600
    assert load_key(province.key_file) == bytes.fromhex(KEY)

    assert Path(config.database.url.removeprefix("sqlite:///")).is_file()
    database = Database(config.database.url)
    try:
        admin = authenticate(database, "admin", PASSWORD, admin_policy())
        assert admin.role is Role.ADMIN and not admin.must_change_password
        with pytest.raises(LoginRefused):
            authenticate(database, "admin", "Station-2026-no", admin_policy())
    finally:
        database.dispose()
    assert wizard.setup_result.admin_created


# ---- what the pages refuse -------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["41010221000", "410102110001", "41010221000X", "４１０１０２２１０００１"]
)
def test_an_invalid_station_code_holds_the_wizard(qtbot, wizard, code: str) -> None:
    click_next(qtbot, wizard)
    page = wizard.pages["station"]
    page.name_edit.setText(NAME)
    page.code_edit.setText(code)
    assert not wizard.next_button.isEnabled()
    assert "is not a station code" in wizard.message.text()
    assert code in wizard.message.text()
    page.code_edit.setText(SITE)
    assert wizard.next_button.isEnabled() and wizard.message.text() == ""


def test_a_station_needs_a_name_and_a_full_data_folder(qtbot, wizard) -> None:
    click_next(qtbot, wizard)
    page = wizard.pages["station"]
    page.code_edit.setText(SITE)
    assert "station name" in wizard.message.text() and not wizard.next_button.isEnabled()
    page.name_edit.setText(NAME)
    page.folder_edit.setText("relative/folder")
    assert "full path" in wizard.message.text() and not wizard.next_button.isEnabled()


@pytest.mark.parametrize(
    ("password", "again", "problem"),
    [
        ("Short-1", "Short-1", "Too short: at least 10 characters"),
        ("onlylettershere", "onlylettershere", "letters and digits"),
        ("12345678901234", "12345678901234", "letters and digits"),
        ("my-admin-2026-x", "my-admin-2026-x", "must not contain the word admin"),
        (PASSWORD, PASSWORD + "!", "The two passwords differ"),
        ("", "", "Enter the administrator's password twice"),
    ],
)
def test_weak_or_mismatched_passwords_hold_the_wizard(
    qtbot, wizard, password: str, again: str, problem: str
) -> None:
    walk_to(qtbot, wizard, "admin")
    page = wizard.pages["admin"]
    page.password_edit.setText(password)
    page.again_edit.setText(again)
    assert problem in wizard.message.text()
    assert not wizard.next_button.isEnabled()
    page.password_edit.setText(PASSWORD)
    page.again_edit.setText(PASSWORD)
    assert wizard.next_button.isEnabled()


def _texts(widget: QtWidgets.QWidget) -> list[str]:
    found = []
    for child in widget.findChildren(QtWidgets.QWidget):
        for name in ("text", "toPlainText", "title", "placeholderText"):
            getter = getattr(child, name, None)
            if callable(getter):
                value = getter()
                if isinstance(value, str):
                    found.append(value)
    return found


@pytest.mark.parametrize("bad", ["abc", KEY[:-1], KEY + "0", KEY[:-1] + "g", ""])
def test_a_key_that_is_not_64_hex_is_refused_and_never_shown(qtbot, wizard, bad: str) -> None:
    walk_to(qtbot, wizard, "province")
    page = wizard.pages["province"]
    page.enabled_box.setChecked(True)
    page.url_edit.setText("https://zc.example-province.cn/zc/v1")
    qtbot.keyClicks(page.key_edit, bad)
    qtbot.keyClick(page.key_edit, QtCore.Qt.Key.Key_Return)
    assert page.key_edit.text() == "", "a pasted key does not stay on screen"
    assert wizard.plan.province.key == "" and wizard.current == "province"
    assert "must be 64 hex characters" in page.key_status.text()
    qtbot.keyClicks(page.key_edit, KEY)
    qtbot.mouseClick(page.key_use_button, QtCore.Qt.MouseButton.LeftButton)
    assert wizard.plan.province.key == KEY
    assert "Key accepted (not shown)" in page.key_status.text()
    assert not any(KEY in text for text in _texts(wizard))


def test_a_key_file_without_a_key_is_refused(qtbot, wizard, tmp_path: Path) -> None:
    walk_to(qtbot, wizard, "province")
    page = wizard.pages["province"]
    page.enabled_box.setChecked(True)
    for content in (b"\xff\xfe not text", (KEY[:40] + "\n").encode()):
        handed_over = tmp_path / "wrong.key"
        handed_over.write_bytes(content)
        page.import_key_file(handed_over)
        qtbot.waitUntil(page.key_file_button.isEnabled, timeout=5000)
        assert "That is not a key" in page.key_status.text()
        assert wizard.plan.province.key == ""
    page.import_key_file(tmp_path / "missing.key")
    qtbot.waitUntil(lambda: "Cannot read" in page.key_status.text(), timeout=5000)


def test_the_province_address_and_site_code_are_checked(qtbot, wizard, tmp_path: Path) -> None:
    walk_to(qtbot, wizard, "province")
    page = wizard.pages["province"]
    assert wizard.next_button.isEnabled(), "the upload may stay off"
    page.enabled_box.setChecked(True)
    assert "platform's address" in wizard.message.text()
    page.url_edit.setText("http://zc.example-province.cn/zc/v1")
    assert "must start with https://" in wizard.message.text()
    page.url_edit.setText("https://zc.example-province.cn/zc/v1")
    page.code_edit.setText("410102210002")
    assert "station's own code 410102210001" in wizard.message.text()
    page.code_edit.setText(SITE)
    page.ca_edit.setText(str(tmp_path / "no-such-ca.pem"))
    page.ca_edit.editingFinished.emit()
    qtbot.waitUntil(lambda: page.ca_state == "missing", timeout=5000)
    assert "not found" in wizard.message.text() and not wizard.next_button.isEnabled()
    page.ca_edit.setText("")
    page.ca_edit.editingFinished.emit()
    assert wizard.next_button.isEnabled()
    assert any("No secret key" in text for text in page.warnings())
    page.ca_edit.setText(str(tmp_path))  # a folder is not a CA file; checked after a pause
    assert not wizard.next_button.isEnabled()
    qtbot.waitUntil(lambda: page.ca_state == "missing", timeout=5000)
    page.ca_edit.setText("")
    qtbot.keyClicks(page.key_edit, KEY)
    assert "Press Enter" in wizard.message.text() and not wizard.next_button.isEnabled()
    qtbot.keyClick(page.key_edit, QtCore.Qt.Key.Key_Return)
    assert wizard.next_button.isEnabled() and wizard.plan.province.key == KEY
    assert wizard.current == "province", "Enter checked the key; it did not press Next"


# ---- the probe ---------------------------------------------------------------------------------


def test_an_unreachable_device_fails_clearly_while_the_wizard_stays_responsive(
    qtbot, wizard
) -> None:
    walk_to(qtbot, wizard, "devices:0")
    page = wizard.pages["devices:0"]
    form = page.form
    on_network(form, "127.0.0.1", free_port())  # nothing listens there
    ticks: list[float] = []
    timer = QtCore.QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    started = time.monotonic()
    qtbot.mouseClick(form.test_button, QtCore.Qt.MouseButton.LeftButton)
    assert form.probing is form.device and not form.test_button.isEnabled()
    assert "Testing socket://127.0.0.1:" in form.probe_label.text()
    assert not wizard.next_button.isEnabled() and "Wait for the test" in wizard.message.text()
    tested = form.device
    camera = page.add_device("camera")  # the page takes work meanwhile
    assert form.device is camera
    qtbot.waitUntil(lambda: form.probing is None, timeout=20000)
    took = time.monotonic() - started
    timer.stop()
    assert took >= 1.5, "the probe waited for its timeout"
    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    assert len(ticks) > 30 and max(gaps) < 0.5, "the GUI thread kept running during the probe"
    assert camera.probe is None, "the result belongs to the device that was tested"
    page.list.setCurrentRow(0)
    outcome = tested.probe
    assert outcome is not None and not outcome.ok
    assert "No valid reading" in form.probe_label.text()
    assert "no bytes arrived" in form.probe_label.text()
    assert "test failed" in page.list.item(0).text()
    assert wizard.next_button.isEnabled(), "a device that failed may still be kept"
    assert any("did not answer the test" in text for text in page.warnings())


def test_a_device_needs_its_port_before_the_test(qtbot, wizard) -> None:
    walk_to(qtbot, wizard, "devices:0")
    form = wizard.pages["devices:0"].form
    form.port_edit.setText("")
    qtbot.mouseClick(form.test_button, QtCore.Qt.MouseButton.LeftButton)
    assert form.probing is None and form.device.probe is None
    assert "enter the serial port" in form.probe_label.text()
    assert "enter the serial port" in wizard.message.text()
    form.port_edit.setText("ttyUSB0")
    assert "is not a serial port name" in wizard.message.text()


def test_device_ids_must_be_unique_across_lanes(qtbot, wizard) -> None:
    walk_to(qtbot, wizard, "lanes")
    wizard.pages["lanes"].count_box.setValue(2)
    click_next(qtbot, wizard)
    wizard.pages["devices:0"].form.port_edit.setText("/dev/ttyUSB0")
    click_next(qtbot, wizard)
    form = wizard.pages["devices:1"].form
    form.port_edit.setText("/dev/ttyUSB1")
    form.id_edit.setText("lane1-scale")
    assert "lane1-scale is used twice" in wizard.message.text()
    assert not wizard.next_button.isEnabled()


# ---- Cancel, and when the wizard runs -----------------------------------------------------------


def test_cancel_writes_nothing(qtbot, wizard, tmp_path: Path) -> None:
    walk_to(qtbot, wizard, "province")
    page = wizard.pages["province"]
    page.enabled_box.setChecked(True)
    page.url_edit.setText("https://zc.example-province.cn/zc/v1")
    page.key_edit.setText(KEY)
    page.use_pasted_key()
    walk_to(qtbot, wizard, "summary")
    before = tree(tmp_path)
    qtbot.mouseClick(wizard.cancel_button, QtCore.Qt.MouseButton.LeftButton)
    assert wizard.setup_result is None and not wizard.isVisible()
    assert wizard.result() == QtWidgets.QDialog.DialogCode.Rejected
    assert tree(tmp_path) == before
    assert not (tmp_path / "config").exists() and not (tmp_path / "data").exists()


def test_finish_never_replaces_an_existing_configuration(qtbot, wizard, tmp_path: Path) -> None:
    walk_to(qtbot, wizard, "summary")
    existing = tmp_path / "config" / "station.toml"
    write_demo_config(existing)
    text = existing.read_bytes()
    click_next(qtbot, wizard)
    qtbot.waitUntil(lambda: not wizard.finishing, timeout=30000)
    assert wizard.setup_result is None and wizard.isVisible()
    assert "already exists" in wizard.message.text()
    assert existing.read_bytes() == text
    assert not (tmp_path / "data").exists(), "nothing else was made either"


def test_over_an_existing_database_the_admin_password_is_kept_and_said_so(
    qtbot, wizard, tmp_path: Path
) -> None:
    database, _ = open_database(f"sqlite:///{tmp_path / 'data' / 'station.sqlite3'}")
    one_time = ensure_admin(database)
    database.dispose()
    walk_to(qtbot, wizard, "summary")
    click_next(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.setup_result is not None, timeout=30000)
    assert not wizard.setup_result.admin_created and wizard.isVisible()
    assert "password was not changed" in wizard.message.text()
    assert not wizard.cancel_button.isEnabled() and not wizard.back_button.isEnabled()
    qtbot.mouseClick(wizard.next_button, QtCore.Qt.MouseButton.LeftButton)
    assert wizard.result() == QtWidgets.QDialog.DialogCode.Accepted
    config = load_config(tmp_path / "config" / "station.toml")
    database = Database(config.database.url)
    try:
        with pytest.raises(LoginRefused):
            authenticate(database, "admin", PASSWORD, admin_policy())
        assert authenticate(database, "admin", one_time, admin_policy()).must_change_password
    finally:
        database.dispose()


def _main(*args: str, env: dict[str, str], timeout: float = 90):
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


@pytest.mark.timeout(180)
def test_an_existing_configuration_means_no_wizard(tmp_path: Path) -> None:
    config = tmp_path / "station.toml"
    config.write_text(
        f'[station]\nsite_code = "{SITE}"\nname = "{NAME}"\n'
        f'[storage]\ndata_dir = "{(tmp_path / "data").as_posix()}"\n',
        encoding="utf-8",
    )
    shown = tmp_path / "shown.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "STATION_STARTUP_PROBE": str(shown),
           "STATION_CONFIG_DIR": str(tmp_path / "user-config")}  # fmt: skip
    started = _main("--config", str(config), env=env)
    assert started.returncode == 0, started.stderr[-2000:]
    assert shown.is_file(), "the desktop's window came up, not a wizard"
    refused = _main("setup", "--config", str(config), env=env)
    assert refused.returncode == 2
    assert "already exists" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1


# ---- Chinese by default, English available -------------------------------------------------------

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,} [A-Za-z]{2,}")


@pytest.fixture
def chinese(qapp) -> Iterator[list]:
    install_font(qapp)
    translators = install_language(qapp, "zh_CN")
    yield translators
    for translator in translators:
        qapp.removeTranslator(translator)
    QtCore.QLocale.setDefault(QtCore.QLocale("en"))


def visible_texts(wizard: FirstRunWizard) -> list[str]:
    """What a person sees: labels, buttons, group titles, placeholders, list and box items."""
    found = [wizard.windowTitle(), wizard.title.text(), wizard.message.text()]
    found += [wizard.steps.item(row).text() for row in range(wizard.steps.count())]
    for child in wizard.findChildren(QtWidgets.QWidget):
        if not child.isVisibleTo(wizard):
            continue
        if isinstance(child, QtWidgets.QLabel | QtWidgets.QAbstractButton):
            found.append(child.text())
        elif isinstance(child, QtWidgets.QGroupBox):
            found.append(child.title())
        elif isinstance(child, QtWidgets.QLineEdit):
            found.append(child.placeholderText())
        elif isinstance(child, QtWidgets.QComboBox):
            found += [child.itemText(row) for row in range(child.count())]
        elif isinstance(child, QtWidgets.QTextBrowser):
            found += child.toPlainText().splitlines()
    return [text for text in found if text.strip()]


def untranslated(wizard: FirstRunWizard) -> list[str]:
    """English phrases with no Chinese in them (names, ports and codes are not phrases)."""
    return [
        text for text in visible_texts(wizard)
        if ENGLISH_WORDS.search(text) and not CJK.search(text)
    ]  # fmt: skip


def test_every_page_speaks_chinese_by_default(
    qtbot, tmp_path: Path, chinese, indicator: StreamSimulator
) -> None:
    """Also saves each page as first-run-*.png into $FIRST_RUN_SCREENSHOTS when it is set."""
    wizard = FirstRunWizard(tmp_path / "station.toml", data_dir=tmp_path / "data",
                            translators=chinese, probe_timeout_s=1.0)  # fmt: skip
    qtbot.addWidget(wizard)
    wizard.show()
    shots = os.environ.get("FIRST_RUN_SCREENSHOTS")
    seen: dict[str, list[str]] = {}

    def look(name: str) -> None:
        qtbot.wait(50)
        seen[name] = untranslated(wizard)
        if shots:
            wizard.grab().save(str(Path(shots) / f"first-run-{name}.png"))

    try:
        assert wizard.next_button.text() == "下一步 >" and wizard.title.text() == "语言"
        look("1-language")
        click_next(qtbot, wizard)
        wizard.pages["station"].code_edit.setText("41010221")
        look("2-station-invalid")
        fill_station(qtbot, wizard)
        wizard.pages["lanes"].count_box.setValue(2)
        look("3-lanes")
        click_next(qtbot, wizard)
        page = wizard.pages["devices:0"]
        on_network(page.form, *indicator.address)
        assert probe(qtbot, page.form).ok
        assert page.form.probe_label.text().startswith("通信正常")
        page.add_device("scale")
        choose(page.form.driver_box, "modbus-weight")
        page.form.port_edit.setText("COM4")
        page.list.setCurrentRow(0)
        look("4-devices")
        click_next(qtbot, wizard)
        form = wizard.pages["devices:1"].form
        on_network(form, "127.0.0.1", free_port())
        assert not probe(qtbot, form).ok
        look("5-devices-failed")
        click_next(qtbot, wizard)
        province = wizard.pages["province"]
        province.enabled_box.setChecked(True)
        province.url_edit.setText("https://zc.example-province.cn/zc/v1")
        province.key_edit.setText("not a key")
        province.use_pasted_key()
        look("6-province")
        click_next(qtbot, wizard)
        wizard.pages["admin"].password_edit.setText("short")
        look("7-admin")
        fill_admin(qtbot, wizard)
        click_next(qtbot, wizard)
        look("8-summary")
        assert wizard.next_button.text() == "完成"
    finally:
        wizard.tasks.wait(10000)
    assert {name: texts for name, texts in seen.items() if texts} == {}


def test_the_language_page_switches_the_wizard_and_keeps_what_was_entered(
    qtbot, tmp_path: Path, chinese
) -> None:
    wizard = FirstRunWizard(tmp_path / "station.toml", data_dir=tmp_path / "data",
                            translators=chinese)  # fmt: skip
    qtbot.addWidget(wizard)
    wizard.show()
    click_next(qtbot, wizard)
    wizard.pages["station"].code_edit.setText(SITE)
    qtbot.mouseClick(wizard.back_button, QtCore.Qt.MouseButton.LeftButton)
    assert wizard.steps.item(1).text() == "2. 检测站"
    wizard.pages["language"].buttons["en"].click()
    qtbot.waitUntil(lambda: wizard.title.text() == "Language")
    assert wizard.steps.item(1).text() == "2. Station" and wizard.next_button.text() == "Next >"
    assert chinese == [] and wizard.plan.language == "en"
    click_next(qtbot, wizard)
    assert wizard.pages["station"].code_edit.text() == SITE, "rebuilt from the plan"
    assert untranslated(wizard) == [] or all(not CJK.search(t) for t in visible_texts(wizard))
    qtbot.mouseClick(wizard.back_button, QtCore.Qt.MouseButton.LeftButton)
    wizard.pages["language"].buttons["zh_CN"].click()
    qtbot.waitUntil(lambda: wizard.title.text() == "语言")
    assert wizard.plan.language == "zh_CN" and len(chinese) >= 1


# ---- the desktop's start: wizard, then the desktop with the admin signing in ---------------------


def _visible(kind: type) -> QtWidgets.QWidget | None:
    widgets = QtWidgets.QApplication.topLevelWidgets()
    return next((w for w in widgets if isinstance(w, kind) and w.isVisible()), None)


def _guarded(step, state: dict, stop) -> None:
    """Run a step from a timer; a failure stops the run instead of leaving a window open."""
    try:
        step()
    except BaseException as error:  # re-raised by the test after run_gui returns
        state.setdefault("error", error)
        stop()


@pytest.mark.timeout(240)
def test_without_a_configuration_the_wizard_runs_then_the_admin_signs_in(
    qtbot, qapp, tmp_path: Path, indicator: StreamSimulator
) -> None:
    path = tmp_path / "config" / "station.toml"
    args = argparse.Namespace(config=path, lang="en", demo=False, quit_after=150)
    state: dict = {}
    had_collector = hasattr(qapp, "collector")

    def drive_wizard() -> None:
        wizard = _visible(FirstRunWizard)
        if wizard is None:
            QtCore.QTimer.singleShot(50, lambda: _guarded(drive_wizard, state, lambda: None))
            return
        state["wizard"] = True
        _guarded(lambda: fill_whole_wizard(wizard), state, wizard.reject)
        QtCore.QTimer.singleShot(0, lambda: _guarded(sign_in, state, close_desktop))

    def fill_whole_wizard(wizard: FirstRunWizard) -> None:
        click_next(qtbot, wizard)
        fill_station(qtbot, wizard)
        click_next(qtbot, wizard)
        form = wizard.pages["devices:0"].form
        on_network(form, *indicator.address)
        assert probe(qtbot, form).ok
        walk_to(qtbot, wizard, "summary")
        click_next(qtbot, wizard)
        qtbot.waitUntil(lambda: wizard.setup_result is not None, timeout=60000)

    def sign_in() -> None:
        dialog, window = _visible(LoginDialog), _visible(MainWindow)
        if dialog is None or window is None:
            QtCore.QTimer.singleShot(100, lambda: _guarded(sign_in, state, close_desktop))
            return
        state["login shown"] = dialog.login_edit.text()
        dialog.password_edit.setText(PASSWORD)
        dialog.check()
        QtCore.QTimer.singleShot(100, lambda: _guarded(signed_in, state, close_desktop))

    def signed_in() -> None:
        window = _visible(MainWindow)
        if window.ctx.session.user is None:
            QtCore.QTimer.singleShot(100, lambda: _guarded(signed_in, state, close_desktop))
            return
        state["user"] = window.ctx.session.user
        state["lanes"] = sorted(window.panels)
        window.close()

    def close_desktop() -> None:
        window = _visible(MainWindow)
        if window is not None:
            window.close()

    QtCore.QTimer.singleShot(0, drive_wizard)
    try:
        code = run_gui(args)
    finally:
        if not had_collector and hasattr(qapp, "collector"):
            qapp.collector.stop()  # the desktop's collector, not the test session's
            del qapp.collector
    if "error" in state:
        raise state["error"]
    assert code == 0 and state["wizard"]
    assert state["login shown"] == "admin", "the sign-in offers the new admin"
    user = state["user"]
    assert (user.login, user.role, user.must_change_password) == ("admin", Role.ADMIN, False)
    assert state["lanes"] == [1]
    config = load_config(path)
    assert config.lanes[0].devices[0].port == indicator.url
