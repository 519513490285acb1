"""What the first-run wizard's Finish writes, without the widgets: the configuration text
(the `config --write-demo` writer), the key file, the database and its admin; and the
small station functions it added (`check_field`, `station_config_text`,
`write_text_atomic`, `accounts.create_admin`), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from station.config import (
    ConfigError,
    check_field,
    demo_config_text,
    load_config,
    parse_config,
    station_config_text,
    write_text_atomic,
)
from station.security import LoginPolicy, WeakPassword
from station.storage.accounts import authenticate, create_admin, ensure_admin
from station.storage.database import open_database
from station.upload.keys import KeyFileError, load_key
from ui.first_run_model import (
    NETWORK,
    KeyTextError,
    ProvincePlan,
    SetupError,
    SetupPlan,
    finish_setup,
    new_device,
    new_lane,
    parse_key,
    read_key_file,
    save_key,
    set_driver,
)

SITE = "410102210001"
KEY = "00ff" * 16
PASSWORD = "Station-2026-ok"
POLICY = LoginPolicy()


def plan_in(folder: Path, **changes) -> SetupPlan:
    plan = SetupPlan(
        folder / "config" / "station.toml",
        folder / "data",
        site_code=SITE,
        name="测试站",
        lanes=[new_lane(1, set())],
        admin_password=PASSWORD,
    )
    plan.lanes[0].devices[0].serial_port = "COM3"
    for key, value in changes.items():
        setattr(plan, key, value)
    return plan


# ---- station.config ------------------------------------------------------------------------


def test_check_field_checks_one_value_as_the_file_does() -> None:
    assert check_field("station", "site_code", SITE) == SITE
    with pytest.raises(ConfigError) as caught:
        check_field("station", "site_code", "4101022100")
    assert caught.value.key == "station.site_code"
    assert "not a valid station code" in caught.value.problem
    with pytest.raises(ConfigError, match="must be a string"):
        check_field("station", "name", 12)
    assert check_field("lanes.devices", "port", "COM3") == "COM3"
    with pytest.raises(ConfigError, match="is not allowed"):
        check_field("lanes.devices", "port", "ttyUSB0")
    with pytest.raises(ConfigError, match="https://"):
        check_field("province", "url", "http://zc.example.cn/zc")


def test_the_demo_text_is_the_general_writer_with_the_demo_values() -> None:
    text = demo_config_text()
    assert text.startswith("# Configuration of one overload detection station")
    config = parse_config(text)
    assert [lane.number for lane in config.lanes] == [1, 2]


def test_station_config_text_writes_the_given_values_with_documentation() -> None:
    lanes = [{"number": 3, "mode": "WIM", "devices": [
        {"id": "w", "kind": "wim", "driver": "modbus-wim", "port": "tcp://10.0.0.9:502",
         "options": {"map": "station-wim-v1", "unit": 2}}]}]  # fmt: skip
    text = station_config_text(
        {"station": {"site_code": SITE, "name": "站"}, "security": {"lockout_minutes": 30}},
        lanes,
        "# a header\n",
    )
    assert text.startswith("# a header\n")
    assert "# Station code (检测站编码)" in text, "the keys keep their documentation"
    config = parse_config(text)
    assert config.security.lockout_minutes == 30
    (lane,) = config.lanes
    assert (lane.number, lane.mode, lane.devices[0].options) == (
        3, "WIM", {"map": "station-wim-v1", "unit": 2},
    )  # fmt: skip


def test_write_text_atomic_replaces_the_whole_file_and_leaves_no_temporary(tmp_path) -> None:
    path = tmp_path / "deep" / "station.toml"
    write_text_atomic(path, "first\n")
    write_text_atomic(path, "站 second\n")
    assert path.read_text(encoding="utf-8") == "站 second\n"
    assert [item.name for item in path.parent.iterdir()] == ["station.toml"]


# ---- station.storage.accounts.create_admin -------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'station.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_cluster").create_database()
    opened, _ = open_database(url, tmp_path / "backups")
    yield opened
    opened.dispose()


def test_create_admin_sets_the_chosen_password_once(database) -> None:
    assert create_admin(database, PASSWORD, POLICY)
    admin = authenticate(database, "admin", PASSWORD, POLICY)
    assert admin.login == "admin" and not admin.must_change_password
    assert not create_admin(database, "Another-pass-2027", POLICY), "never a second time"
    assert authenticate(database, "admin", PASSWORD, POLICY).login == "admin"
    assert ensure_admin(database) is None, "init finds the admin there"


def test_create_admin_refuses_a_weak_password_and_creates_nothing(database) -> None:
    with pytest.raises(WeakPassword):
        create_admin(database, "admin-password-1", POLICY)
    assert ensure_admin(database) is not None, "the database was still without accounts"


def test_create_admin_leaves_an_existing_station_alone(database) -> None:
    one_time = ensure_admin(database)
    assert one_time is not None
    assert not create_admin(database, PASSWORD, POLICY)
    assert authenticate(database, "admin", one_time, POLICY).must_change_password


# ---- the key -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [KEY, KEY.upper(), f"  {KEY}\r\n", f"{KEY}\n"])
def test_a_key_is_64_hex_characters_whatever_the_case_and_line_end(text: str) -> None:
    assert parse_key(text) == KEY


@pytest.mark.parametrize(
    ("text", "found"),
    [("", 0), (KEY[:-2], 62), (KEY + "a", 65), ("z" * 64, 64), (KEY[:32] + " " + KEY[32:], 65)],
)
def test_anything_else_is_not_a_key_and_the_error_does_not_echo_it(text: str, found: int) -> None:
    with pytest.raises(KeyTextError) as caught:
        parse_key(text)
    assert caught.value.found == found
    assert "64 hex characters" in str(caught.value)
    assert not text.strip() or text.strip() not in str(caught.value)


def test_a_key_file_is_read_and_checked(tmp_path: Path) -> None:
    good = tmp_path / "good.key"
    good.write_text(KEY.upper() + "\n", encoding="ascii")
    assert read_key_file(good) == KEY
    binary = tmp_path / "binary.key"
    binary.write_bytes(b"\x00\xff" * 40)
    with pytest.raises(KeyTextError):
        read_key_file(binary)
    huge = tmp_path / "huge.key"
    huge.write_text("a" * 100_000, encoding="ascii")
    with pytest.raises(KeyTextError):
        read_key_file(huge)


def test_a_saved_key_is_private_and_reads_back_through_the_upload(tmp_path: Path) -> None:
    path = save_key(tmp_path / "data" / "province.key", KEY.upper())
    assert path.read_text(encoding="ascii") == KEY + "\n"
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        path.chmod(0o644)
        with pytest.raises(KeyFileError, match="other users"):
            load_key(path)
    assert sorted(item.name for item in path.parent.iterdir()) == ["province.key"]


# ---- Finish ------------------------------------------------------------------------------------


def test_finish_writes_the_configuration_last_and_it_loads(tmp_path: Path) -> None:
    plan = plan_in(tmp_path, province=ProvincePlan(True, "https://zc.example.cn/v1", "", "", KEY))
    result = finish_setup(plan)
    assert result.admin_created and result.key_file == tmp_path / "data" / "province.key"
    config = load_config(plan.config_path)
    assert config == result.config
    assert config.province.key_file == result.key_file
    assert config.province.site_code == SITE
    assert config.lanes[0].devices[0].port == "COM3"
    assert config.station.language == "zh_CN"


def test_finish_stops_on_a_device_the_drivers_would_refuse(tmp_path: Path) -> None:
    plan = plan_in(tmp_path)
    camera = new_device(1, "camera", set())
    camera.host = ""  # no address to listen on
    plan.lanes[0].devices.append(camera)
    with pytest.raises(SetupError, match=r"lanes\[0\]\.devices\[1\]\.port"):
        finish_setup(plan)
    assert not (tmp_path / "config").exists() and not (tmp_path / "data").exists()


def test_finish_stops_on_an_invalid_configuration_before_writing(tmp_path: Path) -> None:
    plan = plan_in(tmp_path, site_code="12345")
    with pytest.raises(ConfigError, match=r"station\.site_code"):
        finish_setup(plan)
    assert not (tmp_path / "config").exists() and not (tmp_path / "data").exists()


def test_a_disabled_upload_writes_no_key_and_no_province_settings(tmp_path: Path) -> None:
    plan = plan_in(tmp_path, province=ProvincePlan(False, "https://zc.example.cn/v1", "", "", KEY))
    result = finish_setup(plan)
    assert result.key_file is None and not (tmp_path / "data" / "province.key").exists()
    assert not result.config.province.upload_enabled


def test_a_driver_change_brings_a_sensible_link_port_and_map() -> None:
    device = new_device(2, "scale", set())
    assert (device.driver, device.link, device.port()) == ("toledo", "serial", "")
    set_driver(device, "modbus-weight", 2)
    assert device.map == "eagle-ei4000-kg" and device.options()["map"] == device.map
    device.link, device.host = NETWORK, "192.168.1.30"
    assert device.port() == "tcp://192.168.1.30:502"
    camera = new_device(2, "camera", {"lane2-camera"})
    assert camera.id == "lane2-camera-2" and camera.port() == "http://0.0.0.0:8080/anpr/lane2"
    camera.host = "fe80::1"
    assert camera.port() == "http://[fe80::1]:8080/anpr/lane2"
