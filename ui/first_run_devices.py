"""The first-run wizard's device pages: one per lane, each device tested with the probe.

The "Test" button runs `main.py probe`'s probe (drivers/probe.py) on a worker thread, so
the wizard stays usable while a silent device times out. What it read, or why it read
nothing, is shown under the button and kept with the device; a device that fails may still
be kept (the summary warns about it), since the cable is often laid after the software.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from station.config import ConfigError, check_field
from ui.first_run_model import (
    DEFAULT_PROBE_TIMEOUT_S,
    FIRST_DEVICE,
    KINDS,
    MODBUS_MAP_KINDS,
    NETWORK,
    SERIAL,
    DevicePlan,
    LanePlan,
    ProbeOutcome,
    SetupPlan,
    can_probe,
    drivers_for,
    links_for,
    maps_of_kind,
    new_device,
    probe_device,
    set_driver,
)
from ui.first_run_pages import ERROR_COLOUR, OK_COLOUR, WARNING_COLOUR, Page, coloured
from ui.tasks import Tasks

BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
WEIGHING_KIND = {mode: kind for mode, (kind, _) in FIRST_DEVICE.items()}


def kind_names() -> dict[str, str]:
    translate = QtCore.QCoreApplication.translate
    return {
        "scale": translate("DevicesPage", "Platform scale indicator"),
        "axle_scale": translate("DevicesPage", "Axle scale indicator"),
        "wim": translate("DevicesPage", "Weigh-in-motion controller"),
        "camera": translate("DevicesPage", "Plate camera"),
        "io": translate("DevicesPage", "I/O module (loop, light, barrier)"),
        "sign": translate("DevicesPage", "LED sign"),
    }


class DeviceForm(QtWidgets.QWidget):
    """Edits one DevicePlan in place; `changed` after every edit and every probe."""

    changed = QtCore.Signal()

    def __init__(self, tasks: Tasks, lane: int, probe_timeout_s: float) -> None:
        super().__init__()
        self.tasks, self.lane, self.probe_timeout_s = tasks, lane, probe_timeout_s
        self.device: DevicePlan | None = None
        self.probing: DevicePlan | None = None
        self._loading = False
        self.form = QtWidgets.QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self._identity_rows()
        self._serial_rows()
        self._network_rows()
        self._modbus_rows()
        self.test_button = QtWidgets.QPushButton(self.tr("Test"))
        self.test_button.setToolTip(self.tr("Read a few values from the device"))
        self.test_button.clicked.connect(self.test)
        self.probe_label = QtWidgets.QLabel()
        self.probe_label.setWordWrap(True)
        self.probe_label.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.form.addRow(self.test_button, self.probe_label)

    # ---- rows ----------------------------------------------------------------------------

    def _identity_rows(self) -> None:
        self.kind_box = QtWidgets.QComboBox()
        for kind, name in kind_names().items():
            self.kind_box.addItem(name, kind)
        self.driver_box = QtWidgets.QComboBox()
        self.id_edit = QtWidgets.QLineEdit()
        self.link_box = QtWidgets.QComboBox()
        self.link_box.addItem(self.tr("Serial port (RS-232 / RS-485)"), SERIAL)
        self.link_box.addItem(self.tr("Network (TCP)"), NETWORK)
        self.form.addRow(self.tr("Device"), self.kind_box)
        self.form.addRow(self.tr("Driver"), self.driver_box)
        self.form.addRow(self.tr("Device id"), self.id_edit)
        self.form.addRow(self.tr("Connection"), self.link_box)
        self.kind_box.currentIndexChanged.connect(self._kind_changed)
        self.driver_box.currentIndexChanged.connect(self._driver_changed)
        self.link_box.currentIndexChanged.connect(self._edited)
        self.id_edit.textChanged.connect(self._edited)

    def _serial_rows(self) -> None:
        self.port_edit = QtWidgets.QLineEdit()
        self.port_edit.setPlaceholderText("COM3, /dev/ttyUSB0")
        self.baud_box = QtWidgets.QComboBox()
        for rate in BAUD_RATES:
            self.baud_box.addItem(str(rate), rate)
        self.bytesize_box = QtWidgets.QComboBox()
        self.bytesize_box.addItem("8", 8)
        self.bytesize_box.addItem("7", 7)
        self.parity_box = QtWidgets.QComboBox()
        self.parity_box.addItem(self.tr("None (N)"), "N")
        self.parity_box.addItem(self.tr("Even (E)"), "E")
        self.parity_box.addItem(self.tr("Odd (O)"), "O")
        self.stopbits_box = QtWidgets.QComboBox()
        self.stopbits_box.addItem("1", 1)
        self.stopbits_box.addItem("2", 2)
        line = QtWidgets.QHBoxLayout()
        for label, box in (
            (self.tr("Baud"), self.baud_box),
            (self.tr("Data bits"), self.bytesize_box),
            (self.tr("Parity"), self.parity_box),
            (self.tr("Stop bits"), self.stopbits_box),
        ):
            line.addWidget(QtWidgets.QLabel(label))
            line.addWidget(box)
            box.currentIndexChanged.connect(self._edited)
        line.addStretch(1)
        self.line_settings = QtWidgets.QWidget()
        self.line_settings.setLayout(line)
        line.setContentsMargins(0, 0, 0, 0)
        self.form.addRow(self.tr("Serial port"), self.port_edit)
        self.form.addRow(self.tr("Line settings"), self.line_settings)
        self.port_edit.textChanged.connect(self._edited)

    def _network_rows(self) -> None:
        self.host_edit = QtWidgets.QLineEdit()
        self.host_edit.setPlaceholderText("192.168.1.20")
        self.tcp_port_box = QtWidgets.QSpinBox()
        self.tcp_port_box.setRange(1, 65535)
        self.path_edit = QtWidgets.QLineEdit()
        self.host_label = QtWidgets.QLabel()
        self.form.addRow(self.host_label, self.host_edit)
        self.form.addRow(self.tr("TCP port"), self.tcp_port_box)
        self.form.addRow(self.tr("URL path"), self.path_edit)
        self.host_edit.textChanged.connect(self._edited)
        self.tcp_port_box.valueChanged.connect(self._edited)
        self.path_edit.textChanged.connect(self._edited)

    def _modbus_rows(self) -> None:
        self.map_box = QtWidgets.QComboBox()
        self.unit_box = QtWidgets.QSpinBox()
        self.unit_box.setRange(0, 255)
        self.form.addRow(self.tr("Register map"), self.map_box)
        self.form.addRow(self.tr("Modbus unit id"), self.unit_box)
        self.map_box.currentIndexChanged.connect(self._edited)
        self.unit_box.valueChanged.connect(self._edited)

    # ---- showing a device ------------------------------------------------------------------

    def show_device(self, device: DevicePlan | None) -> None:
        self.device = device
        self.setEnabled(device is not None)
        if device is None:
            return
        self._loading = True
        try:
            self.kind_box.setCurrentIndex(KINDS.index(device.kind))
            self._fill(self.driver_box, [(name, name) for name in drivers_for(device.kind)])
            self.driver_box.setCurrentIndex(self.driver_box.findData(device.driver))
            self.id_edit.setText(device.id)
            self._fill(self.link_box, None, allowed=links_for(device.driver))
            self.link_box.setCurrentIndex(self.link_box.findData(device.link))
            self.port_edit.setText(device.serial_port)
            for box, value in ((self.baud_box, device.baud), (self.bytesize_box, device.bytesize),
                               (self.parity_box, device.parity),
                               (self.stopbits_box, device.stopbits)):  # fmt: skip
                box.setCurrentIndex(max(0, box.findData(value)))
            self.host_edit.setText(device.host)
            self.tcp_port_box.setValue(device.tcp_port)
            self.path_edit.setText(device.path)
            kind = MODBUS_MAP_KINDS.get(device.driver)
            maps = maps_of_kind(kind) if kind else ()
            self._fill(self.map_box, [(name, name) for name in maps])
            self.map_box.setCurrentIndex(self.map_box.findData(device.map))
            self.unit_box.setValue(device.unit)
        finally:
            self._loading = False
        self._show_rows()
        self._show_probe()

    @staticmethod
    def _fill(
        box: QtWidgets.QComboBox,
        items: list[tuple[str, str]] | None,
        allowed: tuple[str, ...] = (),
    ) -> None:
        """Replace a box's items; with `allowed`, keep its items but disable the others."""
        if items is not None:
            box.clear()
            for text, data in items:
                box.addItem(text, data)
            return
        model = box.model()
        for row in range(box.count()):
            item = model.item(row)  # type: ignore[attr-defined]
            item.setEnabled(box.itemData(row) in allowed)

    def _show_rows(self) -> None:
        device = self.device
        if device is None:
            return
        serial = device.link == SERIAL and device.family in ("stream", "modbus")
        camera = device.family == "camera"
        rows = {
            self.port_edit: serial,
            self.line_settings: serial,
            self.host_edit: not serial,
            self.tcp_port_box: not serial,
            self.path_edit: camera,
            self.map_box: device.family == "modbus",
            self.unit_box: device.family == "modbus",
        }
        for widget, visible in rows.items():
            self.form.setRowVisible(widget, visible)
        self.host_label.setText(
            self.tr("Address this computer listens on") if camera else self.tr("Address")
        )
        self.test_button.setEnabled(can_probe(device.driver) and self.probing is None)

    # ---- edits -----------------------------------------------------------------------------

    def _kind_changed(self) -> None:
        if self._loading or self.device is None:
            return
        kind = self.kind_box.currentData()
        self.device.kind = kind
        self._set_driver(drivers_for(kind)[0])

    def _driver_changed(self) -> None:
        if self._loading or self.device is None:
            return
        self._set_driver(self.driver_box.currentData())

    def _set_driver(self, driver: str) -> None:
        assert self.device is not None
        set_driver(self.device, driver, self.lane)
        self.show_device(self.device)
        self.changed.emit()

    def _edited(self) -> None:
        device = self.device
        if self._loading or device is None:
            return
        device.id = self.id_edit.text().strip()
        device.link = self.link_box.currentData()
        device.serial_port = self.port_edit.text().strip()
        device.baud = self.baud_box.currentData()
        device.bytesize = self.bytesize_box.currentData()
        device.parity = self.parity_box.currentData()
        device.stopbits = self.stopbits_box.currentData()
        device.host = self.host_edit.text().strip()
        device.tcp_port = self.tcp_port_box.value()
        device.path = self.path_edit.text().strip()
        device.map = self.map_box.currentData() or ""
        device.unit = self.unit_box.value()
        device.probe = None  # a result for other settings says nothing about these
        self._show_rows()
        self._show_probe()
        self.changed.emit()

    # ---- the probe ---------------------------------------------------------------------------

    def test(self) -> None:
        device = self.device
        if device is None or self.probing is not None or not can_probe(device.driver):
            return
        problem = device_problem(device)
        if problem:
            coloured(self.probe_label, problem, ERROR_COLOUR)
            return
        options = device.probe_options(self.probe_timeout_s)
        self.probing = device
        self.test_button.setEnabled(False)
        coloured(
            self.probe_label,
            self.tr("Testing {port}... (up to {s} s)").format(
                port=device.port(), s=f"{self.probe_timeout_s:g}"
            ),
            WARNING_COLOUR,
        )
        self.changed.emit()

        def done(outcome: ProbeOutcome) -> None:
            device.probe = outcome
            self._probe_ended()

        def failed(error: BaseException) -> None:
            device.probe = ProbeOutcome(False, (), str(error) or type(error).__name__)
            self._probe_ended()

        self.tasks.run(lambda: probe_device(options), done, failed)

    def _probe_ended(self) -> None:
        self.probing = None
        self._show_rows()
        self._show_probe()
        self.changed.emit()

    def _show_probe(self) -> None:
        device = self.device
        if device is None or device is self.probing:
            return
        if not can_probe(device.driver):
            text = self.tr(
                "No test for this driver here; the desktop's device view shows whether it "
                "talks once the station runs."
            )
            coloured(self.probe_label, text, WARNING_COLOUR)
        elif device.probe is None:
            self.probe_label.setText(self.tr("Not tested yet."))
            self.probe_label.setStyleSheet("")
        else:
            coloured(self.probe_label, *probe_text(device.probe))


