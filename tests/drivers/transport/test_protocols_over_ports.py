"""The real indicator decoders behind a PortWorker, over a pty pair and over socket://."""

from __future__ import annotations

from collections.abc import Callable

from drivers.base import IndicatorValue
from drivers.protocols import encoder, make, yaohua
from drivers.sim import StreamSimulator
from station.domain.readings import DeviceState
from tests.drivers.transport.conftest import PtyPair, Running
from tests.drivers.transport.support import eventually

StartWorker = Callable[..., Running]
StartSim = Callable[..., StreamSimulator]


def test_toledo_7e1_stream_read_as_8n1_over_a_pty(
    pty_pair: PtyPair, port_sim: StartSim, start_worker: StartWorker
) -> None:
    encode = encoder("toledo", parity=True)  # 7E1 bytes, as a port opened 8N1 sees them
    frames = [
        encode(IndicatorValue(12345, True)),
        encode(IndicatorValue(2340, False, net=True, tare_kg=10000)),
        encode(IndicatorValue(-20, True)),
    ]
    port_sim(frames, rate_hz=60)
    running = start_worker(str(pty_pair.app), make("toledo"))
    recorder = running.recorder
    for weight in (12345, 2340, -20):
        assert recorder.wait_weight(weight)

    net = next(r for r in recorder.readings if r.weight_kg == 2340)
    assert (net.net, net.tare_kg, net.stable) == (True, 10000, False)
    counters = running.worker.counters()
    assert counters.checksum_errors == 0 and counters.format_errors == 0
    assert counters.state is DeviceState.OK


def test_toledo_garbage_and_bad_checksums_are_counted(
    pty_pair: PtyPair, port_sim: StartSim, start_worker: StartWorker
) -> None:
    good = encoder("toledo")(IndicatorValue(500, True))
    bad = good[:-1] + bytes([(good[-1] + 1) & 0x7F])
    running = start_worker(str(pty_pair.app), make("toledo", checksum="required"))
    port_sim([b"\x55\x66" + good, bad, good], rate_hz=60)
    assert eventually(lambda: running.worker.counters().checksum_errors >= 2)
    counters = running.worker.counters()
    assert counters.frames >= 2 and counters.resyncs >= 1 and counters.discarded_bytes >= 2
    assert {r.weight_kg for r in running.recorder.readings} == {500}


def test_yaohua_tf0_over_a_device_server(tcp_sim: StartSim, start_worker: StartWorker) -> None:
    encode = encoder("yaohua-tf0")
    sim = tcp_sim([encode(IndicatorValue(49380, True)), b"\x02+0000"], rate_hz=100)
    running = start_worker(sim.url, make("yaohua-tf0"))
    recorder = running.recorder
    assert recorder.wait_for(lambda: len(recorder.readings) >= 20, timeout=3)
    assert {r.weight_kg for r in recorder.readings} == {49380}
    assert running.worker.counters().discarded_bytes > 0, "the truncated frames are dropped"


def test_yaohua_tf1_command_mode_is_polled_over_a_device_server(
    tcp_sim: StartSim, start_worker: StartWorker
) -> None:
    request = yaohua.request("B", "A")
    reply = encoder("yaohua-tf1", command="B", address="A")

    class Indicator:
        def __init__(self) -> None:
            self.buffer, self.weight = b"", 1000

        def __call__(self, chunk: bytes) -> bytes | None:
            self.buffer += chunk
            answers = b""
            while request in self.buffer:
                _, _, self.buffer = self.buffer.partition(request)
                self.weight += 10
                answers += reply(IndicatorValue(self.weight, True))
            return answers or None

    sim = tcp_sim(rate_hz=0, respond=Indicator())
    running = start_worker(sim.url, make("yaohua-tf1"), poll_interval_s=0.1)
    assert running.recorder.wait_weight(1010)
    assert running.recorder.wait_weight(1030)
    assert sim.received().startswith(request * 3)
