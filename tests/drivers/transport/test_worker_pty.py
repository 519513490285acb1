"""PortWorker over a socat pty pair: the station's view of a local serial port."""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from drivers.base import IndicatorValue
from drivers.sim import StreamSimulator
from drivers.transport import PortSettings
from drivers.worker import PortWorker
from station.domain.readings import DeviceState
from tests.drivers.transport.conftest import PtyPair, Running
from tests.drivers.transport.support import (
    CommandIndicator,
    LineProtocol,
    Recorder,
    eventually,
    line,
)

StartWorker = Callable[..., Running]
StartSim = Callable[..., StreamSimulator]


def test_readings_arrive_with_their_values(
    pty_pair: PtyPair, port_sim: StartSim, start_worker: StartWorker
) -> None:
    port_sim([line(12340), line(12345, motion=True)], rate_hz=50)
    before = time.monotonic()
    running = start_worker(str(pty_pair.app))
    recorder = running.recorder
    assert recorder.wait_weight(12340) and recorder.wait_weight(12345)

    readings = recorder.readings
    stable = next(r for r in readings if r.weight_kg == 12340)
    moving = next(r for r in readings if r.weight_kg == 12345)
    assert stable.device_id == "scale-1"
    assert stable.stable and not moving.stable
    assert stable.raw == line(12340)
    assert before <= stable.t_mono <= time.monotonic()
    assert all(a.t_mono <= b.t_mono for a, b in itertools.pairwise(readings))
    assert recorder.states[:2] == [DeviceState.CONNECTING, DeviceState.OK]
    assert recorder.threads == {"port-scale-1"}, "callbacks run on the worker thread"
    counters = running.worker.counters()
    assert counters.state is DeviceState.OK
    assert counters.frames >= 2
    assert counters.bytes_in >= len(line(12340) + line(12345, motion=True))
    assert counters.last_value_t is not None
    assert counters.reconnects == 0


def test_many_frames_arrive_in_few_callbacks(
    pty_pair: PtyPair, port_sim: StartSim, start_worker: StartWorker
) -> None:
    sim = port_sim([line(20000 + n) for n in range(10)], rate_hz=1000)
    running = start_worker(str(pty_pair.app))
    recorder = running.recorder
    started = time.monotonic()
    assert recorder.wait_for(lambda: len(recorder.readings) >= 1000, timeout=5)
    elapsed = time.monotonic() - started
    sim.pause()

    batches = len(recorder.batches)
    assert batches <= elapsed / 0.05 * 1.5 + 5, f"{batches} callbacks in {elapsed:.2f} s"
    assert len(recorder.readings) / batches >= 10
    # Nothing lost or reordered inside a batch: the cycle of ten weights is intact.
    weights = [r.weight_kg for r in recorder.readings]
    first = weights.index(20000)
    cycle = weights[first : first + 500]
    assert cycle == [20000 + n % 10 for n in range(len(cycle))]


def test_garbage_is_counted_and_never_becomes_a_reading(
    pty_pair: PtyPair, port_sim: StartSim, start_worker: StartWorker
) -> None:
    stream = [
        b"\x00\xff noise",  # a stream joined mid-frame: resync on the next line
        b"\r\n",
        line(1),
        line(5, bad_sum=True),
        b"W12a\r\n",
        b"##" + line(2, checksum=True),
        line(3),
    ]
    running = start_worker(str(pty_pair.app))
    # Bytes sent before the port is open are flushed by the open; this stream is sent once.
    assert eventually(lambda: running.worker.counters().port_open)
    port_sim(stream, rate_hz=100, repeat=False)
    assert running.recorder.wait_weight(3)

    counters = running.worker.counters()
    assert counters.bytes_in == sum(len(part) for part in stream)
    assert counters.frames == 3
    assert counters.checksum_errors == 1
    assert counters.format_errors == 1
    assert counters.resyncs == 2
    assert counters.discarded_bytes == len(b"\x00\xff noise\r\n") + 2
    assert counters.last_error, "the last protocol error is shown to the technician"
    assert sorted({r.weight_kg for r in running.recorder.readings}) == [1, 2, 3]
    with pytest.raises(dataclasses.FrozenInstanceError):
        counters.frames = 0  # type: ignore[misc]


