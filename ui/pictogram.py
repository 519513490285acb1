"""A side-view pictogram of the weighed vehicle: cab, body, wheels, and its axle groups.

Groups over their axle-group limit are drawn red; so is the whole body when the gross
mass is over the limit. Spacings are to scale when known, else evenly spread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets

from station.domain.axle_groups import GroupLoad

RED = QtGui.QColor("#d32f2f")
GREEN = QtGui.QColor("#2e7d32")
GREY = QtGui.QColor("#607d8b")
DEFAULT_SPACING_MM = 1400


@dataclass(frozen=True, slots=True)
class VehicleShape:
    spacings_mm: tuple[int | None, ...]  # between consecutive axles
    groups: tuple[GroupLoad, ...]
    is_over: bool
    axle_type: str = ""


class VehiclePictogram(QtWidgets.QWidget):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.shape: VehicleShape | None = None
        self.setMinimumSize(260, 90)
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed
        )

    def show_vehicle(self, shape: VehicleShape | None) -> None:
        self.shape = shape
        self.update()

    def over_groups(self) -> list[int]:
        """Indexes of the groups drawn red (for tests and accessibility text)."""
        if self.shape is None:
            return []
        return [i for i, group in enumerate(self.shape.groups) if group.over]

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        del event
        painter = QtGui.QPainter(self)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        if self.shape is None or not self.shape.groups:
            painter.setPen(GREY)
            painter.drawText(self.rect(), QtCore.Qt.AlignmentFlag.AlignCenter, "—")
            return
        xs = self._axle_positions()
        self._draw_body(painter, xs)
        self._draw_groups(painter, xs)
        painter.end()

    def _axle_positions(self) -> list[float]:
        assert self.shape is not None
        spacings = [s or DEFAULT_SPACING_MM for s in self.shape.spacings_mm]
        total = sum(spacings) or 1
        left, right = 40.0, self.width() - 20.0
        xs, x = [left], left
        for spacing in spacings:
            x += (right - left) * spacing / total
            xs.append(x)
        return xs

    def _draw_body(self, painter: QtGui.QPainter, xs: Sequence[float]) -> None:
        assert self.shape is not None
        colour = RED if self.shape.is_over else GREEN
        wheel_y = self.height() - 22.0
        cab = QtCore.QRectF(8, wheel_y - 48, max(xs[0] + 18 - 8, 30), 40)
        body = QtCore.QRectF(cab.right() + 4, wheel_y - 52, xs[-1] + 18 - cab.right() - 4, 44)
        painter.setPen(QtGui.QPen(colour.darker(130), 1.5))
        painter.setBrush(colour.lighter(170))
        painter.drawRoundedRect(cab, 6, 6)
        painter.drawRect(body)

    def _draw_groups(self, painter: QtGui.QPainter, xs: Sequence[float]) -> None:
        assert self.shape is not None
        wheel_y = self.height() - 22.0
        for group in self.shape.groups:
            colour = RED if group.over else QtGui.QColor("#263238")
            painter.setPen(QtGui.QPen(colour, 1.5))
            painter.setBrush(colour)
            members = xs[group.first_axle : group.first_axle + group.axle_count]
            for x in members:
                painter.drawEllipse(QtCore.QPointF(x, wheel_y), 9, 9)
            if group.axle_count > 1:
                painter.drawLine(
                    QtCore.QPointF(members[0], wheel_y + 14),
                    QtCore.QPointF(members[-1], wheel_y + 14),
                )
            label = str(group.code)
            painter.drawText(QtCore.QPointF(members[0] - 3, wheel_y + 22), label)
