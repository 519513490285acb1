"""One weighing in full: header, axles, verdict, evidence, case, raw trace and printing.

The dialog opens at once with a "loading" line and fills itself when the read-model
arrives from a worker (the GUI thread never touches the database). Pictures come the same
way as bytes, and only the decoding into an image happens on the GUI thread.
"""

from __future__ import annotations

import functools
import html
import weakref
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from station.readmodel import CaseView, PictureView, WeighingDetail
from station.security import Permission
from station.storage import views
from station.timeutil import beijing_now, format_time
from ui.context import AppContext
from ui.printing import print_document
from ui.trace_plot import TracePlot

THUMB_SIZE = QtCore.QSize(200, 150)
LARGE_SIZE = QtCore.QSize(1000, 750)
RED = "#c62828"
GREEN = "#2e7d32"
GREY = "#757575"


class RecordTexts(QtCore.QObject):
    """Station codes as the words an operator reads; one place so lists and dialogs agree."""

    def flag(self, code: str) -> str:
        texts = {
            "SPEED_CHANGE": self.tr("speed changed"),
            "STOPPED": self.tr("stopped on the scale"),
            "REVERSED": self.tr("reversed"),
            "FOLLOWING_VEHICLE": self.tr("following vehicle"),
            "TWO_VEHICLES": self.tr("two vehicles"),
            "PARTIAL_ON_PLATFORM": self.tr("partly on the platform"),
            "NO_RETURN_TO_ZERO": self.tr("no return to zero"),
            "UNSTABLE": self.tr("unstable"),
            "NO_CERTIFICATE": self.tr("no certificate"),
            "CERT_EXPIRED": self.tr("certificate expired"),
            "NO_SCALE_CHECK": self.tr("no daily scale check"),
            "SEAL_OPEN": self.tr("calibration seal open"),
            "CALIBRATION_CHANGED": self.tr("calibration changed while weighing"),
            "AXLES_ASSUMED": self.tr("axles assumed"),
            "WATCHLIST": self.tr("watchlist"),
            "NO_PLATE": self.tr("no plate"),
            "MANUAL_PLATE": self.tr("plate typed"),
            "MANUAL_WEIGHT": self.tr("weight typed"),
        }
        return texts.get(code, code)

    def flags(self, codes: tuple[str, ...]) -> str:
        return ", ".join(self.flag(code) for code in codes)

    def check_type(self, code: int, *, short: bool = False) -> str:
        if short:
            return self.tr("Re-weigh") if code == 2 else self.tr("First")
        return self.tr("Re-weighing") if code == 2 else self.tr("First weighing")

    def case_status(self, status: str | None, result: str | None = None) -> str:
        if status is None:
            return ""
        if status == "CLOSED" and result:
            return self.tr("Closed: {result}").format(result=self.case_result(result))
        texts = {"OPEN": self.tr("Open"), "CLOSED": self.tr("Closed"), "VOIDED": self.tr("Voided")}
        return texts.get(status, status)

    def case_result(self, result: str) -> str:
        texts = {
            "UNLOADED": self.tr("unloaded"),
            "NOT_OVER": self.tr("not over the limit"),
            "POLICE": self.tr("handed to the traffic police"),
            "PERMIT": self.tr("oversize permit"),
            "ABSCONDED": self.tr("absconded"),
        }
        return texts.get(result, result)

    def plate_colour(self, code: int) -> str:
        texts = {
            0: self.tr("blue"),
            1: self.tr("yellow"),
            2: self.tr("black"),
            3: self.tr("white"),
            4: self.tr("green"),
            5: self.tr("yellow-green"),
            6: self.tr("blue-white"),
            9: self.tr("unknown colour"),
            11: self.tr("green"),
            12: self.tr("red"),
        }
        return texts.get(code, str(code))

    def picture_type(self, code: int) -> str:
        texts = {
            11: self.tr("Plate"),
            12: self.tr("Front"),
            13: self.tr("Rear"),
            14: self.tr("Front side"),
            15: self.tr("Rear side"),
            21: self.tr("Panorama video"),
            22: self.tr("Front video"),
            23: self.tr("Rear video"),
        }
        return texts.get(code, str(code))

    def weigh_mode(self, mode: str) -> str:
        texts = {
            "STATIC": self.tr("static platform"),
            "AXLE": self.tr("axle scale"),
            "WIM": self.tr("weigh-in-motion"),
        }
        return texts.get(mode, mode)

    def plate_source(self, source: str) -> str:
        if source == "OPERATOR":
            return self.tr("typed by the operator")
        return self.tr("read by the camera")

    def remaining(self, deadline: datetime, now: datetime) -> str:
        """Time to the unload deadline, or how long it is overdue."""
        seconds = int((deadline - now).total_seconds())
        hours, minutes = divmod(abs(seconds) // 60, 60)
        if seconds < 0:
            return self.tr("overdue by {h} h {m:02d} min").format(h=hours, m=minutes)
        return self.tr("{h} h {m:02d} min left").format(h=hours, m=minutes)


def weak_callback(method: Callable[..., None], *first: object) -> Callable[..., None]:
    """`method` of a widget as a task callback that does not keep the widget alive.

    A worker thread may drop the last reference to what it was handed; a widget freed
    there is destroyed off the GUI thread, which crashes Qt. So tasks get only data and
    weak callbacks, and a result for a widget that is gone is dropped.
    """
    ref = weakref.WeakMethod(method)

    def call(*args: object) -> None:
        target = ref()
        if target is not None:
            target(*first, *args)

    return call


def load_detail(ctx: AppContext, check_no: str) -> Callable[[], WeighingDetail | None]:
    """The query of one weighing as a task: plain values only (see weak_callback)."""
    return functools.partial(
        views.weighing_detail,
        ctx.database,
        check_no,
        ctx.pictures_root,
        site_name=ctx.config.station.name,
        deadline_hours=ctx.deadline_hours,
    )


def _value_label(name: str) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel()
    label.setObjectName(name)
    label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


def _read_pictures(pictures: tuple[PictureView, ...]) -> list[bytes | None]:
    """On a worker: the stored bytes of each picture, None where the file is gone."""
    found: list[bytes | None] = []
    for picture in pictures:
        try:
            found.append(Path(picture.path).read_bytes())
        except OSError:
            found.append(None)
    return found


class Thumbnail(QtWidgets.QFrame):
    """One picture of the evidence; a double-click shows it large."""

    def __init__(
        self, caption: str, image: QtGui.QImage | None, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.image = image
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        picture = QtWidgets.QLabel()
        picture.setObjectName("thumbnail")
        picture.setFixedSize(THUMB_SIZE)
        picture.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        if image is None:
            picture.setText(self.tr("missing"))
            picture.setStyleSheet(f"background: #eeeeee; color: {RED};")
        elif image.isNull():
            picture.setText(self.tr("unreadable"))
            picture.setStyleSheet(f"background: #eeeeee; color: {RED};")
        else:
            pixmap = QtGui.QPixmap.fromImage(image)
            picture.setPixmap(pixmap.scaled(THUMB_SIZE, QtCore.Qt.AspectRatioMode.KeepAspectRatio))
            picture.setToolTip(self.tr("Double-click to enlarge"))
        self.missing = image is None or image.isNull()
        text = QtWidgets.QLabel(caption)
        text.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(picture)
        layout.addWidget(text)

    def mouseDoubleClickEvent(self, event: QtGui.QMouseEvent) -> None:
        if self.missing or self.image is None:
            return
        view = QtWidgets.QDialog(self)
        view.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        view.setWindowTitle(self.tr("Picture"))
        label = QtWidgets.QLabel(view)
        pixmap = QtGui.QPixmap.fromImage(self.image)
        if pixmap.width() > LARGE_SIZE.width() or pixmap.height() > LARGE_SIZE.height():
            pixmap = pixmap.scaled(LARGE_SIZE, QtCore.Qt.AspectRatioMode.KeepAspectRatio)
        label.setPixmap(pixmap)
        QtWidgets.QVBoxLayout(view).addWidget(label)
        view.show()
        event.accept()


class RecordDetailDialog(QtWidgets.QDialog):
    """Everything about one weighing, loaded in the background; non-modal."""

    loaded = QtCore.Signal(object)  # the WeighingDetail, once shown
    pictures_shown = QtCore.Signal(int)  # how many thumbnails were laid out

    def __init__(
        self, ctx: AppContext, check_no: str, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.check_no = check_no
        self.detail: WeighingDetail | None = None
        self._printed = False
        self.texts = RecordTexts(self)
        self.fields: dict[str, QtWidgets.QLabel] = {}
        self.setWindowTitle(self.tr("Weighing {check_no}").format(check_no=check_no))
        self.resize(1100, 820)
        self._build()
        ctx.session.changed.connect(self._update_buttons)
        self._load()

    # ---- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        self.status = QtWidgets.QLabel(self.tr("Loading…"))
        self.status.setObjectName("status")
        self.banner = _value_label("verdict")
        self.banner.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.void_banner = _value_label("voided")
        self.void_banner.setStyleSheet(
            f"background: {GREY}; color: white; font-weight: bold; padding: 4px;"
        )
        self.void_banner.hide()
        self.body = QtWidgets.QWidget()
        grid = QtWidgets.QGridLayout(self.body)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self._header_box(), 0, 0, 2, 1)
        grid.addWidget(self._verdict_box(), 0, 1)
        grid.addWidget(self._case_box(), 1, 1)
        grid.addWidget(self._axle_box(), 2, 0)
        grid.addWidget(self._trace_box(), 2, 1)
        grid.addWidget(self._picture_box(), 3, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(2, 1)
        self.body.hide()
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.banner)
        layout.addWidget(self.void_banner)
        layout.addWidget(self.body, 1)
        layout.addLayout(self._print_bar())

    def _form(self, title: str, rows: list[tuple[str, str]]) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox(title)
        form = QtWidgets.QFormLayout(box)
        for name, caption in rows:
            self.fields[name] = _value_label(name)
            form.addRow(caption, self.fields[name])
        return box

    def _header_box(self) -> QtWidgets.QGroupBox:
        return self._form(
            self.tr("Weighing"),
            [
                ("check_no", self.tr("Ticket no.")),
                ("check_time", self.tr("Time")),
                ("station", self.tr("Station")),
                ("lane", self.tr("Lane / direction")),
                ("check_type", self.tr("Type")),
                ("plate", self.tr("Plate")),
                ("axle_type", self.tr("Axle type")),
                ("vehicle_class", self.tr("Limit rule")),
                ("adjustments", self.tr("Adjustments")),
                ("weigh_mode", self.tr("Weighing mode")),
                ("speed", self.tr("Speed")),
                ("scale", self.tr("Scale")),
                ("certificate", self.tr("Certificate")),
                ("operator", self.tr("Operator")),
            ],
        )

    def _verdict_box(self) -> QtWidgets.QGroupBox:
        return self._form(
            self.tr("Verdict"),
            [
                ("gross", self.tr("Gross")),
                ("limit", self.tr("Limit")),
                ("over", self.tr("Over")),
                ("over_rate", self.tr("Over rate")),
                ("flags", self.tr("Flags")),
                ("chain", self.tr("Hash chain")),
            ],
        )

    def _case_box(self) -> QtWidgets.QGroupBox:
        self.case_box = self._form(
            self.tr("Enforcement case"),
            [
                ("notice_no", self.tr("Notice no.")),
                ("case_status", self.tr("Status")),
                ("opened", self.tr("Opened")),
                ("deadline", self.tr("Unload by")),
                ("unload", self.tr("To unload")),
                ("reweighs", self.tr("Re-weighings")),
            ],
        )
        self.fields["reweighs"].setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.fields["reweighs"].linkActivated.connect(self._open_other)
        self.fields["check_type"].linkActivated.connect(self._open_other)
        return self.case_box

    def _axle_box(self) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox(self.tr("Axles"))
        self.axle_table = QtWidgets.QTableWidget(0, 4)
        self.axle_table.setObjectName("axles")
        self.axle_table.setHorizontalHeaderLabels(
            [self.tr("Axle"), self.tr("Weight (kg)"), self.tr("Group"), self.tr("Spacing (mm)")]
        )
        self.axle_table.verticalHeader().hide()
        self.axle_table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.axle_table.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.axle_table.horizontalHeader().setSectionResizeMode(
            QtWidgets.QHeaderView.ResizeMode.Stretch
        )
        QtWidgets.QVBoxLayout(box).addWidget(self.axle_table)
        return box

    def _trace_box(self) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox(self.tr("Raw trace"))
        self.trace = TracePlot()
        QtWidgets.QVBoxLayout(box).addWidget(self.trace)
        return box

    def _picture_box(self) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox(self.tr("Pictures"))
        self.picture_row = QtWidgets.QHBoxLayout(box)
        self.picture_row.addStretch(1)
        return box

    def _print_bar(self) -> QtWidgets.QHBoxLayout:
        self.print_ticket = QtWidgets.QPushButton(self.tr("Print ticket"))
        self.print_ticket.clicked.connect(lambda: self._print("ticket"))
        self.print_unload = QtWidgets.QPushButton(self.tr("Print unload notice"))
        self.print_unload.clicked.connect(lambda: self._print("unload"))
        self.prints_label = _value_label("prints")
        self.void_button = QtWidgets.QPushButton(self.tr("Void..."))
        self.void_button.setToolTip(
            self.tr("Withdraw this weighing (supervisor): a VOID record, never a deletion")
        )
        self.void_button.clicked.connect(self.ask_void)
        close = QtWidgets.QPushButton(self.tr("Close"))
        close.setDefault(True)
        close.clicked.connect(self.close)
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(self.print_ticket)
        bar.addWidget(self.print_unload)
        bar.addWidget(self.prints_label, 1)
        bar.addWidget(self.void_button)
        bar.addWidget(close)
        self._update_buttons()
        return bar

    # ---- loading -------------------------------------------------------------------------

    def _load(self) -> None:
        self.ctx.tasks.run(
            load_detail(self.ctx, self.check_no),
            weak_callback(self._loaded),
            weak_callback(self._failed),
        )

    def _failed(self, error: BaseException) -> None:
        self.status.setText(self.tr("Could not load the weighing: {error}").format(error=error))
        self.status.setStyleSheet(f"color: {RED};")
        self.status.show()

    def _loaded(self, detail: WeighingDetail | None) -> None:
        if detail is None:
            self.status.setText(
                self.tr("There is no weighing {check_no} in this station.").format(
                    check_no=self.check_no
                )
            )
            self.status.setStyleSheet(f"color: {RED};")
            return
        self.detail = detail
        self.status.hide()
        self._show_header(detail)
        self._show_verdict(detail)
        self._show_case(detail.case)
        self._show_axles(detail)
        self.trace.set_trace(detail.trace, detail.trace_rate_hz)
        self._show_prints(detail.prints)
        self._update_buttons()
        self.body.show()
        self.ctx.tasks.run(
            functools.partial(_read_pictures, detail.pictures), weak_callback(self._show_pictures)
        )
        self.loaded.emit(detail)

    # ---- showing -------------------------------------------------------------------------

    def _set(self, name: str, text: str, colour: str = "") -> None:
        label = self.fields[name]
        label.setText(text)
        label.setStyleSheet(f"color: {colour};" if colour else "")

    def _show_header(self, d: WeighingDetail) -> None:
        t = self.texts
        self._set("check_no", d.check_no)
        self._set("check_time", format_time(d.check_time))
        self._set("station", f"{d.station_name} ({d.site_code})")
        self._set(
            "lane",
            self.tr("lane {lane}, direction {direction}").format(
                lane=d.lane, direction=d.direction
            ),
        )
        self._show_type(d)
        self._set(
            "plate",
            self.tr("{plate} ({colour}, {source})").format(
                plate=d.plate_num,
                colour=t.plate_colour(d.plate_color),
                source=t.plate_source(d.plate_source),
            ),
        )
        self._set("axle_type", d.axle_type)
        self._set("vehicle_class", d.vehicle_class)
        self._set("adjustments", ", ".join(d.adjustments) or "—")
        self._set("weigh_mode", t.weigh_mode(d.weigh_mode))
        speed = self.tr("{speed} km/h").format(speed=d.speed_kmh) if d.speed_kmh else "—"
        self._set("speed", speed)
        self._show_scale(d)
        self._set("operator", d.operator_id)

    def _show_type(self, d: WeighingDetail) -> None:
        label = self.fields["check_type"]
        if d.first_check_no:
            label.setTextFormat(QtCore.Qt.TextFormat.RichText)
            label.setText(self.tr("Re-weighing of {first}").format(first=_link(d.first_check_no)))
        else:
            label.setText(self.texts.check_type(d.check_type))

    def _show_scale(self, d: WeighingDetail) -> None:
        if d.calibration_counter is None:
            self._set("scale", d.scale_id)
        else:
            self._set(
                "scale",
                self.tr("{scale}, calibration counter {counter}").format(
                    scale=d.scale_id, counter=d.calibration_counter
                ),
            )
        expired = d.cert_valid_until < d.check_time.date()
        self._set(
            "certificate",
            self.tr("{cert} valid until {date}").format(
                cert=d.cert_no, date=d.cert_valid_until.isoformat()
            ),
            RED if expired else "",
        )

    def _show_verdict(self, d: WeighingDetail) -> None:
        self._set("gross", self.tr("{kg} kg").format(kg=d.sum_kg))
        self._set("limit", self.tr("{kg} kg").format(kg=d.limit_kg))
        self._set("over", self.tr("{kg} kg").format(kg=d.over_kg), RED if d.is_over else "")
        self._set("over_rate", f"{d.over_rate} %", RED if d.is_over else "")
        self._set("flags", self.texts.flags(d.flags) or "—", RED if d.flags else "")
        self._show_chain(d)
        if d.is_over:
            text = self.tr("OVER THE LIMIT by {kg} kg ({rate} %)").format(
                kg=d.over_kg, rate=d.over_rate
            )
            colour = RED
        else:
            text, colour = self.tr("Within the limit"), GREEN
        if d.voided:
            colour = GREY  # a voided verdict no longer counts; the void banner says why
        self.banner.setText(text)
        self.banner.setStyleSheet(
            f"background: {colour}; color: white; font-size: 16pt; font-weight: bold; padding: 6px;"
        )
        if d.voided:
            self.void_banner.setText(
                self.tr("VOIDED: {reason}").format(reason=d.void_reason or "—")
            )
            self.void_banner.show()

    def _show_chain(self, d: WeighingDetail) -> None:
        chain = d.chain
        if chain.intact:
            self._set("chain", self.tr("✓ intact (record {seq})").format(seq=chain.seq), GREEN)
        else:
            self._set("chain", self.tr("✗ {problem}").format(problem=chain.problem), RED)
        self.fields["chain"].setToolTip(chain.record_hash)

    def _show_case(self, case: CaseView | None) -> None:
        # A legal weighing's case is closed at once as NOT_OVER and was never enforcement work.
        self.case_box.setVisible(case is not None and case.result != "NOT_OVER")
        if case is None:
            return
        now = beijing_now()
        self._set("notice_no", case.notice_no or "—")
        self._set("case_status", self.texts.case_status(case.status, case.result))
        self._set("opened", format_time(case.opened_at))
        overdue = case.status == "OPEN" and case.deadline < now
        deadline = format_time(case.deadline)
        if case.status == "OPEN":
            deadline = self.tr("{deadline} ({left})").format(
                deadline=deadline, left=self.texts.remaining(case.deadline, now)
            )
        self._set("deadline", deadline, RED if overdue else "")
        self._set("unload", self.tr("{kg} kg").format(kg=case.unload_kg))
        links = ", ".join(_link(no) for no in case.reweigh_check_nos)
        self.fields["reweighs"].setText(links or "—")

    def _show_axles(self, d: WeighingDetail) -> None:
        table = self.axle_table
        table.setRowCount(len(d.axles))
        for row, axle in enumerate(d.axles):
            values = (
                str(axle.no),
                "—" if axle.weight_kg is None else str(axle.weight_kg),
                str(axle.group),
                "—" if axle.spacing_mm is None else str(axle.spacing_mm),
            )
            for column, value in enumerate(values):
                item = QtWidgets.QTableWidgetItem(value)
                item.setTextAlignment(
                    QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter
                )
                table.setItem(row, column, item)

    def _show_pictures(self, found: list[bytes | None]) -> None:
        if self.detail is None:
            return
        shown = 0
        for picture, data in zip(self.detail.pictures, found, strict=True):
            image = None if data is None else QtGui.QImage.fromData(data)
            thumb = Thumbnail(self.texts.picture_type(picture.file_type), image)
            self.picture_row.insertWidget(shown, thumb)
            shown += 1
        if not shown:
            self.picture_row.insertWidget(0, QtWidgets.QLabel(self.tr("No pictures")))
        self.pictures_shown.emit(shown)

    # ---- printing ------------------------------------------------------------------------

    def _show_prints(self, prints: dict[str, int]) -> None:
        ticket, unload = prints.get("ticket", 0), prints.get("unload", 0)
        if ticket:
            lines = [self.tr("Ticket printed {n}×; the next one is a copy").format(n=ticket)]
        else:
            lines = [self.tr("Ticket not printed yet")]
        if unload:
            lines.append(
                self.tr("Unload notice printed {n}×; the next one is a copy").format(n=unload)
            )
        elif self._notice_no():
            lines.append(self.tr("Unload notice not printed yet"))
        self.prints_label.setText("\n".join(lines))

    def _notice_no(self) -> str | None:
        case = self.detail.case if self.detail else None
        return case.notice_no if case is not None and case.status != "VOIDED" else None

    def _update_buttons(self) -> None:
        signed_in = self.ctx.session.user is not None and not self.ctx.session.locked
        self.print_ticket.setEnabled(self.detail is not None and signed_in)
        self.print_unload.setEnabled(
            bool(self._notice_no()) and self.ctx.session.can(Permission.PRINT_ENFORCEMENT)
        )
        self.void_button.setEnabled(
            self.detail is not None
            and not self.detail.voided
            and self.ctx.session.can(Permission.VOID_RECORD)
        )

    def _print(self, kind: str) -> None:
        done = weak_callback(self._after_print)
        print_document(self.ctx, self, self.check_no, kind, done)
        self._printed = True

    def _after_print(self, path: object) -> None:
        del path
        self._reload_prints()

    # ---- voiding -------------------------------------------------------------------------

    def ask_void(self) -> None:
        reason, ok = QtWidgets.QInputDialog.getText(
            self,
            self.tr("Void {check_no}").format(check_no=self.check_no),
            self.tr("Why is this weighing withdrawn? (kept in the chain and sent to the province)"),
        )
        if ok:
            self.void(reason)

    def void(self, reason: str) -> None:
        """Withdraw the weighing (and its case) with VOID records, as the signed-in supervisor."""
        if not reason.strip():
            self._failed_void(ValueError(self.tr("A void needs a reason.")))
            return
        runtime, check_no, login = self.ctx.runtime, self.check_no, self.ctx.session.login
        self.void_button.setEnabled(False)
        self.ctx.tasks.run(
            functools.partial(runtime.void, check_no, reason.strip(), approver=login),
            weak_callback(self._voided),
            weak_callback(self._failed_void),
        )

    def _voided(self, result: object) -> None:
        del result
        self._load()

    def _failed_void(self, error: BaseException) -> None:
        self._update_buttons()
        self.void_error = str(error)
        box = QtWidgets.QMessageBox(
            QtWidgets.QMessageBox.Icon.Warning, self.tr("Not voided"), self.void_error, parent=self
        )
        box.open()

    def changeEvent(self, event: QtCore.QEvent) -> None:
        super().changeEvent(event)
        if (
            self._printed
            and event.type() == QtCore.QEvent.Type.ActivationChange
            and self.isActiveWindow()
        ):
            self._reload_prints()

    def _reload_prints(self) -> None:
        self.ctx.tasks.run(load_detail(self.ctx, self.check_no), weak_callback(self._prints_loaded))

    def _prints_loaded(self, detail: WeighingDetail | None) -> None:
        if detail is not None:
            self.detail = detail
            self._show_prints(detail.prints)

    # ---- other records -------------------------------------------------------------------

    def _open_other(self, href: str) -> None:
        check_no = href.removeprefix("check:")
        dialog = RecordDetailDialog(self.ctx, check_no, self.parentWidget() or self)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()


def _link(check_no: str) -> str:
    escaped = html.escape(check_no)
    return f'<a href="check:{escaped}">{escaped}</a>'
