"""Which plate read belongs to the vehicle on the lane, and operator-typed plates."""

from __future__ import annotations

import re
from collections import deque

from station.domain.readings import PlateColour, PlateRead
from station.domain.records import UNREAD_PLATE, UPLOAD_PLATE_COLOR, PlateSource
from station.services.recording import Plate

KEEP_READS = 16
# 省份简称 + letter + 5 or 6 characters (new-energy plates have 6), or a trailing 挂/学/警.
PLATE_PATTERN = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领]"
    r"[A-Z][A-Z0-9]{4,5}[A-Z0-9挂学警港澳]?"
)


class PlateError(ValueError):
    pass


def typed_plate(text: str, colour: PlateColour) -> Plate:
    """A plate the operator typed; refused unless it looks like a Chinese plate."""
    number = text.strip().upper().replace("·", "").replace(" ", "")
    if not PLATE_PATTERN.fullmatch(number):
        raise PlateError(f"plate: {text!r} is not a plate number (e.g. 豫A12345)")
    return Plate(number, UPLOAD_PLATE_COLOR[colour], PlateSource.OPERATOR)


def unread_plate() -> Plate:
    return Plate(UNREAD_PLATE, UPLOAD_PLATE_COLOR[PlateColour.UNKNOWN], PlateSource.ANPR)


class PlateReads:
    """Recent reads of the lane's cameras, newest last."""

    def __init__(self) -> None:
        self._reads: deque[PlateRead] = deque(maxlen=KEEP_READS)

    def add(self, read: PlateRead) -> None:
        self._reads.append(read)

    def between(self, start: float, end: float) -> list[PlateRead]:
        return [read for read in self._reads if start <= read.t_mono <= end]

    def best(self, start: float, end: float) -> PlateRead | None:
        """The most confident read in the window; the latest among equals."""
        found = self.between(start, end)
        if not found:
            return None
        return max(reversed(found), key=lambda read: read.confidence)

    def forget_until(self, moment: float) -> None:
        """Reads up to `moment` belonged to a vehicle already recorded."""
        while self._reads and self._reads[0].t_mono <= moment:
            self._reads.popleft()


def plate_of(read: PlateRead) -> Plate:
    return Plate(read.plate, UPLOAD_PLATE_COLOR[read.colour], PlateSource.ANPR)


def distinct_plates(reads: list[PlateRead]) -> set[str]:
    return {read.plate for read in reads if read.plate and read.plate != UNREAD_PLATE}
