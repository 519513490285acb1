"""Wiring the configured devices to lanes: `open_devices(lanes, sink, clock, converters)`.

It implements `station.lanes.ports.OpenDevices`. Every device of every lane is checked
first (`plan`), then started: indicators on port workers (`streams`, axle scales through
the segmenter in `axles`), Modbus devices and LED signs on a thread each (`loops`; an axle
scale's transmitter through the segmenter too, its raw counts made kg first by the
station's converter), plate cameras behind one shared HTTP listener (`cameras`). Options:
docs/devices.md, "Wiring devices to lanes".
"""

from drivers.lanes.devices import LaneDevices, open_devices
from drivers.lanes.plan import SUPPORTED

__all__ = ["SUPPORTED", "LaneDevices", "open_devices"]
