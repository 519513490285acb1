"""Lane workflow and headless station: vehicles/s, memory over many vehicles, commit latency.

    .venv/bin/python -m bench.lanes_bench --quick     # about 5 minutes
    .venv/bin/python -m bench.lanes_bench             # 50k vehicles for memory, ~16 minutes
    .venv/bin/python -m bench.lanes_bench --json      # the results as JSON on stdout

Three measurements (docs/benchmarks.md, "Lane workflow and headless station"):

1. headless: `main.py headless --simulate --vehicles N --speedup K` as a subprocess, on a
   demo configuration (`main.py config --write-demo`) with free loopback ports, in a
   throwaway data folder; wall time, the JSON summary, vehicles/s and weighings/s. The
   simulation journal is tailed while it runs, which gives start-up, every visit's wall
   time against its simulated passage time divided by K, and shut-down.
2. memory: a StationRuntime on a fresh SQLite file, no drivers: synthetic events go in
   through its device sink (loop on, plate, axle record with a short trace, loop off, zero),
   a mix of legal and overloaded trucks, open cases re-weighed on a STATIC lane. RSS
   (VmRSS) and the interpreter's allocated blocks after gc.collect() at checkpoints; the
   figure is the growth from 1k vehicles to the last checkpoint. Afterwards tracemalloc
   follows some more vehicles and names the lines whose memory grows.
3. latency: t_committed - t_event of every WeighingCompleted. The headless station run
   in-process (drivers.lanes.open_devices + SimulatedTraffic + run_headless, as main.py
   does) at a small speed-up, converted to real milliseconds; and the direct feed of (2)
   on a real-time clock.

Progress goes to stderr; the report (or with --json the JSON) to stdout. Every run also
writes bench/out/lanes-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import queue
import random
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from drivers.lanes import open_devices
from drivers.sim.scenario import SimulatedTraffic
from drivers.sim.traffic import Visit, expected_summary, plan_traffic
from drivers.sim.traffic.devices import PLATFORM_RATE_HZ
from drivers.sim.traffic.passages import (
    axle_passage,
    idle_passage,
    platform_passage,
    wim_passage,
)
from drivers.sim.traffic.plan import axle_scale_model, device_of
from station.config import LaneConfig, StationConfig, load_config, parse_config
from station.domain.readings import (
    InputChange,
    PlateColour,
    PlatePicture,
    PlateRead,
    WeightReading,
    WimAxle,
    WimVehicle,
)
from station.lanes.headless import certify_simulated_scales, run_headless
from station.lanes.notices import Notice, VehicleAbandoned, WeighingCompleted
from station.lanes.ports import EventSink, NoOutputs
from station.lanes.runtime import StationRuntime
from station.storage.database import open_database
from station.tables import default_limit_book

if __package__:
    from bench import machine
    from bench.measure import percentiles
else:  # run as a script: bench/ is on sys.path
    import machine
    from measure import percentiles

REPO = Path(__file__).resolve().parent.parent
MAIN = REPO / "main.py"
OUT = Path(__file__).resolve().parent / "out"
FULL = {
    "vehicles": 100,
    "speedups": [20.0, 100.0],
    "memory_vehicles": 50_000,
    "checkpoints": [1000, 5000, 10_000, 20_000, 50_000],
    "latency_vehicles": 60,
    "latency_speedup": 5.0,
    "trace_vehicles": 300,
}
QUICK = {
    "vehicles": 30,
    "speedups": [20.0, 100.0],
    "memory_vehicles": 5000,
    "checkpoints": [1000, 2000, 5000],
    "latency_vehicles": 20,
    "latency_speedup": 5.0,
    "trace_vehicles": 300,
}
GROWTH_LIMIT = 0.10
TRACE_FRAMES = 16
JOURNAL = "simulation-journal.jsonl"


def arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--only",
        action="append",
        choices=["headless", "memory", "latency"],
        help="run only this part (repeatable)",
    )
    parser.add_argument("--vehicles", type=int, help="vehicles of each headless subprocess run")
    parser.add_argument("--speedups", type=float, nargs="+", help="speed-ups of the headless runs")
    parser.add_argument("--memory-vehicles", type=int, help="vehicles fed for the memory figure")
    parser.add_argument("--latency-vehicles", type=int, help="vehicles of the in-process run")
    parser.add_argument("--latency-speedup", type=float, help="speed-up of the in-process run")
    parser.add_argument("--trace-vehicles", type=int, help="vehicles followed by tracemalloc")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the results file")
    args = parser.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    args.checkpoints = sorted(
        {c for c in args.checkpoints if c < args.memory_vehicles} | {args.memory_vehicles}
    )
    args.only = args.only or ["memory", "latency", "headless"]
    return args


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _spread(values: Sequence[float]) -> dict[str, float]:
    """mean, median and max of seconds, in seconds."""
    if not values:
        return {}
    return {
        "mean_s": round(statistics.fmean(values), 3),
        "median_s": round(statistics.median(values), 3),
        "max_s": round(max(values), 3),
    }


# ---- a demo station on free ports -----------------------------------------------------------


def demo_config_text(folder: Path) -> str:
    """What `main.py config --write-demo` writes (in a throwaway folder)."""
    path = folder / "demo.toml"
    subprocess.run(
        [sys.executable, str(MAIN), "config", "--write-demo", str(path)],
        cwd=REPO,
        env=station_env(folder / "data", folder / "config"),
        check=True,
        capture_output=True,
    )
    return path.read_text(encoding="utf-8")


def station_env(data: Path, config: Path) -> dict[str, str]:
    return {**os.environ, "STATION_DATA_DIR": str(data), "STATION_CONFIG_DIR": str(config)}


def with_free_ports(text: str) -> str:
    """The configuration with every loopback port replaced by one free now (the demo's fixed
    ports may be taken by another station or test on this machine)."""
    ports = sorted(set(re.findall(r"127\.0\.0\.1:(\d+)", text)))
    sockets = []
    for _ in ports:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    mapping = {old: str(sock.getsockname()[1]) for old, sock in zip(ports, sockets, strict=True)}
    for sock in sockets:
        sock.close()
    return re.sub(r"127\.0\.0\.1:(\d+)", lambda m: f"127.0.0.1:{mapping[m.group(1)]}", text)


@dataclass(frozen=True)
class Station:
    """One throwaway station: configuration file, data and configuration folders."""

    folder: Path
    config: Path
    data: Path

    @classmethod
    def make(cls, base: Path, name: str, demo_text: str) -> Station:
        folder = base / name
        (folder / "config").mkdir(parents=True)
        config = folder / "station.toml"
        config.write_text(with_free_ports(demo_text), encoding="utf-8")
        return cls(folder, config, folder / "data")

    @property
    def env(self) -> dict[str, str]:
        return station_env(self.data, self.folder / "config")


# ---- the plan the simulator drives ----------------------------------------------------------


def passage_s(visit: Visit, lane: LaneConfig) -> float:
    """Simulated seconds the weighing device of the lane plays for this visit (as the rig)."""
    if visit.mode == "AXLE" and (scale := device_of(lane, "axle_scale")) is not None:
        return axle_passage(visit, axle_scale_model(scale)).duration_s
    if visit.mode == "STATIC" and (platform := device_of(lane, "scale")) is not None:
        rate = float(platform.options.get("rate_hz", PLATFORM_RATE_HZ))
        return platform_passage(visit, rate).duration_s
    if visit.mode == "WIM" and device_of(lane, "wim") is not None:
        return wim_passage(visit)[0].duration_s
    return idle_passage().duration_s


@dataclass(frozen=True)
class Plan:
    visits: list[Visit]
    passages: dict[int, float]  # visit index -> simulated seconds
    expected: dict[str, Any]


def traffic_plan(config: StationConfig, vehicles: int, seed: int) -> Plan:
    visits = plan_traffic(seed=seed, vehicles=vehicles, lanes=config.lanes)
    lanes = {lane.number: lane for lane in config.lanes}
    passages = {visit.index: passage_s(visit, lanes[visit.lane]) for visit in visits}
    return Plan(visits, passages, expected_summary(visits))


def mismatches(summary: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """Where the station's summary differs from what the traffic plan says it must show."""
    found = [
        f"{key}: {summary.get(key)}, expected {expected[key]}"
        for key in ("vehicles", "weighings", "over")
        if summary.get(key) != expected[key]
    ]
    for group in ("cases", "flags"):
        got, want = summary.get(group, {}), expected[group]
        for name in sorted(set(got) | set(want)):
            if got.get(name, 0) != want.get(name, 0):
                found.append(f"{group}.{name}: {got.get(name, 0)}, expected {want.get(name, 0)}")
    return found


