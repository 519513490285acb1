"""The Drift view: does a scale still weigh right? For the maintenance technician.

docs/drift.md describes the three detectors; `station.services.drift_report` reads a
scale's data of a period and runs them on a worker thread (the GUI thread never waits on the
database, docs/desktop.md), one analysis at a time: a request made while one runs is kept
and run when it lands, with the choices then on screen.

The period is whole days, by default the last 8 weeks. Its first days (14 by default) are
the baseline: the typical weights of the traffic are learnt from them, and the vehicles
after them are monitored. The baseline should follow a verification or calibration and
hold about 10 000 vehicles; the view says so when the scale's coefficients changed inside
the period.

Above the plots a banner gives the verdict in words with its evidence: red when any
detector warns, green when none does, grey when there is not enough data to judge. The
plots show the evidence itself:
- zero readings, with the line fitted through the last 30 days and the ±threshold band
  around its start;
- the in-motion/static deviation of each pair in %, with the mean of the rolling window
  and the ±threshold;
- the typical gross per week of each counted group and of all of them, against the
  baseline, in %;
- the CUSUM: C+ upwards, C− downwards, with the decision interval ±h, the alarm and where
  the excursion that raised it began.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from station.domain.drift import LadenState, WeeklyTypical
from station.services.drift_report import (
    DEFAULT_BASELINE_DAYS,
    DriftPeriod,
    DriftReport,
    DriftScale,
    default_days,
    drift_report,
    drift_scales,
)
from station.timeutil import beijing_today
from ui.context import AppContext

NBSP = "\u00a0"
# Banner: background, border, title colour.
BANNER_COLOURS = {
    "warning": ("#fdecea", "#c62828", "#b71c1c"),
    "ok": ("#e8f5e9", "#2e7d32", "#1b5e20"),
    "insufficient": ("#f5f5f5", "#9e9e9e", "#424242"),
    "error": ("#fdecea", "#c62828", "#b71c1c"),
    "busy": ("#f5f5f5", "#bdbdbd", "#616161"),
}
POINT_COLOUR = "#1565c0"
LINE_COLOUR = "#ef6c00"
LIMIT_COLOUR = "#c62828"
HIGH_COLOUR = "#c62828"
LOW_COLOUR = "#1565c0"
COMBINED_COLOUR = "#212121"
GROUP_COLOURS = (
    "#1976d2", "#ef6c00", "#388e3c", "#8e24aa", "#00838f", "#6d4c41", "#c2185b", "#7cb342",
    "#5c6bc0", "#f9a825", "#00897b", "#e53935", "#546e7a", "#ab47bc",
)  # fmt: skip
MAX_BASELINE_DAYS = 365


def stamp(moment: datetime) -> float:
    """A naive Beijing time as the number a DateAxisItem(utcOffset=0) shows as that time."""
    return calendar.timegm(moment.timetuple()) + moment.microsecond / 1e6


def grouped(count: int) -> str:
    """10312 -> "10 312" (a no-break space, so a number never wraps)."""
    return f"{count:,}".replace(",", NBSP)


def percent(value: float, sign: bool = True) -> str:
    return f"{value * 100:{'+' if sign else ''}.1f}{NBSP}%"


def minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _qdate(day: date) -> QtCore.QDate:
    return QtCore.QDate(day.year, day.month, day.day)


def _pydate(value: QtCore.QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _plot(dates: bool) -> pg.PlotWidget:
    """A plain white plot without a grid, as the lane panel's; dates on x if asked."""
    axes = {"bottom": pg.DateAxisItem(orientation="bottom", utcOffset=0)} if dates else {}
    plot = pg.PlotWidget(background="w", axisItems=axes)
    plot.showGrid(x=False, y=False)
    plot.setMinimumHeight(190)
    for side in ("left", "bottom"):
        plot.getAxis(side).enableAutoSIPrefix(False)  # "%" and "kg" stay as they are
    return plot