def probe_text(outcome: ProbeOutcome, *, short: bool = False) -> tuple[str, str]:
    """What a probe found, in words (`short`: without the advice), and its colour."""
    translate = QtCore.QCoreApplication.translate
    if outcome.ok and outcome.readings:
        last = outcome.readings[-1]
        state = (
            translate("DeviceForm", "stable")
            if last.get("stable")
            else translate("DeviceForm", "moving")
        )
        text = translate("DeviceForm", "It talks: {n} readings, the last {kg} kg ({state}).")
        return text.format(n=len(outcome.readings), kg=last.get("weight"), state=state), OK_COLOUR
    if short:
        text = translate("DeviceForm", "No valid reading: {why}.")
    else:
        text = translate(
            "DeviceForm",
            "No valid reading: {why}. The device can be kept and its cable or settings fixed "
            "later; the desktop shows it as offline until it talks.",
        )
    return text.format(why=outcome.message), ERROR_COLOUR


def device_problem(device: DevicePlan) -> str:
    """What is missing or wrong in one device's form, or ""."""
    translate = QtCore.QCoreApplication.translate
    name = device.id or "?"
    if not device.id:
        return translate("DevicesPage", "Enter an id for every device.")
    if device.link == SERIAL and device.family in ("stream", "modbus"):
        if not device.serial_port:
            return translate(
                "DevicesPage", "{id}: enter the serial port (e.g. COM3 or /dev/ttyUSB0)."
            ).format(id=name)
        try:
            check_field("lanes.devices", "port", device.serial_port)
        except ConfigError:
            return translate(
                "DevicesPage",
                "{id}: {port} is not a serial port name (COM3, /dev/ttyUSB0, or a pyserial "
                "URL such as rfc2217://host:port).",
            ).format(id=name, port=device.serial_port)
    elif not device.host:
        return translate("DevicesPage", "{id}: enter the network address.").format(id=name)
    if device.family == "modbus" and not device.map:
        return translate("DevicesPage", "{id}: choose the register map.").format(id=name)
    return ""