# ---- 1. headless subprocess -----------------------------------------------------------------


class JournalTail:
    """Reads the simulation journal while the station writes it; stamps every new line."""

    def __init__(self, path: Path, started: float) -> None:
        self.path = path
        self.started = started
        self.entries: list[tuple[float, dict[str, Any]]] = []
        self._offset = 0
        self._partial = b""

    def poll(self) -> None:
        try:
            with self.path.open("rb") as handle:
                handle.seek(self._offset)
                data = handle.read()
        except FileNotFoundError:
            return
        self._offset += len(data)
        *lines, self._partial = (self._partial + data).split(b"\n")
        now = time.perf_counter() - self.started
        self.entries += [(now, json.loads(line)) for line in lines if line.strip()]

    def stamps(self, event: str) -> dict[int, float]:
        return {entry["visit"]: t for t, entry in self.entries if entry["event"] == event}


def _wait(process: subprocess.Popen, tail: JournalTail, limit_s: float) -> float:
    while process.poll() is None:
        tail.poll()
        if time.perf_counter() - tail.started > limit_s:
            process.terminate()
            process.wait(10)
            raise RuntimeError(f"headless run still going after {limit_s:.0f} s; stopped it")
        time.sleep(0.01)
    wall = time.perf_counter() - tail.started
    tail.poll()
    return wall


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _summary_line(stdout: str) -> dict[str, Any]:
    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no JSON summary on stdout: {stdout[-500:]!r}")