@pytest.mark.slow
def test_unplugged_adapter_is_read_again_within_three_seconds_of_replugging(
    pty_pair: PtyPair, port_sim: StartSim, start_worker: StartWorker
) -> None:
    sim = port_sim([line(111)], rate_hz=20)
    protocol = LineProtocol()
    running = start_worker(str(pty_pair.app), protocol)
    recorder = running.recorder
    assert recorder.wait_weight(111)
    seen = len(recorder.statuses)

    sim.stop()
    pty_pair.unplug()
    offline = recorder.wait_state(DeviceState.OFFLINE, after=seen)
    assert offline is not None
    assert str(pty_pair.app) in offline.detail
    # The scenario, not a wait for a condition: the adapter stays out long enough for the
    # backoff to reach its longest delays.
    time.sleep(2.5)
    assert running.worker.is_alive()

    pty_pair.plug()
    replugged = time.monotonic()
    port_sim([line(222)], rate_hz=20)
    resumed = recorder.wait_weight(222, timeout=5)
    assert resumed is not None
    assert resumed - replugged < 3.0

    states = recorder.states[seen:]
    assert states[0] is DeviceState.OFFLINE
    assert states[-2:] == [DeviceState.CONNECTING, DeviceState.OK]
    counters = running.worker.counters()
    assert counters.reconnects == 1
    assert counters.last_error.startswith(f"cannot open {pty_pair.app}"), "the last retry failed"
    assert protocol.resets == 2, "a half frame from the lost port must not join the new stream"


def test_silence_marks_stale_and_a_frame_clears_it(
    pty_pair: PtyPair, port_sim: StartSim, start_worker: StartWorker
) -> None:
    sim = port_sim([line(300)], rate_hz=20)
    running = start_worker(str(pty_pair.app))
    recorder = running.recorder
    assert recorder.wait_weight(300)
    seen = len(recorder.statuses)

    sim.pause()
    paused = time.monotonic()
    stale = recorder.wait_state(DeviceState.STALE, timeout=3, after=seen)
    assert stale is not None
    assert 0.9 <= stale.t_mono - paused <= 1.0 + 0.4
    assert "1 s" in stale.detail
    assert running.worker.counters().state is DeviceState.STALE

    sim.resume()
    assert recorder.wait_state(DeviceState.OK, timeout=1, after=seen + 1)
    assert recorder.states[seen:] == [DeviceState.STALE, DeviceState.OK]
    assert running.worker.counters().reconnects == 0


def test_a_silent_device_is_stale_after_the_configured_time(
    pty_pair: PtyPair, start_worker: StartWorker
) -> None:
    running = start_worker(str(pty_pair.app), stale_after_s=0.3)
    stale = running.recorder.wait_state(DeviceState.STALE, timeout=2)
    connecting = running.recorder.wait_state(DeviceState.CONNECTING)
    assert stale is not None and connecting is not None
    assert stale.t_mono - connecting.t_mono < 0.3 + 0.3
    assert running.recorder.states == [DeviceState.CONNECTING, DeviceState.STALE]


def test_a_missing_port_is_offline_with_a_clear_error_and_retried(
    tmp_path: Path, start_worker: StartWorker
) -> None:
    missing = tmp_path / "ttyUSB9"
    running = start_worker(str(missing))
    offline = running.recorder.wait_state(DeviceState.OFFLINE)
    assert offline is not None
    assert offline.detail.startswith(f"cannot open {missing}")
    assert "No such file" in offline.detail

    first = running.worker.counters()
    assert first.last_error == offline.detail
    # A retry refreshes the error time; seeing it change twice proves it keeps trying.
    times = {first.last_error_t}
    assert eventually(lambda: times.add(running.worker.counters().last_error_t) or len(times) >= 3)
    assert running.worker.is_alive()
    assert running.recorder.states == [DeviceState.CONNECTING, DeviceState.OFFLINE]
    assert running.recorder.readings == []

    started = time.monotonic()
    assert running.worker.stop(1.0)
    assert time.monotonic() - started < 0.5, "stop cuts the backoff wait short"
    assert running.recorder.states[-1] is DeviceState.OFFLINE


def test_stop_returns_at_once_while_a_read_is_blocked(
    pty_pair: PtyPair, start_worker: StartWorker
) -> None:
    running = start_worker(PortSettings(str(pty_pair.app), timeout_s=1.0), stale_after_s=30)
    assert eventually(lambda: running.worker.counters().port_open)
    time.sleep(0.1)  # let the worker enter its read; stop must wake it, not wait it out

    started = time.monotonic()
    assert running.worker.stop(1.0)
    assert time.monotonic() - started < 0.5, "cancel_read wakes the blocked read"
    assert not running.worker.is_alive()
    assert running.recorder.states[-1] is DeviceState.OFFLINE
    assert running.recorder.statuses[-1].detail == "stopped"
    assert running.worker.stop(1.0), "stopping twice is harmless"