def _marker(angle: int, pen: QtGui.QPen, label: str) -> pg.InfiniteLine:
    """A fixed line with a short label (`{value}` shows its position): at the right end of a
    level, at the foot of a moment (the legends are at the top left)."""
    return pg.InfiniteLine(
        angle=angle, movable=False, pen=pen, label=label,
        labelOpts={"position": 0.92 if angle == 0 else 0.1, "color": "#616161",
                   "movable": False},
    )  # fmt: skip


def _dashed(colour: str) -> QtGui.QPen:
    return pg.mkPen(colour, width=1, style=QtCore.Qt.PenStyle.DashLine)


class DriftView(QtWidgets.QWidget):
    """Scale and period on top, the verdict banner, then four plots of the evidence."""

    refreshed = QtCore.Signal()  # after each analysis has been shown (or has failed)

    def __init__(self, ctx: AppContext, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.scales: tuple[DriftScale, ...] = drift_scales(ctx.config)
        self.report: DriftReport | None = None
        self.banner_state = ""
        self._busy = False
        self._pending = False
        self._started = False
        self._build()
        if not self.scales:
            self.refresh_button.setEnabled(False)
            self._set_banner(
                "insufficient",
                self.tr("No scale is configured"),
                [self.tr("The lanes of the configuration have no weighing device.")],
            )

    # ---- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(self._controls())
        layout.addWidget(self._banner())
        grid = QtWidgets.QGridLayout()
        grid.addWidget(self._zero_plot(), 0, 0)
        grid.addWidget(self._pair_plot(), 0, 1)
        grid.addWidget(self._weekly_plot(), 1, 0)
        grid.addWidget(self._cusum_plot(), 1, 1)
        layout.addLayout(grid, 1)
        self.status = QtWidgets.QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

    def _controls(self) -> QtWidgets.QHBoxLayout:
        self.scale_box = QtWidgets.QComboBox()
        modes = {"STATIC": self.tr("static scale"), "AXLE": self.tr("axle scale"),
                 "WIM": self.tr("WIM")}  # fmt: skip
        for scale in self.scales:
            self.scale_box.addItem(
                self.tr("{scale} (lane {lane}, {mode})").format(
                    scale=scale.scale_id, lane=scale.lane, mode=modes[scale.mode.value]
                ),
                scale.scale_id,
            )
        self.scale_box.currentIndexChanged.connect(lambda _index: self._scale_changed())
        first, last = default_days(beijing_today())
        self.date_from = self._date_edit(first)
        self.date_to = self._date_edit(last)
        self.baseline_days = QtWidgets.QSpinBox()
        self.baseline_days.setRange(1, MAX_BASELINE_DAYS)
        self.baseline_days.setValue(DEFAULT_BASELINE_DAYS)
        self.baseline_days.setSuffix(self.tr(" days"))
        self.baseline_days.setToolTip(
            self.tr(
                "The first days of the period are the baseline: the typical weights of the "
                "traffic are learnt from them, and the vehicles after them are compared with "
                "them. Start the period right after the scale was verified or calibrated; the "
                "baseline should hold about 10 000 vehicles."
            )
        )
        self.refresh_button = QtWidgets.QPushButton(self.tr("Analyse"))
        self.refresh_button.clicked.connect(lambda _checked=False: self.refresh())
        bar = QtWidgets.QHBoxLayout()
        for label, widget in (
            (self.tr("Scale"), self.scale_box),
            (self.tr("From"), self.date_from),
            (self.tr("To"), self.date_to),
            (self.tr("Baseline: the first"), self.baseline_days),
        ):
            bar.addWidget(QtWidgets.QLabel(label))
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        return bar

    def _date_edit(self, day: date) -> QtWidgets.QDateEdit:
        edit = QtWidgets.QDateEdit(_qdate(day))
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    def _banner(self) -> QtWidgets.QFrame:
        self.banner = QtWidgets.QFrame()
        self.banner.setObjectName("drift_banner")
        self.banner_title = QtWidgets.QLabel()
        font = self.banner_title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.banner_title.setFont(font)
        self.banner_text = QtWidgets.QLabel()
        self.banner_text.setWordWrap(True)
        self.banner_text.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
        )
        layout = QtWidgets.QVBoxLayout(self.banner)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.banner_title)
        layout.addWidget(self.banner_text)
        return self.banner

    def _zero_plot(self) -> pg.PlotWidget:
        self.zero_plot = _plot(dates=True)
        self.zero_plot.setTitle(self.tr("Zero readings"))
        self.zero_plot.setLabel("left", self.tr("Zero (kg)"))
        legend = self.zero_plot.addLegend(offset=(8, 8), labelTextSize="8pt")
        self.zero_high = pg.PlotDataItem([], [], pen=_dashed(LIMIT_COLOUR))
        self.zero_low = pg.PlotDataItem([], [], pen=_dashed(LIMIT_COLOUR))
        self.zero_band = pg.FillBetweenItem(self.zero_high, self.zero_low, brush="#c6282818")
        self.zero_plot.addItem(self.zero_band)
        self.zero_plot.addItem(self.zero_high)
        self.zero_plot.addItem(self.zero_low)
        self.zero_fit = self.zero_plot.plot([], [], pen=pg.mkPen(LINE_COLOUR, width=2))
        self.zero_points = pg.ScatterPlotItem(size=6, brush=pg.mkBrush(POINT_COLOUR), pen=None)
        self.zero_plot.addItem(self.zero_points)
        legend.addItem(self.zero_points, self.tr("zero checks"))
        legend.addItem(self.zero_fit, self.tr("fitted zero"))
        legend.addItem(self.zero_high, self.tr("± threshold"))
        return self.zero_plot

    def _pair_plot(self) -> pg.PlotWidget:
        self.pair_plot = _plot(dates=True)
        self.pair_plot.setTitle(self.tr("In motion against static"))
        self.pair_plot.setLabel("left", self.tr("Deviation (%)"))
        legend = self.pair_plot.addLegend(offset=(8, 8), labelTextSize="8pt")
        self.pair_limits = [_marker(0, _dashed(LIMIT_COLOUR), "{value:+g} %") for _ in range(2)]
        for line in self.pair_limits:
            self.pair_plot.addItem(line)
        self.pair_points = pg.ScatterPlotItem(size=5, brush=pg.mkBrush(POINT_COLOUR), pen=None)
        self.pair_plot.addItem(self.pair_points)
        self.pair_mean = self.pair_plot.plot([], [], pen=pg.mkPen(LINE_COLOUR, width=2))
        legend.addItem(self.pair_points, self.tr("pairs"))
        legend.addItem(self.pair_mean, self.tr("window mean"))
        return self.pair_plot

    def _weekly_plot(self) -> pg.PlotWidget:
        self.weekly_plot = _plot(dates=True)
        self.weekly_plot.setTitle(self.tr("Typical weight per week, against the baseline"))
        self.weekly_plot.setLabel("left", self.tr("Deviation (%)"))
        self.weekly_legend = self.weekly_plot.addLegend(
            offset=(8, 8), labelTextSize="8pt", colCount=2
        )
        self.weekly_zero = pg.InfiniteLine(0, angle=0, movable=False, pen=_dashed("#9e9e9e"))
        self.weekly_baseline_end = _marker(90, _dashed("#616161"), self.tr("baseline end"))
        self.weekly_plot.addItem(self.weekly_zero)
        self.weekly_plot.addItem(self.weekly_baseline_end)
        self.weekly_groups: list[pg.PlotDataItem] = []
        self.weekly_errors = pg.ErrorBarItem(
            x=np.zeros(0), y=np.zeros(0), pen=pg.mkPen(COMBINED_COLOUR), beam=0
        )
        self.weekly_plot.addItem(self.weekly_errors)
        self.weekly_all = self.weekly_plot.plot(
            [], [], pen=pg.mkPen(COMBINED_COLOUR, width=3), symbol="o", symbolSize=6,
            symbolBrush=COMBINED_COLOUR,
        )  # fmt: skip
        return self.weekly_plot

    def _cusum_plot(self) -> pg.PlotWidget:
        self.cusum_plot = _plot(dates=False)
        self.cusum_plot.setTitle(self.tr("CUSUM of the typical trucks"))
        self.cusum_plot.setLabel("left", self.tr("Baseline SDs"))
        self.cusum_plot.setLabel("bottom", self.tr("Vehicle after the baseline"))
        legend = self.cusum_plot.addLegend(offset=(8, 8), labelTextSize="8pt")
        self.cusum_h = [_marker(0, _dashed(LIMIT_COLOUR), text) for text in ("h", "−h")]
        self.cusum_alarm = _marker(90, pg.mkPen(LIMIT_COLOUR), self.tr("alarm"))
        self.cusum_change = _marker(90, _dashed("#616161"), self.tr("start"))
        for item in (*self.cusum_h, self.cusum_alarm, self.cusum_change):
            self.cusum_plot.addItem(item)
        self.cusum_upper = self.cusum_plot.plot([], [], pen=pg.mkPen(HIGH_COLOUR, width=1))
        self.cusum_lower = self.cusum_plot.plot([], [], pen=pg.mkPen(LOW_COLOUR, width=1))
        for curve in (self.cusum_upper, self.cusum_lower):  # 8 weeks: some 60 000 vehicles
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
        legend.addItem(self.cusum_upper, self.tr("C+ (reads high)"))
        legend.addItem(self.cusum_lower, self.tr("C− (reads low, drawn down)"))
        return self.cusum_plot

    # ---- analysing -----------------------------------------------------------------------

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if not self._started and self.scales:  # the first look analyses the first scale
            self._started = True
            self.refresh()

    @property
    def busy(self) -> bool:
        """Whether an analysis is out on a worker."""
        return self._busy

    def selected_scale(self) -> DriftScale | None:
        index = self.scale_box.currentIndex()
        return self.scales[index] if 0 <= index < len(self.scales) else None

    def period(self) -> DriftPeriod:
        first, last = _pydate(self.date_from.date()), _pydate(self.date_to.date())
        return DriftPeriod.of_days(first, last, self.baseline_days.value())

    def set_period(self, first: date, last: date, baseline_days: int) -> None:
        self.date_from.setDate(_qdate(first))
        self.date_to.setDate(_qdate(last))
        self.baseline_days.setValue(baseline_days)

    def _scale_changed(self) -> None:
        if self._started:
            self.refresh()

    def refresh(self) -> None:
        """Analyse the chosen scale and period on a worker; one analysis at a time."""
        scale = self.selected_scale()
        if scale is None:
            return
        if self._busy:
            self._pending = True  # run again with what is on screen when this one lands
            return
        try:
            period = self.period()
        except ValueError:
            self._set_banner(
                "error",
                self.tr("Choose a period"),
                [self.tr("The period must end on or after the day it starts.")],
            )
            return
        self._busy = True
        self.refresh_button.setEnabled(False)
        self._set_banner(
            "busy",
            self.tr("Analysing scale {scale}…").format(scale=scale.scale_id),
            [self.tr("Reading the weighings of the period and running the detectors.")],
        )
        database = self.ctx.database
        self.ctx.tasks.run(
            lambda: drift_report(database, scale, period), self._arrived, self._failed
        )

    def _landed(self) -> None:
        self._busy = False
        self.refresh_button.setEnabled(True)
        if self._pending:
            self._pending = False
            self.refresh()
        self.refreshed.emit()

    def _arrived(self, report: DriftReport) -> None:
        self.report = report
        self.show_report(report)
        self._landed()

    def _failed(self, error: BaseException) -> None:
        self._set_banner("error", self.tr("The analysis failed"), [str(error)])
        self._landed()

    # ---- showing -------------------------------------------------------------------------

    def show_report(self, report: DriftReport) -> None:
        state, title = self._verdict(report)
        lines = [self._traffic_text(report), self._zero_text(report), self._pair_text(report)]
        if report.adjusted_at is not None:
            lines.append(
                self.tr(
                    "The scale's coefficients were changed on {time}, inside the period: a "
                    "baseline from before then does not describe the scale now. Start the "
                    "period after it."
                ).format(time=minute(report.adjusted_at))
            )
        self._set_banner(state, title, lines)
        self._show_zero(report)
        self._show_pairs(report)
        self._show_weekly(report)
        self._show_cusum(report)
        self.status.setText(self._summary(report))

    def _verdict(self, report: DriftReport) -> tuple[str, str]:
        scale = report.scale.scale_id
        if report.warning:
            return "warning", self.tr("Drift warning on scale {scale}").format(scale=scale)
        if report.zero_enough or report.comparison_enough or report.traffic_enough:
            return "ok", self.tr("No drift found on scale {scale}").format(scale=scale)
        return "insufficient", self.tr("Not enough data to judge scale {scale}").format(scale=scale)

    def _set_banner(self, state: str, title: str, lines: Sequence[str]) -> None:
        background, border, colour = BANNER_COLOURS[state]
        self.banner_state = state
        self.banner.setStyleSheet(
            f"QFrame#drift_banner {{ background: {background}; border: 1px solid {border}; "
            f"border-left: 6px solid {border}; border-radius: 3px; }}"
        )
        self.banner_title.setStyleSheet(f"color: {colour};")
        self.banner_title.setText(title)
        self.banner_text.setText("\n".join(lines))
        self._keep_banner_height()

    def _keep_banner_height(self) -> None:
        """The banner only grows while the view keeps its width: shrinking it for the short
        "Analysing…" text and growing it back for the verdict would lay out and repaint the
        four plots twice per analysis (about 80 ms of the GUI thread each, measured)."""
        if not self.banner.isVisible():
            return
        layout = self.banner.layout()
        needed = layout.totalHeightForWidth(self.banner.width())
        if needed > self.banner.minimumHeight():
            self.banner.setMinimumHeight(needed)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        self.banner.setMinimumHeight(0)  # a new width: the text may need fewer lines now
        super().resizeEvent(event)

    def _summary(self, report: DriftReport) -> str:
        period = report.period
        return self.tr(
            "Scale {scale}, {first} to {last}, baseline to {baseline}: {baseline_count} "
            "baseline and {monitored} monitored vehicles, {readings} zero checks, {pairs} "
            "pairs. Updated {time}."
        ).format(
            scale=report.scale.scale_id,
            first=period.start.date().isoformat(),
            last=(period.end - timedelta(days=1)).date().isoformat(),
            baseline=(period.baseline_end - timedelta(days=1)).date().isoformat(),
            baseline_count=grouped(report.baseline_count),
            monitored=grouped(report.monitored_count),
            readings=len(report.zero_readings),
            pairs=len(report.comparison.pairs),
            time=QtCore.QTime.currentTime().toString("HH:mm:ss"),
        )

    # ---- the evidence in words -------------------------------------------------------------

    def _traffic_text(self, report: DriftReport) -> str:
        traffic = report.traffic
        if not traffic.alarm:
            return self._traffic_quiet(report)
        direction = self.tr("reads high") if traffic.direction > 0 else self.tr("reads low")
        change = traffic.change_index if traffic.change_index is not None else 0
        return self.tr(
            "Typical trucks: the scale {direction}. CUSUM alarm at vehicle {vehicle} ({time}): "
            "weights about {shift} since vehicle ~{start} ({since}); baseline {baseline} "
            "vehicles in {groups} groups; k={k:g}, h={h:g}."
        ).format(
            direction=direction,
            vehicle=grouped((traffic.alarm_index or 0) + 1),
            time=minute(traffic.alarm_at) if traffic.alarm_at else "",
            shift=percent(traffic.estimated_shift or 0.0),
            start=grouped(change + 1),
            since=minute(report.change_at) if report.change_at else "",
            baseline=grouped(report.baseline_count),
            groups=report.counted_groups,
            k=traffic.k,
            h=traffic.h,
        )

    def _traffic_quiet(self, report: DriftReport) -> str:
        traffic = report.traffic
        if report.baseline_count == 0:
            return self.tr("Typical trucks: not enough data: no weighings in the baseline days.")
        if report.counted_groups == 0:
            params = report.traffic_params
            return self.tr(
                "Typical trucks: not enough data: in the {count} baseline vehicles no group of "
                "one class, empty or full, has {least} vehicles with a spread under {spread}."
            ).format(
                count=grouped(report.baseline_count),
                least=params.min_cluster,
                spread=percent(params.design_shift / params.k, sign=False),
            )
        if not report.traffic_enough:
            return self.tr(
                "Typical trucks: not enough data: no vehicle after the baseline in a counted group."
            )
        peak = max((*traffic.upper, *traffic.lower), default=0.0)
        return self.tr(
            "Typical trucks: no alarm; {counted} of {monitored} vehicles counted, the CUSUM "
            "reached {peak:.0f} of h={h:g}; baseline {baseline} vehicles in {groups} groups."
        ).format(
            counted=grouped(traffic.counted),
            monitored=grouped(report.monitored_count),
            peak=peak,
            h=traffic.h,
            baseline=grouped(report.baseline_count),
            groups=report.counted_groups,
        )

    def _zero_text(self, report: DriftReport) -> str:
        zero = report.zero
        if zero is None:
            return self.tr(
                "Zero: the scale is not registered, so its division e is unknown and its zero "
                "is not judged."
            )
        if not report.zero_enough:
            return self.tr(
                "Zero: not enough data: {count} zero checks in the last {days:g} days, "
                "{needed} needed."
            ).format(
                count=zero.readings,
                days=report.zero_params.window_days,
                needed=max(3, report.zero_params.min_readings),
            )
        days = (zero.last_at - zero.first_at).total_seconds() / 86_400 if zero.last_at else 0.0
        values = {
            "change": f"{zero.change_kg:+.0f}",
            "e": f"{zero.change_kg / zero.division_kg:+.1f}",
            "days": f"{days:.0f}",
            "threshold": f"{zero.threshold_kg:.0f}",
            "latest": f"{zero.latest_kg:+.0f}",
        }
        if zero.warning:
            return self.tr(
                "Zero: moved {change} kg ({e} e) in {days} days, beyond ±{threshold} kg; it is "
                "now at {latest} kg."
            ).format(**values)
        return self.tr(
            "Zero: moved {change} kg ({e} e) in {days} days, within ±{threshold} kg."
        ).format(**values)

    def _pair_text(self, report: DriftReport) -> str:
        comparison = report.comparison
        latest = comparison.latest
        if latest is None:
            return self.tr(
                "In motion against static: not enough data: {count} pairs, {needed} needed."
            ).format(count=len(comparison.pairs), needed=comparison.params.min_pairs)
        values = {
            "count": latest.count,
            "mean": percent(latest.mean),
            "se": percent(latest.se, sign=False),
            "threshold": percent(comparison.params.threshold, sign=False),
        }
        if not comparison.warning:
            return self.tr(
                "In motion against static: the last {count} pairs differ by {mean} (SE {se}), "
                "within ±{threshold}."
            ).format(**values)
        if report.scale.static:
            direction = (
                self.tr("the in-motion scales read higher than this scale")
                if comparison.direction > 0
                else self.tr("the in-motion scales read lower than this scale")
            )
        else:
            direction = (
                self.tr("this scale reads high")
                if comparison.direction > 0
                else self.tr("this scale reads low")
            )
        first = comparison.first_warning
        return self.tr(
            "In motion against static: {direction}. The last {count} pairs differ by {mean} "
            "(SE {se}), beyond ±{threshold}; first warning {time}."
        ).format(direction=direction, time=minute(first.at) if first else "", **values)

    # ---- the evidence in plots -------------------------------------------------------------

    def _show_zero(self, report: DriftReport) -> None:
        readings = report.zero_readings
        self.zero_points.setData(
            x=np.array([stamp(r.at) for r in readings], dtype=float),
            y=np.array([r.kg for r in readings], dtype=float),
        )
        zero = report.zero
        if zero is None or not report.zero_enough or zero.first_at is None:
            for item in (self.zero_fit, self.zero_high, self.zero_low):
                item.setData([], [])
            return
        assert zero.last_at is not None
        xs = [stamp(zero.first_at), stamp(zero.last_at)]
        start = zero.latest_kg - zero.change_kg
        self.zero_fit.setData(xs, [start, zero.latest_kg])
        self.zero_high.setData(xs, [start + zero.threshold_kg] * 2)
        self.zero_low.setData(xs, [start - zero.threshold_kg] * 2)

    def _show_pairs(self, report: DriftReport) -> None:
        comparison = report.comparison
        pairs, windows = comparison.pairs, comparison.windows
        self.pair_points.setData(
            x=np.array([stamp(p.at) for p in pairs], dtype=float),
            y=np.array([p.deviation * 100 for p in pairs], dtype=float),
        )
        self.pair_mean.setData(
            np.array([stamp(w.at) for w in windows], dtype=float),
            np.array([w.mean * 100 for w in windows], dtype=float),
        )
        threshold = comparison.params.threshold * 100
        for line, position in zip(self.pair_limits, (threshold, -threshold), strict=True):
            line.setPos(position)

    def _show_weekly(self, report: DriftReport) -> None:
        rows = report.weekly
        groups: dict[tuple, list[WeeklyTypical]] = {}
        combined: list[WeeklyTypical] = []
        for row in rows:
            if row.key is None:
                combined.append(row)
            else:
                groups.setdefault((row.key, row.state), []).append(row)
        self.weekly_legend.clear()
        while len(self.weekly_groups) < len(groups):
            colour = GROUP_COLOURS[len(self.weekly_groups) % len(GROUP_COLOURS)]
            curve = pg.PlotDataItem(
                [], [], pen=pg.mkPen(colour, width=1), symbol="o", symbolSize=4,
                symbolBrush=colour, symbolPen=None,
            )  # fmt: skip
            self.weekly_plot.addItem(curve)
            self.weekly_groups.append(curve)
        for curve, ((key, state), weeks) in zip(self.weekly_groups, groups.items(), strict=False):
            curve.setData(_week_x(weeks), [w.relative * 100 for w in weeks])
            self.weekly_legend.addItem(curve, self._group_name(key, state))
        for curve in self.weekly_groups[len(groups) :]:
            curve.setData([], [])
        xs = _week_x(combined)
        ys = np.array([w.relative * 100 for w in combined], dtype=float)
        self.weekly_all.setData(xs, ys)
        self.weekly_errors.setData(
            x=xs, y=ys, top=np.array([2 * w.se * 100 for w in combined], dtype=float),
            bottom=np.array([2 * w.se * 100 for w in combined], dtype=float),
        )  # fmt: skip
        self.weekly_legend.addItem(self.weekly_all, self.tr("all groups (± 2 SE)"))
        self.weekly_baseline_end.setPos(stamp(report.period.baseline_end))

    def _group_name(self, key: tuple[int, str, int], state: LadenState | None) -> str:
        axles, code, limit = key
        label = self.tr("empty") if state is LadenState.EMPTY else self.tr("full")
        return self.tr("{axles} axles {code}, {limit} t, {state}").format(
            axles=axles, code=code, limit=f"{limit / 1000:g}", state=label
        )

    def _show_cusum(self, report: DriftReport) -> None:
        traffic = report.traffic
        xs = np.array(traffic.counted_index, dtype=float) + 1
        self.cusum_upper.setData(xs, np.array(traffic.upper, dtype=float))
        self.cusum_lower.setData(xs, -np.array(traffic.lower, dtype=float))
        for line, position in zip(self.cusum_h, (traffic.h, -traffic.h), strict=True):
            line.setPos(position)
        self.cusum_alarm.setVisible(traffic.alarm)
        self.cusum_change.setVisible(traffic.alarm and traffic.change_index is not None)
        if traffic.alarm_index is not None:
            self.cusum_alarm.setPos(traffic.alarm_index + 1)
        if traffic.change_index is not None:
            self.cusum_change.setPos(traffic.change_index + 1)


def _week_x(weeks: Sequence[WeeklyTypical]) -> np.ndarray:
    """Each week at its Monday's midnight."""
    return np.array([stamp(datetime.combine(w.week_start, time())) for w in weeks], dtype=float)


__all__ = ["DriftView"]
