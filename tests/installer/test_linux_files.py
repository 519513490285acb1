"""The Linux menu entry, the systemd units of the nightly upload, and install.sh, run for real.

install.sh is run on a small stand-in bundle (two executables and an _internal folder) into
a staging root (--destdir), so nothing outside the test's folder is touched.
"""

from __future__ import annotations

import configparser
import os
import pwd
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.installer.helpers import INSTALLER, load_installer_module

LINUX = INSTALLER / "linux"
INSTALL_SH = LINUX / "install.sh"
DESKTOP = LINUX / "overload-station.desktop"
SERVICE = LINUX / "overload-station-upload.service"
TIMER = LINUX / "overload-station-upload.timer"
PREFIX = "/opt/overload-station"
TIMER_NAME = TIMER.name
# The account running the tests: install.sh may hand folders to it without being root.
RUN_AS = pwd.getpwuid(os.getuid()).pw_name
SYSTEM_TIMER = ("--timer", "system", "--run-as", RUN_AS)


def _need(tool: str, why: str) -> None:
    """Skip without the tool, unless CI says the tools are there (then it is a failure)."""
    if shutil.which(tool) is not None:
        return
    if os.environ.get("STATION_REQUIRE_INSTALLER_TOOLS") == "1":
        pytest.fail(f"{why}, but STATION_REQUIRE_INSTALLER_TOOLS=1")
    pytest.skip(why)


def _read_ini(path: Path, section: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive in both formats
    parser.read(path, encoding="utf-8")
    return parser[section]


def _names():
    files = load_installer_module("bundle_files")
    return files.NAME, files.CLI_NAME


def _fake_bundle(folder: Path) -> Path:
    bundle = folder / "bundle"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "_internal" / "library.so").write_text("library v2\n", encoding="utf-8")
    for name in _names():
        program = bundle / name
        program.write_text("#!/bin/sh\necho stand-in\n", encoding="utf-8")
        program.chmod(0o755)
    return bundle


