"""Zeroing a scale from the PC: the command reaches the real device, or a clear refusal."""

from __future__ import annotations

import time

import pytest

from drivers.base import IndicatorValue
from drivers.lanes import open_devices
from drivers.modbus import shipped_map
from drivers.modbus.sim import WeightTransmitterSim
from drivers.protocols import encoder
from drivers.sim.stream import StreamSimulator
from tests.drivers.test_diagnostics import Recorder, device, lane, wait_until


def test_an_mt_sics_indicator_receives_the_zero_command() -> None:
    frame = encoder("mtsics")(IndicatorValue(120, True))
    indicator = StreamSimulator.on_tcp([frame], rate_hz=10)
    indicator.start()
    devices = open_devices([lane(1, device("mt", "scale", "mtsics", indicator.url))],
                           Recorder(), time.monotonic)  # fmt: skip
    try:
        wait_until(lambda: devices.connected("mt"))
        devices.zero("mt")
        wait_until(lambda: b"Z\r\n" in indicator.received())
    finally:
        devices.close()
        indicator.stop()


def test_a_modbus_transmitter_obeys_the_zero_command_of_its_map() -> None:
    transmitter = WeightTransmitterSim(shipped_map("flintec-ft112")).start_tcp()
    transmitter.set(gross_kg=60)
    devices = open_devices(
        [lane(1, device("tx", "scale", "modbus-weight", transmitter.url, map="flintec-ft112"))],
        Recorder(), time.monotonic,
    )  # fmt: skip
    try:
        wait_until(lambda: devices.connected("tx"))
        devices.zero("tx")
        wait_until(lambda: "zero" in transmitter.commands)
        assert transmitter.gross_kg == 0
    finally:
        devices.close()
        transmitter.stop()


def test_an_indicator_that_only_sends_cannot_be_zeroed_from_the_pc() -> None:
    frame = encoder("toledo")(IndicatorValue(0, True))
    indicator = StreamSimulator.on_tcp([frame], rate_hz=10)
    indicator.start()
    devices = open_devices([lane(1, device("tol", "scale", "toledo", indicator.url))],
                           Recorder(), time.monotonic)  # fmt: skip
    try:
        with pytest.raises(ValueError, match="zero the scale on the indicator"):
            devices.zero("tol")
        with pytest.raises(KeyError, match="nope"):
            devices.zero("nope")
    finally:
        devices.close()
        indicator.stop()
