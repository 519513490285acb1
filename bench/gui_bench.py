"""Desktop (GUI): CPU with 4 lanes streaming, sample-to-screen latency, start-up, memory.

    .venv/bin/python -m bench.gui_bench --quick     # about 2 minutes
    .venv/bin/python -m bench.gui_bench             # about 5 minutes
    .venv/bin/python -m bench.gui_bench --what-if   # + the CPU run with 4 plot changes
    .venv/bin/python -m bench.gui_bench --json      # the results as JSON on stdout

Runs offscreen (QT_QPA_PLATFORM=offscreen) unless DISPLAY is set. Four figures
(docs/benchmarks.md, "Desktop (GUI)"), each with its target:

1. CPU: the real desktop (ui.app.build_desktop) of a 4-lane AXLE station on a fresh SQLite
   station in a temporary folder, shown at 1280x860 on the Lanes tab, signed in; a feeder
   thread puts a WeightReading per lane every 10 ms into the runtime's event sink (where
   the drivers would), trucks crossing the axle scales axle by axle, stamped with
   time.monotonic(), after 45 s of history (the plots' 40 s window full, as on a station
   that has run for hours). Process CPU time over 30 s (10 s with --quick), the feeder's own
   thread CPU, and every thread's from /proc. Target: the process less the feeder under
   25 % of one core.
2. Latency, same run: from each sample's stamp to the redraw whose setData first drew it
   (LivePlot.latencies); p50/p95/p99/max. Target p99 < 100 ms.
3. Start-up: `main.py --config F` (the demo configuration on free loopback ports, nothing
   listening) with STATION_STARTUP_PROBE; from before Popen to the window shown, 5 runs
   (3 with --quick) after a first start that creates the database; one more run with
   `-X importtime` lists the slowest imports. Target: median < 2 s.
4. Memory: the desktop of (1) with 2 lanes (AXLE, STATIC re-weighing); trucks as
   tests/ui/conftest.py FeedDevices.truck drives them (plate read + WimVehicle), one at a
   time, with 8 h x 100 Hz / 1000 of weight samples per lane per truck fed in bursts;
   a fifth overloaded (a case), open cases re-weighed on the STATIC lane and closed.
   RSS after gc.collect() and Qt events at 20 trucks ("10 minutes") and at 1000 trucks
   (200 with --quick). Target: growth < 10 %; above that tracemalloc names the lines.

Progress goes to stderr; the report (or with --json the JSON) to stdout. Every run also
writes bench/out/gui-<timestamp>.json. The exit code is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import faulthandler
import gc
import json
import os
import queue
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from drivers.sim.ports import with_free_ports
from station.config import StationConfig, demo_config_text, parse_config
from station.domain.readings import (
    PlateColour,
    PlatePicture,
    PlateRead,
    WeightReading,
    WimAxle,
    WimVehicle,
)
from station.lanes.headless import certify_simulated_scales
from station.lanes.notices import Notice, VehicleAbandoned, WeighingCompleted
from station.lanes.ports import EventSink, NoOutputs
from station.security import LoginPolicy, Role
from station.storage.accounts import SignedIn, create_operator, ensure_admin
from station.storage.database import open_database
from ui.app import Desktop, application, build_desktop

if __package__:
    from bench import machine
    from bench.lanes_bench import TEMPLATES, rss_kib, source_version, unique_plate
    from bench.measure import percentiles
else:  # run as a script: bench/ is on sys.path
    import machine
    from lanes_bench import TEMPLATES, rss_kib, source_version, unique_plate
    from measure import percentiles

REPO = Path(__file__).resolve().parent.parent
MAIN = REPO / "main.py"
OUT = Path(__file__).resolve().parent / "out"
FULL = {"cpu_seconds": 30.0, "startup_runs": 5, "checkpoints": [20, 100, 250, 500, 1000]}
QUICK = {"cpu_seconds": 10.0, "startup_runs": 3, "checkpoints": [20, 50, 100, 200]}
TARGETS = {"cpu_share": 0.25, "latency_p99_ms": 100.0, "startup_s": 2.0, "growth": 0.10}
RATE_HZ = 100
WARM_UP_S = 3.0
HISTORY_S = 45.0  # more than the 40 s the lane plots show
STARTUP_TIMEOUT_S = 20.0
SAMPLES_PER_TRUCK = 8 * 3600 * RATE_HZ // 1000  # 8 h at 100 Hz over 1000 trucks, per lane
OVER_SHARE, OVER_FACTOR, REWEIGH_WHEN_OPEN = 0.2, 1.3, 4
TRACE_FRAMES = 16
OPERATOR = SignedIn("bench", "基准值班员", Role.OPERATOR, False)
PASSWORD = "Weigher-pass-17"

STATION = """
[station]
site_code = "410102210001"
name = "基准站"
language = "zh_CN"

