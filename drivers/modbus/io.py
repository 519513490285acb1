"""Modbus digital I/O: loop detectors, light curtains and limit switches in; barrier and
traffic-light contacts out. Driven by an I/O map (drivers.modbus.maps.IoMap).

Inputs are polled, so ``changes()`` reports the difference between two polls: a pulse
shorter than the poll interval is not seen. Loop detectors and light curtains hold their
output while a vehicle is present, which polling every 50-100 ms catches reliably.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from drivers.modbus.errors import DeviceOnBus, DriverError
from drivers.modbus.maps import BitBlock, IoMap
from drivers.modbus.tap import AnyBus
from station.domain.readings import InputChange


class ModbusIoDriver(DeviceOnBus):
    """One I/O module or relay board. Channels count from 0 within inputs and outputs."""

    def __init__(
        self,
        bus: AnyBus,
        io_map: IoMap,
        device_id: str,
        unit: int | None = None,
        *,
        names: Mapping[int, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.bus = bus
        self.map = io_map
        self.device_id = device_id
        self.unit = io_map.unit_id if unit is None else unit
        self.names = dict(names or {})
        self._clock = clock
        self._sleep = sleep
        self._last: list[bool] | None = None

    @property
    def input_count(self) -> int:
        return self.map.inputs.count if self.map.inputs else 0

    @property
    def output_count(self) -> int:
        return self.map.outputs.count if self.map.outputs else 0

    # ----------------------------------------------------------------- inputs

    def read_inputs(self) -> list[bool]:
        block = self._block(self.map.inputs, "inputs")
        return self._request(
            _describe(block),
            lambda: self.bus.read_bits(block.function, block.address, block.count, self.unit),
        )

    def changes(self) -> list[InputChange]:
        """Edges since the previous call. The first call only takes the baseline: [] ."""
        states = self.read_inputs()
        t_mono = self._clock()
        previous, self._last = self._last, states
        if previous is None:
            return []
        return [
            InputChange(self.device_id, channel, state, t_mono, self.names.get(channel, ""))
            for channel, (before, state) in enumerate(zip(previous, states, strict=True))
            if before != state
        ]

    @property
    def last_inputs(self) -> list[bool] | None:
        """The states seen by the last ``changes()`` call (None before the first)."""
        return None if self._last is None else list(self._last)

    # ----------------------------------------------------------------- outputs

    def read_outputs(self) -> list[bool]:
        block = self._block(self.map.outputs, "outputs")
        return self._request(
            _describe(block),
            lambda: self.bus.read_bits("coils", block.address, block.count, self.unit),
        )

    def set_output(self, channel: int, on: bool) -> None:
        address = self._output_address(channel)
        self._request(
            f"coil {address} (output {channel})",
            lambda: self.bus.write_coil(address, on, self.unit),
        )

    def pulse(self, channel: int, seconds: float) -> None:
        """Close a contact for ``seconds`` (barrier open/close inputs want 0.3-1 s).

        Blocks the calling worker thread but not the bus: other devices are served while it
        waits. The contact is released even if the wait is interrupted.
        """
        if seconds <= 0:
            raise ValueError("a pulse lasts more than 0 s")
        self.set_output(channel, True)
        try:
            self._sleep(seconds)
        finally:
            self.set_output(channel, False)

    # ----------------------------------------------------------------- helpers

    def _output_address(self, channel: int) -> int:
        block = self._block(self.map.outputs, "outputs")
        if not 0 <= channel < block.count:
            raise ValueError(
                f"{self.device_id}: output {channel} does not exist (0-{block.count - 1})"
            )
        return block.address + channel

    def _block(self, block: BitBlock | None, name: str) -> BitBlock:
        if block is None:
            problem = f"the map for {self.map.model} ({self.map.source}) has no [{name}]"
            raise DriverError(self._name(), name, "config", problem)
        return block


def _describe(block: BitBlock) -> str:
    kind = "discrete inputs" if block.function == "discrete" else "coils"
    return f"{kind} {block.address}-{block.address + block.count - 1}"