def headless_process(station: Station, vehicles: int, speedup: float, seed: int) -> dict:
    """Runs `main.py headless --simulate` once; returns its figures."""
    command = [
        sys.executable, str(MAIN), "headless", "--config", str(station.config), "--simulate",
        "--vehicles", str(vehicles), "--speedup", f"{speedup:g}", "--seed", str(seed),
    ]  # fmt: skip
    out, err = station.folder / "stdout.txt", station.folder / "stderr.txt"
    cpu_before = _children_cpu_s()
    with out.open("wb") as stdout, err.open("wb") as stderr:
        tail = JournalTail(station.data / JOURNAL, time.perf_counter())
        process = subprocess.Popen(command, cwd=REPO, env=station.env, stdout=stdout, stderr=stderr)
        wall = _wait(process, tail, limit_s=120 + vehicles * 40)
    cpu = _children_cpu_s() - cpu_before
    errors = err.read_text(encoding="utf-8", errors="replace").splitlines()
    if process.returncode != 0:
        raise RuntimeError(f"headless exited {process.returncode}: {errors[-3:]}")
    summary = _summary_line(out.read_text(encoding="utf-8"))
    config = load_config(station.config)
    plan = traffic_plan(config, vehicles, seed)
    return {
        "vehicles_planned": vehicles,
        "speedup": speedup,
        "wall_s": round(wall, 2),
        "vehicles_per_s": round(summary["vehicles"] / wall, 3),
        "weighings_per_s": round(summary["weighings"] / wall, 3),
        "cpu_s": round(cpu, 1),
        "cores_busy": round(cpu / wall, 2),
        "summary": summary,
        "mismatches": mismatches(summary, plan.expected),
        "no_result_visits": sum("gave no result" in line for line in errors),
        "stderr_lines": len(errors),
        "stderr_first": errors[:5],
        "time": where_time_goes(tail, plan, speedup, wall),
    }


def where_time_goes(tail: JournalTail, plan: Plan, speedup: float, wall: float) -> dict:
    """From the journal's stamps: start-up, each visit against its passage, shut-down. A
    visit without a result lasts until the next one starts (the simulator's timeout)."""
    starts, completes = tail.stamps("start"), tail.stamps("complete")
    if not starts:
        return {}
    order = sorted(starts, key=starts.get)
    ends = [starts[i] for i in order[1:]] + [wall]
    failed_s = sum(e - starts[i] for i, e in zip(order, ends, strict=True) if i not in completes)
    done = [i for i in order if i in completes]
    visit_s = [completes[i] - starts[i] for i in done]
    passage = [plan.passages[i] / speedup for i in done]
    overhead = [v - p for v, p in zip(visit_s, passage, strict=True)]
    last_done = order[-1] in completes
    return {
        "start_up_s": round(starts[order[0]], 2),
        "shut_down_s": round(wall - completes[order[-1]], 2) if last_done else None,
        "visits_started": len(starts),
        "visits_completed": len(done),
        "no_result_s": round(failed_s, 2),
        "visit_wall": _spread(visit_s),
        "passage_real": _spread(passage),
        "overhead_per_visit": _spread(overhead),
        "passage_share": round(sum(passage) / sum(visit_s), 3) if visit_s else None,
    }


