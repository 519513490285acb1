"""The calibration and verification wizard of one scale (technicians only).

A stepped dialog (domain.md §5.3 and §5.4, docs/metrology.md):

    scale and kind → preparation → test weights
      → as found: zero, span, linearity, eccentric, repeatability, discrimination → results
      → [adjustment: open the seal, change the coefficients → as left: the same tests → results]
      → close the seal, save the record, PDF

or, for a dynamic axle scale, scale → preparation → the reference-vehicle check → record
and PDF (the seal closed, the check saved as a dynamic run, its PDF). The steps are listed
on the left; the technician goes back and forth with Back and Next, and
Next waits until the page is complete.

The GUI thread never waits on the scale, the database or a PDF (docs/desktop.md): readings
come from a `ReadingSource` (the running lane's indicator by default, `LiveScale`) on a
worker, and every store call goes through `ctx.tasks`. The store is the authority on what
is allowed: `change_coefficients` refuses a closed seal or another role, `save_session`
refuses an open seal, `save_dynamic_run` an open seal or another role, and the wizard shows
their refusals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6 import QtCore, QtWidgets

from station.config import StationConfig
from station.domain.readings import WimVehicle
from station.readmodel_calibration import CalibrationRecord, DynamicRecord
from station.security import Role
from station.storage import calibration
from station.timeutil import beijing_now
from ui.calibration_dynamic import DynamicPage
from ui.calibration_history import CalibrationHistoryDialog
from ui.calibration_model import (
    STATIC_PAGES,
    LiveScale,
    ReadingSource,
    RunHeader,
    ScaleMetrology,
    build_dynamic_record,
    build_record,
    live_feed,
    phase_passed,
)
from ui.calibration_points import Reader, TestPage, page_title
from ui.calibration_steps import (
    DYNAMIC,
    AdjustPage,
    DynamicFinishPage,
    FinishPage,
    PreparationPage,
    ResultsPage,
    ScalePage,
    Step,
    WeightsPage,
    collect,
)
from ui.context import AppContext, Session
from ui.wizard_frame import lay_out_wizard

SourceFactory = Callable[[str], ReadingSource | None]
VehicleFactory = Callable[[str], Callable[[], WimVehicle] | None]
WEIGHING_KINDS = ("scale", "axle_scale", "wim")


def may_calibrate(session: Session) -> bool:
    """Only a signed-in technician calibrates (the store refuses coefficient changes by
    anyone else, the admin included)."""
    user = session.user
    return user is not None and not session.locked and Role(user.role) is Role.TECHNICIAN


def device_kinds(config: StationConfig) -> dict[str, str]:
    """Weighing device id -> kind; a scale's id is its device's id."""
    return {
        device.id: device.kind
        for lane in config.lanes
        for device in lane.devices
        if device.kind in WEIGHING_KINDS
    }


def live_sources(ctx: AppContext) -> tuple[SourceFactory, VehicleFactory]:
    """The running lanes: a configured scale's stable weight, an axle scale's next vehicle."""
    kinds = device_kinds(ctx.config)
    runtime = ctx.runtime

    def weights(scale_id: str) -> ReadingSource | None:
        return LiveScale(live_feed(runtime), scale_id) if scale_id in kinds else None

    def vehicles(scale_id: str) -> Callable[[], WimVehicle] | None:
        if kinds.get(scale_id) not in ("axle_scale", "wim"):
            return None
        return partial(live_feed(runtime).next_vehicle, scale_id)

    return weights, vehicles


@dataclass
class Run:
    """One run of the wizard on one scale, fixed when it leaves the first page."""

    key: tuple[str, str, str]  # scale id, procedure, verification
    header: RunHeader
    scale: ScaleMetrology | None  # None for a dynamic scale
    reader: Reader


class CalibrationWizard(QtWidgets.QDialog):
    """Steps on the left, the current page in the middle, Back / Next below."""

    def __init__(
        self,
        ctx: AppContext,
        scale_id: str | None = None,
        *,
        sources: SourceFactory | None = None,
        vehicles: VehicleFactory | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        if not may_calibrate(ctx.session):
            raise PermissionError("only a signed-in technician may calibrate a scale")
        super().__init__(parent)
        self.ctx = ctx
        live_weights, live_vehicles = live_sources(ctx)
        self.sources = sources or live_weights
        self.vehicles = vehicles or live_vehicles
        self.run: Run | None = None
        self.setWindowTitle(self.tr("Calibration and verification"))
        self.setModal(False)  # the lock screen of the main window must stay usable
        self.resize(1100, 720)
        self.pages: dict[str, QtWidgets.QWidget] = {}
        self._build_frame()
        self.scale_page = ScalePage(ctx, scale_id, device_kinds(ctx.config))
        self.scale_page.history_requested.connect(self.show_history)
        self.scale_page.static_radio.toggled.connect(lambda _c: self._show_steps())
        self._add("scale", self.scale_page)
        self._add("prep", PreparationPage())
        self._add("weights", WeightsPage())
        self.current = "scale"
        ctx.session.changed.connect(self._session_changed)
        self._show("scale")

    def _build_frame(self) -> None:
        """The steps on the left; the title, the page and the buttons on the right."""
        self.stack = QtWidgets.QStackedWidget()
        self.steps = QtWidgets.QListWidget()
        self.steps.setFixedWidth(240)
        self.steps.setSpacing(3)
        self.steps.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.steps.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.title = QtWidgets.QLabel()
        font = self.title.font()
        font.setPointSize(font.pointSize() + 4)
        font.setBold(True)
        self.title.setFont(font)
        self.back_button = QtWidgets.QPushButton(self.tr("< Back"))
        self.next_button = QtWidgets.QPushButton(self.tr("Next >"))
        self.cancel_button = QtWidgets.QPushButton(self.tr("Cancel"))
        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_next)
        self.cancel_button.clicked.connect(self.reject)
        self.next_button.setDefault(True)
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        lay_out_wizard(
            self, steps=self.steps, title=self.title, stack=self.stack, message=self.message,
            buttons=(self.back_button, self.next_button, self.cancel_button),
        )  # fmt: skip

    # ---- pages --------------------------------------------------------------------------

    def _add(self, key: str, page: QtWidgets.QWidget) -> QtWidgets.QWidget:
        self.pages[key] = page
        self.stack.addWidget(page)
        signal = getattr(page, "completeness_changed", None)
        if signal is not None:
            signal.connect(self._update_buttons)
        return page

    def _drop(self, keep: tuple[str, ...] = ("scale", "prep", "weights")) -> None:
        for key in [k for k in self.pages if k not in keep]:
            page = self.pages.pop(key)
            self.stack.removeWidget(page)
            page.deleteLater()

    def page(self, key: str) -> Any:
        """The page of a step, made when it is first needed (the tests need the scale)."""
        if key not in self.pages:
            self._add(key, self._make(key))
        return self.pages[key]

    def _make(self, key: str) -> QtWidgets.QWidget:
        run = self.run
        assert run is not None
        in_service = run.header.verification == "in_service"
        phase, _, name = key.partition(":")
        if name == "results":
            results = ResultsPage(phase, lambda: collect(self.test_pages(phase)))
            results.adjust_radio.toggled.connect(lambda _c: self._show_steps())
            return results
        if name:
            assert run.scale is not None
            return TestPage(name, run.scale, in_service, run.reader)
        if key == "adjust":
            return AdjustPage(self.ctx, run.header.scale_id, run.header.started_at)
        if key == "finish":
            return FinishPage(self.ctx, run.header.scale_id, self._record_maker, self.passed)
        if key == "dynamic":
            return DynamicPage(self.ctx.tasks, run.header.e_kg, in_service,
                               self.vehicles(run.header.scale_id))  # fmt: skip
        if key == "dynamic_finish":
            return DynamicFinishPage(self.ctx, run.header.scale_id, self._dynamic_record_maker,
                                     self.dynamic_passed)  # fmt: skip
        raise KeyError(key)

    def test_pages(self, phase: str) -> list[TestPage]:
        return [self.page(f"{phase}:{name}") for name in STATIC_PAGES]

    def sequence(self) -> list[str]:
        keys = ["scale", "prep"]
        if self.scale_page.mode == DYNAMIC:
            return [*keys, "dynamic", "dynamic_finish"]
        keys += ["weights", *(f"found:{p}" for p in STATIC_PAGES), "found:results"]
        if self._adjusted():
            keys += ["adjust", *(f"left:{p}" for p in STATIC_PAGES), "left:results"]
        return [*keys, "finish"]

    def step_title(self, key: str) -> str:
        phase, _, name = key.partition(":")
        titles = {
            "scale": self.tr("Scale and verification"),
            "prep": self.tr("Preparation"),
            "weights": self.tr("Test weights"),
            "adjust": self.tr("Adjustment"),
            "finish": self.tr("Seal, record and PDF"),
            "dynamic": self.tr("Reference vehicle"),
            "dynamic_finish": self.tr("Seal, record and PDF"),
        }
        if not name:
            return titles[key]
        prefix = self.tr("As found") if phase == "found" else self.tr("As left")
        part = self.tr("results") if name == "results" else page_title(name)
        return f"{prefix}: {part}"

    # ---- navigation ---------------------------------------------------------------------

    def _show(self, key: str) -> None:
        page = self.page(key)
        self.current = key
        self.stack.setCurrentWidget(page)
        self.title.setText(self.step_title(key))
        self.message.setText("")
        if isinstance(page, FinishPage) and not page.notes_edit.toPlainText():
            page.notes_edit.setPlainText(self.default_notes())
        if isinstance(page, Step):
            page.entered()
        self._show_steps()
        self._update_buttons()

    def _show_steps(self) -> None:
        keys = self.sequence()
        self.steps.clear()
        for number, key in enumerate(keys, start=1):
            self.steps.addItem(f"{number}. {self.step_title(key)}")
        if self.current in keys:
            self.steps.setCurrentRow(keys.index(self.current))

    def _saved(self) -> bool:
        finish = self.pages.get("dynamic_finish" if self._dynamic() else "finish")
        return isinstance(finish, FinishPage) and finish.session_id is not None

    def _dynamic(self) -> bool:
        return self.run is not None and self.run.key[1] == DYNAMIC

    def _update_buttons(self) -> None:
        page = self.pages.get(self.current)
        complete = getattr(page, "complete", lambda: True)()
        keys = self.sequence()
        last = self.current == keys[-1]
        self.next_button.setText(self.tr("Close") if last else self.tr("Next >"))
        self.next_button.setEnabled(bool(complete))
        self.back_button.setEnabled(self.current != "scale" and not self._saved())

    def go_back(self) -> None:
        keys = self.sequence()
        if self.current in keys and keys.index(self.current) > 0:
            self._show(keys[keys.index(self.current) - 1])

    def go_next(self) -> None:
        page = self.pages[self.current]
        if not getattr(page, "complete", lambda: True)():
            return
        if self.current == "scale":
            self._start_run()
            return
        keys = self.sequence()
        index = keys.index(self.current)
        if index + 1 < len(keys):
            self._show(keys[index + 1])
        else:
            self.accept()

    def _start_run(self) -> None:
        """Fix the scale, the kind and the run's start (its counter) and go on."""
        page = self.scale_page
        state, scale_id = page.state, page.scale_id
        if state is None or scale_id is None:
            return
        key = (scale_id, page.mode, page.verification)
        if self.run is not None and self.run.key == key:
            self._show("prep")
            return
        database = self.ctx.database
        self.next_button.setEnabled(False)

        def work() -> tuple[Any, int]:
            return beijing_now(), calibration.calibration_counter(database, scale_id) or 0

        def started(result: tuple[Any, int]) -> None:
            started_at, counter = result
            self._drop()
            user = self.ctx.session.user
            info = state.info
            technician = user.display_name if user else self.ctx.session.login
            header = RunHeader(
                self.ctx.config.station.site_code, self.ctx.config.station.name, scale_id,
                info.model, info.max_kg, info.division_kg, info.accuracy_class,
                page.verification, started_at, technician[:64], counter,
            )  # fmt: skip
            reader = Reader(self.ctx.tasks, self.sources(scale_id), self)
            self.run = Run(key, header, page.metrology(), reader)
            self._show("prep")

        self.ctx.tasks.run(work, started, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.message.setText(str(error))
        self._update_buttons()

    def _session_changed(self) -> None:
        # Locked or handed over: nobody else may use the technician's open wizard.
        self.setEnabled(may_calibrate(self.ctx.session))

    # ---- the record ---------------------------------------------------------------------

    def points(self, phase: str) -> list:
        return collect(self.test_pages(phase)) if phase == "found" or self._adjusted() else []

    def _adjusted(self) -> bool:
        """As found, the technician chose to adjust (and test again as left)."""
        results = self.pages.get("found:results")
        return isinstance(results, ResultsPage) and results.adjusting

    def passed(self) -> bool:
        return phase_passed(self.points("left") or self.points("found"))

    def default_notes(self) -> str:
        prep = self.pages["prep"]
        temperature = prep.temperature_c() if isinstance(prep, PreparationPage) else None
        notes = []
        if temperature is not None:
            notes.append(self.tr("Ambient temperature {t} °C.").format(t=f"{temperature:g}"))
        if not self._adjusted() and not self._dynamic():
            notes.append(self.tr("Not adjusted."))
        return " ".join(notes)

    def _record_maker(self, certificate: str, notes: str) -> Callable[[int], CalibrationRecord]:
        """On the GUI thread: everything but the counter after, which the worker reads."""
        run = self.run
        assert run is not None
        as_found, as_left = tuple(self.points("found")), tuple(self.points("left"))
        weights = tuple(self.pages["weights"].sets)
        header = run.header
        notes = notes.strip() or self.default_notes()

        def make(counter_after: int) -> CalibrationRecord:
            return build_record(
                header, finished_at=beijing_now(), weights=weights, as_found=as_found,
                as_left=as_left, counter_after=counter_after, certificate_no=certificate,
                notes=notes,
            )  # fmt: skip

        return make

    def dynamic_passed(self) -> bool:
        page = self.pages.get("dynamic")
        return isinstance(page, DynamicPage) and page.passed()

    def _dynamic_record_maker(self, certificate: str, notes: str) -> Callable[[int], DynamicRecord]:
        """On the GUI thread: the check as evaluated; the worker adds the counter now (the
        store refuses it unless it is also the counter when the check started)."""
        run, page = self.run, self.pages["dynamic"]
        assert run is not None and isinstance(page, DynamicPage) and page.check is not None
        header, check = run.header, page.check
        notes = notes.strip() or self.default_notes()

        def make(counter: int) -> DynamicRecord:
            return build_dynamic_record(
                header, check, finished_at=beijing_now(), counter=counter,
                certificate_no=certificate, notes=notes,
            )  # fmt: skip

        return make

    # ---- history ------------------------------------------------------------------------

    def show_history(self, scale_id: str) -> None:
        if scale_id:
            self.history = CalibrationHistoryDialog(self.ctx, scale_id, self)
            self.history.open()
