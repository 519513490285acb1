"""The Windows installer script (Inno Setup 6) holds every entry issue 9 asks for.

Inno Setup does not run on Linux, so the script cannot be compiled here; these tests read it
and check each required entry, and that its names agree with the bundle and station/paths.py.
"""

from __future__ import annotations

import re
import shlex
import sys
import tomllib
from pathlib import Path, PureWindowsPath

import platformdirs
import pytest

from station import paths
from tests.installer.helpers import INSTALLER, ROOT, load_installer_module
from tests.installer.iss import IssError, Script, read_script
from ui import first_run_model

ISS = INSTALLER / "windows" / "overload-station.iss"
SYSTEM, ADMINS, USERS = "*S-1-5-18", "*S-1-5-32-544", "*S-1-5-32-545"
DATA_ROOT = "{commonappdata}\\overload-station"


@pytest.fixture(scope="module")
def script() -> Script:
    return read_script(ISS)


@pytest.fixture(scope="module")
def names():
    files = load_installer_module("bundle_files")
    return f"{files.NAME}.exe", f"{files.CLI_NAME}.exe"


def _schtasks(script: Script, section: str) -> list[str]:
    return [
        entry["Parameters"]
        for entry in script.entries(section)
        if entry["Filename"] == "{sys}\\schtasks.exe"
    ]


def _task_name(parameters: str) -> str:
    found = re.search(r'/TN "([^"]+)"', parameters)
    assert found, parameters
    return found.group(1)


def _icacls(script: Script, target: str) -> str:
    runs = [entry for entry in script.entries("Run") if entry["Filename"] == "{sys}\\icacls.exe"]
    found = [entry for entry in runs if entry["Parameters"].startswith(f'"{target}"')]
    assert len(found) == 1, f"one icacls entry for {target}, found {found}"
    return found[0]["Parameters"]


def _grants(parameters: str) -> dict[str, str]:
    return dict(re.findall(r"(\*S-[0-9-]+):(\S+)", parameters))


def test_the_script_is_utf8_with_a_byte_order_mark_so_inno_reads_the_chinese_names():
    data = ISS.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert "治超检测站" in data.decode("utf-8-sig")


def test_it_installs_per_machine_under_program_files(script):
    setup = script.setup
    assert setup["PrivilegesRequired"] == "admin"
    assert setup["DefaultDirName"] == "{autopf}\\overload-station"
    assert re.fullmatch(r"\{\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", setup["AppId"])
    assert setup["ArchitecturesInstallIn64BitMode"] == "x64compatible"


def test_its_default_version_is_the_projects(script):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert script.defines["AppVersion"] == project["version"]
    assert script.setup["AppVersion"] == project["version"]


def test_it_installs_the_built_bundle_and_the_machine_wide_marker(script, names):
    files = {entry["Source"]: entry for entry in script.entries("Files")}
    bundle = files["..\\..\\dist\\overload-station\\*"]
    assert bundle["DestDir"] == "{app}"
    assert {"recursesubdirs", "createallsubdirs"} <= set(bundle["Flags"].split())
    marker = files["machine-wide"]
    assert marker["DestDir"] == "{app}"
    assert (ISS.parent / "machine-wide").is_file()
    assert paths.MACHINE_MARKER == "machine-wide"
    dist = load_installer_module("bundle_files").NAME
    assert bundle["Source"].split("\\")[-2] == dist


def test_an_upgrade_replaces_the_program_libraries_whole(script):
    deleted = {entry["Name"] for entry in script.entries("InstallDelete")}
    assert deleted == {"{app}\\_internal"}


def test_start_menu_has_the_desktop_verify_upload_now_and_uninstall(script, names):
    program, cli = names
    icons = script.entries("Icons")
    assert all(entry["Name"].startswith("{group}\\") for entry in icons)
    targets = {entry["Filename"] for entry in icons}
    assert f"{{app}}\\{program}" in targets
    assert "{uninstallexe}" in targets
    commands = [entry["Parameters"] for entry in icons if entry["Filename"] == "{cmd}"]
    # cmd /k keeps the window open so the technician reads the result.
    assert f'/k ""{{app}}\\{cli}" verify"' in commands
    upload = re.compile(rf'/k ""\{{app\}}\\{re.escape(cli)}" upload( .*)?"')
    assert any(upload.fullmatch(command) for command in commands)
    assert len(icons) == 4


