"""StreamSimulator: paced frames to a pty or to TCP clients, requests collected and answered."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest

from drivers.sim import StreamSimulator
from drivers.transport import PortSettings, open_port, read_some
from tests.drivers.transport.conftest import PtyPair
from tests.drivers.transport.support import CommandIndicator, eventually, line

StartSim = Callable[..., StreamSimulator]


def _connect(sim: StreamSimulator) -> socket.socket:
    client = socket.create_connection(sim.address, timeout=2)
    assert eventually(lambda: sim.client_count >= 1)
    return client


def _read_for(client: socket.socket, seconds: float) -> bytes:
    received = b""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        client.settimeout(left)
        try:
            chunk = client.recv(65536)
        except TimeoutError:
            break
        if not chunk:
            break
        received += chunk
    return received


def test_frames_are_paced_at_the_given_rate(tcp_sim: StartSim) -> None:
    sim = tcp_sim([line(1), line(2)], rate_hz=200)
    with _connect(sim) as client:
        received = _read_for(client, 1.0)
    frames = received.count(b"\r\n")
    assert 170 <= frames <= 230, frames
    assert received.startswith((line(1), line(2)))
    assert received.replace(line(1), b"").replace(line(2), b"") == b""


def test_several_clients_get_the_stream_and_a_client_leaving_is_harmless(
    tcp_sim: StartSim,
) -> None:
    sim = tcp_sim([line(9)], rate_hz=100)
    with _connect(sim) as staying:
        leaving = socket.create_connection(sim.address, timeout=2)
        assert eventually(lambda: sim.client_count == 2)
        assert _read_for(leaving, 0.2).count(line(9)) > 5
        leaving.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00" * 2)
        leaving.close()  # an abortive close (RST), as a crashing client does
        assert eventually(lambda: sim.client_count == 1)
        _read_for(staying, 0.1)
        assert _read_for(staying, 0.3).count(line(9)) > 10
    assert sim.is_alive()


def test_pause_resume_and_new_frames(tcp_sim: StartSim) -> None:
    sim = tcp_sim([line(1)], rate_hz=100)
    with _connect(sim) as client:
        assert line(1) in _read_for(client, 0.2)
        sim.pause()
        _read_for(client, 0.05)  # what was in flight
        assert _read_for(client, 0.3) == b""
        sim.set_frames([line(2)])
        sim.resume()
        assert line(2) in _read_for(client, 0.3)


def test_requests_are_collected_and_answered_to_the_sender(tcp_sim: StartSim) -> None:
    sim = tcp_sim(rate_hz=0, respond=CommandIndicator(b"P\r\n", first_weight=70))
    with _connect(sim) as asking, _connect(sim) as listening:
        assert eventually(lambda: sim.client_count == 2)
        asking.sendall(b"P\r")
        asking.sendall(b"\nP\r\n")
        assert sim.wait_received(b"P\r\nP\r\n", timeout=2)
        assert _read_for(asking, 0.3) == line(70) + line(71)
        assert _read_for(listening, 0.1) == b""


def test_a_repeat_false_stream_is_sent_once(tcp_sim: StartSim) -> None:
    sim = tcp_sim(rate_hz=100)  # nothing to send until the client is there
    with _connect(sim) as client:
        sim.set_frames([line(1), line(2), line(3)], repeat=False)
        assert _read_for(client, 0.3) == line(1) + line(2) + line(3)
    assert sim.frames_sent == 3


def test_a_stopped_server_refuses_connections(tcp_sim: StartSim) -> None:
    sim = tcp_sim([line(1)])
    address = sim.address
    assert sim.url == f"socket://127.0.0.1:{address[1]}"
    assert sim.stop(1.0)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=1).close()


def test_port_simulator_writes_to_a_pty_and_reopens_it_after_a_replug(
    pty_pair: PtyPair, port_sim: StartSim
) -> None:
    sim = port_sim([line(4)], rate_hz=100)
    with pytest.raises(AttributeError, match="TCP"):
        _ = sim.address
    app = open_port(PortSettings(str(pty_pair.app)))
    try:
        assert eventually(lambda: line(4) in read_some(app) + read_some(app))
        app.write(b"Q\r\n")
        assert sim.wait_received(b"Q\r\n", timeout=2)
    finally:
        app.close()

    pty_pair.unplug()
    assert eventually(lambda: not sim.ready)
    pty_pair.plug()
    assert eventually(lambda: sim.ready, timeout=4)
    app = open_port(PortSettings(str(pty_pair.app)))
    try:
        assert eventually(lambda: line(4) in read_some(app) + read_some(app))
    finally:
        app.close()
    assert sim.is_alive()
