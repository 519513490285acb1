"""`main.py probe`: the technician's "does it talk?" tool.

Opens one port with one protocol, prints each valid reading as a JSON line, and when
nothing valid arrives explains what did arrive (no bytes at all points at the cable or
port, bytes without frames at the protocol, baud or parity).
"""

from __future__ import annotations

import json
import queue
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from drivers.modbus import (
    DriverError,
    MapError,
    ModbusBus,
    ModbusWeightDriver,
    WeightMap,
    load_weight_map,
    shipped_map,
)
from drivers.protocols import make
from drivers.transport import PortSettings, PortSettingsError
from drivers.worker import DeviceCounters, PortWorker
from station.domain.readings import WeightReading

SERIAL_PROTOCOLS = ("toledo", "mtsics", "yaohua-tf0", "yaohua-eq", "yaohua-w", "sma")
PROTOCOLS = (*SERIAL_PROTOCOLS, "modbus-weight")
MODBUS_POLL_S = 0.2


class ProbeError(ValueError):
    """Bad probe options; the message says which and what is allowed."""


@dataclass(frozen=True, slots=True)
class ProbeOptions:
    protocol: str
    port: str
    baud: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1
    unit: int = 1
    map: str | None = None
    count: int = 10
    timeout_s: float = 5.0


def reading_json(reading: WeightReading) -> str:
    return json.dumps(
        {
            "weight": reading.weight_kg,
            "stable": reading.stable,
            "net": reading.net,
            "tare": reading.tare_kg,
            "overload": reading.overload,
            "unit": "kg",
        }
    )


def _settings(options: ProbeOptions) -> PortSettings:
    try:
        return PortSettings(
            port=options.port,
            baudrate=options.baud,
            bytesize=options.bytesize,
            parity=options.parity,
            stopbits=options.stopbits,
        )
    except PortSettingsError as exc:
        raise ProbeError(str(exc)) from None


def _serial_readings(
    options: ProbeOptions, settings: PortSettings, counters: list[DeviceCounters]
) -> Iterator[WeightReading | None]:
    inbox: queue.SimpleQueue[WeightReading] = queue.SimpleQueue()

    def deliver(batch: list[WeightReading]) -> None:
        for reading in batch:
            inbox.put(reading)

    worker = PortWorker(
        "probe", settings, make(options.protocol), on_readings=deliver, on_status=lambda _s: None
    )
    worker.start()
    try:
        while True:
            try:
                yield inbox.get(timeout=0.05)
            except queue.Empty:
                counters[:] = [worker.counters()]
                yield None  # a tick, so the caller can check its deadline
    finally:
        counters[:] = [worker.counters()]
        worker.stop()


def _modbus_readings(options: ProbeOptions, errors: list[str]) -> Iterator[WeightReading | None]:

    if not options.map:
        raise ProbeError("--map: modbus-weight needs a register map (a file or a shipped name)")
    try:
        path = Path(options.map)
        weight_map = load_weight_map(path) if path.exists() else shipped_map(options.map)
    except (MapError, KeyError, ValueError) as exc:
        raise ProbeError(f"--map: {exc}") from None
    if not isinstance(weight_map, WeightMap):
        raise ProbeError(f"--map: {options.map} is not a weight-transmitter map")
    try:
        bus = ModbusBus(options.port, baudrate=options.baud, bytesize=options.bytesize,
                        parity=options.parity, stopbits=options.stopbits)  # fmt: skip
    except ValueError as exc:
        raise ProbeError(f"PORT: {exc}") from None
    driver = ModbusWeightDriver(bus, weight_map, "probe", unit=options.unit)
    try:
        while True:
            try:
                yield driver.poll()
            except DriverError as exc:
                errors[:] = [str(exc)]
                yield None
            time.sleep(MODBUS_POLL_S)
    finally:
        bus.close()


def _explain_serial(options: ProbeOptions, counters: DeviceCounters | None) -> str:
    where = f"{options.port} ({options.baud} {options.bytesize}{options.parity}{options.stopbits})"
    if counters is None or counters.bytes_in == 0:
        error = f"; last error: {counters.last_error}" if counters and counters.last_error else ""
        return f"no bytes arrived from {where}: check the cable, the port name and power{error}"
    return (
        f"{counters.bytes_in} bytes arrived from {where} but no valid {options.protocol} reading "
        f"({counters.checksum_errors} checksum errors, {counters.format_errors} bad frames, "
        f"{counters.discarded_bytes} bytes of garbage): check the protocol, baud rate and parity"
        + (f"; last: {counters.last_error}" if counters.last_error else "")
    )


def run_probe(options: ProbeOptions, out: TextIO = sys.stdout) -> tuple[int, str]:
    """Print up to `count` readings; return (exit code, message for stderr)."""
    if options.protocol not in PROTOCOLS:
        raise ProbeError(f"PROTOCOL: {options.protocol!r} is not one of {', '.join(PROTOCOLS)}")
    counters: list[DeviceCounters] = []
    errors: list[str] = []
    if options.protocol == "modbus-weight":
        source: Iterator[WeightReading | None] = _modbus_readings(options, errors)
    else:
        source = _serial_readings(options, _settings(options), counters)
    printed = _print_readings(source, options, out)
    if printed >= options.count:
        return 0, ""
    if options.protocol == "modbus-weight":
        detail = errors[0] if errors else "no answer"
        return 1, f"no valid reading within {options.timeout_s:g} s from {options.port}: {detail}"
    message = _explain_serial(options, counters[0] if counters else None)
    if printed:
        message = (
            f"only {printed} of {options.count} readings within {options.timeout_s:g} s; {message}"
        )
    return 1, message


def _print_readings(
    source: Iterator[WeightReading | None], options: ProbeOptions, out: TextIO
) -> int:
    printed = 0
    deadline = time.monotonic() + options.timeout_s
    close: Callable[[], None] = getattr(source, "close", lambda: None)
    try:
        for reading in source:
            if reading is not None:
                print(reading_json(reading), file=out, flush=True)
                printed += 1
                deadline = time.monotonic() + options.timeout_s
                if printed >= options.count:
                    break
            elif time.monotonic() > deadline:
                break
    finally:
        close()
    return printed
