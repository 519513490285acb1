"""Fixtures for the Modbus driver tests: maps, started simulators, buses, socat pty pairs."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.modbus import ModbusBus, shipped_maps
from drivers.modbus.maps import load_map

WEIGHT_MAPS = sorted(
    name for name, path in shipped_maps().items() if load_map(path).kind == "weight"
)
IO_MAPS = sorted(name for name, path in shipped_maps().items() if load_map(path).kind == "io")
WIM_MAPS = sorted(name for name, path in shipped_maps().items() if load_map(path).kind == "wim")

# Fast settings for tests: no hold-off after a failed connect, short timeouts.
FAST = {"timeout": 0.5, "retries": 0, "reconnect_delays": (0.0,)}


@pytest.fixture
def make_bus() -> Iterator[Callable[..., ModbusBus]]:
    """Open buses that are closed at teardown, so one test's owner never blocks the next."""
    opened: list[ModbusBus] = []

    def make(port: str, **options: object) -> ModbusBus:
        bus = ModbusBus(port, **{**FAST, **options})  # type: ignore[arg-type]
        opened.append(bus)
        return bus

    yield make
    for bus in opened:
        bus.close()


@pytest.fixture
def socat_pair(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two linked pseudo-terminals (device end, station end); socat is killed at teardown."""
    socat = shutil.which("socat")
    if socat is None:
        pytest.skip("socat is not installed")
    device, station = tmp_path / "ttyDEV", tmp_path / "ttySTATION"
    process = subprocess.Popen(
        [
            socat,
            "-d",
            "-d",
            f"pty,raw,echo=0,link={device}",
            f"pty,raw,echo=0,link={station}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 5
        while not (device.exists() and station.exists()):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("socat did not create the pty pair")
            time.sleep(0.01)
        yield str(device), str(station)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