def test_the_nightly_upload_is_registered_with_task_scheduler_as_system(script, names):
    _, cli = names
    created = _schtasks(script, "Run")
    nightly = [p for p in created if "/SC DAILY" in p]
    assert len(nightly) == 1
    parameters = nightly[0]
    assert parameters.startswith("/Create /F ")
    assert "/ST 02:00" in parameters and "/RU SYSTEM" in parameters
    command = re.search(r'/TR "(.*)"$', parameters).group(1).replace('\\"', '"')
    words = shlex.split(command.replace("\\", "/"))
    assert PureWindowsPath(words[0]).name == cli
    assert words[1] == "upload"
    assert any("/SC ONSTART" in p for p in created), "a night the PC was off is caught up"


def test_uninstall_deletes_every_task_the_install_created(script):
    created = {_task_name(p) for p in _schtasks(script, "Run") if p.startswith("/Create")}
    deleted = {_task_name(p) for p in _schtasks(script, "UninstallRun") if p.startswith("/Delete")}
    assert created and created == deleted
    for entry in script.entries("UninstallRun"):
        assert entry.get("RunOnceId"), entry


def test_configuration_and_data_live_in_programdata_and_are_never_uninstalled(script):
    dirs = {entry["Name"]: entry for entry in script.entries("Dirs")}
    for folder in ("", "\\config", "\\data"):
        entry = dirs[DATA_ROOT + folder]
        assert "uninsneveruninstall" in entry["Flags"].split(), folder
    assert "users-modify" in dirs[DATA_ROOT + "\\data"]["Permissions"].split()
    for section in ("InstallDelete", "UninstallDelete"):
        for entry in script.entries(section):
            assert "{commonappdata}" not in entry["Name"], entry


def test_the_programdata_folders_are_the_ones_the_program_uses(script, monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    base = Path(platformdirs.site_data_dir())  # C:\ProgramData on Windows
    dirs = {entry["Name"] for entry in script.entries("Dirs")}
    for kind in ("config", "data"):
        relative = paths.machine_dir(kind).relative_to(base)
        assert "{commonappdata}\\" + "\\".join(relative.parts) in dirs


def test_the_province_key_is_readable_by_system_and_administrators_only(script):
    # The key file the first-run wizard writes into the data folder.
    key_file = script.defines["KeyFile"]
    assert key_file == f"{DATA_ROOT}\\data\\{first_run_model.KEY_FILE_NAME}"
    key = _icacls(script, key_file)
    assert "/inheritance:r" in key and "/grant:r" in key
    assert _grants(key) == {SYSTEM: "F", ADMINS: "F"}
    entry = next(e for e in script.entries("Run") if e["Parameters"] == key)
    assert entry["Check"] == "KeyFileExists"
    assert "function KeyFileExists(): Boolean;" in script.code
    assert "{#KeyFile}" in script.code


def test_users_read_the_configuration_and_only_administrators_change_it(script):
    config = _icacls(script, DATA_ROOT + "\\config")
    assert "/inheritance:r" in config
    assert _grants(config) == {SYSTEM: "(OI)(CI)F", ADMINS: "(OI)(CI)F", USERS: "(OI)(CI)RX"}


def test_the_reader_refuses_what_it_does_not_understand(tmp_path):
    broken = tmp_path / "broken.iss"
    broken.write_text('[Icons]\nName: "{group}\\x"; Filename: "{#Missing}"\n', encoding="utf-8")
    with pytest.raises(IssError, match=r"broken.iss:2: \{#Missing\} is not defined"):
        read_script(broken)
    broken.write_text('[Run]\nFilename: "a; Parameters: b\n', encoding="utf-8")
    with pytest.raises(IssError, match=r"broken\.iss:2: unbalanced quotes"):
        read_script(broken)