def test_stop_before_start_is_harmless() -> None:
    recorder = Recorder()
    worker = PortWorker(
        "scale-1",
        PortSettings("loop://"),
        LineProtocol(),
        on_readings=recorder.on_readings,
        on_status=recorder.on_status,
    )
    assert worker.stop(0.1)
    assert worker.counters().state is DeviceState.OFFLINE


def test_written_commands_reach_the_indicator(
    pty_pair: PtyPair, port_sim: StartSim, start_worker: StartWorker
) -> None:
    sim = port_sim([line(10)], rate_hz=20)
    running = start_worker(str(pty_pair.app))
    assert running.recorder.wait_weight(10)

    running.worker.write(b"Z\r\n")
    running.worker.write(bytearray(b"T\r\n"))
    assert sim.wait_received(b"Z\r\nT\r\n", timeout=2)
    # The simulator may read the bytes before the worker has counted them.
    assert eventually(lambda: running.worker.counters().bytes_out == 6)
    with pytest.raises(TypeError, match="data"):
        running.worker.write("Z\r\n")  # type: ignore[arg-type]


def test_commands_that_wait_too_long_for_the_port_are_dropped(
    pty_pair: PtyPair, port_sim: StartSim, start_worker: StartWorker
) -> None:
    pty_pair.unplug()
    running = start_worker(str(pty_pair.app), command_ttl_s=0.2)
    assert running.recorder.wait_state(DeviceState.OFFLINE)
    running.worker.write(b"Z\r\n")
    time.sleep(0.3)  # the scenario: the command waits longer than its time to live

    pty_pair.plug()
    sim = port_sim([line(10)], rate_hz=20)
    assert running.recorder.wait_weight(10, timeout=4)
    assert not sim.wait_received(b"Z", timeout=0.3)
    assert running.worker.counters().bytes_out == 0
    assert "dropped" in running.worker.counters().last_error


def test_polling_protocol_is_polled_and_answers_become_readings(
    pty_pair: PtyPair, port_sim: StartSim, start_worker: StartWorker
) -> None:
    sim = port_sim(rate_hz=0, respond=CommandIndicator(b"R\r\n"))
    running = start_worker(str(pty_pair.app), LineProtocol(poll=b"R\r\n"), poll_interval_s=0.05)
    recorder = running.recorder
    started = time.monotonic()
    assert recorder.wait_for(lambda: len(recorder.readings) >= 10, timeout=3)
    elapsed = time.monotonic() - started

    assert [r.weight_kg for r in recorder.readings[:10]] == list(range(1000, 1010))
    bytes_out = running.worker.counters().bytes_out
    polls = sim.received().count(b"R\r\n")
    assert 10 <= polls <= elapsed / 0.05 + 3, "one request per poll interval, not per read"
    assert bytes_out % 3 == 0 and bytes_out >= 30


class _ExplodingProtocol(LineProtocol):
    """Raises once, as a decoder bug would, then decodes normally."""

    def __init__(self) -> None:
        super().__init__()
        self.exploded = threading.Event()

    def feed(self, data: bytes) -> list[IndicatorValue]:
        if not self.exploded.is_set() and b"BOOM" in self._buffer + data:
            self.exploded.set()
            raise RuntimeError("decoder bug")
        return super().feed(data)


def test_an_exception_in_the_loop_means_reconnect_not_a_dead_thread(
    pty_pair: PtyPair, port_sim: StartSim, start_worker: StartWorker
) -> None:
    running = start_worker(str(pty_pair.app), _ExplodingProtocol())
    assert eventually(lambda: running.worker.counters().port_open)
    sim = port_sim([b"BOOM\r\n"], rate_hz=20, repeat=False)
    offline = running.recorder.wait_state(DeviceState.OFFLINE)
    assert offline is not None
    assert "RuntimeError: decoder bug" in offline.detail
    assert running.worker.is_alive()

    sim.set_frames([line(42)])
    assert running.recorder.wait_weight(42)
    assert running.worker.counters().reconnects == 1


def test_a_failing_consumer_does_not_cost_the_connection(
    pty_pair: PtyPair, port_sim: StartSim, start_worker: StartWorker
) -> None:
    port_sim([line(7)], rate_hz=50)
    calls: list[int] = []

    def broken(batch: list[object]) -> None:
        calls.append(len(batch))
        raise ValueError("consumer bug")

    running = start_worker(str(pty_pair.app), on_readings=broken)
    # start_worker's recorder still sees statuses; readings go to the broken consumer.
    assert running.recorder.wait_state(DeviceState.OK)
    assert eventually(lambda: len(calls) >= 5)
    counters = running.worker.counters()
    assert counters.reconnects == 0
    assert "consumer bug" in counters.last_error
    assert counters.state is DeviceState.OK
