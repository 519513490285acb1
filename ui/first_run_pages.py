"""The pages of the first-run wizard: language, station, lanes, province, admin, summary.

Every page reads the `SetupPlan` when it is made and writes each edit straight back, so a
page can be rebuilt at any time (the wizard rebuilds them all when the language changes)
without losing anything. `problem()` says what stops the wizard from going on ("" when
nothing does). File checks run on the wizard's workers, never on the GUI thread.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from station.config import ConfigError, check_field
from station.security import WeakPassword, check_password_policy
from ui.first_run_model import (
    FIRST_DEVICE,
    MAX_LANES,
    MODES,
    KeyTextError,
    LanePlan,
    SetupPlan,
    admin_policy,
    default_id,
    is_file,
    new_device,
    new_lane,
    parse_key,
    read_key_file,
)
from ui.tasks import Tasks

ERROR_COLOUR, WARNING_COLOUR, OK_COLOUR = "#c62828", "#a15c00", "#2e7d32"
CHECK_PAUSE_MS = 400


class Page(QtWidgets.QWidget):
    """One step: a title, an explanation on top, and what stops the wizard (if anything)."""

    changed = QtCore.Signal()

    def __init__(self, plan: SetupPlan) -> None:
        super().__init__()
        self.plan = plan
        self.intro = QtWidgets.QLabel()
        self.intro.setWordWrap(True)
        self.body = QtWidgets.QVBoxLayout(self)
        self.body.addWidget(self.intro)

    def title(self) -> str:
        raise NotImplementedError

    def problem(self) -> str:
        return ""

    def warnings(self) -> list[str]:
        return []

    def entered(self) -> None:
        """Called each time the page is shown: pick up what other pages changed."""


def coloured(label: QtWidgets.QLabel, text: str, colour: str) -> None:
    label.setStyleSheet(f"color: {colour}")
    label.setText(text)


def _line(placeholder: str = "") -> QtWidgets.QLineEdit:
    edit = QtWidgets.QLineEdit()
    edit.setPlaceholderText(placeholder)
    return edit


# ---- language ------------------------------------------------------------------------------


LANGUAGE_NAMES = (("zh_CN", "中文（简体）"), ("en", "English"))


class LanguagePage(Page):
    def __init__(self, plan: SetupPlan, switch: Callable[[str], None]) -> None:
        super().__init__(plan)
        self.intro.setText(
            self.tr(
                "This station has no configuration yet. The wizard asks for the station, its "
                "lanes and devices, the provincial platform and the administrator's password. "
                "Nothing is written before Finish; Cancel leaves everything as it was."
            )
        )
        self.buttons: dict[str, QtWidgets.QRadioButton] = {}
        group = QtWidgets.QGroupBox(self.tr("Language of the desktop"))
        column = QtWidgets.QVBoxLayout(group)
        for code, name in LANGUAGE_NAMES:
            button = QtWidgets.QRadioButton(name)
            button.setChecked(code == plan.language)
            button.toggled.connect(lambda on, c=code: on and switch(c))
            self.buttons[code] = button
            column.addWidget(button)
        self.body.addWidget(group)
        self.body.addStretch(1)

    def title(self) -> str:
        return self.tr("Language")


# ---- station -------------------------------------------------------------------------------


class StationPage(Page):
    def __init__(self, plan: SetupPlan) -> None:
        super().__init__(plan)
        self.intro.setText(
            self.tr(
                "The station code is the one in the province's station list: the 6-digit "
                "administrative division code, then 21, then the 4-digit station number. "
                "It is on every record and upload."
            )
        )
        self.code_edit = _line("410102210001")
        self.code_edit.setMaxLength(12)
        self.code_edit.setText(plan.site_code)
        self.name_edit = _line(self.tr("e.g. Zhengzhou East overload detection station"))
        self.name_edit.setText(plan.name)
        self.folder_edit = _line()
        self.folder_edit.setText(str(plan.data_dir))
        browse = QtWidgets.QPushButton(self.tr("Browse..."))
        browse.clicked.connect(self._browse)
        folder_row = QtWidgets.QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        form = QtWidgets.QFormLayout()
        form.addRow(self.tr("Station code"), self.code_edit)
        form.addRow(self.tr("Station name"), self.name_edit)
        form.addRow(self.tr("Data folder"), folder_row)
        note = QtWidgets.QLabel(
            self.tr(
                "The data folder holds the database, the pictures, the documents and the "
                "province's key. The configuration is saved to {path}."
            ).format(path=plan.config_path)
        )
        note.setWordWrap(True)
        self.body.addLayout(form)
        self.body.addWidget(note)
        self.body.addStretch(1)
        for edit in (self.code_edit, self.name_edit, self.folder_edit):
            edit.textChanged.connect(self._store)

    def title(self) -> str:
        return self.tr("Station")

    def _store(self) -> None:
        self.plan.site_code = self.code_edit.text().strip()
        self.plan.name = self.name_edit.text().strip()
        self.plan.data_dir = Path(self.folder_edit.text().strip()).expanduser()
        self.changed.emit()

    def _browse(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(
            self, self.tr("Data folder"), self.folder_edit.text()
        )
        if folder:
            self.folder_edit.setText(folder)

    def problem(self) -> str:
        code = self.code_edit.text().strip()
        if not code:
            return self.tr("Enter the station code.")
        try:
            check_field("station", "site_code", code)
        except ConfigError:
            return self.tr(
                "{code} is not a station code: 12 digits, the 6-digit division code, then "
                "21, then the 4-digit station number (e.g. 410102210001)."
            ).format(code=code)
        if not self.name_edit.text().strip():
            return self.tr("Enter the station name.")
        folder = self.folder_edit.text().strip()
        if not folder or not Path(folder).expanduser().is_absolute():
            return self.tr("The data folder must be a full path, e.g. {example}.").format(
                example=Path.home() / "station-data"
            )
        return ""


# ---- lanes ---------------------------------------------------------------------------------


class LanesPage(Page):
    def __init__(self, plan: SetupPlan) -> None:
        super().__init__(plan)
        self.intro.setText(
            self.tr(
                "How many lanes the station weighs on, and how each weighs: a platform scale "
                "for whole vehicles at rest, an axle scale for vehicles driving over slowly, "
                "or a weigh-in-motion controller."
            )
        )
        self._spare: dict[int, LanePlan] = {}
        if not plan.lanes:
            plan.lanes.append(new_lane(1, set()))
        self.count_box = QtWidgets.QSpinBox()
        self.count_box.setRange(1, MAX_LANES)
        self.count_box.setValue(len(plan.lanes))
        count_row = QtWidgets.QFormLayout()
        count_row.addRow(self.tr("Number of lanes"), self.count_box)
        self.body.addLayout(count_row)
        self.grid = QtWidgets.QGridLayout()
        for column, text in enumerate(
            (self.tr("Lane"), self.tr("Weighing"), self.tr("Direction"), self.tr("Name"))
        ):
            self.grid.addWidget(QtWidgets.QLabel(f"<b>{html.escape(text)}</b>"), 0, column)
        self.rows = [self._row(index) for index in range(MAX_LANES)]
        self.grid.setColumnStretch(3, 1)
        self.body.addLayout(self.grid)
        self.body.addStretch(1)
        self.count_box.valueChanged.connect(self._count_changed)
        self._show_rows()

    def title(self) -> str:
        return self.tr("Lanes")

    def _mode_names(self) -> dict[str, str]:
        return {
            "STATIC": self.tr("Platform scale (static)"),
            "AXLE": self.tr("Axle scale (slow motion)"),
            "WIM": self.tr("Weigh-in-motion"),
        }

    def _new_lane(self, number: int) -> LanePlan:
        taken = {device.id for device in self.plan.devices()}
        return self._spare.pop(number, None) or new_lane(number, taken)

    def _row(self, index: int) -> tuple[QtWidgets.QWidget, ...]:
        number = QtWidgets.QLabel(self.tr("Lane {n}").format(n=index + 1))
        mode = QtWidgets.QComboBox()
        for code, name in self._mode_names().items():
            mode.addItem(name, code)
        direction = QtWidgets.QComboBox()
        direction.addItem(self.tr("Up (上行)"), 0)
        direction.addItem(self.tr("Down (下行)"), 1)
        name = _line(f"{index + 1}号车道")
        if index < len(self.plan.lanes):
            lane = self.plan.lanes[index]
            mode.setCurrentIndex(MODES.index(lane.mode))
            direction.setCurrentIndex(lane.direction)
            name.setText(lane.name)
        mode.currentIndexChanged.connect(lambda _i, n=index: self._store(n))
        direction.currentIndexChanged.connect(lambda _i, n=index: self._store(n))
        name.textChanged.connect(lambda _t, n=index: self._store(n))
        widgets = (number, mode, direction, name)
        for column, widget in enumerate(widgets):
            self.grid.addWidget(widget, index + 1, column)
        return widgets

    def _store(self, index: int) -> None:
        if index >= len(self.plan.lanes):
            return
        _, mode, direction, name = self.rows[index]
        lane = self.plan.lanes[index]
        new_mode = mode.currentData()
        if new_mode != lane.mode:
            lane.mode = new_mode
            self._match_weighing_device(lane)
        lane.direction = direction.currentData()
        lane.name = name.text().strip()
        self.changed.emit()

    def _match_weighing_device(self, lane: LanePlan) -> None:
        """A lane still holding only the wizard's first device gets the one for its mode."""
        if len(lane.devices) != 1 or lane.devices[0].probe is not None:
            return
        only = lane.devices[0]
        if only.id != default_id(lane.number, only.kind):
            return  # the technician renamed it: theirs, not the wizard's
        kind, driver = FIRST_DEVICE[lane.mode]
        taken = {device.id for device in self.plan.devices()} - {only.id}
        lane.devices[0] = new_device(lane.number, kind, taken, driver)

    def _count_changed(self, count: int) -> None:
        lanes = self.plan.lanes
        while len(lanes) > count:
            lane = lanes.pop()
            self._spare[lane.number] = lane
        while len(lanes) < count:
            lanes.append(self._new_lane(len(lanes) + 1))
            self._load_row(len(lanes) - 1)
        self._show_rows()
        self.changed.emit()

    def _load_row(self, index: int) -> None:
        _, mode, direction, name = self.rows[index]
        lane = self.plan.lanes[index]
        for widget in (mode, direction, name):
            widget.blockSignals(True)
        mode.setCurrentIndex(MODES.index(lane.mode))
        direction.setCurrentIndex(lane.direction)
        name.setText(lane.name)
        for widget in (mode, direction, name):
            widget.blockSignals(False)

    def _show_rows(self) -> None:
        for index, row in enumerate(self.rows):
            for widget in row:
                widget.setVisible(index < len(self.plan.lanes))


