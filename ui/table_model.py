"""A read-only table model of frozen rows, one handler per item role.

The records list and the open cases are the same kind of table: rows replaced whole
after a query, a title per column, and per role a function of (row, column).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Any

from PySide6 import QtCore


class RowModel(QtCore.QAbstractTableModel):
    """Subclasses fill `_titles` (one per column) and `_roles` (role -> handler)."""

    def __init__(self, columns: type[IntEnum], parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = columns
        self._rows: list[Any] = []
        self._titles: Sequence[str] = ()
        self._roles: dict[int, Callable[[Any, Any], Any]] = {}

    def replace_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QtCore.QModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QtCore.QModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: QtCore.Qt.Orientation, role: int = 0) -> Any:
        if (
            role == QtCore.Qt.ItemDataRole.DisplayRole
            and orientation == QtCore.Qt.Orientation.Horizontal
        ):
            return self._titles[section]
        return None

    def data(self, index: QtCore.QModelIndex, role: int = 0) -> Any:
        handler = self._roles.get(role)
        if handler is None or not index.isValid():
            return None
        return handler(self._rows[index.row()], self._columns(index.column()))
