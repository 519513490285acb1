"""Modbus TCP poll round trip on loopback: one ModbusWeightDriver.poll() against the simulator.

    .venv/bin/python bench/modbus_bench.py                  # 2000 polls, Flintec FT-112 map
    .venv/bin/python bench/modbus_bench.py --polls 10000 --map float32-cdab

Each poll is one FC03 request and answer over 127.0.0.1 plus decoding into a WeightReading;
the simulator runs in the same process on its own asyncio thread, so the figure includes the
GIL hand-over between the two threads, as in the station (worker thread + device) it would not.
Prints JSON: p50/p95/p99/max in milliseconds and polls per second.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import time
from collections.abc import Sequence
from typing import Any

from drivers.modbus import ModbusBus, ModbusWeightDriver
from drivers.modbus.maps import WeightMap, shipped_map
from drivers.modbus.sim import WeightTransmitterSim

WARMUP = 100


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds (nearest rank, as bench/measure.py)."""
    ordered = sorted(seconds)

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000

    return {
        "p50_ms": round(rank(50), 3),
        "p95_ms": round(rank(95), 3),
        "p99_ms": round(rank(99), 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


def run(polls: int = 2000, map_name: str = "flintec-ft112") -> dict[str, Any]:
    wmap = shipped_map(map_name)
    if not isinstance(wmap, WeightMap):
        raise SystemExit(f"{map_name} is not a weight map")
    with WeightTransmitterSim(wmap).start_tcp() as sim:
        sim.set(gross_kg=49_380, stable=True)
        with ModbusBus(sim.url, timeout=1.0, retries=0) as bus:
            driver = ModbusWeightDriver(bus, wmap, "bench")
            for _ in range(WARMUP):
                driver.poll()
            times = []
            started = time.perf_counter()
            for _ in range(polls):
                before = time.perf_counter()
                reading = driver.poll()
                times.append(time.perf_counter() - before)
            elapsed = time.perf_counter() - started
            assert reading.weight_kg == 49_380
    return {
        "name": "modbus_tcp_poll_loopback",
        "map": map_name,
        "requests_per_poll": len(driver.plan),
        "polls": polls,
        **percentiles(times),
        "mean_ms": round(sum(times) / len(times) * 1000, 3),
        "polls_per_s": round(polls / elapsed, 1),
        "python": platform.python_version(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--polls", type=int, default=2000)
    parser.add_argument("--map", default="flintec-ft112", help="a shipped weight map")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.polls, args.map), indent=2))


if __name__ == "__main__":
    main()
