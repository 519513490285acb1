"""What every window of the desktop shares: configuration, database, runtime, devices, user.

Built once by `ui.app` (the composition root). Views never open the database or a device
themselves, and never call into them on the GUI thread: they hand functions to `tasks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from PySide6 import QtCore

from station.config import StationConfig
from station.lanes.runtime import StationRuntime
from station.security import Permission, allowed
from station.storage.accounts import SignedIn
from station.storage.database import Database
from ui.tasks import Tasks


class Diagnosable(Protocol):
    """The running drivers, as the device view sees them (drivers.lanes.LaneDevices)."""

    def diagnostics(self) -> list[Any]: ...

    def reconnect(self, device_id: str) -> None: ...


class Session(QtCore.QObject):
    """Who is signed in; views enable their actions from `can`."""

    changed = QtCore.Signal()

    def __init__(self) -> None:
        super().__init__()
        self.user: SignedIn | None = None
        self.locked = False

    def sign_in(self, user: SignedIn) -> None:
        self.user, self.locked = user, False
        self.changed.emit()

    def sign_out(self) -> None:
        self.user, self.locked = None, False
        self.changed.emit()

    def set_locked(self, locked: bool) -> None:
        self.locked = locked
        self.changed.emit()

    @property
    def login(self) -> str:
        return self.user.login if self.user else ""

    def can(self, permission: Permission) -> bool:
        return self.user is not None and not self.locked and allowed(self.user.role, permission)


@dataclass
class AppContext:
    config: StationConfig
    database: Database
    runtime: StationRuntime
    tasks: Tasks
    session: Session
    devices: Diagnosable | None = None
    language: str = "zh_CN"
    demo: bool = False
    documents_dir: Path = field(default_factory=Path)
    serial: Tasks | None = None

    @property
    def ordered(self) -> Tasks:
        """One worker for the desk's own audit events (sign-in, lock, unlock, shift,
        confirmations): they reach the audit chain in the order the operator did them."""
        if self.serial is None:
            self.serial = Tasks(threads=1)
        return self.serial

    @property
    def pictures_root(self) -> Path:
        return self.config.data_dir / "pictures"

    @property
    def deadline_hours(self) -> int:
        return getattr(self.config.workflow, "unload_deadline_hours", 24)
