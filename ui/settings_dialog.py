"""The station settings: the TOML configuration file, edited, checked and saved safely.

The file is the single source of the settings (docs/configuration.md), so the dialog
edits its text rather than a form: comments and layout survive, and the same validator
that runs at start-up (`station.config.parse_config`) checks the text here. Reading,
checking and writing run on workers, since the file may sit on a slow or network disk and
the validator looks at the folders it names. Only a valid text is written, atomically,
with the previous version kept next to it as `<name>.bak`.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from station.config import (
    DEVICE_TABLE,
    LANE_TABLE,
    SECTIONS,
    ConfigError,
    StationConfig,
    demo_config_text,
    parse_config,
)
from station.security import Permission
from ui.context import AppContext

ERROR_LINE_COLOUR = "#ffd7d7"
VALID_COLOUR = "#1d7a2e"
ERROR_COLOUR = "#b3261e"


# ---- file work (runs on a worker thread; no Qt) ----------------------------------------


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def read_config_text(path: Path) -> tuple[str, bool]:
    """The file's text and True; the demo text and False when there is no file yet."""
    try:
        return path.read_bytes().decode("utf-8-sig"), True
    except FileNotFoundError:
        return demo_config_text(), False


def _write_atomic(path: Path, data: bytes) -> None:
    # A power cut leaves either the old or the new file, never half of one.
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def save_config_text(path: Path, text: str) -> StationConfig:
    """Validate `text`, keep the current file as `.bak`, then replace the file atomically.

    Raises ConfigError (and writes nothing) when the text is not a valid configuration.
    """
    config = parse_config(text, path)
    data = text.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        previous = path.read_bytes()
        # Saving the same text twice must not overwrite the real previous version.
        if previous != data:
            _write_atomic(backup_path(path), previous)
    _write_atomic(path, data)
    return config


def allowed_for(key: str) -> str:
    """What the schema allows for `key` (`lanes[1].mode` -> "STATIC, AXLE, WIM"), or ""."""
    table_name, _, name = re.sub(r"\[\d+\]", "", key).rpartition(".")
    for table in (*SECTIONS, LANE_TABLE, DEVICE_TABLE):
        if table.name == table_name:
            for item in table.fields:
                if item.name == name:
                    return item.allowed_text
    return ""


