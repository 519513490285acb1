"""Errors the Modbus drivers raise: one type the station can catch, worded for a technician."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

# Modbus exception codes as the standard names them; a technician matches these to the manual.
EXCEPTION_NAMES = {
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "server device failure",
    5: "acknowledge (busy with a long command)",
    6: "server device busy",
    7: "negative acknowledge",
    8: "memory parity error",
    10: "gateway path unavailable",
    11: "gateway target device failed to respond",
}


_T = TypeVar("_T")


class BusError(Exception):
    """A request failed on the bus; drivers re-raise it as a DriverError naming the device.

    kind is "connection" (port cannot be opened or was lost, or is held off after a failure),
    "timeout" (no answer), "exception" (the device answered a Modbus exception) or "format"
    (an answer that does not fit the request).
    """

    def __init__(self, kind: str, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.code = code


class DriverError(Exception):
    """A device could not be read or commanded. ``str()`` names the device and the register."""

    def __init__(self, device: str, what: str, kind: str, message: str) -> None:
        super().__init__(f"{device}: {what}: {message}")
        self.device = device
        self.what = what
        self.kind = kind

    @classmethod
    def from_bus(cls, device: str, what: str, error: BusError) -> DriverError:
        return cls(device, what, error.kind, str(error))


def exception_text(code: int) -> str:
    return f"device answered Modbus exception {code} ({EXCEPTION_NAMES.get(code, 'unknown')})"


class DeviceOnBus:
    """What every Modbus device driver shares: its name in messages, and turning a bus
    failure into a DriverError that names the device and what it was doing."""

    device_id: str
    unit: int
    bus: Any

    def _request(self, what: str, call: Callable[[], _T]) -> _T:
        try:
            return call()
        except BusError as exc:
            raise DriverError.from_bus(self._name(), what, exc) from None

    def _name(self) -> str:
        return f"{self.device_id} (unit {self.unit} on {self.bus.name})"