[storage]
data_dir = "{data}"

[workflow]
stable_ms = 0
plate_wait_ms = 2000
"""
AXLE_LANE = """
[[lanes]]
number = {n}
mode = "AXLE"
[[lanes.devices]]
id = "axle{n}"
kind = "axle_scale"
driver = "yaohua-tf0"
simulate = true
[lanes.devices.options]
rate_hz = 100
[[lanes.devices]]
id = "cam{n}"
kind = "camera"
driver = "hikvision"
simulate = true
"""
STATIC_LANE = """
[[lanes]]
number = {n}
mode = "STATIC"
direction = 1
[[lanes.devices]]
id = "platform{n}"
kind = "scale"
driver = "toledo"
simulate = true
[[lanes.devices]]
id = "cam{n}"
kind = "camera"
driver = "dahua"
simulate = true
"""


def arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs, about 2 minutes")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--only", action="append", choices=["cpu", "startup", "memory"],
        help="run only this part (repeatable; cpu includes the latency)",
    )  # fmt: skip
    parser.add_argument("--cpu-seconds", type=float, help="length of the CPU/latency window")
    parser.add_argument("--startup-runs", type=int, help="timed starts of main.py")
    parser.add_argument("--checkpoints", type=int, nargs="+", help="trucks at each RSS point")
    parser.add_argument(
        "--trace", type=int, default=None, metavar="N",
        help="tracemalloc over N more trucks even when memory meets its target",
    )  # fmt: skip
    parser.add_argument(
        "--what-if", action="store_true",
        help="also run the CPU part with the lane plots' pen, Y range and redraw rate changed",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the results file")
    args = parser.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    args.checkpoints = sorted(set(args.checkpoints))
    args.only = args.only or ["startup", "cpu", "memory"]
    return args


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ---- the event loop ---------------------------------------------------------------------


def spin(seconds: float) -> None:
    """Run the Qt event loop for `seconds` (timers, redraws, queued signals, paints)."""
    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(max(1, int(seconds * 1000)), loop.quit)
    loop.exec()


def spin_until(done: Callable[[], bool], timeout_s: float, step_s: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            return False
        spin(step_s)
    return True


# ---- a desktop fed through the runtime's event sink ----------------------------------------


class FeedDevices:
    """The runtime's device port with no drivers: keeps the sink so the bench can feed it."""

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

    def diagnostics(self) -> list:
        return []

    def reconnect(self, device_id: str) -> None:
        del device_id

    def close(self) -> None:
        pass


def station_config(folder: Path, lanes: Sequence[str]) -> StationConfig:
    """A station in `folder` with the given lanes (AXLE_LANE / STATIC_LANE, numbered 1..)."""
    text = STATION.format(data=(folder / "data").as_posix())
    text += "".join(lane.format(n=number) for number, lane in enumerate(lanes, start=1))
    path = folder / "station.toml"
    path.write_text(text, encoding="utf-8")
    return parse_config(text, path)


def open_desktop(folder: Path, lanes: Sequence[str]) -> tuple[Desktop, EventSink]:
    """The real desktop on a fresh station: shown at 1280x860 on the Lanes tab, signed in."""
    # A closed desktop's widgets left in reference cycles must be freed here, on the GUI
    # thread: the cyclic collector, run by whichever thread allocates, once destroyed them
    # on the feeder thread, which deadlocked with the GUI thread in QObject::~QObject.
    gc.collect()
    folder.mkdir(parents=True, exist_ok=True)
    config = station_config(folder, lanes)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    database, _ = open_database(config.database.url, config.database.backup_dir)
    certify_simulated_scales(config, database)
    ensure_admin(database)
    create_operator(database, "admin", login=OPERATOR.login, display_name=OPERATOR.display_name,
                    role=OPERATOR.role, password=PASSWORD, policy=LoginPolicy())  # fmt: skip
    feed = FeedDevices()
    desktop = build_desktop(config, database, language="zh_CN", opener=feed.open)
    window = desktop.window
    window.resize(1280, 860)
    window.show()
    window.start_shift(OPERATOR)
    window.tabs.setCurrentIndex(0)
    assert feed.sink is not None
    spin(0.5)
    return desktop, feed.sink


