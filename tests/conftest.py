"""Test-wide settings: Qt offscreen, and per-test config/data folders (never the user's)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")

pytest_plugins = ["tests.support.postgres", "tests.support.cups"]


@pytest.fixture(autouse=True)
def _isolated_user_folders(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("STATION_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("STATION_DATA_DIR", str(base / "data"))
