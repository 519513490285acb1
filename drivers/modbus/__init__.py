"""Modbus devices: weight transmitters, digital I/O and WIM/axle controllers, all driven by
register-map files, plus in-process simulators of each.

The only package that imports pymodbus. Synchronous by design: a worker thread owns one
:class:`ModbusBus` per port and polls the drivers that share it.
"""

from drivers.modbus.client import ModbusBus, PortSpec, parse_port
from drivers.modbus.errors import BusError, DriverError
from drivers.modbus.io import ModbusIoDriver
from drivers.modbus.maps import (
    IoMap,
    MapError,
    WeightMap,
    WimMap,
    load_io_map,
    load_map,
    load_weight_map,
    load_wim_map,
    shipped_map,
    shipped_maps,
)
from drivers.modbus.weight import ModbusWeightDriver
from drivers.modbus.wim import ModbusWimDriver

__all__ = [
    "BusError",
    "DriverError",
    "IoMap",
    "MapError",
    "ModbusBus",
    "ModbusIoDriver",
    "ModbusWeightDriver",
    "ModbusWimDriver",
    "PortSpec",
    "WeightMap",
    "WimMap",
    "load_io_map",
    "load_map",
    "load_weight_map",
    "load_wim_map",
    "parse_port",
    "shipped_map",
    "shipped_maps",
]