def close_desktop(desktop: Desktop) -> None:
    desktop.shutdown()
    desktop.window.close()
    desktop.window.deleteLater()
    spin(0.2)


# ---- 1 and 2: four lanes streaming ----------------------------------------------------------


def crossing_profile(seed: int, seconds: float) -> list[int]:
    """kg at 100 Hz on an axle scale: trucks of 2 to 6 axles crossing at 3 to 8 km/h, one
    every 6 to 20 s, each axle a half-sine bump while it is on the 0.8 m platform."""
    rng = np.random.default_rng(seed)
    kg = rng.normal(0.0, 8.0, int(seconds * RATE_HZ))
    at = rng.uniform(1.0, 10.0)
    while at < seconds:
        weights, spacings = TEMPLATES[rng.integers(len(TEMPLATES))]
        speed = rng.uniform(3.0, 8.0) / 3.6  # m/s
        on = int(0.8 / speed * RATE_HZ)  # samples an axle is on the platform
        for weight, spacing_mm in zip(weights, (0, *spacings), strict=True):
            at += spacing_mm / 1000 / speed
            start = int(at * RATE_HZ)
            bump = weight * np.sin(np.pi * (np.arange(on) + 0.5) / on)
            part = kg[start : start + on]
            part += bump[: len(part)]
        at += on / RATE_HZ + rng.uniform(6.0, 20.0)
    return np.round(kg).astype(int).tolist()


class StreamFeeder(threading.Thread):
    """Puts one WeightReading per lane every 1/RATE_HZ s into the sink, on schedule."""

    def __init__(self, sink: EventSink, lanes: dict[int, str], seed: int) -> None:
        super().__init__(name="bench-feeder", daemon=True)
        self.sink, self.lanes = sink, lanes
        self.profiles = {lane: crossing_profile(seed + lane, 300.0) for lane in lanes}
        self.stop = threading.Event()
        self.sent = 0
        self.cpu_s = 0.0  # this thread's CPU time so far (time.thread_time)
        self.late_max_s = 0.0

    def history(self, seconds: float) -> int:
        """The last `seconds` of samples, stamped in the past, as a station running for
        hours has them in its plots; the stream goes on from there."""
        ticks, now = int(seconds * RATE_HZ), time.monotonic()
        for tick in range(ticks):
            stamp = now - (ticks - tick) / RATE_HZ
            for lane, device in self.lanes.items():
                kg = self.profiles[lane][tick]
                self.sink(lane, WeightReading(device, kg, abs(kg) < 50, stamp))
        return ticks

    def run(self) -> None:
        tick = first = self.history(HISTORY_S)
        started = time.monotonic()
        while not self.stop.is_set():
            for lane, device in self.lanes.items():
                profile = self.profiles[lane]
                kg = profile[tick % len(profile)]
                self.sink(lane, WeightReading(device, kg, abs(kg) < 50, time.monotonic()))
            tick += 1
            self.sent = tick
            self.cpu_s = time.thread_time()
            delay = started + (tick - first) / RATE_HZ - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                self.late_max_s = max(self.late_max_s, -delay)


