"""The frame both wizards share: the step list on the left, the page under its title, and a
message with Back, Next and Cancel below it."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtWidgets


def lay_out_wizard(
    dialog: QtWidgets.QWidget,
    *,
    steps: QtWidgets.QWidget,
    title: QtWidgets.QWidget,
    stack: QtWidgets.QWidget,
    message: QtWidgets.QLabel,
    buttons: Sequence[QtWidgets.QPushButton],
) -> None:
    row = QtWidgets.QHBoxLayout()
    row.addWidget(message, 1)
    for button in buttons:
        row.addWidget(button)
    right = QtWidgets.QVBoxLayout()
    right.addWidget(title)
    right.addWidget(stack, 1)
    right.addLayout(row)
    layout = QtWidgets.QHBoxLayout(dialog)
    layout.addWidget(steps)
    layout.addLayout(right, 1)
