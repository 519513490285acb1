"""Per-user folders for configuration and data (platformdirs), overridable for tests."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "overload-station"
APP_AUTHOR = "overload-station"
CONFIG_FILE_NAME = "station.toml"


def config_dir() -> Path:
    override = os.environ.get("STATION_CONFIG_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR))


def data_dir() -> Path:
    override = os.environ.get("STATION_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def default_config_path() -> Path:
    return config_dir() / CONFIG_FILE_NAME