def masked_url(url: str) -> str:
    """A database URL without its password, for a summary someone may look over."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


# ---- the editor -----------------------------------------------------------------------


class _Gutter(QtWidgets.QWidget):
    def __init__(self, editor: ConfigEditor) -> None:
        super().__init__(editor)
        self._editor = editor

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(self._editor.gutter_width(), 0)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        self._editor.paint_gutter(event)


class ConfigEditor(QtWidgets.QPlainTextEdit):
    """A monospace text editor with line numbers, since errors are reported by line."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFont(QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)
        self._gutter = _Gutter(self)
        self.blockCountChanged.connect(self._fit_gutter)
        self.updateRequest.connect(self._scroll_gutter)
        self._fit_gutter()

    def gutter_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 12 + self.fontMetrics().horizontalAdvance("9") * max(3, digits)

    def _fit_gutter(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _scroll_gutter(self, rect: QtCore.QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        area = self.contentsRect()
        self._gutter.setGeometry(area.left(), area.top(), self.gutter_width(), area.height())

    def paint_gutter(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self._gutter)
        painter.fillRect(event.rect(), self.palette().color(QtGui.QPalette.ColorRole.AlternateBase))
        painter.setPen(self.palette().color(QtGui.QPalette.ColorRole.PlaceholderText))
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        width, height = self._gutter.width() - 6, self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible():
                right = QtCore.Qt.AlignmentFlag.AlignRight
                painter.drawText(0, top, width, height, right, str(block.blockNumber() + 1))
            top += round(self.blockBoundingRect(block).height())
            block = block.next()
        painter.end()

    def mark_line(self, line: int | None) -> None:
        """Highlight `line` (1-based) and put the cursor there; None clears the mark."""
        if line is None:
            self.setExtraSelections([])
            return
        block = self.document().findBlockByNumber(max(0, line - 1))
        cursor = QtGui.QTextCursor(block)
        self.setTextCursor(cursor)
        self.centerCursor()
        mark = QtWidgets.QTextEdit.ExtraSelection()
        mark.format.setBackground(QtGui.QColor(ERROR_LINE_COLOUR))
        mark.format.setProperty(QtGui.QTextFormat.Property.FullWidthSelection, True)
        mark.cursor = cursor
        self.setExtraSelections([mark])


# ---- the dialog -----------------------------------------------------------------------


class SettingsDialog(QtWidgets.QDialog):
    """Edit, validate and save the configuration file at `path` (administrators only)."""

    def __init__(
        self, ctx: AppContext, path: Path, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.path = Path(path)
        self._busy = False
        self._loaded = False
        self.setWindowTitle(self.tr("Station settings"))
        self.resize(960, 720)
        self.allowed = ctx.session.can(Permission.CONFIGURE)
        if not self.allowed:
            self._build_refusal()
            return
        self._build()
        ctx.session.changed.connect(self._session_changed)
        self._load()

    # ---- building -------------------------------------------------------------------

    def _build_refusal(self) -> None:
        # Nothing of the file is read: it may hold the database password.
        self.status = QtWidgets.QLabel(
            self.tr("Changing the station settings needs the administrator role."), self
        )
        self.status.setWordWrap(True)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(420, 120)

    def _build(self) -> None:
        self.editor = ConfigEditor(self)
        self.editor.setReadOnly(True)  # until the file is read
        self.editor.textChanged.connect(self._edited)
        self.tabs = QtWidgets.QTabWidget(self)
        self.tabs.addTab(self.editor, self.tr("Configuration file"))
        self.tabs.addTab(self._build_summary(), self.tr("Summary"))

        self.file_label = QtWidgets.QLabel(self.tr("File: {path}").format(path=self.path), self)
        self.file_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QtWidgets.QLabel(self.tr("Reading the file…"), self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)

        box = QtWidgets.QDialogButtonBox(self)
        self.validate_button = box.addButton(
            self.tr("Validate"), QtWidgets.QDialogButtonBox.ButtonRole.ActionRole
        )
        self.save_button = box.addButton(QtWidgets.QDialogButtonBox.StandardButton.Save)
        self.cancel_button = box.addButton(QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.validate_button.clicked.connect(self.validate)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.file_label)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        layout.addWidget(box)
        self._update_buttons()

    def _build_summary(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget(self)
        self.summary_note = QtWidgets.QLabel(page)
        self.summary_note.setWordWrap(True)
        self.summary_fields: dict[str, QtWidgets.QLabel] = {}
        form = QtWidgets.QFormLayout()
        labels = (
            ("site_code", self.tr("Station code")),
            ("name", self.tr("Station name")),
            ("language", self.tr("Language")),
            ("database", self.tr("Database")),
            ("province", self.tr("Province upload")),
        )
        for key, label in labels:
            value = QtWidgets.QLabel(page)
            value.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
            self.summary_fields[key] = value
            form.addRow(label, value)
        self.lanes_tree = QtWidgets.QTreeWidget(page)
        self.lanes_tree.setHeaderLabels(
            [
                self.tr("Lane / device"),
                self.tr("Mode / kind"),
                self.tr("Driver"),
                self.tr("Port"),
                self.tr("Simulated"),
            ]
        )
        self.lanes_tree.setRootIsDecorated(True)
        layout = QtWidgets.QVBoxLayout(page)
        layout.addWidget(self.summary_note)
        layout.addLayout(form)
        layout.addWidget(self.lanes_tree, 1)
        return page

    # ---- state ----------------------------------------------------------------------

    @property
    def modified(self) -> bool:
        return self.allowed and self.editor.document().isModified()

    def _editable(self) -> bool:
        return self.allowed and self._loaded and self._ctx.session.can(Permission.CONFIGURE)

    def _update_buttons(self) -> None:
        ready = self._editable() and not self._busy
        self.validate_button.setEnabled(ready)
        self.save_button.setEnabled(ready)
        self.editor.setReadOnly(not self._editable())

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()

    def _session_changed(self) -> None:
        # The administrator signed out or locked the screen: nothing more is saved.
        if not self._ctx.session.can(Permission.CONFIGURE):
            self.status.setText(self.tr("Signed out: the settings can no longer be saved."))
        self._update_buttons()

    def _show(self, text: str, colour: str = "") -> None:
        self.status.setStyleSheet(f"color: {colour};" if colour else "")
        self.status.setText(text)

    def _edited(self) -> None:
        self.editor.mark_line(None)

    # ---- loading --------------------------------------------------------------------

    def _load(self) -> None:
        path = self.path
        self._ctx.tasks.run(lambda: read_config_text(path), self._read_done, self._read_failed)

    def _read_done(self, result: tuple[str, bool]) -> None:
        text, existed = result
        self.editor.setPlainText(text)
        self.editor.document().setModified(not existed)  # a new file is unsaved work
        self._loaded = True
        self._update_buttons()
        if existed:
            self._show(self.tr("Edit the text, then Validate or Save."))
        else:
            self._show(
                self.tr(
                    "{path} does not exist yet. Below is the commented demo configuration "
                    "(simulated devices): edit it and save to create the file."
                ).format(path=self.path)
            )
        self.validate(quiet=True)  # fills the summary; errors in the file still show

    def _read_failed(self, error: BaseException) -> None:
        self._show(
            self.tr("Cannot read {path}: {error}").format(path=self.path, error=error), ERROR_COLOUR
        )

    # ---- validating -----------------------------------------------------------------

    def validate(self, quiet: bool = False) -> None:
        """Check the text as the station would at start; `quiet` keeps a valid result silent."""
        if not self._loaded or self._busy:
            return
        text, path = self.editor.toPlainText(), self.path
        self._set_busy(True)
        self._ctx.tasks.run(
            lambda: parse_config(text, path),
            lambda config: self._validated(config, quiet),
            self._invalid,
        )

    def _validated(self, config: StationConfig, quiet: bool) -> None:
        self._set_busy(False)
        self.editor.mark_line(None)
        self._fill_summary(config)
        if not quiet:
            self._show(
                self.tr("Valid: the station can start with this configuration."), VALID_COLOUR
            )

    def _invalid(self, error: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(error, ConfigError):
            self._show(self.tr("Validation failed: {error}").format(error=error), ERROR_COLOUR)
            return
        self._show(self.describe_error(error), ERROR_COLOUR)
        self.summary_note.setText(
            self.tr("The text has errors; this summary is of the last valid version.")
        )
        if error.line is not None:
            self.tabs.setCurrentWidget(self.editor)
            self.editor.mark_line(error.line)
            self.editor.setFocus()

    def describe_error(self, error: ConfigError) -> str:
        """Line, key, problem and what is allowed, in the user's language around the details."""
        lines = [
            self.tr("Line {line}: {key}: {problem}").format(
                line=error.line if error.line is not None else "?",
                key=error.key or self.tr("(file)"),
                problem=error.problem,
            )
        ]
        allowed = allowed_for(error.key) if error.key else ""
        if allowed and "allowed" not in error.problem:
            lines.append(self.tr("Allowed: {allowed}").format(allowed=allowed))
        lines.append(self.tr("In {path}").format(path=error.path or self.path))
        return "\n".join(lines)

    # ---- the summary ----------------------------------------------------------------

    def _fill_summary(self, config: StationConfig) -> None:
        self.summary_note.setText(self.tr("Summary of the text as it was last validated."))
        province = config.province.url
        values = {
            "site_code": config.station.site_code,
            "name": config.station.name,
            "language": config.station.language,
            "database": masked_url(config.database.url),
            "province": self.tr("{url}, daily at {time}").format(
                url=province, time=config.province.upload_time
            )
            if province
            else self.tr("not configured"),
        }
        for key, value in values.items():
            self.summary_fields[key].setText(value)
        self._fill_lanes(config)

    def _fill_lanes(self, config: StationConfig) -> None:
        self.lanes_tree.clear()
        for lane in config.lanes:
            title = self.tr("Lane {number}: {name}").format(number=lane.number, name=lane.name)
            lane_item = QtWidgets.QTreeWidgetItem([title, lane.mode])
            for device in lane.devices:
                simulated = self.tr("yes") if device.simulate else ""
                lane_item.addChild(
                    QtWidgets.QTreeWidgetItem(
                        [device.id, device.kind, device.driver, device.port, simulated]
                    )
                )
            self.lanes_tree.addTopLevelItem(lane_item)
        self.lanes_tree.expandAll()
        for column in range(self.lanes_tree.columnCount()):
            self.lanes_tree.resizeColumnToContents(column)

    # ---- saving ---------------------------------------------------------------------

    def save(self) -> None:
        """Write the text if it is valid; an invalid text is refused and the file left alone."""
        if not self._editable() or self._busy:
            return
        text, path = self.editor.toPlainText(), self.path
        self._set_busy(True)
        self._show(self.tr("Saving…"))
        self._ctx.tasks.run(
            lambda: save_config_text(path, text),
            lambda config: self._saved(config, text),
            self._save_failed,
        )

    def _saved(self, config: StationConfig, text: str) -> None:
        self._set_busy(False)
        if self.editor.toPlainText() == text:  # typing during the save is still unsaved
            self.editor.document().setModified(False)
        self._fill_summary(config)
        message = self.tr("Saved {path}; the previous version is kept as {backup}.").format(
            path=self.path, backup=backup_path(self.path).name
        )
        if config.lanes != self._ctx.config.lanes:
            restart = self.tr(
                "Lanes or devices changed: restart the station for them to take effect."
            )
        else:
            restart = self.tr("The station reads its settings at start: restart it to apply them.")
        self._show(f"{message}\n{restart}", VALID_COLOUR)

    def _save_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, ConfigError):
            self._invalid(error)
            self.status.setText(
                self.tr("Not saved: the file is unchanged.") + "\n" + self.status.text()
            )
            return
        self._show(self.tr("Not saved: {error}").format(error=error), ERROR_COLOUR)

    # ---- closing --------------------------------------------------------------------

    def confirm_discard(self) -> bool:
        answer = QtWidgets.QMessageBox.question(
            self,
            self.tr("Unsaved changes"),
            self.tr("The configuration has unsaved changes. Close and discard them?"),
            QtWidgets.QMessageBox.StandardButton.Discard
            | QtWidgets.QMessageBox.StandardButton.Cancel,
            QtWidgets.QMessageBox.StandardButton.Cancel,
        )
        return answer == QtWidgets.QMessageBox.StandardButton.Discard

    def reject(self) -> None:
        """Cancel, Escape and the window's close button (QDialog.closeEvent) all come here."""
        if self.modified and not self.confirm_discard():
            return
        super().reject()
