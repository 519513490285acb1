"""PortSettings, open_port over every kind of port, and the reconnect schedule."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import serial

from drivers.sim import StreamSimulator
from drivers.transport import (
    Backoff,
    PortSettings,
    PortSettingsError,
    ReconnectPolicy,
    interrupt,
    is_network_port,
    open_port,
    read_some,
)
from tests.drivers.transport.conftest import PtyPair


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"port": ""}, "port"),
        ({"port": "   "}, "port"),
        ({"port": "sockt://127.0.0.1:4001"}, "port"),
        ({"baudrate": 0}, "baudrate"),
        ({"baudrate": "9600"}, "baudrate"),
        ({"baudrate": True}, "baudrate"),
        ({"bytesize": 6}, "bytesize"),
        ({"parity": "M"}, "parity"),
        ({"parity": "e"}, "parity"),
        ({"stopbits": 1.5}, "stopbits"),
        ({"timeout_s": 0}, "timeout_s"),
        ({"timeout_s": 5.0}, "timeout_s"),
        ({"timeout_s": None}, "timeout_s"),
        ({"write_timeout_s": -1}, "write_timeout_s"),
    ],
)
def test_invalid_settings_name_the_field(changes: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {"port": "/dev/ttyUSB0", **changes}
    with pytest.raises(PortSettingsError) as caught:
        PortSettings(**arguments)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_settings_defaults_and_description() -> None:
    settings = PortSettings("COM3")
    assert (settings.baudrate, settings.bytesize, settings.parity, settings.stopbits) == (
        9600,
        8,
        "N",
        1,
    )
    assert settings.timeout_s == 0.1
    assert PortSettings("/dev/ttyS0", 2400, 7, "E", 1).describe() == "/dev/ttyS0 2400 7E1"
    assert PortSettings("socket://10.0.0.5:4001").describe() == "socket://10.0.0.5:4001"
    for port in ("socket://h:1", "rfc2217://h:1", "RFC2217://h:1"):
        assert is_network_port(port)
    for port in ("COM3", "/dev/ttyUSB0", "loop://"):
        assert not is_network_port(port)


def test_open_port_loop_url_round_trips() -> None:
    port = open_port(PortSettings("loop://", 19200, 7, "E", 2, timeout_s=0.2))
    try:
        assert (port.baudrate, port.bytesize, port.parity, port.stopbits) == (19200, 7, "E", 2)
        assert port.timeout == 0.2
        port.write(b"W100\r\n")
        assert read_some(port) + read_some(port) == b"W100\r\n"
    finally:
        port.close()


def test_open_port_by_device_path_applies_line_settings(pty_pair: PtyPair) -> None:
    app = open_port(PortSettings(str(pty_pair.app), 4800, 7, "O", 2, timeout_s=0.5))
    device = open_port(PortSettings(str(pty_pair.device)))
    try:
        assert isinstance(app, serial.Serial)
        assert (app.baudrate, app.bytesize, app.parity, app.stopbits) == (4800, 7, "O", 2)
        device.write(b"W1\r\n")
        received = b""
        while len(received) < 4:
            chunk = read_some(app)
            assert chunk, "timed out"
            received += chunk
        assert received == b"W1\r\n"
    finally:
        app.close()
        device.close()


def test_a_second_opener_of_the_same_device_is_refused(pty_pair: PtyPair) -> None:
    first = open_port(PortSettings(str(pty_pair.app)))
    try:
        with pytest.raises(serial.SerialException):
            open_port(PortSettings(str(pty_pair.app)))
    finally:
        first.close()


def test_open_port_socket_url_reads_a_tcp_server_in_chunks(
    tcp_sim: Callable[..., StreamSimulator],
) -> None:
    sim = tcp_sim([b"W7\r\n"], rate_hz=200)
    port = open_port(PortSettings(sim.url))
    try:
        chunk = read_some(port)
        # One read collects a timeout's worth of frames, not one byte per call.
        assert len(chunk) > 4
        assert b"W7\r\n" in chunk
    finally:
        port.close()


def test_open_port_errors_are_serial_exceptions(tmp_path: Path) -> None:
    with pytest.raises(serial.SerialException, match="missing"):
        open_port(PortSettings(str(tmp_path / "missing")))
    with pytest.raises(serial.SerialException, match="refused"):
        # Port 1 is privileged and unused on a test machine: the connection is refused.
        open_port(PortSettings("socket://127.0.0.1:1"))


def test_interrupt_tolerates_a_closed_port() -> None:
    port = open_port(PortSettings("loop://"))
    port.close()
    interrupt(port)


def test_reconnect_delays_double_to_a_two_second_cap() -> None:
    policy = ReconnectPolicy()
    assert [policy.delay(n) for n in range(0, 8)] == [0.0, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0, 2.0]
    assert policy.delay(10_000) == 2.0
    # Replugged during the longest wait: reopened within the cap, leaving time for a frame.
    assert policy.max_s < 3.0


def test_reconnect_policy_rejects_nonsense() -> None:
    with pytest.raises(PortSettingsError):
        ReconnectPolicy(initial_s=0)
    with pytest.raises(PortSettingsError):
        ReconnectPolicy(initial_s=3, max_s=2)
    with pytest.raises(PortSettingsError):
        ReconnectPolicy(factor=0.5)


def test_backoff_sleeps_through_the_injected_sleep_and_resets() -> None:
    slept: list[float] = []
    backoff = Backoff(ReconnectPolicy(initial_s=0.5, max_s=3.0), sleep=slept.append)
    assert backoff.wait() == 0.0
    for _ in range(5):
        backoff.failed()
        backoff.wait()
    assert slept == [0.5, 1.0, 2.0, 3.0, 3.0]
    backoff.succeeded()
    assert backoff.failed() == 0.5
