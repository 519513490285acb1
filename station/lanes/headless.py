"""`main.py headless`: the station without a screen, optionally with simulated traffic."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any, Protocol

from station.config import StationConfig
from station.lanes.ports import Clock, OpenDevices
from station.lanes.runtime import StationRuntime
from station.lanes.settings import WEIGHING_KINDS
from station.storage.database import Database
from station.storage.scales import (
    Certificate,
    current_certificate,
    record_certificate,
    register_scale,
)
from station.tables import load_limit_book
from station.timeutil import beijing_now

log = logging.getLogger(__name__)

SIMULATED_CERTIFICATE_DAYS = 365


class Simulation(Protocol):
    """Traffic driven through simulated devices while the station runs."""

    def start(self) -> None: ...

    def run(self, runtime: StationRuntime, stop: threading.Event) -> int:
        """Drive the traffic; return how many vehicles were driven."""
        ...

    def stop(self) -> None: ...


def certify_simulated_scales(config: StationConfig, database: Database) -> None:
    """Simulated scales get a certificate marked as simulated, so the gates can be tested
    and a demo shows enforcement; a real scale's certificate is entered by a technician."""
    for lane in config.lanes:
        for device in lane.devices:
            if device.kind not in WEIGHING_KINDS or not device.simulate:
                continue
            register_scale(
                database, "simulator", device.id, max_kg=100000, division_kg=10, model="SIM"
            )
            if current_certificate(database, device.id) is None:
                until = beijing_now().date() + timedelta(days=SIMULATED_CERTIFICATE_DAYS)
                cert = Certificate(f"SIM-{device.id}", "模拟器 (simulated)", until)
                record_certificate(database, "simulator", device.id, cert)


def run_headless(
    config: StationConfig,
    database: Database,
    *,
    open_devices: OpenDevices,
    clock: Clock,
    simulation: Simulation | None,
    stop: threading.Event,
) -> dict[str, Any]:
    """Run until the simulation is done or `stop` is set; return the JSON summary."""
    limits = load_limit_book(config.extra_limit_tables)
    if simulation is not None:
        certify_simulated_scales(config, database)
        simulation.start()
    runtime = StationRuntime(
        config, database=database, limits=limits, open_devices=open_devices, clock=clock
    )
    vehicles: int | None = None
    try:
        runtime.start()
        if simulation is None:
            stop.wait()
        else:
            vehicles = simulation.run(runtime, stop)
    finally:
        runtime.stop()
        if simulation is not None:
            simulation.stop()
    return runtime.summary(vehicles)
