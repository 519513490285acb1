"""`main.py probe`, the technician's tool, against real ports: a pty pair, a TCP device
server and an in-process Modbus transmitter."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from drivers.base import IndicatorValue
from drivers.modbus import shipped_map
from drivers.modbus.sim import WeightTransmitterSim
from drivers.protocols import encoder
from drivers.sim.stream import StreamSimulator
from tests.drivers.transport.conftest import PtyPair

ROOT = Path(__file__).resolve().parents[3]


def probe(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "probe", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def lines(result: subprocess.CompletedProcess[str]) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_toledo_over_a_pty_pair(
    pty_pair: PtyPair, port_sim: Callable[..., StreamSimulator]
) -> None:
    frame = encoder("toledo")(IndicatorValue(weight_kg=49380, stable=True))
    port_sim([frame], rate_hz=50)
    result = probe("toledo", str(pty_pair.app), "--count", "3")
    assert result.returncode == 0, result.stderr
    assert (
        lines(result)
        == [
            {
                "weight": 49380,
                "stable": True,
                "net": False,
                "tare": 0,
                "overload": False,
                "unit": "kg",
            }
        ]
        * 3
    )


def test_yaohua_over_a_device_server(tcp_sim: Callable[..., StreamSimulator]) -> None:
    frames = [encoder("yaohua-tf0")(IndicatorValue(weight_kg=w, stable=False)) for w in (0, 1560)]
    sim = tcp_sim(frames, rate_hz=50)
    result = probe("yaohua-tf0", sim.url, "--count", "4")
    assert result.returncode == 0, result.stderr
    assert {reading["weight"] for reading in lines(result)} == {0, 1560}


def test_wrong_protocol_explains_what_arrived(
    pty_pair: PtyPair, port_sim: Callable[..., StreamSimulator]
) -> None:
    port_sim([encoder("yaohua-tf0")(IndicatorValue(weight_kg=1560, stable=False))], rate_hz=50)
    result = probe("toledo", str(pty_pair.app), "--timeout", "1")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "bytes arrived" in result.stderr and "check the protocol" in result.stderr


def test_silent_port_points_at_the_cable(pty_pair: PtyPair) -> None:
    result = probe("toledo", str(pty_pair.app), "--timeout", "1")
    assert result.returncode == 1
    assert "no bytes arrived" in result.stderr and "cable" in result.stderr


def test_modbus_weight_transmitter_over_tcp() -> None:
    sim = WeightTransmitterSim(shipped_map("flintec-ft112"))
    sim.set(gross_kg=23450, stable=True)
    with sim.start_tcp():
        result = probe("modbus-weight", sim.url, "--map", "flintec-ft112", "--count", "2")
    assert result.returncode == 0, result.stderr
    assert [r["weight"] for r in lines(result)] == [23450, 23450]
    assert all(r["stable"] for r in lines(result))


def test_modbus_without_a_server_fails_clearly() -> None:
    result = probe("modbus-weight", "tcp://127.0.0.1:9", "--map", "flintec-ft112",
                   "--timeout", "1")  # fmt: skip
    assert result.returncode == 1
    assert "no valid reading" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("bogus", "/dev/null"), "PROTOCOL"),
        (("modbus-weight", "tcp://127.0.0.1:9"), "--map"),
        (("modbus-weight", "tcp://127.0.0.1:9", "--map", "adam-4050"), "not a weight"),
        (("toledo", "bogus://x"), "port"),
    ],
)
def test_bad_options_exit_2_with_a_message(args: tuple[str, ...], message: str) -> None:
    result = probe(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
