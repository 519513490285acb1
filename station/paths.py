"""Folders for configuration and data: per user (platformdirs), or per machine when installed so.

Order: STATION_CONFIG_DIR / STATION_DATA_DIR (tests, unusual set-ups); then the machine folders
when the installed program has the `machine-wide` marker file next to it (the Windows
installer and `install.sh --timer system` put it there, docs/installing.md); else the user's.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "overload-station"
APP_AUTHOR = "overload-station"
CONFIG_FILE_NAME = "station.toml"
MACHINE_MARKER = "machine-wide"
# Linux (and other POSIX) machine folders; Windows uses ProgramData (see machine_dir).
POSIX_MACHINE_DIRS = {"config": Path("/etc"), "data": Path("/var/lib")}


def machine_wide() -> bool:
    """True for a frozen program installed for every user (the marker file sits next to it).

    Only a frozen program counts: next to a Python interpreter the marker would say nothing
    about which station this checkout serves.
    """
    if not getattr(sys, "frozen", False):
        return False
    return (Path(sys.executable).resolve().parent / MACHINE_MARKER).is_file()


def machine_dir(kind: str) -> Path:
    """The per-machine folder of `kind` ("config" or "data")."""
    if kind not in POSIX_MACHINE_DIRS:
        raise ValueError(f"kind: {kind!r} is not one of config, data")
    if sys.platform == "win32":
        # C:\ProgramData\overload-station\config|data, as the Windows installer creates them.
        return Path(platformdirs.site_data_dir()) / APP_NAME / kind
    return POSIX_MACHINE_DIRS[kind] / APP_NAME


def config_dir() -> Path:
    override = os.environ.get("STATION_CONFIG_DIR")
    if override:
        return Path(override)
    if machine_wide():
        return machine_dir("config")
    return Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR))


def data_dir() -> Path:
    override = os.environ.get("STATION_DATA_DIR")
    if override:
        return Path(override)
    if machine_wide():
        return machine_dir("data")
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def default_config_path() -> Path:
    return config_dir() / CONFIG_FILE_NAME