def headless_figures(args: argparse.Namespace, base: Path, demo: str) -> list[dict[str, Any]]:
    runs = []
    for speedup in args.speedups:
        progress(f"== headless: {args.vehicles} vehicles at speed-up {speedup:g} (subprocess)")
        station = Station.make(base, f"headless-k{speedup:g}", demo)
        runs.append(headless_process(station, args.vehicles, speedup, args.seed))
        progress(f"   {runs[-1]['wall_s']} s, {runs[-1]['summary']}")
    return runs


# ---- 2. memory: a runtime fed directly --------------------------------------------------------

MEMORY_CONFIG = """
[station]
site_code = "410102210001"
name = "基准站"

[storage]
data_dir = "{data}"

[workflow]
stable_ms = 0
plate_wait_ms = 2000

[[lanes]]
number = 1
mode = "AXLE"
[[lanes.devices]]
id = "axle"
kind = "axle_scale"
driver = "yaohua-tf0"
simulate = true
[[lanes.devices]]
id = "cam1"
kind = "camera"
driver = "hikvision"
simulate = true

[[lanes]]
number = 2
mode = "STATIC"
direction = 1
[[lanes.devices]]
id = "platform"
kind = "scale"
driver = "toledo"
simulate = true
[[lanes.devices]]
id = "cam2"
kind = "camera"
driver = "dahua"
simulate = true
"""
# Legal axle loads (kg) and spacings (mm) for 2 to 6 axles; limits 18, 25, 31, 43, 49 t.
TEMPLATES = (
    ((5000, 9000), (4200,)),
    ((6000, 8500, 8500), (3800, 1350)),
    ((6000, 6000, 8000, 8000), (1900, 4800, 1350)),
    ((6000, 9000, 8000, 8000, 8000), (3600, 7000, 1310, 1310)),
    ((6000, 9000, 9000, 8000, 8000, 8000), (3200, 1350, 7200, 1310, 1310)),
)
OVER_SHARE = 0.2
OVER_FACTOR = 1.3
STILL_OVER_SHARE = 0.1  # re-weighings that are still over (the case stays open)
REWEIGH_WHEN_OPEN = 4  # re-weigh the oldest open case once this many are open
TRACE = (*range(0, 5000, 100), *range(5000, 0, -100))  # 100 samples
PLATE_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O


def unique_plate(number: int) -> str:
    letter = PLATE_CHARS[10 + number % 24]
    rest, code = number // 24, ""
    for _ in range(5):
        rest, digit = divmod(rest, len(PLATE_CHARS))
        code = PLATE_CHARS[digit] + code
    return f"豫{letter}{code}"


class FeedDevices:
    """StationDevices without drivers: keeps the runtime's sink so the bench can feed it."""

    def __init__(self) -> None:
        self.sink: EventSink | None = None

    def open(self, lanes: Any, sink: EventSink, clock: Any, converters: Any) -> FeedDevices:
        del lanes, clock, converters
        self.sink = sink
        return self

    def outputs(self, lane: int) -> NoOutputs:
        del lane
        return NoOutputs()

    def connected(self, device_id: str) -> bool:
        del device_id
        return False

    def close(self) -> None:
        pass


@dataclass
class Latencies:
    """t_committed - t_event in seconds, preallocated so the bench itself does not grow."""

    size: int
    axle: array = field(init=False)
    static: array = field(init=False)
    counts: dict[str, int] = field(default_factory=lambda: {"axle": 0, "static": 0})

    def __post_init__(self) -> None:
        self.axle = array("d", bytes(8 * self.size))
        self.static = array("d", bytes(8 * self.size))

    def add(self, kind: str, seconds: float) -> None:
        values, n = getattr(self, kind), self.counts[kind]
        if n < self.size:
            values[n] = seconds
            self.counts[kind] = n + 1

    def figures(self, kind: str) -> dict[str, float]:
        n = self.counts[kind]
        return percentiles(getattr(self, kind)[:n]) if n else {}


