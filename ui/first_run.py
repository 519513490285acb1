"""The first-run wizard: a new station's configuration, database and administrator.

It runs when the desktop starts without a configuration file (and with `main.py setup`):

    language → station → lanes → devices of each lane (each tested with the probe)
      → provincial platform (address, site code, CA file, the secret key) → administrator
      → summary → Finish

Nothing is written before Finish, and Cancel writes nothing. Finish runs on a worker
(`first_run_model.finish_setup`): the configuration text is checked by the start-up's own
validator, the key is saved readable by its owner only, the database is created and
migrated with `admin` holding the chosen password, and the configuration file is written
last, atomically. Then the desktop starts on it and the administrator signs in.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from station import paths
from ui.first_run_devices import DevicesPage, kind_names, probe_text
from ui.first_run_model import (
    DEFAULT_PROBE_TIMEOUT_S,
    DevicePlan,
    SetupPlan,
    SetupResult,
    can_probe,
    finish_setup,
    new_lane,
)
from ui.first_run_pages import (
    ERROR_COLOUR,
    WARNING_COLOUR,
    AdminPage,
    LanesPage,
    LanguagePage,
    Page,
    ProvincePage,
    StationPage,
    coloured,
)
from ui.i18n import install_language
from ui.tasks import Tasks
from ui.wizard_frame import lay_out_wizard

FIXED_STEPS = ("language", "station", "lanes")
LAST_STEPS = ("province", "admin", "summary")


def _heading(text: str, colour: str = "") -> str:
    style = f" style='color:{colour}'" if colour else ""
    return f"<h4{style}>{html.escape(text)}</h4>"


class SummaryPage(Page):
    """Everything entered, secrets left out, and what deserves a second look."""

    def __init__(self, plan: SetupPlan, warnings: Callable[[], list[str]]) -> None:
        super().__init__(plan)
        self._warnings = warnings
        self.intro.setText(
            self.tr("Check what will be written. Finish saves it and starts the desktop.")
        )
        self.view = QtWidgets.QTextBrowser()
        self.body.addWidget(self.view, 1)

    def title(self) -> str:
        return self.tr("Summary")

    def entered(self) -> None:
        self.view.setHtml(self.summary_html())

    def summary_html(self) -> str:
        plan = self.plan
        rows = [
            (self.tr("Configuration file"), str(plan.config_path)),
            (self.tr("Data folder"), str(plan.data_dir)),
            (self.tr("Station"), f"{plan.name} ({plan.site_code})"),
            (self.tr("Language"), "中文（简体）" if plan.language == "zh_CN" else "English"),
        ]
        parts = [self._table(rows)]
        for lane in plan.lanes:
            parts.append(_heading(self.tr("Lane {n}").format(n=lane.number)))
            parts.append(self._table([self._device_row(device) for device in lane.devices]))
        parts.append(_heading(self.tr("Provincial platform")))
        parts.append(self._table(self._province_rows()))
        parts.append(_heading(self.tr("Administrator")))
        parts.append(self._table([(self.tr("Login"), "admin"),
                                  (self.tr("Password"), self.tr("set (not shown)"))]))  # fmt: skip
        warnings = self._warnings()
        if warnings:
            items = "".join(f"<li>{html.escape(text)}</li>" for text in warnings)
            parts.append(_heading(self.tr("Warnings"), WARNING_COLOUR))
            parts.append(f"<ul style='color:{WARNING_COLOUR}'>{items}</ul>")
        return "".join(parts)

    @staticmethod
    def _table(rows: list[tuple[str, str]]) -> str:
        cells = "".join(
            f"<tr><td style='padding-right:16px'><b>{html.escape(key)}</b></td>"
            f"<td>{html.escape(value)}</td></tr>"
            for key, value in rows
        )
        return f"<table>{cells}</table>"

    def _device_row(self, device: DevicePlan) -> tuple[str, str]:
        if not can_probe(device.driver):
            result = self.tr("not tested (no test for this driver)")
        elif device.probe is None:
            result = self.tr("not tested")
        else:
            result = probe_text(device.probe, short=True)[0]
        text = self.tr("{kind}, driver {driver}, {port}: {result}").format(
            kind=kind_names()[device.kind], driver=device.driver, port=device.port(), result=result
        )
        return device.id, text

    def _province_rows(self) -> list[tuple[str, str]]:
        province = self.plan.province
        if not province.enabled:
            return [(self.tr("Upload"), self.tr("off"))]
        key = (
            self.tr("saved to {path} at Finish (not shown)").format(path=self.plan.key_path)
            if province.key
            else self.tr("none")
        )
        return [
            (self.tr("Platform address"), province.url),
            (self.tr("Site code"), province.site_code or self.plan.site_code),
            (self.tr("CA certificate"), province.ca_file or self.tr("the system's certificates")),
            (self.tr("Secret key"), key),
        ]


class FirstRunWizard(QtWidgets.QDialog):
    """Steps on the left, the page on the right, Back / Next / Cancel below."""

    def __init__(
        self,
        config_path: Path,
        *,
        language: str = "zh_CN",
        data_dir: Path | None = None,
        tasks: Tasks | None = None,
        translators: list | None = None,
        probe_timeout_s: float = DEFAULT_PROBE_TIMEOUT_S,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.plan = SetupPlan(
            Path(config_path).absolute(),
            (data_dir or paths.data_dir()).absolute(),
            language=language,
            lanes=[new_lane(1, set())],
        )
        self.tasks = tasks or Tasks(self)
        self.translators = translators if translators is not None else []
        self.probe_timeout_s = probe_timeout_s
        self.setup_result: SetupResult | None = None
        self.finishing = False
        self.pages: dict[str, Page] = {}
        self.current = "language"
        self.setModal(True)
        self.resize(1040, 700)
        self._build_frame()
        self._translate_frame()
        self._show("language")

    # ---- frame -------------------------------------------------------------------------------

    def _build_frame(self) -> None:
        self.steps = QtWidgets.QListWidget()
        self.steps.setFixedWidth(220)
        self.steps.setSpacing(3)
        self.steps.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.steps.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.title = QtWidgets.QLabel()
        font = self.title.font()
        font.setPointSize(font.pointSize() + 4)
        font.setBold(True)
        self.title.setFont(font)
        self.stack = QtWidgets.QStackedWidget()
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        self.back_button = QtWidgets.QPushButton()
        self.next_button = QtWidgets.QPushButton()
        self.cancel_button = QtWidgets.QPushButton()
        self.next_button.setDefault(True)
        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_next)
        self.cancel_button.clicked.connect(self.reject)
        lay_out_wizard(
            self, steps=self.steps, title=self.title, stack=self.stack, message=self.message,
            buttons=(self.back_button, self.next_button, self.cancel_button),
        )  # fmt: skip

    def _translate_frame(self) -> None:
        self.setWindowTitle(self.tr("Set up the station"))
        self.back_button.setText(self.tr("< Back"))
        self.cancel_button.setText(self.tr("Cancel"))

    # ---- pages -------------------------------------------------------------------------------

    def sequence(self) -> list[str]:
        lanes = [f"devices:{index}" for index in range(len(self.plan.lanes) or 1)]
        return [*FIXED_STEPS, *lanes, *LAST_STEPS]

    def page(self, key: str) -> Page:
        if key not in self.pages:
            page = self._make(key)
            page.changed.connect(self._update_buttons)
            self.pages[key] = page
            self.stack.addWidget(page)
        return self.pages[key]

    def _make(self, key: str) -> Page:
        plan = self.plan
        if key.startswith("devices:"):
            index = int(key.partition(":")[2])
            return DevicesPage(plan, index, self.tasks, self.probe_timeout_s)
        makers = {
            "language": lambda: LanguagePage(plan, self.switch_language),
            "station": lambda: StationPage(plan),
            "lanes": lambda: LanesPage(plan),
            "province": lambda: ProvincePage(plan, self.tasks),
            "admin": lambda: AdminPage(plan),
            "summary": lambda: SummaryPage(plan, self.warnings),
        }
        return makers[key]()

    def warnings(self) -> list[str]:
        keys = [key for key in self.sequence() if key != "summary"]
        return [text for key in keys for text in self.page(key).warnings()]

    def _drop_pages(self, keep: tuple[str, ...] = ()) -> None:
        for key in [key for key in self.pages if key not in keep]:
            page = self.pages.pop(key)
            self.stack.removeWidget(page)
            page.deleteLater()

    def switch_language(self, language: str) -> None:
        """Swap the translators, then rebuild every page from the plan in the new language."""
        if language == self.plan.language:
            return
        app = QtCore.QCoreApplication.instance()
        for translator in self.translators:
            app.removeTranslator(translator)
        self.translators[:] = install_language(app, language)
        if language == "en":
            QtCore.QLocale.setDefault(QtCore.QLocale("en"))
        self.plan.language = language
        # Deferred: the radio button that asked for it belongs to a page being replaced.
        QtCore.QTimer.singleShot(0, self._rebuild)

    def _rebuild(self) -> None:
        self._drop_pages()
        self._translate_frame()
        self._show(self.current)

    # ---- navigation -------------------------------------------------------------------------

    def _show(self, key: str) -> None:
        page = self.page(key)
        self.current = key
        self.stack.setCurrentWidget(page)
        self.title.setText(page.title())
        page.entered()
        self._show_steps()
        self._update_buttons()

    def _show_steps(self) -> None:
        keys = self.sequence()
        self.steps.clear()
        for number, key in enumerate(keys, start=1):
            self.steps.addItem(f"{number}. {self.page(key).title()}")
        self.steps.setCurrentRow(keys.index(self.current))

    def _update_buttons(self) -> None:
        page = self.pages.get(self.current)
        if page is None:
            return
        if self.current == "lanes":
            self._drop_lane_pages()
            self._show_steps()
        problem = page.problem()
        last = self.current == self.sequence()[-1]
        self.next_button.setText(self.tr("Finish") if last else self.tr("Next >"))
        busy = self.finishing or self.setup_result is not None
        self.next_button.setEnabled(not problem and not busy)
        self.back_button.setEnabled(self.current != "language" and not busy)
        self.cancel_button.setEnabled(not busy)
        if not busy:
            coloured(self.message, problem, ERROR_COLOUR)

    def _drop_lane_pages(self) -> None:
        wanted = set(self.sequence())
        stale = [key for key in self.pages if key.startswith("devices:") and key not in wanted]
        for key in stale:
            page = self.pages.pop(key)
            self.stack.removeWidget(page)
            page.deleteLater()

    def go_back(self) -> None:
        keys = self.sequence()
        index = keys.index(self.current)
        if index > 0 and not self.finishing:
            self._show(keys[index - 1])

    def go_next(self) -> None:
        if self.setup_result is not None:
            self.accept()  # after the notice that the admin's password was kept
            return
        page = self.pages[self.current]
        if page.problem() or self.finishing:
            return
        keys = self.sequence()
        index = keys.index(self.current)
        if index + 1 < len(keys):
            self._show(keys[index + 1])
        else:
            self.finish()

    # ---- Finish and Cancel -------------------------------------------------------------------

    def finish(self) -> None:
        self.finishing = True
        self._update_buttons()
        coloured(
            self.message,
            self.tr("Writing the configuration, creating the database..."),
            WARNING_COLOUR,
        )
        plan = self.plan
        self.tasks.run(lambda: finish_setup(plan), self._finished, self._failed)

    def _finished(self, result: SetupResult) -> None:
        self.finishing = False
        self.setup_result = result
        if result.admin_created:
            self.accept()
            return
        # Re-run over an existing database: say so before the sign-in asks for a password.
        self._update_buttons()
        self.next_button.setText(self.tr("Start the desktop"))
        self.next_button.setEnabled(True)
        coloured(
            self.message,
            self.tr(
                "The configuration is saved. The database in {folder} already had accounts, "
                "so the administrator's password was not changed: sign in with the existing "
                "one."
            ).format(folder=self.plan.data_dir),
            WARNING_COLOUR,
        )

    def _failed(self, error: BaseException) -> None:
        self.finishing = False
        self._update_buttons()
        coloured(
            self.message,
            self.tr("Finish failed; the configuration file was not written: {error}").format(
                error=error
            ),
            ERROR_COLOUR,
        )

    def reject(self) -> None:
        if self.setup_result is not None:
            self.accept()  # written already: closing now goes on to the desktop
        elif not self.finishing:  # a Finish under way cannot be taken back half done
            super().reject()

    def closeEvent(self, event) -> None:
        if self.finishing:
            event.ignore()
            return
        super().closeEvent(event)


def run_first_run(
    config_path: Path, language: str, translators: list, tasks: Tasks | None = None
) -> SetupResult | None:
    """Show the wizard until Finish (the result) or Cancel (None, nothing written)."""
    tasks = tasks or Tasks()
    wizard = FirstRunWizard(config_path, language=language, tasks=tasks, translators=translators)
    try:
        accepted = wizard.exec() == QtWidgets.QDialog.DialogCode.Accepted
        return wizard.setup_result if accepted else None
    finally:
        # A probe still running after Cancel ends within its timeout; wait for it here,
        # with no window left to freeze, rather than leave its thread behind.
        tasks.wait(int((wizard.probe_timeout_s + 5) * 1000))
        wizard.deleteLater()
