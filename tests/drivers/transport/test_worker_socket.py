"""PortWorker over socket:// and rfc2217:// URLs: serial device servers on the network."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest

from drivers.sim import StreamSimulator
from drivers.transport import PortSettings
from drivers.worker import NETWORK_SILENCE_REOPEN_S
from station.domain.readings import DeviceState
from tests.drivers.transport.conftest import PtyPair, Rfc2217Server, Running
from tests.drivers.transport.support import CommandIndicator, LineProtocol, eventually, line

StartWorker = Callable[..., Running]
StartSim = Callable[..., StreamSimulator]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_readings_arrive_over_a_device_server(tcp_sim: StartSim, start_worker: StartWorker) -> None:
    sim = tcp_sim([line(49380), line(49400, motion=True)], rate_hz=400)
    running = start_worker(sim.url)
    recorder = running.recorder
    assert recorder.wait_for(lambda: len(recorder.readings) >= 200, timeout=3)

    weights = {r.weight_kg: r.stable for r in recorder.readings}
    assert weights == {49380: True, 49400: False}
    assert len(recorder.readings) / len(recorder.batches) >= 5, "batched, not per frame"
    assert recorder.states[:2] == [DeviceState.CONNECTING, DeviceState.OK]
    assert running.worker.counters().format_errors == 0


@pytest.mark.slow
def test_a_restarted_device_server_is_read_again_within_three_seconds(
    tcp_sim: StartSim, start_worker: StartWorker
) -> None:
    sim = tcp_sim([line(111)], rate_hz=20)
    host, port = sim.address
    running = start_worker(sim.url)
    recorder = running.recorder
    assert recorder.wait_weight(111)
    seen = len(recorder.statuses)

    sim.stop()
    offline = recorder.wait_state(DeviceState.OFFLINE, after=seen)
    assert offline is not None
    assert "socket" in offline.detail
    time.sleep(2.5)  # the scenario: the server stays down while the backoff grows
    assert "refused" in running.worker.counters().last_error

    tcp_sim([line(222)], port=port, host=host, rate_hz=20)
    reopened = time.monotonic()
    resumed = recorder.wait_weight(222, timeout=5)
    assert resumed is not None
    assert resumed - reopened < 3.0
    assert recorder.states[seen:][-2:] == [DeviceState.CONNECTING, DeviceState.OK]
    assert running.worker.counters().reconnects == 1


@pytest.mark.slow
def test_a_silently_rebooted_device_server_is_reconnected_after_the_silence(
    tcp_sim: StartSim, start_worker: StartWorker
) -> None:
    sim = tcp_sim([line(111)], rate_hz=20)
    running = start_worker(sim.url)  # network ports reopen after 3 s of silence by default
    recorder = running.recorder
    assert recorder.wait_weight(111)
    seen = len(recorder.statuses)

    # The old connection stays open but silent, as after a device server's power cycle.
    sim.forget_clients()
    sim.set_frames([line(222)])
    forgotten = time.monotonic()
    resumed = recorder.wait_weight(222, timeout=5)
    assert resumed is not None
    assert resumed - forgotten < NETWORK_SILENCE_REOPEN_S + 1.0
    # Reopening after silence keeps STALE instead of flapping through CONNECTING.
    assert recorder.states[seen:] == [DeviceState.STALE, DeviceState.OK]
    counters = running.worker.counters()
    assert counters.reconnects == 1
    assert "no data for 3 s" in counters.last_error


def test_a_server_that_is_not_up_yet_is_retried_until_it_is(
    tcp_sim: StartSim, start_worker: StartWorker
) -> None:
    port = _free_port()
    running = start_worker(f"socket://127.0.0.1:{port}")
    offline = running.recorder.wait_state(DeviceState.OFFLINE)
    assert offline is not None
    assert offline.detail.startswith(f"cannot open socket://127.0.0.1:{port}")
    assert "refused" in offline.detail

    tcp_sim([line(5)], port=port, rate_hz=20)
    assert running.recorder.wait_weight(5, timeout=3)
    assert running.recorder.states == [
        DeviceState.CONNECTING,
        DeviceState.OFFLINE,
        DeviceState.CONNECTING,
        DeviceState.OK,
    ]
    assert running.worker.counters().reconnects == 0, "the first open is not a reconnect"


def test_commands_and_polls_reach_a_device_server(
    tcp_sim: StartSim, start_worker: StartWorker
) -> None:
    sim = tcp_sim(rate_hz=0, respond=CommandIndicator(b"R\r\n", first_weight=500))
    running = start_worker(sim.url, LineProtocol(poll=b"R\r\n"))
    assert running.recorder.wait_weight(500)
    assert running.recorder.wait_weight(501)

    running.worker.write(b"Z\r\n")
    assert sim.wait_received(b"Z\r\n", timeout=2)
    assert running.worker.counters().bytes_out >= 3 * 2 + 3


def test_stop_returns_within_a_second_while_reading_a_socket(
    tcp_sim: StartSim, start_worker: StartWorker
) -> None:
    sim = tcp_sim(rate_hz=0)  # connected, nothing to read: every read waits its timeout
    running = start_worker(sim.url)
    assert eventually(lambda: running.worker.counters().port_open)
    started = time.monotonic()
    assert running.worker.stop(1.0)
    assert time.monotonic() - started < 1.0
    assert eventually(lambda: sim.client_count == 0, timeout=1)


def test_several_workers_share_one_device_server_and_one_leaving_is_harmless(
    tcp_sim: StartSim, start_worker: StartWorker
) -> None:
    sim = tcp_sim([line(8)], rate_hz=50)
    first = start_worker(sim.url)
    second = start_worker(sim.url)
    assert first.recorder.wait_weight(8) and second.recorder.wait_weight(8)
    assert sim.client_count == 2

    assert first.worker.stop(1.0)
    assert eventually(lambda: sim.client_count == 1)
    before = len(second.recorder.readings)
    assert second.recorder.wait_for(lambda: len(second.recorder.readings) > before + 5, 2)


# pyserial 3.5's RFC 2217 client still calls Thread.setDaemon/setName.
@pytest.mark.filterwarnings("ignore:set(Daemon|Name)\\(\\) is deprecated:DeprecationWarning")
def test_readings_arrive_over_rfc2217(
    pty_pair: PtyPair,
    port_sim: StartSim,
    rfc2217_server: Rfc2217Server,
    start_worker: StartWorker,
) -> None:
    sim = port_sim([line(31000)], rate_hz=50)
    running = start_worker(PortSettings(rfc2217_server.url, 2400, 7, "E", 1))
    assert running.recorder.wait_weight(31000, timeout=5)

    running.worker.write(b"T\r\n")
    assert sim.wait_received(b"T\r\n", timeout=2)
    assert running.worker.counters().state is DeviceState.OK
