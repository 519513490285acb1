"""Test-wide settings: Qt offscreen, and per-test config/data folders (never the user's)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")

pytest_plugins = ["tests.support.postgres", "tests.support.cups"]

# With pytest-xdist (scripts/dev.py test runs `-n auto --dist loadgroup`) every file stays on
# one worker, as with --dist loadfile, except these groups, whose files run one after the
# other on one worker: the simulations that drive trucks against the clock at 20-40x speed
# would compete for the two cores with each other, and the printing tests share one CUPS
# queue and its output folder.
SERIAL_GROUPS = {
    "simulations": (
        "tests/lanes/test_kill.py",
        "tests/lanes/test_headless.py",
        "tests/multistation/test_lost_server.py",
        "tests/ui/test_demo.py",
        "tests/lanes/test_raw_count_axle_scale.py",
        "tests/installer/test_bundle.py",  # builds the bundle, then runs its demo for 30 s
    ),
    "cups": ("tests/cli/test_print_record_cli.py", "tests/drivers/test_printers.py"),
}
_GROUP_OF = {path: group for group, paths in SERIAL_GROUPS.items() for path in paths}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    del config
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(_GROUP_OF.get(path, path)))


@pytest.fixture(autouse=True)
def _isolated_user_folders(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("STATION_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("STATION_DATA_DIR", str(base / "data"))


@pytest.fixture(autouse=True, scope="module")
def _no_modbus_claim_outlives_its_file() -> Iterator[None]:
    """A Modbus bus a test file left open keeps its claim on the port in this process; the
    OS may hand the same loopback port to a later file on the same xdist worker, whose bus
    would then be refused as "already has an owner". Close what the file left behind."""
    from drivers.modbus import client

    before = set(client._claims)
    yield
    with client._claims_lock:
        left = [bus for key, bus in client._claims.items() if key not in before]
    for bus in left:
        bus.close()