class DirectFeed:
    """Feeds one vehicle at a time into a running StationRuntime and waits for its record."""

    def __init__(self, runtime: StationRuntime, sink: EventSink, seed: int, size: int) -> None:
        self._runtime = runtime
        self._sink = sink
        self._rng = random.Random(seed)
        self._done: queue.SimpleQueue[Notice] = queue.SimpleQueue()
        self._open: list[str] = []
        self._counter = 0
        self.latency = Latencies(size)
        self.reweighs = 0
        runtime.subscribe(self._notice)

    def tally_open_cases(self) -> int:
        """Cases the runtime's tally holds for the summary (only the open ones)."""
        return len(self._runtime.tally.open_cases)

    def _notice(self, notice: Notice) -> None:
        if isinstance(notice, (WeighingCompleted, VehicleAbandoned)):
            self._done.put(notice)

    def _wait(self, plate: str) -> WeighingCompleted:
        notice = self._done.get(timeout=30)
        if not isinstance(notice, WeighingCompleted) or notice.plate != plate:
            raise RuntimeError(f"{plate}: expected its weighing, got {notice}")
        return notice

    def vehicle(self, number: int) -> None:
        """A truck on the axle lane: loop on, plate, axles, loop off, the scale at zero."""
        plate = unique_plate(number)
        weights, spacings = self._rng.choice(TEMPLATES)
        if self._rng.random() < OVER_SHARE:
            weights = tuple(round(w * OVER_FACTOR, -1) for w in weights)
        axles = tuple(WimAxle(int(w), s) for w, s in zip(weights, (*spacings, None), strict=True))
        clock, sink = time.monotonic, self._sink
        sink(1, InputChange("io", 0, True, clock(), name="loop"))
        picture = PlatePicture("plate", "image/jpeg", b"\xff\xd8" + plate.encode() + b"\xff\xd9")
        sink(1, PlateRead("cam1", plate, PlateColour.YELLOW, 95, clock(), pictures=(picture,)))
        self._counter += 1
        sink(1, WimVehicle("axle", self._counter, axles, 52, clock(), (), TRACE, 100))
        done = self._wait(plate)
        self.latency.add("axle", done.t_committed - done.t_event)
        sink(1, InputChange("io", 0, False, clock(), name="loop"))
        sink(1, WeightReading("axle", 0, True, clock()))
        if done.case_status == "OPEN":
            self._open.append(plate)
        if len(self._open) >= REWEIGH_WHEN_OPEN:
            self.reweigh(self._open.pop(0))

    def reweigh(self, plate: str) -> None:
        """The oldest open case comes back to the static platform (axles from its case)."""
        gross = 40_000 if self._rng.random() < STILL_OVER_SHARE else 16_000
        clock, sink = time.monotonic, self._sink
        sink(2, PlateRead("cam2", plate, PlateColour.YELLOW, 95, clock()))
        sink(2, WeightReading("platform", gross // 2, False, clock()))
        sink(2, WeightReading("platform", gross, True, clock()))
        sink(2, WeightReading("platform", gross, True, clock()))
        done = self._wait(plate)
        self.latency.add("static", done.t_committed - done.t_event)
        sink(2, WeightReading("platform", 0, True, clock()))
        self.reweighs += 1
        if done.case_status == "OPEN":
            self._open.append(plate)


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def memory_point(vehicles: int, feed: DirectFeed, started: float) -> dict[str, Any]:
    gc.collect()
    return {
        "vehicles": vehicles,
        "reweighs": feed.reweighs,
        "rss_kib": rss_kib(),
        "allocated_blocks": sys.getallocatedblocks(),
        "tally_open_cases": feed.tally_open_cases(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def growth_sources(feed: DirectFeed, first: int, count: int) -> dict[str, Any]:
    """tracemalloc over `count` more vehicles: where the memory still held was allocated,
    with the innermost station or drivers frame that led there ("via")."""
    gc.collect()
    tracemalloc.start(TRACE_FRAMES)
    try:
        before = tracemalloc.take_snapshot()
        for number in range(first, first + count):
            feed.vehicle(number)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    ignore = (tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, __file__))
    stats = after.filter_traces(ignore).compare_to(before.filter_traces(ignore), "traceback")
    lines = [
        {
            "where": _frame(s.traceback[-1]),
            "via": next((_frame(f) for f in reversed(s.traceback) if _ours(f.filename)), ""),
            "bytes_per_vehicle": round(s.size_diff / count, 1),
            "blocks_per_vehicle": round(s.count_diff / count, 2),
        }
        for s in stats[:10]
        if s.size_diff > 0
    ]
    return {
        "vehicles": count,
        "net_bytes_per_vehicle": round(sum(s.size_diff for s in stats) / count, 1),
        "net_blocks_per_vehicle": round(sum(s.count_diff for s in stats) / count, 2),
        "top_lines": lines,
    }


def _ours(filename: str) -> bool:
    return filename.startswith((str(REPO / "station"), str(REPO / "drivers")))


def _frame(frame: tracemalloc.Frame) -> str:
    return f"{_short(frame.filename)}:{frame.lineno}"


def _short(filename: str) -> str:
    for root in (str(REPO) + os.sep, *(p + os.sep for p in sys.path if "site-packages" in p)):
        if filename.startswith(root):
            return filename[len(root) :]
    return filename


@dataclass
class MemoryStation:
    runtime: StationRuntime
    feed: DirectFeed
    dispose: Callable[[], None]


def memory_station(folder: Path, seed: int, size: int) -> MemoryStation:
    data = folder / "data"
    config = parse_config(MEMORY_CONFIG.format(data=data.as_posix()), folder / "station.toml")
    database, _ = open_database(f"sqlite:///{data / 'station.sqlite3'}")
    certify_simulated_scales(config, database)
    devices = FeedDevices()
    runtime = StationRuntime(
        config,
        database=database,
        limits=default_limit_book(),
        open_devices=devices.open,
        clock=time.monotonic,
    )
    runtime.start()
    assert devices.sink is not None
    return MemoryStation(runtime, DirectFeed(runtime, devices.sink, seed, size), database.dispose)


def memory_figures(args: argparse.Namespace, base: Path) -> dict[str, Any]:
    progress(f"== memory: {args.memory_vehicles:,} vehicles fed to a StationRuntime directly")
    station = memory_station(base / "memory", args.seed, args.memory_vehicles + 1000)
    points, started, number = [], time.perf_counter(), 0
    try:
        for checkpoint in args.checkpoints:
            while number < checkpoint:
                station.feed.vehicle(number)
                number += 1
            points.append(memory_point(number, station.feed, started))
            progress(f"   {points[-1]}")
        elapsed = time.perf_counter() - started
        summary = station.runtime.summary()
        commit = {  # before tracemalloc slows the vehicles below down
            "commit_axle": station.feed.latency.figures("axle"),
            "commit_static_reweigh": station.feed.latency.figures("static"),
        }
        sources = {}
        if args.trace_vehicles:
            progress(f"   tracemalloc over {args.trace_vehicles} more vehicles")
            sources = growth_sources(station.feed, number, args.trace_vehicles)
    finally:
        station.runtime.stop()
        station.dispose()
    return memory_results(points, elapsed, summary, commit, sources)


def memory_results(
    points: list[dict], elapsed: float, summary: dict, commit: dict, sources: dict
) -> dict[str, Any]:
    first, last = points[0], points[-1]
    rss, blocks = (last[key] / first[key] - 1 for key in ("rss_kib", "allocated_blocks"))
    weighings = last["vehicles"] + last["reweighs"]
    return {
        "checkpoints": points,
        "rss_growth": round(rss, 4),
        "blocks_growth": round(blocks, 4),
        "growth_limit": GROWTH_LIMIT,
        "met": rss < GROWTH_LIMIT and blocks < GROWTH_LIMIT,
        "weighings_per_s": round(weighings / elapsed, 1),
        **commit,
        "summary": summary,
        "growth_sources": sources,
    }


# ---- 3. latency: the headless station in-process ---------------------------------------------


class TimedTraffic(SimulatedTraffic):
    """SimulatedTraffic that also keeps every WeighingCompleted and each visit's wall time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notices: list[tuple[float, WeighingCompleted]] = []
        self.visit_times: dict[int, tuple[float, float]] = {}

    def run(self, desk: Any, stop: threading.Event) -> int:
        desk.subscribe(self._collect)
        return super().run(desk, stop)

    def _collect(self, notice: Notice) -> None:
        if isinstance(notice, WeighingCompleted):
            self.notices.append((time.monotonic(), notice))

    def _visit(self, desk: Any, visit: Visit, stop: threading.Event) -> Any:
        started = time.monotonic()
        try:
            return super()._visit(desk, visit, stop)
        finally:
            self.visit_times[visit.index] = (started, time.monotonic())


def in_process_headless(
    station: Station, vehicles: int, speedup: float, seed: int
) -> tuple[dict[str, Any], TimedTraffic, StationConfig]:
    os.environ.update(station.env)  # the configuration's data folder is the station's own
    config = load_config(station.config)
    database, _ = open_database(config.database.url, config.database.backup_dir)
    traffic = TimedTraffic(
        config.lanes, vehicles=vehicles, seed=seed, speedup=speedup, workflow=config.workflow
    )
    try:
        summary = run_headless(
            config,
            database,
            open_devices=open_devices,
            clock=lambda: time.monotonic() * speedup,
            simulation=traffic,
            stop=threading.Event(),
        )
    finally:
        database.dispose()
    return summary, traffic, config


def latency_figures(args: argparse.Namespace, base: Path, demo: str) -> dict[str, Any]:
    k, n = args.latency_speedup, args.latency_vehicles
    progress(f"== latency: {n} vehicles at speed-up {k:g}, the headless station in-process")
    station = Station.make(base, "latency", demo)
    started = time.perf_counter()
    summary, traffic, config = in_process_headless(station, n, k, args.seed)
    wall = time.perf_counter() - started
    plan = traffic_plan(config, n, args.seed)
    modes = {lane.number: lane.mode for lane in config.lanes}
    groups: dict[str, list[float]] = {"all": [], "axle_camera_plate": [], "other": []}
    for _, notice in traffic.notices:
        seconds = (notice.t_committed - notice.t_event) / k
        automatic = modes[notice.lane] == "AXLE" and "MANUAL_PLATE" not in notice.flags
        groups["all"].append(seconds)
        groups["axle_camera_plate" if automatic else "other"].append(seconds)
    return {
        "speedup": k,
        "vehicles_planned": n,
        "wall_s": round(wall, 1),
        "summary": summary,
        "mismatches": mismatches(summary, plan.expected),
        "commit_after_event": {name: percentiles(v) for name, v in groups.items() if v},
        "visits": visit_breakdown(traffic, plan, k),
        "visit_mismatches": visit_mismatches(traffic),
    }


def visit_mismatches(traffic: TimedTraffic) -> list[dict[str, Any]]:
    """Visits whose record differs from the plan: other flags than the station must raise,
    another verdict (over or not) than the planned load gives, or another plate."""
    found = []
    for visit, done in traffic.completed:
        expected, got = set(visit.expected_flags), set(done.flags)
        if expected == got and visit.over == done.is_over and visit.plate == done.plate:
            continue
        found.append(
            {
                "visit": visit.index,
                "plate": visit.plate,
                "lane": visit.lane,
                "cheat": visit.cheat,
                "speed_kmh": visit.speed_kmh,
                "expected_flags": sorted(map(str, expected)),
                "flags": sorted(map(str, got)),
                "planned_kg": [visit.gross_kg, visit.limit_kg, visit.over],
                "recorded_kg": [done.sum_kg, done.limit_kg, done.is_over],
                "recorded_plate": done.plate,
            }
        )
    return found


def visit_breakdown(traffic: TimedTraffic, plan: Plan, speedup: float) -> dict[str, Any]:
    """Per visit, in real seconds: how long the indicator played, when the vehicle was
    complete after that (t_event), and what the visit took after the commit."""
    complete_after, after_commit, wall = [], [], []
    for visit, done in traffic.completed:
        start, end = traffic.visit_times[visit.index]
        passage_end = start + plan.passages[visit.index] / speedup
        complete_after.append(done.t_event / speedup - passage_end)
        after_commit.append(end - done.t_committed / speedup)
        wall.append(end - start)
    passages = [plan.passages[v.index] / speedup for v, _ in traffic.completed]
    return {
        "completed": len(traffic.completed),
        "visit_wall": _spread(wall),
        "passage_real": _spread(passages),
        "event_after_passage_end": _spread(complete_after),
        "visit_end_after_commit": _spread(after_commit),
    }


# ---- the run and the report -----------------------------------------------------------------


def source_version() -> str:
    """The commit measured, "-dirty" when the work tree has changes (others' work too)."""
    try:
        found = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return found.stdout.strip()


def run(args: argparse.Namespace) -> dict[str, Any]:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "machine": machine.describe(args.out),
        "source": source_version(),
        "seed": args.seed,
    }
    progress(machine.summary(results["machine"]))
    with tempfile.TemporaryDirectory(prefix="lanes-bench-") as temp:
        base = Path(temp)
        # Nothing of this run may touch the per-user folders.
        os.environ.update(station_env(base / "data", base / "config"))
        if "memory" in args.only:
            results["memory"] = memory_figures(args, base)
        demo = demo_config_text(base)
        if "latency" in args.only:
            results["latency"] = latency_figures(args, base, demo)
        if "headless" in args.only:
            results["headless"] = headless_figures(args, base, demo)
    results["machine"]["load_average_after"] = machine.describe(args.out)["load_average"]
    path = args.out / f"lanes-{stamp}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    progress(f"results written to {path}")
    return results


def print_headless(runs: list[dict[str, Any]]) -> None:
    print("\n== headless, end to end through the drivers (main.py headless --simulate)")
    for r in runs:
        s, t = r["summary"], r["time"]
        print(
            f"K={r['speedup']:g}: {s['vehicles']} vehicles, {s['weighings']} weighings in "
            f"{r['wall_s']} s: {r['vehicles_per_s']} vehicles/s, {r['weighings_per_s']} weighings/s"
            f"; CPU {r['cpu_s']} s ({r['cores_busy']} cores busy)"
        )
        if t:
            print(
                f"  start-up {t['start_up_s']} s, shut-down {t['shut_down_s']} s, waiting on "
                f"visits without a result {t['no_result_s']} s; per completed visit "
                f"{t['visit_wall']['mean_s']} s of which passage {t['passage_real']['mean_s']} s "
                f"(passage share {t['passage_share']}), overhead median "
                f"{t['overhead_per_visit']['median_s']} s"
            )
        if r["mismatches"] or r["no_result_visits"]:
            print(f"  NOT as planned: {r['mismatches']}; visits without result: "
                  f"{r['no_result_visits']}")  # fmt: skip


def print_memory(m: dict[str, Any]) -> None:
    print("\n== memory, StationRuntime fed directly (no drivers)")
    for p in m["checkpoints"]:
        print(
            f"{p['vehicles']:>7,} vehicles ({p['reweighs']:,} re-weighings): RSS "
            f"{p['rss_kib'] / 1024:.1f} MiB, {p['allocated_blocks']:,} blocks, "
            f"{p['tally_open_cases']:,} open cases in the runtime's tally ({p['seconds']} s)"
        )
    verdict = "met" if m["met"] else "NOT met"
    print(
        f"growth from the first checkpoint: RSS {m['rss_growth']:+.1%}, Python blocks "
        f"{m['blocks_growth']:+.1%} (limit {m['growth_limit']:.0%}: {verdict}); "
        f"{m['weighings_per_s']} weighings/s"
    )
    for key in ("commit_axle", "commit_static_reweigh"):
        c = m[key]
        if c:
            print(f"{key}: p50 {c['p50_ms']} p99 {c['p99_ms']} max {c['max_ms']} ms (n={c['n']})")
    sources = m["growth_sources"]
    if sources:
        print(
            f"tracemalloc over {sources['vehicles']} more vehicles: net "
            f"{sources['net_bytes_per_vehicle']} B and {sources['net_blocks_per_vehicle']} blocks "
            "a vehicle; still held, allocated at:"
        )
        for line in sources["top_lines"]:
            print(
                f"  {line['bytes_per_vehicle']:>8} B {line['blocks_per_vehicle']:>5} blocks/vehicle"
                f"  {line['where']}  via {line['via'] or '-'}"
            )


def print_latency(lat: dict[str, Any]) -> None:
    k = lat["speedup"]
    print(f"\n== time from t_event to the committed record, headless in-process, K={k:g}")
    for name, c in lat["commit_after_event"].items():
        print(f"{name}: p50 {c['p50_ms']} p99 {c['p99_ms']} max {c['max_ms']} ms (n={c['n']})")
    v = lat["visits"]
    print(
        f"per visit (real s, mean): wall {v['visit_wall'].get('mean_s')}, passage "
        f"{v['passage_real'].get('mean_s')}, t_event after the passage's last sample "
        f"{v['event_after_passage_end'].get('mean_s')}, visit end after the commit "
        f"{v['visit_end_after_commit'].get('mean_s')}"
    )
    if lat["mismatches"]:
        print(f"NOT as planned: {lat['mismatches']}")
    for m in lat["visit_mismatches"]:
        print(
            f"  visit {m['visit']} {m['plate']} lane {m['lane']} ({m['cheat'] or 'clean'}, "
            f"{m['speed_kmh']} km/h): flags {m['flags']}, expected {m['expected_flags']}; "
            f"gross/limit/over {m['recorded_kg']}, planned {m['planned_kg']}"
            + ("" if m["recorded_plate"] == m["plate"] else f"; plate {m['recorded_plate']}")
        )


def print_report(results: dict[str, Any]) -> None:
    print(machine.summary(results["machine"]))
    if "memory" in results:
        print_memory(results["memory"])
    if "latency" in results:
        print_latency(results["latency"])
    if "headless" in results:
        print_headless(results["headless"])


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    gc.collect()
    gc.freeze()  # as main.py: what is loaded now lives for the whole run
    results = run(args)
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        print_report(results)
    memory = results.get("memory")
    return 1 if memory and not memory["met"] else 0


if __name__ == "__main__":
    sys.exit(main())
