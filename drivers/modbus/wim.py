"""Axle/WIM controllers configured to the station's own Modbus map (docs/wim-modbus-map.md).

The controller presents its oldest unacknowledged vehicle record; the station reads it in
one request, checks that the counter at its start equals the copy at its end (a torn read
otherwise, read again), delivers it, then writes the counter to the acknowledge register
so the controller moves on. A record is keyed by (session, counter): if an acknowledge was
lost the same record is presented again and only re-acknowledged, never delivered twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from drivers.modbus import codec
from drivers.modbus.errors import BusError, DeviceOnBus, DriverError
from drivers.modbus.maps import WIM_FIELDS, WimMap
from drivers.modbus.tap import AnyBus
from station.domain.readings import WimAxle, WimVehicle

COUNTER_MODULUS = 2**32


@dataclass(frozen=True)
class WimImage:
    """One read of the controller's registers, decoded but not yet judged."""

    values: dict[str, int]
    axle_weights: tuple[int, ...]
    axle_spacings: tuple[int, ...]

    def __getitem__(self, name: str) -> int:
        return self.values[name]


def next_counter(counter: int) -> int:
    """The counter after ``counter``; it skips 0, which means "no record yet"."""
    return counter % (COUNTER_MODULUS - 1) + 1


class ModbusWimDriver(DeviceOnBus):
    """Reads whole vehicle records from a WIM/axle controller. One instance per controller.

    ``last_key`` is the (session, counter) of the last record delivered. A station that
    persists it and passes it back after a restart will not receive that record again if
    the controller still presents it (the restart came between delivery and acknowledge).
    """

    def __init__(
        self,
        bus: AnyBus,
        wim_map: WimMap,
        device_id: str,
        unit: int | None = None,
        *,
        last_key: tuple[int, int] | None = None,
        torn_retries: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bus = bus
        self.map = wim_map
        self.device_id = device_id
        self.unit = wim_map.unit_id if unit is None else unit
        self.last_key = last_key
        self.torn_retries = torn_retries
        self._clock = clock
        self.controller_status: frozenset[str] = frozenset()
        self.torn_reads = 0
        self.ack_failures = 0
        self.last_ack_error = ""

    def poll(self) -> WimVehicle | None:
        """The next vehicle, or None if the controller has nothing new."""
        image = self._read_whole()
        if image is None:
            return None
        key = (image["session"], image["counter"])
        if key == self.last_key:
            # Delivered before but the acknowledge did not arrive: acknowledge again only.
            self._acknowledge(image["counter"])
            return None
        vehicle = self._vehicle(image)
        self.last_key = key
        self._acknowledge(image["counter"])
        return vehicle

    # ----------------------------------------------------------------- reading

    def _read_whole(self) -> WimImage | None:
        for _attempt in range(self.torn_retries + 1):
            image = self._read()
            self.controller_status = frozenset(
                name
                for name, bit in self.map.status_bits.items()
                if codec.bit(image["status"], bit)
            )
            if "record_ready" not in self.controller_status or image["counter"] == 0:
                return None
            if image["counter"] == image["counter_check"]:
                return image
            self.torn_reads += 1
        what = f"{self._window_text()} (counter {image['counter']})"
        problem = f"the record changed during {self.torn_retries + 1} reads in a row"
        raise DriverError(self._name(), what, "torn", problem)

    def _read(self) -> WimImage:
        first, count = self.map.window
        try:
            words = self.bus.read_registers(self.map.function, first, count, self.unit)
        except BusError as exc:
            raise DriverError.from_bus(self._name(), self._window_text(), exc) from None
        image = self._decode(words, first)
        self._check_identity(image)
        return image

    def _decode(self, words: list[int], first: int) -> WimImage:
        def value(address: int, width: int) -> int:
            chunk = words[address - first : address - first + width]
            return int(
                codec.decode(chunk, "uint16" if width == 1 else "uint32", self.map.word_order)
            )

        scalars = {
            name: value(self.map.fields[name], width)
            for name, width in WIM_FIELDS.items()
            if name not in ("axle_weights", "axle_spacings")
        }
        weights_at = self.map.fields["axle_weights"]
        spacings_at = self.map.fields["axle_spacings"]
        axles = range(self.map.max_axles)
        return WimImage(
            values=scalars,
            axle_weights=tuple(value(weights_at + 2 * i, 2) for i in axles),
            axle_spacings=tuple(value(spacings_at + i, 1) for i in axles),
        )

    def _check_identity(self, image: WimImage) -> None:
        if image["magic"] == self.map.magic and image["version"] == self.map.version:
            return
        problem = (
            f"the controller answers magic 0x{image['magic']:04X} version {image['version']}; "
            f"the map {self.map.source} expects 0x{self.map.magic:04X} version {self.map.version}"
            " - is it configured to the station WIM map?"
        )
        raise DriverError(self._name(), "identity", "config", problem)

    # ----------------------------------------------------------------- judging

    def _vehicle(self, image: WimImage) -> WimVehicle:
        count = min(image["axle_count"], self.map.max_axles)
        axles = tuple(
            WimAxle(
                weight_kg=image.axle_weights[i],
                spacing_mm=image.axle_spacings[i] if i < count - 1 else None,
            )
            for i in range(count)
        )
        return WimVehicle(
            device_id=self.device_id,
            vehicle_counter=image["counter"],
            axles=axles,
            speed_kmh_x10=image["speed"],
            t_mono=self._clock(),
            flags=self._flags(image, axles),
        )

    def _flags(self, image: WimImage, axles: tuple[WimAxle, ...]) -> tuple[str, ...]:
        word = image["flags"]
        flags = [
            name
            for name, bit in self.map.flag_bits.items()
            if name != "complete" and codec.bit(word, bit)
        ]
        known = set(self.map.flag_bits.values())
        flags += [f"bit{n}" for n in range(16) if codec.bit(word, n) and n not in known]
        if not codec.bit(word, self.map.flag_bits["complete"]):
            flags.append("incomplete")
        if "maintenance" in self.controller_status:
            flags.append("maintenance")
        if sum(axle.weight_kg for axle in axles) != image["gross"]:
            flags.append("gross_mismatch")
        if self._counter_gap(image):
            flags.append("counter_gap")
        return tuple(flags)

    def _counter_gap(self, image: WimImage) -> bool:
        if self.last_key is None or self.last_key[0] != image["session"]:
            return False  # first record seen, or the controller restarted and counts afresh
        return image["counter"] != next_counter(self.last_key[1])

    # ----------------------------------------------------------------- acknowledge

    def _acknowledge(self, counter: int) -> None:
        # A failed acknowledge is not an error for the caller: the record is presented again
        # and recognised by its key, so the acknowledge is simply repeated on the next poll.
        words = codec.encode(counter, "uint32", self.map.word_order)
        try:
            self.bus.write_registers(self.map.ack_address, words, self.unit)
        except BusError as exc:
            self.ack_failures += 1
            self.last_ack_error = str(exc)

    def _window_text(self) -> str:
        first, count = self.map.window
        return f"{self.map.function} registers {first}-{first + count - 1}"