# ---- province ------------------------------------------------------------------------------


class _KeyEdit(QtWidgets.QLineEdit):
    """Enter checks the pasted key and stays on the page (not the dialog's Next)."""

    def keyPressEvent(self, event) -> None:
        super().keyPressEvent(event)
        if event.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter):
            event.accept()


class ProvincePage(Page):
    """The provincial platform: address, site code, CA file and the station's secret key.

    The key is taken from a file or pasted, checked as 64 hex characters and then only
    held in the plan: the paste field is cleared at once and nothing shows it again.
    """

    def __init__(self, plan: SetupPlan, tasks: Tasks) -> None:
        super().__init__(plan)
        self.tasks = tasks
        self.ca_state = "none"  # none, checking, found, missing
        self.intro.setText(
            self.tr(
                "Every night the station uploads its records to the provincial overload "
                "platform. The province gives each station the platform's address, a secret "
                "key (64 hex characters) and sometimes a CA certificate. Leave the upload off "
                "if they are not at hand yet; it can be set up later in the settings."
            )
        )
        province = plan.province
        self.enabled_box = QtWidgets.QCheckBox(self.tr("Upload to the provincial platform"))
        self.enabled_box.setChecked(province.enabled)
        self.url_edit = _line("https://zc.example-province.cn/zc/v1")
        self.url_edit.setText(province.url)
        self.code_edit = _line()
        self.code_edit.setMaxLength(12)
        self.code_edit.setText(province.site_code)
        self.fields = QtWidgets.QWidget()
        form = QtWidgets.QFormLayout(self.fields)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("Platform address"), self.url_edit)
        form.addRow(self.tr("Site code"), self.code_edit)
        form.addRow(self.tr("CA certificate"), self._ca_row())
        form.addRow("", self.ca_status)
        form.addRow(self.tr("Secret key"), self._key_row())
        form.addRow("", self.key_status)
        self.body.addWidget(self.enabled_box)
        self.body.addWidget(self.fields)
        self.body.addStretch(1)
        self.enabled_box.toggled.connect(self._store)
        self.url_edit.textChanged.connect(self._store)
        self.code_edit.textChanged.connect(self._store)
        # Typing pauses (or Enter) start the check; not every keystroke needs a worker.
        self.ca_pause = QtCore.QTimer(self)
        self.ca_pause.setSingleShot(True)
        self.ca_pause.setInterval(CHECK_PAUSE_MS)
        self.ca_pause.timeout.connect(self._check_ca)
        self.ca_edit.editingFinished.connect(self._check_ca)
        self.ca_edit.textChanged.connect(self._ca_edited)
        self._show_key()
        self._check_ca()
        self.fields.setEnabled(province.enabled)

    def _ca_row(self) -> QtWidgets.QLayout:
        self.ca_edit = _line(self.tr("empty: the system's certificates"))
        self.ca_edit.setText(self.plan.province.ca_file)
        self.ca_status = QtWidgets.QLabel()
        browse = QtWidgets.QPushButton(self.tr("Browse..."))
        browse.clicked.connect(self._browse_ca)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.ca_edit, 1)
        row.addWidget(browse)
        return row

    def _key_row(self) -> QtWidgets.QLayout:
        self.key_file_button = QtWidgets.QPushButton(self.tr("Import key file..."))
        self.key_file_button.clicked.connect(self._browse_key)
        self.key_edit = _KeyEdit()
        self.key_edit.setPlaceholderText(self.tr("or paste the 64 hex characters here"))
        self.key_edit.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.key_edit.returnPressed.connect(self.use_pasted_key)
        self.key_edit.textChanged.connect(self.changed)
        self.key_use_button = QtWidgets.QPushButton(self.tr("Use pasted key"))
        self.key_use_button.clicked.connect(self.use_pasted_key)
        self.key_status = QtWidgets.QLabel()
        self.key_status.setWordWrap(True)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.key_file_button)
        row.addWidget(self.key_edit, 1)
        row.addWidget(self.key_use_button)
        return row

    def title(self) -> str:
        return self.tr("Provincial platform")

    def entered(self) -> None:
        if not self.code_edit.text():
            self.code_edit.setText(self.plan.site_code)

    def _store(self) -> None:
        province = self.plan.province
        province.enabled = self.enabled_box.isChecked()
        province.url = self.url_edit.text().strip()
        province.site_code = self.code_edit.text().strip()
        self.fields.setEnabled(province.enabled)
        self.changed.emit()

    # -- CA file: checked on a worker (the path may be on a slow or network disk)

    def _browse_ca(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, self.tr("CA certificate"), "", self.tr("Certificates (*.pem *.crt);;All (*)")
        )
        if path:
            self.ca_edit.setText(path)
            self._check_ca()

    def _ca_edited(self) -> None:
        self.plan.province.ca_file = ""
        self.ca_state = "none" if not self.ca_edit.text().strip() else "unchecked"
        self.ca_status.clear()
        self.ca_pause.start()
        self.changed.emit()

    def _check_ca(self) -> None:
        self.ca_pause.stop()
        path = self.ca_edit.text().strip()
        if not path:
            self.ca_state = "none"
            self.changed.emit()
            return
        self.ca_state = "checking"
        coloured(self.ca_status, self.tr("Checking..."), WARNING_COLOUR)

        def found(exists: bool) -> None:
            if self.ca_edit.text().strip() != path:
                return  # edited meanwhile; that text gets its own check
            self.ca_state = "found" if exists else "missing"
            self.plan.province.ca_file = path if exists else ""
            if exists:
                coloured(self.ca_status, self.tr("Found."), OK_COLOUR)
            else:
                coloured(self.ca_status, self.tr("File not found: {path}").format(path=path),
                         ERROR_COLOUR)  # fmt: skip
            self.changed.emit()

        self.tasks.run(lambda: is_file(path), found, lambda error: found(False))

    # -- the key

    def _browse_key(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, self.tr("Key file"))
        if path:
            self.import_key_file(Path(path))

    def import_key_file(self, path: Path) -> None:
        """Read the key from `path` on a worker; the key itself never reaches a widget."""
        coloured(self.key_status, self.tr("Reading {path}...").format(path=path), WARNING_COLOUR)
        self.key_file_button.setEnabled(False)

        def read() -> str:
            return read_key_file(path)

        def done(key: str) -> None:
            self.key_file_button.setEnabled(True)
            self._take_key(key, str(path))

        def failed(error: BaseException) -> None:
            self.key_file_button.setEnabled(True)
            if isinstance(error, KeyTextError):
                text = self._key_problem(error)
            else:
                text = self.tr("Cannot read {path}: {error}").format(path=path, error=error)
            coloured(self.key_status, text, ERROR_COLOUR)

        self.tasks.run(read, done, failed)

    def use_pasted_key(self) -> None:
        text = self.key_edit.text()
        self.key_edit.clear()  # whatever it was, it does not stay on screen
        try:
            key = parse_key(text)
        except KeyTextError as error:
            coloured(self.key_status, self._key_problem(error), ERROR_COLOUR)
            return
        self._take_key(key, "")

    def _key_problem(self, error: KeyTextError) -> str:
        if error.found < 0:
            return self.tr("That is not a key: it must be 64 hex characters (0-9, a-f).")
        return self.tr(
            "That is not a key: it must be 64 hex characters (0-9, a-f); it has {n} characters "
            "or characters that are not hex."
        ).format(n=error.found)

    def _take_key(self, key: str, source: str) -> None:
        self.plan.province.key = key
        self.plan.province.key_source = source
        self._show_key()
        self.changed.emit()

    def _show_key(self) -> None:
        if self.plan.province.key:
            coloured(
                self.key_status,
                self.tr(
                    "Key accepted (not shown). At Finish it is saved to {path}, readable by "
                    "this account only."
                ).format(path=self.plan.key_path),
                OK_COLOUR,
            )
        else:
            coloured(self.key_status, self.tr("No key yet."), WARNING_COLOUR)

    def problem(self) -> str:
        province = self.plan.province
        if not province.enabled:
            return ""
        problems = (self._url_problem(province.url), self._code_problem(), self._file_problem())
        return next((problem for problem in problems if problem), "")

    def _code_problem(self) -> str:
        code = self.plan.province.site_code
        if code and code != self.plan.site_code:
            return self.tr(
                "The site code must be the station's own code {code} (or left empty)."
            ).format(code=self.plan.site_code)
        return ""

    def _file_problem(self) -> str:
        if self.key_edit.text():
            return self.tr("Press Enter or 'Use pasted key' to check the pasted key.")
        if self.ca_state in ("checking", "unchecked"):
            return self.tr("Checking the CA certificate file...")
        if self.ca_state == "missing":
            return self.tr("The CA certificate file was not found.")
        return ""

    def _url_problem(self, url: str) -> str:
        if not url:
            return self.tr("Enter the platform's address, or switch the upload off.")
        try:
            check_field("province", "url", url)
        except ConfigError:
            return self.tr(
                "{url} is not allowed: the address must start with https:// (plain http:// "
                "only to this computer)."
            ).format(url=url)
        return ""

    def warnings(self) -> list[str]:
        province = self.plan.province
        if not province.enabled:
            return [self.tr("The upload to the province is off.")]
        if not province.key:
            return [self.tr("No secret key: the upload refuses to run until one is set.")]
        return []