def _install(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(INSTALL_SH), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def staged(tmp_path):
    """(bundle, destdir) for one install."""
    return _fake_bundle(tmp_path), tmp_path / "root"


def _verify_units(service_text: str, timer_text: str, folder: Path) -> None:
    """systemd-analyze verify, with ExecStart on a real executable (the units are not installed)."""
    _need("systemd-analyze", "systemd-analyze is not installed")
    program = folder / "program"
    program.write_text("#!/bin/sh\n", encoding="utf-8")
    program.chmod(0o755)
    units = folder / "units"
    units.mkdir()
    (units / SERVICE.name).write_text(
        re.sub(r"(?m)^ExecStart=\S+", f"ExecStart={program}", service_text), encoding="utf-8"
    )
    (units / TIMER.name).write_text(timer_text, encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", TIMER.name, SERVICE.name],
        cwd=units,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr  # unknown keys are only warned about


# ---- the shipped files ----------------------------------------------------------------


def test_the_desktop_entry_starts_the_installed_program_with_chinese_and_english_names():
    entry = _read_ini(DESKTOP, "Desktop Entry")
    program, _ = _names()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Overload Station"
    assert entry["Name[zh_CN]"] == "治超检测站"
    assert shlex.split(entry["Exec"]) == [f"{PREFIX}/{program}"]
    assert entry["Icon"] == program and (LINUX / f"{program}.svg").is_file()
    assert entry["Terminal"] == "false"
    categories = entry["Categories"].split(";")
    assert categories[-1] == "" and "Office" in categories


def test_the_desktop_entry_passes_desktop_file_validate():
    _need("desktop-file-validate", "desktop-file-validate is missing (desktop-file-utils)")
    done = subprocess.run(
        ["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout.strip() == "", done.stdout + done.stderr


def test_the_icon_is_a_square_svg():
    text = (LINUX / "overload-station.svg").read_text(encoding="utf-8")
    assert re.search(r'<svg [^>]*viewBox="0 0 256 256"', text)


def test_the_service_runs_one_upload_pass_of_the_installed_console_program():
    service = _read_ini(SERVICE, "Service")
    _, cli = _names()
    command = shlex.split(service["ExecStart"])
    assert command[0] == f"{PREFIX}/{cli}"
    assert command[1] == "upload"
    assert service["Type"] == "oneshot"


def test_the_timer_is_nightly_persistent_and_only_slightly_spread():
    timer = _read_ini(TIMER, "Timer")
    assert timer["OnCalendar"] == "*-*-* 02:00:00 Asia/Shanghai"
    assert timer["Persistent"] == "true"
    amount, unit = re.fullmatch(r"(\d+)(min|s)", timer["RandomizedDelaySec"]).groups()
    assert int(amount) * (60 if unit == "min" else 1) <= 15 * 60
    assert timer["Unit"] == SERVICE.name
    assert _read_ini(TIMER, "Install")["WantedBy"] == "timers.target"


def test_the_timer_calendar_is_one_systemd_understands():
    _need("systemd-analyze", "systemd-analyze is not installed")
    calendar = _read_ini(TIMER, "Timer")["OnCalendar"]
    done = subprocess.run(
        ["systemd-analyze", "calendar", calendar],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Next elapse:" in done.stdout


def test_the_units_pass_systemd_analyze_verify(tmp_path):
    _verify_units(SERVICE.read_text(encoding="utf-8"), TIMER.read_text(encoding="utf-8"), tmp_path)


def test_install_sh_passes_shellcheck():
    _need("shellcheck", "shellcheck is not installed")
    done = subprocess.run(
        ["shellcheck", str(INSTALL_SH)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout


# ---- install.sh, run ------------------------------------------------------------------


def test_a_user_install_puts_program_menu_entry_icon_and_a_globally_enabled_user_timer(staged):
    bundle, root = staged
    program, cli = _names()
    done = _install("--bundle", str(bundle), "--destdir", str(root))
    assert done.returncode == 0, done.stderr
    installed = root / PREFIX.lstrip("/")
    assert os.access(installed / program, os.X_OK) and os.access(installed / cli, os.X_OK)
    assert (installed / "_internal" / "library.so").is_file()
    assert not (installed / "machine-wide").exists(), "a user install keeps per-user folders"
    desktop = root / "usr/share/applications/overload-station.desktop"
    assert _read_ini(desktop, "Desktop Entry")["Exec"] == f"{PREFIX}/{program}"
    assert (root / "usr/share/icons/hicolor/scalable/apps/overload-station.svg").is_file()
    units = root / "usr/lib/systemd/user"
    assert (units / TIMER_NAME).read_text() == TIMER.read_text()
    assert (units / SERVICE.name).read_text() == SERVICE.read_text()
    wants = root / "etc/systemd/user/timers.target.wants" / TIMER_NAME
    assert os.readlink(wants) == f"/usr/lib/systemd/user/{TIMER_NAME}"
    assert os.readlink(root / "usr/local/bin" / cli) == f"{PREFIX}/{cli}"
    assert not (root / "etc/systemd/system").exists()


def test_another_prefix_is_written_into_the_menu_entry_and_the_service(staged):
    bundle, root = staged
    program, cli = _names()
    done = _install("--bundle", str(bundle), "--destdir", str(root), "--prefix", "/srv/station/")
    assert done.returncode == 0, done.stderr
    assert (root / "srv/station" / program).is_file()
    desktop = _read_ini(root / "usr/share/applications/overload-station.desktop", "Desktop Entry")
    assert desktop["Exec"] == f"/srv/station/{program}"
    service = _read_ini(root / "usr/lib/systemd/user" / SERVICE.name, "Service")
    assert shlex.split(service["ExecStart"])[:2] == [f"/srv/station/{cli}", "upload"]


def test_a_system_install_runs_the_timer_as_the_desktop_account_with_machine_folders(
    staged, tmp_path
):
    bundle, root = staged
    done = _install("--bundle", str(bundle), "--destdir", str(root), *SYSTEM_TIMER)
    assert done.returncode == 0, done.stderr
    assert (root / PREFIX.lstrip("/") / "machine-wide").is_file()
    units = root / "etc/systemd/system"
    service_text = (units / SERVICE.name).read_text(encoding="utf-8")
    assert _read_ini(units / SERVICE.name, "Service")["User"] == RUN_AS
    assert "network-online.target" in _read_ini(units / SERVICE.name, "Unit")["After"]
    wants = units / "timers.target.wants" / TIMER_NAME
    assert os.readlink(wants) == f"/etc/systemd/system/{TIMER_NAME}"
    assert not (root / "usr/lib/systemd/user" / TIMER_NAME).exists()
    for folder in ("etc/overload-station", "var/lib/overload-station"):
        assert (root / folder).is_dir()
        assert (root / folder).stat().st_mode & 0o777 == 0o750
        assert (root / folder).stat().st_uid == os.getuid()
    _verify_units(service_text, (units / TIMER_NAME).read_text(encoding="utf-8"), tmp_path)


def test_an_upgrade_replaces_the_program_and_keeps_configuration_and_data(staged, tmp_path):
    bundle, root = staged
    args = ("--bundle", str(bundle), "--destdir", str(root), *SYSTEM_TIMER)
    assert _install(*args).returncode == 0
    installed = root / PREFIX.lstrip("/")
    (installed / "_internal" / "left-from-v1.so").write_text("old\n", encoding="utf-8")
    database = root / "var/lib/overload-station/station.sqlite3"
    database.write_bytes(b"weighings")
    config = root / "etc/overload-station/station.toml"
    config.write_text('[station]\nsite_code = "410102210001"\n', encoding="utf-8")
    (bundle / "_internal" / "library.so").write_text("library v3\n", encoding="utf-8")
    done = _install(*args)
    assert done.returncode == 0, done.stderr
    assert not (installed / "_internal" / "left-from-v1.so").exists()
    assert (installed / "_internal" / "library.so").read_text() == "library v3\n"
    assert database.read_bytes() == b"weighings"
    assert config.read_text(encoding="utf-8").startswith("[station]")


def test_switching_to_a_user_timer_removes_the_system_one(staged):
    bundle, root = staged
    base = ("--bundle", str(bundle), "--destdir", str(root))
    assert _install(*base, *SYSTEM_TIMER).returncode == 0
    assert _install(*base, "--timer", "user").returncode == 0
    assert not (root / "etc/systemd/system" / TIMER_NAME).exists()
    assert not (root / "etc/systemd/system/timers.target.wants" / TIMER_NAME).is_symlink()
    assert not (root / PREFIX.lstrip("/") / "machine-wide").exists()
    assert (root / "usr/lib/systemd/user" / TIMER_NAME).is_file()


def test_uninstall_removes_program_menu_and_timer_and_keeps_the_data(staged):
    bundle, root = staged
    base = ("--destdir", str(root))
    assert _install(*base, "--bundle", str(bundle), *SYSTEM_TIMER).returncode == 0
    data = root / "var/lib/overload-station/station.sqlite3"
    data.write_bytes(b"evidence")
    done = _install(*base, "--uninstall")
    assert done.returncode == 0, done.stderr
    assert "data are kept" in done.stdout
    assert not (root / PREFIX.lstrip("/")).exists()
    assert not (root / "usr/share/applications/overload-station.desktop").exists()
    assert not (root / "etc/systemd/system" / TIMER_NAME).exists()
    assert not (root / "usr/local/bin/overload-station").is_symlink()
    assert data.read_bytes() == b"evidence"
    assert (root / "etc/overload-station").is_dir()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--timer", "weekly"), "--timer must be user, system or none, not weekly"),
        (("--prefix", "opt/station"), "--prefix must be an absolute path, not opt/station"),
        (("--timer", "system"), "--timer system needs --run-as USER"),
        (("--timer", "system", "--run-as", "no-such-user-here"), "--run-as: no user named"),
        (("--run-as", RUN_AS), "--run-as is only for --timer system"),
        (("--colour", "red"), "unknown option --colour"),
        (("--prefix",), "--prefix needs a value"),
    ],
)
def test_bad_options_exit_2_with_one_line_naming_the_option(staged, args, message):
    bundle, root = staged
    done = _install("--bundle", str(bundle), "--destdir", str(root), *args)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not root.exists(), "nothing is installed"


def test_a_missing_bundle_exits_2_and_says_how_to_build_it(tmp_path):
    done = _install("--bundle", str(tmp_path / "nothing"), "--destdir", str(tmp_path / "root"))
    assert done.returncode == 2
    assert "no built bundle at" in done.stderr and "installer/build.py" in done.stderr


def test_it_refuses_to_replace_a_folder_that_is_not_an_installation(staged):
    bundle, root = staged
    foreign = root / "usr"
    (foreign / "bin").mkdir(parents=True)
    (foreign / "bin" / "tool").write_text("keep me\n", encoding="utf-8")
    for extra in ((), ("--uninstall",)):
        done = _install("--bundle", str(bundle), "--destdir", str(root), "--prefix", "/usr", *extra)
        assert done.returncode == 2
        assert "is not an overload-station installation" in done.stderr
        assert (foreign / "bin" / "tool").read_text() == "keep me\n"
