"""The device event log: every change of a device's state, and the faults of a period.

The lane runtime writes a row when a device's state changes (DeviceStatus: CONNECTING,
OK, STALE, OFFLINE), and STOPPED for each device when the station stops watching them.
A state equal to the device's last recorded one writes nothing, so a repeated status
costs no row. Rows are evidence (a scale OFFLINE while trucks passed): append-only.

Device events are recorded from schema 0005 on; earlier periods have no device figures
(`log_began` says from when there are). The counting rules of a fault are in
`station.readmodel_periods`: a fault is a spell from STALE or OFFLINE until OK. STOPPED
also ends a spell, because while the station is stopped nobody watches the device and
that time is not the device's fault; a crash writes no STOPPED, so a fault open at a
crash lasts until the device's first state after the restart.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.orm import Session

from station.domain.readings import DeviceState
from station.readmodel_periods import DeviceFaults
from station.storage.database import Database
from station.storage.models import DeviceEvent

STOPPED = "STOPPED"
FAULT_STATES = frozenset({DeviceState.STALE.value, DeviceState.OFFLINE.value})
# CONNECTING neither starts nor ends a fault: every start passes through it, and so does
# every reconnection in the middle of a fault.
WORKING_STATES = frozenset({DeviceState.OK.value, STOPPED})
MAX_DETAIL = 500

Timeline = list[tuple[datetime, str]]


def _fail(field: str, problem: str) -> ValueError:
    return ValueError(f"{field}: {problem}")


def _checked(device_id: str, state: str, kind: str) -> None:
    if not device_id or len(device_id) > 64:
        raise _fail("device_id", "1 to 64 characters")
    if not state or len(state) > 12:
        raise _fail("state", "1 to 12 characters")
    if len(kind) > 16:
        raise _fail("kind", "at most 16 characters")


def last_state(session: Session, device_id: str) -> str | None:
    """The state last recorded for a device; None if it has none."""
    return session.scalar(
        select(DeviceEvent.state)
        .where(DeviceEvent.device_id == device_id)
        .order_by(DeviceEvent.id.desc())
        .limit(1)
    )


def record_state(
    database: Database,
    *,
    device_id: str,
    state: str,
    moment: datetime,
    lane: int | None = None,
    kind: str = "",
    detail: str = "",
) -> bool:
    """Record the device's state if it differs from its last recorded one; True if written."""
    _checked(device_id, state, kind)
    with database.transaction() as session:
        if last_state(session, device_id) == state:
            return False
        session.add(
            DeviceEvent(
                at=moment,
                device_id=device_id,
                lane=lane,
                kind=kind,
                state=state,
                detail=detail[:MAX_DETAIL],
            )
        )
    return True


# ---- faults of a period -------------------------------------------------------------------


def log_began(conn: Connection) -> datetime | None:
    """When the first device event was recorded; None when there is none."""
    return conn.scalar(select(func.min(DeviceEvent.at)))


def _timelines(conn: Connection, start: datetime, end: datetime) -> dict[str, Timeline]:
    """Each device's state at `start` (its last event before) and its changes up to `end`."""
    last_before = (
        select(func.max(DeviceEvent.id))
        .where(DeviceEvent.at < start)
        .group_by(DeviceEvent.device_id)
    )
    rows = conn.execute(
        select(DeviceEvent.device_id, DeviceEvent.at, DeviceEvent.state)
        .where(
            or_(
                DeviceEvent.id.in_(last_before),
                and_(DeviceEvent.at >= start, DeviceEvent.at < end),
            )
        )
        .order_by(DeviceEvent.id)
    )
    timelines: dict[str, Timeline] = defaultdict(list)
    for device_id, at, state in rows:
        timelines[device_id].append((max(at, start), state))
    return timelines


def _seconds(since: datetime, until: datetime) -> int:
    # Never negative: the clock may have been set back between two events.
    return max(0, int((until - since).total_seconds()))


def _faults(timeline: Timeline, until: datetime) -> tuple[int, int]:
    """Fault spells and seconds not OK in a timeline, an open spell ending at `until`."""
    faults = seconds = 0
    since: datetime | None = None
    for at, state in timeline:
        if state in FAULT_STATES and since is None:
            since, faults = at, faults + 1
        elif state in WORKING_STATES and since is not None:
            seconds += _seconds(since, min(at, until))
            since = None
    if since is not None:
        seconds += _seconds(since, until)
    return faults, seconds


def period_faults(
    conn: Connection, start: datetime, end: datetime, now: datetime
) -> tuple[DeviceFaults, ...]:
    """Devices with faults in [start, end), by device id; time counts up to `now` at most."""
    until = min(end, now)
    if until <= start:
        return ()
    found = []
    for device_id, timeline in sorted(_timelines(conn, start, end).items()):
        faults, seconds = _faults(timeline, until)
        if faults:
            found.append(DeviceFaults(device_id, faults, seconds))
    return tuple(found)