# ---- admin ---------------------------------------------------------------------------------


class AdminPage(Page):
    def __init__(self, plan: SetupPlan) -> None:
        super().__init__(plan)
        policy = admin_policy()
        self.intro.setText(
            self.tr(
                "The administrator (login admin) adds the operators, supervisors and "
                "technicians. The password needs at least {n} characters, letters and digits "
                "or symbols, and must not contain the word admin."
            ).format(n=policy.password_min_length)
        )
        self.password_edit = _line()
        self.again_edit = _line()
        for edit in (self.password_edit, self.again_edit):
            edit.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
            edit.setText(plan.admin_password)
            edit.textChanged.connect(self._store)
        form = QtWidgets.QFormLayout()
        form.addRow(self.tr("Login"), QtWidgets.QLabel("admin"))
        form.addRow(self.tr("Password"), self.password_edit)
        form.addRow(self.tr("Password again"), self.again_edit)
        self.body.addLayout(form)
        self.body.addStretch(1)

    def title(self) -> str:
        return self.tr("Administrator")

    def _store(self) -> None:
        self.plan.admin_password = self.password_edit.text()
        self.changed.emit()

    def problem(self) -> str:
        password, again = self.password_edit.text(), self.again_edit.text()
        if not password:
            return self.tr("Enter the administrator's password twice.")
        try:
            check_password_policy(password, admin_policy(), "admin")
        except WeakPassword as weak:
            return self._weak(str(weak))
        if password != again:
            return self.tr("The two passwords differ.")
        return ""

    def _weak(self, reason: str) -> str:
        """The policy's reason in the desktop's language (station/security.py's wording)."""
        if "at least" in reason:
            return self.tr("Too short: at least {n} characters.").format(
                n=admin_policy().password_min_length
            )
        if "letters and digits" in reason:
            return self.tr("Too weak: use letters and digits or symbols.")
        if "login name" in reason:
            return self.tr("The password must not contain the word admin.")
        return reason
