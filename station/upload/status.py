"""What the heartbeat says about the devices, and what the upload screen shows of passes."""

from __future__ import annotations

from station.config import StationConfig
from station.storage.database import Database
from station.storage.device_events import last_state

# The device log's states (DeviceStatus, plus STOPPED) in the heartbeat's three words
# (province-api.md §6). A device nobody watches right now is OFFLINE to the province.
HEARTBEAT_STATE = {"OK": "OK", "STALE": "FAULT", "CONNECTING": "OFFLINE", "OFFLINE": "OFFLINE"}


def device_states(database: Database, config: StationConfig) -> list[dict[str, str]]:
    """Every configured device with its last logged state, for the heartbeat."""
    devices = [device for lane in config.lanes for device in lane.devices]
    with database.read() as session:
        states = {device.id: last_state(session, device.id) for device in devices}
    return [
        {
            "id": device.id,
            "kind": device.kind,
            "state": HEARTBEAT_STATE.get(states[device.id] or "", "OFFLINE"),
        }
        for device in devices
    ]