def thread_cpu() -> dict[str, float]:
    """CPU seconds of every thread of this process, by name, from /proc/self/task."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            stat = (task / "stat").read_text()
            comm = (task / "comm").read_text().strip()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        name = names.get(int(task.name), f"{comm} [Qt]")
        found[name] = found.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return found


class LatencyDrain:
    """Collects LivePlot.latencies of every panel, emptying them, on a GUI timer."""

    def __init__(self, desktop: Desktop) -> None:
        self.plots = [panel.plot for panel in desktop.window.panels.values()]
        self.values: list[float] = []
        self.keep = False
        self.timer = QtCore.QTimer(desktop.window)  # ends with the window, on the GUI thread
        self.timer.setInterval(250)
        self.timer.timeout.connect(self.drain)
        self.timer.start()

    def drain(self) -> None:
        for plot in self.plots:
            if self.keep:
                self.values += plot.latencies
            plot.latencies.clear()


@dataclass(frozen=True)
class Mark:
    """Clocks and counters at one end of the measured window."""

    wall: float
    process: float
    threads: dict[str, float]
    feeder_cpu: float
    feeder_ticks: int

    @classmethod
    def take(cls, feeder: StreamFeeder) -> Mark:
        return cls(time.monotonic(), time.process_time(), thread_cpu(), feeder.cpu_s, feeder.sent)


def cpu_figures(
    args: argparse.Namespace, folder: Path, tweak: Callable[[Desktop], None] | None = None
) -> dict[str, Any]:
    progress(f"== CPU and latency: 4 AXLE lanes at {RATE_HZ} Hz, {args.cpu_seconds:g} s")
    desktop, sink = open_desktop(folder, [AXLE_LANE] * 4)
    if tweak is not None:
        tweak(desktop)
    lanes = {number: f"axle{number}" for number in desktop.window.panels}
    feeder = StreamFeeder(sink, lanes, args.seed)
    drain = LatencyDrain(desktop)
    try:
        feeder.start()
        spin(WARM_UP_S)  # first paints, the ring filling: not measured
        drain.drain()
        start = Mark.take(feeder)
        drain.keep = True
        spin(args.cpu_seconds)
        drain.drain()
        end = Mark.take(feeder)
    finally:
        feeder.stop.set()
        feeder.join(5)
        drain.timer.stop()
        close_desktop(desktop)
    return cpu_results(start, end, drain.values, feeder)


def cpu_results(
    start: Mark, end: Mark, latencies: list[float], feeder: StreamFeeder
) -> dict[str, Any]:
    wall = end.wall - start.wall
    process = end.process - start.process
    feeder_s, ticks = end.feeder_cpu - start.feeder_cpu, end.feeder_ticks - start.feeder_ticks
    threads = {
        name: round((seconds - start.threads.get(name, 0.0)) / wall, 4)
        for name, seconds in sorted(end.threads.items())
        if seconds - start.threads.get(name, 0.0) > 0
    }
    without_feeder = (process - feeder_s) / wall
    latency = percentiles(latencies) if latencies else {}
    return {
        "lanes": len(feeder.lanes),
        "rate_hz": RATE_HZ,
        "wall_s": round(wall, 2),
        "samples_sent": ticks * len(feeder.lanes),
        "feeder_late_max_ms": round(feeder.late_max_s * 1000, 1),
        "process_share": round(process / wall, 4),
        "feeder_share": round(feeder_s / wall, 4),
        "without_feeder_share": round(without_feeder, 4),
        "threads_share": threads,
        "cpu_met": without_feeder < TARGETS["cpu_share"],
        "latency": latency,
        "latency_met": bool(latency) and latency["p99_ms"] < TARGETS["latency_p99_ms"],
    }


def thin_pen(desktop: Desktop) -> None:
    for panel in desktop.window.panels.values():
        panel.plot.curve.setPen(pg.mkPen("#1565c0", width=1))


def fixed_y_range(desktop: Desktop) -> None:
    for panel in desktop.window.panels.values():
        panel.plot.setYRange(0, 60_000, padding=0)
        panel.plot.setYRange = lambda *_, **__: None  # redraw no longer moves the axis


def thin_pen_fixed_y(desktop: Desktop) -> None:
    thin_pen(desktop)
    fixed_y_range(desktop)


def redraw_10_hz(desktop: Desktop) -> None:
    for panel in desktop.window.panels.values():
        only_own = QtCore.Qt.FindChildOption.FindDirectChildrenOnly
        panel.findChild(QtCore.QTimer, "", only_own).setInterval(100)  # its redraw timer


WHAT_IF = {
    "curve pen width 1 (not 2)": thin_pen,
    "Y range fixed (not set at every redraw)": fixed_y_range,
    "both of these": thin_pen_fixed_y,
    "redraw every 100 ms (not 50)": redraw_10_hz,
}


def what_if_figures(args: argparse.Namespace, base: Path) -> list[dict[str, Any]]:
    """The CPU run again with one LivePlot setting changed on the built desktop (the
    desktop's code is not changed): where the plots' CPU goes."""
    runs = []
    for index, (name, tweak) in enumerate(WHAT_IF.items()):
        progress(f"== what if: {name}")
        figures = cpu_figures(args, base / f"what-if-{index}", tweak)
        runs.append({"change": name, **figures})
    return runs


# ---- 3. start to first window ---------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    shown_s: float | None
    exit_s: float | None
    error: str = ""
    stderr: str = ""


def startup_station(folder: Path) -> Path:
    """The demo configuration (two lanes) on free loopback ports, its data in `folder`."""
    folder.mkdir(parents=True)
    text = with_free_ports(demo_config_text())
    data = (folder / "data").as_posix()
    text = text.replace('data_dir = ""', f'data_dir = "{data}"', 1)
    path = folder / "station.toml"
    path.write_text(text, encoding="utf-8")
    return path


def start_once(config: Path, probe: Path, extra: Sequence[str] = ()) -> Start:
    """main.py --config F with the start-up probe: seconds to the window and to the exit."""
    env = {
        **os.environ,
        "STATION_STARTUP_PROBE": str(probe),
        "STATION_DATA_DIR": str(config.parent / "user-data"),
        "STATION_CONFIG_DIR": str(config.parent / "user-config"),
    }
    command = [sys.executable, *extra, str(MAIN), "--config", str(config)]
    started = time.time()
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        _, stderr = process.communicate(timeout=STARTUP_TIMEOUT_S)
        exit_s, error = time.time() - started, ""
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
        exit_s, error = None, f"still running after {STARTUP_TIMEOUT_S:g} s: killed"
    if process.returncode and not error:
        error = f"exit code {process.returncode}"
    try:
        shown = json.loads(probe.read_text(encoding="utf-8"))["shown"] - started
    except (OSError, ValueError, KeyError):
        shown, error = None, error or "no start-up probe written"
    return Start(shown, exit_s, error, stderr)


def slowest_imports(stderr: str, count: int = 10) -> dict[str, list[dict[str, Any]]]:
    """From `-X importtime`: the slowest imports by cumulative and by own time."""
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line[len("import time:") :].split("|", 2)
        rows.append((int(own), int(cumulative), name.rstrip()))

    def top(index: int) -> list[dict[str, Any]]:
        ordered = sorted(rows, key=lambda row: row[index], reverse=True)[:count]
        return [{"module": n.strip(), "depth": (len(n) - len(n.lstrip())) // 2,
                 "self_ms": round(s / 1000, 1), "cumulative_ms": round(c / 1000, 1)}
                for s, c, n in ordered]  # fmt: skip

    packages: dict[str, int] = {}
    for own, _, name in rows:
        top_level = name.strip().split(".")[0]
        packages[top_level] = packages.get(top_level, 0) + own
    by_package = sorted(packages.items(), key=lambda item: -item[1])[:count]
    return {
        "total_ms": round(sum(packages.values()) / 1000),
        "by_cumulative": top(1),
        "by_self": top(0),
        "by_package_ms": {name: round(us / 1000, 1) for name, us in by_package},
    }


def startup_figures(args: argparse.Namespace, base: Path) -> dict[str, Any]:
    progress(f"== start-up: main.py --config (demo station), {args.startup_runs} timed runs")
    config = startup_station(base / "startup")
    first = start_once(config, base / "startup" / "probe-first.json")
    progress(f"   first start (creates the database): {first.shown_s} s {first.error}")
    runs = []
    for index in range(args.startup_runs):
        runs.append(start_once(config, base / "startup" / f"probe-{index}.json"))
        progress(f"   run {index + 1}: shown after {runs[-1].shown_s} s {runs[-1].error}")
    imports = start_once(config, base / "startup" / "probe-imports.json", ["-X", "importtime"])
    return startup_results(first, runs, imports)


def startup_results(first: Start, runs: list[Start], imports: Start) -> dict[str, Any]:
    shown = [run.shown_s for run in runs if run.shown_s is not None]
    errors = [run.error for run in (first, *runs) if run.error]
    median = statistics.median(shown) if shown else None
    return {
        "runs": len(runs),
        "shown_s": [round(s, 3) for s in shown],
        "median_s": round(median, 3) if median is not None else None,
        "max_s": round(max(shown), 3) if shown else None,
        "exit_s": [round(r.exit_s, 2) for r in runs if r.exit_s is not None],
        "first_start_s": round(first.shown_s, 3) if first.shown_s is not None else None,
        "errors": errors,
        "met": median is not None and median < TARGETS["startup_s"] and not errors,
        "importtime_run_shown_s": imports.shown_s and round(imports.shown_s, 3),
        "imports": slowest_imports(imports.stderr),
    }


# ---- 4. memory over a shift of trucks -------------------------------------------------------


class TruckFeed:
    """Trucks on lane 1 (AXLE), re-weighings on lane 2 (STATIC), each with its share of
    the shift's 100 Hz samples; one at a time, the next once the record is shown."""

    def __init__(self, desktop: Desktop, sink: EventSink, seed: int) -> None:
        self.desktop, self.sink = desktop, sink
        self.rng = random.Random(seed)
        self.done: queue.SimpleQueue[Notice] = queue.SimpleQueue()
        self.open: list[str] = []
        self.trucks = self.reweighs = self.over = 0
        self.shift = crossing_profile(seed, SAMPLES_PER_TRUCK / RATE_HZ)
        desktop.ctx.runtime.subscribe(self._notice)

    def _notice(self, notice: Notice) -> None:  # on the core thread
        if isinstance(notice, (WeighingCompleted, VehicleAbandoned)):
            self.done.put(notice)

    def _wait(self, plate: str) -> WeighingCompleted:
        if not spin_until(lambda: not self.done.empty(), 30.0):
            raise RuntimeError(f"{plate}: no weighing within 30 s")
        notice = self.done.get_nowait()
        if not isinstance(notice, WeighingCompleted) or notice.plate != plate:
            raise RuntimeError(f"{plate}: expected its weighing, got {notice}")
        panel = self.desktop.window.panels[notice.lane]
        spin_until(lambda: panel.last is not None and panel.last.check_no == notice.check_no, 10)
        return notice

    def samples(self) -> None:
        """One truck's share of the shift's samples on both lanes, fed in one burst (the
        axle scale's trucks crossing, the static platform at zero)."""
        now = time.monotonic
        for kg in self.shift:
            self.sink(1, WeightReading("axle1", kg, abs(kg) < 50, now()))
            self.sink(2, WeightReading("platform2", 0, True, now()))

    def truck(self) -> None:
        plate = unique_plate(self.trucks)
        weights, spacings = self.rng.choice(TEMPLATES)
        over = self.rng.random() < OVER_SHARE
        if over:
            weights = tuple(int(round(w * OVER_FACTOR, -1)) for w in weights)
        self.samples()
        now = time.monotonic()
        picture = PlatePicture("plate", "image/jpeg", b"\xff\xd8" + plate.encode() + b"\xff\xd9")
        self.sink(1, PlateRead("cam1", plate, PlateColour.YELLOW, 96, now, pictures=(picture,)))
        axles = tuple(WimAxle(w, s) for w, s in zip(weights, (*spacings, 0), strict=True))
        trace = tuple(range(0, 6000, 200)) + tuple(range(6000, 0, -200))
        self.sink(1, WimVehicle("axle1", self.trucks + 1, axles, 48, now + 0.01, (), trace, 50))
        notice = self._wait(plate)
        self.trucks += 1
        self.over += notice.is_over
        if notice.case_status == "OPEN":
            self.open.append(plate)
        if len(self.open) >= REWEIGH_WHEN_OPEN:
            self.reweigh(self.open.pop(0))

    def reweigh(self, plate: str) -> None:
        """The oldest open case, unloaded, back on the static platform: closes UNLOADED."""
        clock, sink = time.monotonic, self.sink
        sink(2, PlateRead("cam2", plate, PlateColour.YELLOW, 95, clock()))
        for kg, stable in ((8000, False), (16_000, True), (16_000, True)):
            sink(2, WeightReading("platform2", kg, stable, clock()))
        notice = self._wait(plate)
        sink(2, WeightReading("platform2", 0, True, clock()))
        self.reweighs += 1
        if notice.case_status == "OPEN":
            self.open.append(plate)


def settle(desktop: Desktop) -> None:
    """Let the desktop finish what it shows, keep the operator active, collect."""
    window = desktop.window
    key = QtGui.QKeyEvent(QtCore.QEvent.Type.KeyPress, QtCore.Qt.Key.Key_Shift,
                          QtCore.Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QtWidgets.QApplication.sendEvent(window, key)  # the idle lock stays off
    spin_until(lambda: desktop.ctx.tasks.running == 0, 30.0)
    spin(1.0)
    gc.collect()
    spin(0.2)
    gc.collect()


def memory_point(feed: TruckFeed, started: float) -> dict[str, Any]:
    settle(feed.desktop)
    return {
        "trucks": feed.trucks,
        "reweighs": feed.reweighs,
        "over": feed.over,
        "rss_kib": rss_kib(),
        "allocated_blocks": sys.getallocatedblocks(),
        "widgets": len(QtWidgets.QApplication.allWidgets()),
        "seconds": round(time.perf_counter() - started, 1),
    }


def memory_figures(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    last = args.checkpoints[-1]
    progress(f"== memory: {last} trucks, {SAMPLES_PER_TRUCK} samples per lane per truck")
    desktop, sink = open_desktop(folder, [AXLE_LANE, STATIC_LANE])
    feed = TruckFeed(desktop, sink, args.seed)
    points, started = [], time.perf_counter()
    try:
        for checkpoint in args.checkpoints:
            while feed.trucks < checkpoint:
                feed.truck()
            points.append(memory_point(feed, started))
            progress(f"   {points[-1]}")
        growth = points[-1]["rss_kib"] / points[0]["rss_kib"] - 1
        sources = {}
        if growth >= TARGETS["growth"] or args.trace:
            sources = growth_sources(feed, args.trace or 100)
    finally:
        close_desktop(desktop)
    return memory_results(points, sources)


def memory_results(points: list[dict[str, Any]], sources: dict[str, Any]) -> dict[str, Any]:
    first, last = points[0], points[-1]
    rss, blocks = (last[key] / first[key] - 1 for key in ("rss_kib", "allocated_blocks"))
    return {
        "samples_per_truck_per_lane": SAMPLES_PER_TRUCK,
        "checkpoints": points,
        "rss_growth": round(rss, 4),
        "blocks_growth": round(blocks, 4),
        "met": rss < TARGETS["growth"],
        "growth_sources": sources,
    }


def growth_sources(feed: TruckFeed, count: int) -> dict[str, Any]:
    """tracemalloc over `count` more trucks: where the memory still held was allocated,
    with the innermost ui/station/drivers frame that led there ("via")."""
    progress(f"   tracemalloc over {count} more trucks")
    settle(feed.desktop)
    tracemalloc.start(TRACE_FRAMES)
    try:
        before = tracemalloc.take_snapshot()
        for _ in range(count):
            feed.truck()
        settle(feed.desktop)
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    ignore = (tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, __file__))
    stats = after.filter_traces(ignore).compare_to(before.filter_traces(ignore), "traceback")
    lines = [
        {
            "where": _frame(s.traceback[-1]),
            "via": next((_frame(f) for f in reversed(s.traceback) if _ours(f.filename)), ""),
            "bytes_per_truck": round(s.size_diff / count, 1),
            "blocks_per_truck": round(s.count_diff / count, 2),
        }
        for s in stats[:12]
        if s.size_diff > 0
    ]
    return {
        "trucks": count,
        "net_bytes_per_truck": round(sum(s.size_diff for s in stats) / count, 1),
        "net_blocks_per_truck": round(sum(s.count_diff for s in stats) / count, 2),
        "top_lines": lines,
    }


def _ours(filename: str) -> bool:
    return filename.startswith(tuple(str(REPO / part) for part in ("ui", "station", "drivers")))


def _frame(frame: tracemalloc.Frame) -> str:
    name = frame.filename
    for root in (str(REPO) + os.sep, *(p + os.sep for p in sys.path if "site-packages" in p)):
        if name.startswith(root):
            name = name[len(root) :]
            break
    return f"{name}:{frame.lineno}"


# ---- the run and the report -----------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "machine": machine.describe(args.out),
        "qt_platform": os.environ.get("QT_QPA_PLATFORM", "(default)"),
        "source": source_version(),
        "targets": TARGETS,
    }
    progress(machine.summary(results["machine"]))
    with tempfile.TemporaryDirectory(prefix="gui-bench-") as temp:
        base = Path(temp)
        os.environ["STATION_DATA_DIR"] = str(base / "user-data")  # never the per-user folders
        os.environ["STATION_CONFIG_DIR"] = str(base / "user-config")
        if "startup" in args.only:
            results["startup"] = startup_figures(args, base)
        qt = application("zh_CN") if {"cpu", "memory"} & set(args.only) else None
        if "cpu" in args.only:
            results["cpu"] = cpu_figures(args, base / "cpu")
        if "cpu" in args.only and args.what_if:
            results["cpu_what_if"] = what_if_figures(args, base)
        if "memory" in args.only:
            results["memory"] = memory_figures(args, base / "memory")
        del qt  # the application and its translators lived until here
    results["machine"]["load_average_after"] = machine.describe(args.out)["load_average"]
    path = args.out / f"gui-{stamp}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    progress(f"results written to {path}")
    return results


def verdict(met: bool) -> str:
    return "PASS" if met else "FAIL"


def print_cpu(c: dict[str, Any]) -> None:
    print(f"\n1. CPU, {c['lanes']} lanes at {c['rate_hz']} Hz each for {c['wall_s']} s "
          f"({c['samples_sent']:,} samples)")  # fmt: skip
    print(
        f"   process {c['process_share']:.1%} of one core; the feeder thread "
        f"{c['feeder_share']:.1%}; without it {c['without_feeder_share']:.1%}: target < "
        f"{TARGETS['cpu_share']:.0%}: {verdict(c['cpu_met'])}"
    )
    busy = sorted(c["threads_share"].items(), key=lambda item: -item[1])
    print("   by thread: " + ", ".join(f"{name} {share:.1%}" for name, share in busy[:6]))
    lat = c["latency"]
    print(f"\n2. sample-to-screen latency (stamp to the redraw that draws it), n={lat.get('n')}")
    if lat:
        print(f"   p50 {lat['p50_ms']:.1f}, p95 {lat['p95_ms']:.1f}, p99 {lat['p99_ms']:.1f}, "
              f"max {lat['max_ms']:.1f} ms: target p99 < {TARGETS['latency_p99_ms']:g} ms: "
              f"{verdict(c['latency_met'])}")  # fmt: skip


def print_what_if(runs: list[dict[str, Any]]) -> None:
    print("\n   what if (the same run, one setting of the lane plots changed):")
    for r in runs:
        p99 = r["latency"].get("p99_ms")
        print(f"     {r['change']}: without the feeder {r['without_feeder_share']:.1%} "
              f"(process {r['process_share']:.1%}), latency p99 {p99:.1f} ms")  # fmt: skip


def print_startup(s: dict[str, Any]) -> None:
    print(f"\n3. start to first window (main.py --config, demo station), {s['runs']} runs")
    print(
        f"   median {s['median_s']} s, max {s['max_s']} s ({s['shown_s']}); first start "
        f"(new database) {s['first_start_s']} s: target < {TARGETS['startup_s']:g} s: "
        f"{verdict(s['met'])}"
    )
    for error in s["errors"]:
        print(f"   FAILED: {error}")
    imports = s["imports"]
    print(f"   -X importtime (all imports {imports['total_ms']} ms), slowest by cumulative:")
    for row in imports["by_cumulative"]:
        print(f"     {row['cumulative_ms']:>7.1f} ms  {row['module']}")
    print("   by top-level package (own times added up): " + ", ".join(
        f"{name} {ms:.0f}" for name, ms in imports["by_package_ms"].items()) + " ms")  # fmt: skip


def print_memory(m: dict[str, Any]) -> None:
    print(f"\n4. memory, trucks one at a time ({m['samples_per_truck_per_lane']} samples a lane "
          "per truck)")  # fmt: skip
    for p in m["checkpoints"]:
        print(
            f"   {p['trucks']:>5} trucks ({p['over']} over, {p['reweighs']} re-weighed): RSS "
            f"{p['rss_kib'] / 1024:.1f} MiB, {p['allocated_blocks']:,} blocks, "
            f"{p['widgets']} widgets ({p['seconds']} s)"
        )
    print(
        f"   RSS {m['rss_growth']:+.1%} (Python blocks {m['blocks_growth']:+.1%}) from the "
        f"first point: target < {TARGETS['growth']:.0%}: {verdict(m['met'])}"
    )
    sources = m["growth_sources"]
    if sources:
        print(f"   tracemalloc over {sources['trucks']} more trucks: net "
              f"{sources['net_bytes_per_truck']} B a truck; still held, allocated at:")  # fmt: skip
        for line in sources["top_lines"]:
            print(f"     {line['bytes_per_truck']:>9} B {line['blocks_per_truck']:>6} blocks/truck"
                  f"  {line['where']}  via {line['via'] or '-'}")  # fmt: skip


def print_report(results: dict[str, Any]) -> None:
    print("Desktop (GUI) benchmark on " + machine.summary(results["machine"]))
    print(f"Qt platform {results['qt_platform']}; load average {results['machine']['load_average']}"
          f" before, {results['machine']['load_average_after']} after")  # fmt: skip
    if "cpu" in results:
        print_cpu(results["cpu"])
    if "cpu_what_if" in results:
        print_what_if(results["cpu_what_if"])
    if "startup" in results:
        print_startup(results["startup"])
    if "memory" in results:
        print_memory(results["memory"])


def all_met(results: dict[str, Any]) -> bool:
    checks = []
    if "cpu" in results:
        checks += [results["cpu"]["cpu_met"], results["cpu"]["latency_met"]]
    if "startup" in results:
        checks.append(results["startup"]["met"])
    if "memory" in results:
        checks.append(results["memory"]["met"])
    return all(checks)


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    faulthandler.enable()  # a crash in Qt shows every thread's Python stack on stderr
    if not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    results = run(args)
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        print_report(results)
    return 0 if all_met(results) else 1


if __name__ == "__main__":
    sys.exit(main())
