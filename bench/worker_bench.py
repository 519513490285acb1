"""CPU cost of one PortWorker reading a continuous stream as fast as a 115200-baud line.

    .venv/bin/python bench/worker_bench.py                  # ~10 s over a socat pty pair
    .venv/bin/python bench/worker_bench.py --socket         # also over socket:// (TCP)
    .venv/bin/python bench/worker_bench.py --seconds 30 --json

A StreamSimulator writes Toledo continuous-output frames (or, without drivers.protocols, a
line protocol) paced to 11 520 bytes/s (115200 baud 8N1) into one end of the pair; a worker
reads the other end, decodes, batches and delivers readings to a counting callback. The
figure is the worker thread's CPU time (time.thread_time, read inside the worker) over the
wall time, as a percentage of one core. Target: below 5 %.

A pty pair does not pace bytes like a UART (docs/reference/toolchain.md §7): the simulator
does, in ticks of 10 ms, so the worker sees ~100 small bursts a second. A real USB-serial
adapter delivers similar bursts (its latency timer), so the figure carries over.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from drivers.base import DecoderStats, IndicatorValue, StreamProtocol
from drivers.sim import StreamSimulator
from drivers.transport import PortSettings
from drivers.worker import PortWorker
from station.domain.readings import DeviceState, DeviceStatus, WeightReading

BYTES_PER_S = 11_520  # 115200 baud, 10 bits per byte
TARGET_PERCENT = 5.0


class _LineProtocol:
    """`W<kg>\\r\\n`: the fallback when no vendor decoder is available."""

    def __init__(self) -> None:
        self.stats = DecoderStats()
        self._buffer = b""

    def poll_request(self) -> bytes | None:
        return None

    def feed(self, data: bytes) -> list[IndicatorValue]:
        *lines, self._buffer = (self._buffer + data).split(b"\r\n")
        values = []
        for line in lines:
            if line[:1] == b"W" and line[1:].isdigit():
                self.stats.frames += 1
                values.append(IndicatorValue(int(line[1:]), True, raw=line))
            else:
                self.stats.resyncs += 1
                self.stats.discarded_bytes += len(line) + 2
        return values


def _protocol() -> tuple[str, Callable[[], StreamProtocol], list[bytes]]:
    """Toledo if drivers.protocols provides it, else the line protocol; with sample frames."""
    try:
        from drivers.protocols import encoder, make

        encode = encoder("toledo")
        frames = [encode(IndicatorValue(kg, kg % 20 == 0)) for kg in range(30_000, 30_100, 10)]
        return "toledo", lambda: make("toledo"), frames
    except (ImportError, ValueError):
        frames = [f"W{kg}\r\n".encode() for kg in range(30_000, 30_100, 10)]
        return "line", _LineProtocol, frames


@contextlib.contextmanager
def _pty_pair() -> Iterator[tuple[str, str]]:
    socat = shutil.which("socat")
    if socat is None:
        raise SystemExit("socat is needed: apt-get install socat")
    with tempfile.TemporaryDirectory(prefix="worker-bench-") as folder:
        app, device = Path(folder, "ttyAPP"), Path(folder, "ttyDEV")
        process = subprocess.Popen(
            [socat, f"pty,raw,echo=0,link={app}", f"pty,raw,echo=0,link={device}"],
            stdin=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 5
            while not (app.exists() and device.exists()):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("socat did not create the pty pair")
                time.sleep(0.01)
            yield str(app), str(device)
        finally:
            process.terminate()
            process.wait(5)


class _Counter:
    def __init__(self) -> None:
        self.readings = 0
        self.callbacks = 0
        self.ok = threading.Event()

    def on_readings(self, batch: list[WeightReading]) -> None:
        self.readings += len(batch)
        self.callbacks += 1

    def on_status(self, status: DeviceStatus) -> None:
        if status.state is DeviceState.OK:
            self.ok.set()


def _measure(
    worker: PortWorker, counter: _Counter, simulator: StreamSimulator, seconds: float
) -> dict[str, Any]:
    if not counter.ok.wait(5):
        raise RuntimeError(f"no readings: {worker.counters().last_error}")
    time.sleep(0.5)  # warm-up: first batches, caches, the pacing settling
    before, wall0, usage0 = worker.counters(), time.monotonic(), resource.getrusage(0)
    readings0, callbacks0, sent0 = counter.readings, counter.callbacks, simulator.bytes_sent
    time.sleep(seconds)
    after, wall = worker.counters(), time.monotonic() - wall0
    usage = resource.getrusage(0)
    process_cpu = usage.ru_utime + usage.ru_stime - usage0.ru_utime - usage0.ru_stime
    return {
        "seconds": round(wall, 2),
        "worker_cpu_percent": round((after.cpu_s - before.cpu_s) / wall * 100, 2),
        "process_cpu_percent": round(process_cpu / wall * 100, 2),
        "bytes_written_per_s": round((simulator.bytes_sent - sent0) / wall),
        "bytes_read_per_s": round((after.bytes_in - before.bytes_in) / wall),
        "readings_per_s": round((counter.readings - readings0) / wall),
        "callbacks_per_s": round((counter.callbacks - callbacks0) / wall, 1),
        "frame_errors": after.checksum_errors + after.format_errors,
        "resyncs": after.resyncs,
        "reconnects": after.reconnects,
    }


def _one_run(
    port: str, simulator: StreamSimulator, make: Callable[[], StreamProtocol], seconds: float
) -> dict[str, Any]:
    counter = _Counter()
    worker = PortWorker(
        "bench",
        PortSettings(port, baudrate=115200),
        make(),
        on_readings=counter.on_readings,
        on_status=counter.on_status,
    )
    simulator.start()
    worker.start()
    try:
        return _measure(worker, counter, simulator, seconds)
    finally:
        worker.stop(2)
        simulator.stop(2)


def run(
    seconds: float = 10.0, *, bytes_per_s: int = BYTES_PER_S, socket_too: bool = False
) -> dict[str, Any]:
    """Measure; returns plain numbers (see the module docstring) for JSON."""
    name, make, frames = _protocol()
    rate_hz = bytes_per_s / (sum(map(len, frames)) / len(frames))
    results: dict[str, Any] = {
        "protocol": name,
        "target_bytes_per_s": bytes_per_s,
        "target_cpu_percent": TARGET_PERCENT,
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    with _pty_pair() as (app, device):
        simulator = StreamSimulator.on_port(
            PortSettings(device, baudrate=115200), frames, rate_hz=rate_hz
        )
        results["pty"] = _one_run(app, simulator, make, seconds)
    if socket_too:
        simulator = StreamSimulator.on_tcp(frames, rate_hz=rate_hz)
        results["socket"] = _one_run(simulator.url, simulator, make, seconds)
    results["passed"] = all(
        results[kind]["worker_cpu_percent"] < TARGET_PERCENT
        for kind in ("pty", "socket")
        if kind in results
    )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--bytes-per-s", type=int, default=BYTES_PER_S)
    parser.add_argument("--socket", action="store_true", help="also measure over socket://")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    results = run(args.seconds, bytes_per_s=args.bytes_per_s, socket_too=args.socket)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for kind in ("pty", "socket"):
            if kind in results:
                r = results[kind]
                print(
                    f"{kind:6} {results['protocol']}: "
                    f"worker {r['worker_cpu_percent']:.2f} % of a core "
                    f"(process {r['process_cpu_percent']:.1f} %), {r['bytes_read_per_s']} B/s, "
                    f"{r['readings_per_s']} readings/s in {r['callbacks_per_s']} callbacks/s, "
                    f"{r['frame_errors']} frame errors"
                )
        print(f"target < {TARGET_PERCENT} %: {'met' if results['passed'] else 'NOT met'}")
    return 0 if results["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
