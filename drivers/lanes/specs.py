"""What the plan of each device holds: frozen values, checked by drivers.lanes.plan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drivers.cameras.digest import DigestCredentials
from drivers.modbus import parse_port
from drivers.modbus.maps import AnyMap
from drivers.transport import PortSettings
from station.config import DeviceConfig


@dataclass(frozen=True, slots=True)
class AxleSpec:
    rate_hz: int
    platform_length_m: float
    vehicle_gap_s: float
    separator: str | None = None  # "loop" or "curtain" of an I/O module of the lane


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """An indicator read by a PortWorker."""

    settings: PortSettings
    protocol_options: Mapping[str, Any]
    poll_s: float
    axles: AxleSpec | None
    rate_hz: int = 25  # the indicator's output rate: readings of one batch are spread by it


@dataclass(frozen=True, slots=True)
class ModbusLine:
    """How to open one Modbus port; every device on the port must agree on it."""

    port: str
    baudrate: int
    bytesize: int
    parity: str
    stopbits: int
    timeout_s: float

    @property
    def key(self) -> str:
        return parse_port(self.port).key


@dataclass(frozen=True, slots=True)
class IoSpec:
    """Channels of an I/O module; None where the device does not drive or report one."""

    loop_input: int | None
    curtain_input: int | None
    light_output: int | None
    barrier_output: int | None


@dataclass(frozen=True, slots=True)
class ModbusSpec:
    line: ModbusLine
    register_map: AnyMap
    unit: int | None
    poll_s: float
    io: IoSpec | None
    # A weight transmitter under an axle scale: polled once per sample (poll_s = 1/rate_hz),
    # its readings segmented into axles as an indicator's are.
    axles: AxleSpec | None = None
    raw_counts: bool = False  # its readings hold counts, which the station's converter turns to kg


@dataclass(frozen=True, slots=True)
class CameraSpec:
    vendor: str
    host: str
    port: int
    path: str
    source_ip: str
    digest: DigestCredentials | None


@dataclass(frozen=True, slots=True)
class SignSpec:
    host: str
    port: int
    address: int
    width: int
    height: int
    timeout_s: float
    ping_s: float


Spec = StreamSpec | ModbusSpec | CameraSpec | SignSpec


@dataclass(frozen=True, slots=True)
class Planned:
    """One device, checked: its lane, where it is in the configuration, what to start."""

    lane: int
    where: str  # "lanes[0].devices[1]"
    device: DeviceConfig
    spec: Spec

    @property
    def device_id(self) -> str:
        return self.device.id