class DevicesPage(Page):
    """The devices of one lane: a list on the left, the selected one's form on the right."""

    def __init__(
        self,
        plan: SetupPlan,
        index: int,
        tasks: Tasks,
        probe_timeout_s: float = DEFAULT_PROBE_TIMEOUT_S,
    ) -> None:
        super().__init__(plan)
        self.index = index
        self.intro.setText(
            self.tr(
                "The devices of this lane: the weighing indicator or controller, and "
                "optionally the plate camera, the I/O module for the loop, light and barrier, "
                "and the LED sign. Test each one that can be tested; a device that does not "
                "answer yet can still be kept."
            )
        )
        self.list = QtWidgets.QListWidget()
        self.list.setMinimumWidth(260)
        self.add_box = QtWidgets.QComboBox()
        for kind, name in kind_names().items():
            self.add_box.addItem(name, kind)
        self.add_button = QtWidgets.QPushButton(self.tr("Add"))
        self.remove_button = QtWidgets.QPushButton(self.tr("Remove"))
        self.form = DeviceForm(tasks, index + 1, probe_timeout_s)
        self.warning = QtWidgets.QLabel()
        self.warning.setWordWrap(True)
        self._arrange()
        self.list.currentRowChanged.connect(self._selected)
        self.add_button.clicked.connect(lambda: self.add_device(self.add_box.currentData()))
        self.remove_button.clicked.connect(self.remove_device)
        self.form.changed.connect(self._form_changed)

    def _arrange(self) -> None:
        left = QtWidgets.QVBoxLayout()
        left.addWidget(self.list, 1)
        adding = QtWidgets.QHBoxLayout()
        adding.addWidget(self.add_box, 1)
        adding.addWidget(self.add_button)
        left.addLayout(adding)
        left.addWidget(self.remove_button)
        row = QtWidgets.QHBoxLayout()
        row.addLayout(left)
        row.addWidget(self.form, 1)
        self.body.addLayout(row, 1)
        self.body.addWidget(self.warning)

    @property
    def lane(self) -> LanePlan:
        return self.plan.lanes[self.index]

    def title(self) -> str:
        return self.tr("Devices of lane {n}").format(n=self.index + 1)

    def entered(self) -> None:
        self._reload(max(0, self.list.currentRow()))

    def _reload(self, row: int) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for device in self.lane.devices:
            self.list.addItem(self._item_text(device))
        self.list.blockSignals(False)
        row = min(row, len(self.lane.devices) - 1)
        self.list.setCurrentRow(row)
        self._selected(row)

    def _item_text(self, device: DevicePlan) -> str:
        mark = ""
        if device.probe is not None:
            mark = self.tr(" - works") if device.probe.ok else self.tr(" - test failed")
        return f"{device.id or '?'}  ({device.driver}){mark}"

    def _selected(self, row: int) -> None:
        devices = self.lane.devices
        self.form.show_device(devices[row] if 0 <= row < len(devices) else None)
        self.remove_button.setEnabled(0 <= row < len(devices))
        self._refresh()

    def _form_changed(self) -> None:
        # Every row: a test's result may arrive while another device is shown.
        for row, device in enumerate(self.lane.devices):
            self.list.item(row).setText(self._item_text(device))
        self._refresh()
        self.changed.emit()

    def add_device(self, kind: str) -> DevicePlan:
        taken = {device.id for device in self.plan.devices()}
        device = new_device(self.index + 1, kind, taken)
        self.lane.devices.append(device)
        self._reload(len(self.lane.devices) - 1)
        self.changed.emit()
        return device

    def remove_device(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.lane.devices) and self.lane.devices[row] is not self.form.probing:
            del self.lane.devices[row]
            self._reload(row)
            self.changed.emit()

    def _refresh(self) -> None:
        coloured(self.warning, "\n".join(self.warnings()), WARNING_COLOUR)

    def problem(self) -> str:
        if self.form.probing is not None:
            return self.tr("Wait for the test to end.")
        others = {
            device.id
            for number, lane in enumerate(self.plan.lanes)
            if number != self.index
            for device in lane.devices
        }
        seen: set[str] = set()
        for device in self.lane.devices:
            if device.id in others or device.id in seen:
                return self.tr("The device id {id} is used twice; ids must be unique.").format(
                    id=device.id
                )
            seen.add(device.id)
            problem = device_problem(device)
            if problem:
                return problem
        return ""

    def warnings(self) -> list[str]:
        lane = self.lane
        found: list[str] = []
        wanted = WEIGHING_KIND[lane.mode]
        if not any(device.kind == wanted for device in lane.devices):
            found.append(
                self.tr("Lane {n} has no {kind}: it cannot weigh.").format(
                    n=lane.number, kind=kind_names()[wanted]
                )
            )
        for device in lane.devices:
            if device.probe is not None and not device.probe.ok:
                found.append(
                    self.tr("{id} did not answer the test; it is kept.").format(id=device.id)
                )
        return found
