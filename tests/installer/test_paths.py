"""Machine-wide folders: a frozen program with the `machine-wide` marker next to it.

The installers put the marker there (Windows always, Linux with `install.sh --timer system`);
the program then keeps configuration and data in ProgramData or /etc and /var/lib, for every
user and for the scheduled upload alike. `sys.frozen` and `sys.executable` are what PyInstaller
sets in the bundle; the tests set them the same way around a real program file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import pytest

from station import paths


@pytest.fixture
def program(tmp_path, monkeypatch) -> Path:
    """A program file in an install folder, as sys.executable of a frozen run; no overrides."""
    folder = tmp_path / "opt" / "overload-station"
    folder.mkdir(parents=True)
    executable = folder / "overload-station"
    executable.write_bytes(b"\x7fELF")
    monkeypatch.setattr(sys, "executable", str(executable))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.delenv("STATION_CONFIG_DIR", raising=False)
    monkeypatch.delenv("STATION_DATA_DIR", raising=False)
    return executable


def _mark(program: Path) -> None:
    (program.parent / paths.MACHINE_MARKER).write_text("installed for all users\n")


def _user_dirs() -> tuple[Path, Path]:
    return (
        Path(platformdirs.user_config_dir(paths.APP_NAME, paths.APP_AUTHOR)),
        Path(platformdirs.user_data_dir(paths.APP_NAME, paths.APP_AUTHOR)),
    )


def test_a_marked_frozen_program_uses_the_machine_folders(program):
    _mark(program)
    assert paths.machine_wide()
    assert paths.config_dir() == Path("/etc/overload-station")
    assert paths.data_dir() == Path("/var/lib/overload-station")
    assert paths.default_config_path() == Path("/etc/overload-station/station.toml")


def test_without_the_marker_the_folders_are_the_users(program):
    assert not paths.machine_wide()
    assert (paths.config_dir(), paths.data_dir()) == _user_dirs()


def test_a_program_run_from_source_ignores_a_marker_next_to_python(program, monkeypatch):
    _mark(program)
    monkeypatch.setattr(sys, "frozen", False)
    assert not paths.machine_wide()
    assert (paths.config_dir(), paths.data_dir()) == _user_dirs()


def test_a_folder_named_like_the_marker_is_not_the_marker(program):
    (program.parent / paths.MACHINE_MARKER).mkdir()
    assert not paths.machine_wide()


def test_the_marker_is_found_through_a_symlink_to_the_program(program, tmp_path, monkeypatch):
    # /usr/local/bin/overload-station -> /opt/overload-station/overload-station
    _mark(program)
    link = tmp_path / "bin" / "overload-station"
    link.parent.mkdir()
    link.symlink_to(program)
    monkeypatch.setattr(sys, "executable", str(link))
    assert paths.config_dir() == Path("/etc/overload-station")


def test_the_environment_overrides_the_machine_folders(program, tmp_path, monkeypatch):
    _mark(program)
    monkeypatch.setenv("STATION_CONFIG_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("STATION_DATA_DIR", str(tmp_path / "d"))
    assert (paths.config_dir(), paths.data_dir()) == (tmp_path / "c", tmp_path / "d")


def test_windows_machine_folders_are_under_programdata(monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    base = Path(platformdirs.site_data_dir())  # C:\ProgramData on Windows
    assert paths.machine_dir("config") == base / "overload-station" / "config"
    assert paths.machine_dir("data") == base / "overload-station" / "data"


def test_an_unknown_kind_of_folder_is_refused_naming_the_allowed_ones():
    with pytest.raises(ValueError, match="kind: 'logs' is not one of config, data"):
        paths.machine_dir("logs")


def test_the_frozen_demo_names_the_installed_program_as_the_command_to_verify_again(
    program, tmp_path, capsys, monkeypatch
):
    from station.services.demo_cli import demo_main

    monkeypatch.setenv("STATION_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("STATION_DATA_DIR", str(tmp_path / "data"))
    assert demo_main(tmp_path / "demo", vehicles=2, seed=7, language="en") == 0
    config = tmp_path / "demo" / "station.toml"
    assert f"Verify again: {program} verify --config {config}" in capsys.readouterr().out
