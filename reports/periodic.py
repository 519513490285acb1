"""Periodic reports (日报, 周报, 旬报, 月报): a PeriodReport read-model in, A4 PDF bytes out.

Sections: overview, by axle count, by lane, charts (vehicles by hour of day, overload rate by
day), heavy vehicles (80/90/100 t, the last are 百吨王), cases and device faults (from the
device event log, recorded since schema 0005: an earlier period prints "未记录", not 0; the
counting rules are in station.readmodel_periods). Every figure is printed as
the read-model holds it (integer counts and kilograms, rates already rounded to two
decimals); the charts only draw them, so a float in a chart never reaches a printed number.
Long tables repeat their header row on each page.
"""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table

from reports.common import (
    DASH,
    Layout,
    Styles,
    TableRow,
    build_pdf,
    clock,
    day,
    grid_table,
    make_stamps,
    styles,
)
from reports.periodic_labels import PeriodTexts, period_texts
from station.periods import PeriodKind
from station.readmodel_periods import PeriodReport, Tally

LAYOUT = Layout(page_size=A4, margin=15 * mm, top_margin=15 * mm)
WIDTH = LAYOUT.width
BASE_SIZE = 9
BAR = colors.HexColor("#4472c4")
OVER = colors.HexColor("#c00000")
HEADER = [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]
KING_KG = 100_000


def render_period_report(report: PeriodReport, *, language: str = "zh_CN") -> bytes:
    """The report as PDF bytes, in Chinese by default ("en" for the English translation)."""
    texts = period_texts(language)
    st = styles(BASE_SIZE, texts)
    story: list[Flowable] = [
        *_heading(report, texts, st),
        *_summary(report, texts, st),
        *_groups(report, report.by_axles, "axles", texts, st),
        *_groups(report, report.by_lane, "lane", texts, st),
        *_charts(report, texts, st),
        *_heavy(report, texts, st),
        *_cases(report, texts, st),
        *_device_faults(report, texts, st),
        *_uploads(report, texts, st),
    ]
    stamps = make_stamps(texts, st, copy=False, voided=False)
    title = f"{title_of(report, texts)} {period_label(report, texts)}"
    return build_pdf(story, LAYOUT, title=title, stamps=stamps)


def title_of(report: PeriodReport, texts: PeriodTexts) -> str:
    return texts[f"title.{report.period.kind.value}"]


def period_label(report: PeriodReport, texts: PeriodTexts) -> str:
    period = report.period
    first, last = period.first_day, period.last_day
    values = {
        "y": first.year,
        "m": first.month,
        "d": first.day,
        "w": first.isocalendar().week,
        "first": day(first),
        "last": day(last),
        "part": texts[f"dekad.{period.dekad}"] if period.dekad else "",
    }
    return texts.format(f"period.{period.kind.value}", **values)


def _section(text: str, st: Styles) -> Flowable:
    return st.para(text, BASE_SIZE + 2, spaceBefore=4 * mm, spaceAfter=2 * mm)


def _heading(report: PeriodReport, texts: PeriodTexts, st: Styles) -> list[Flowable]:
    station = texts.format("station.value", name=report.station_name, code=report.site_code)
    generated = texts.field("generated", clock(report.generated_at))
    return [
        st.centered(title_of(report, texts), 18, spaceAfter=2 * mm),
        st.centered(period_label(report, texts), 11, spaceAfter=1 * mm),
        st.centered(f"{station}    {generated}", BASE_SIZE, spaceAfter=2 * mm),
    ]


def _summary(report: PeriodReport, texts: PeriodTexts, st: Styles) -> list[Flowable]:
    faults = texts["not_recorded"] if report.device_faults is None else str(report.device_faults)
    passes = texts.format(
        "upload.summary", n=report.upload_passes, complete=report.uploads_complete
    )
    heavy = [
        (texts.format("heavy.at_least", t=limit // 1000), str(count))
        for limit, count in report.heavy_counts
    ]
    pairs = [
        (texts["weighed"], str(report.weighed)),
        (texts["over"], str(report.over)),
        (texts["over_rate"], f"{report.over_rate}%"),
        (texts["reweighs"], str(report.reweighs)),
        *heavy,
        (texts["voided"], str(report.voided)),
        # Words, not figures: these may wrap in their cell.
        (texts["device_faults"], st.para(faults)),
        (texts["upload_passes"], st.para(passes)),
    ]
    if len(pairs) % 2:
        pairs.append(("", ""))
    rows: list[TableRow] = [[*pairs[i], *pairs[i + 1]] for i in range(0, len(pairs), 2)]
    widths = (WIDTH * 0.3, WIDTH * 0.2, WIDTH * 0.3, WIDTH * 0.2)
    return [_section(texts["summary"], st), grid_table(rows, widths, st, label_columns=(0, 2))]


def _groups(
    report: PeriodReport, tallies: tuple[Tally, ...], key: str, texts: PeriodTexts, st: Styles
) -> list[Flowable]:
    """Weighed, over and rate per axle count ("axles") or per lane ("lane"), with a total."""
    heading, key_label, value_key = texts[f"by_{key}"], texts[key], f"{key}.value"
    header: TableRow = [key_label, texts["weighed"], texts["over"], texts["rate_pct"]]
    rows: list[TableRow] = [header]
    rows += [
        [texts.format(value_key, n=t.key), str(t.weighed), str(t.over), t.over_rate]
        for t in tallies
    ]
    rows.append([texts["total"], str(report.weighed), str(report.over), report.over_rate])
    widths = (WIDTH * 0.25,) * 4
    extra = [*HEADER, ("ALIGN", (1, 1), (-1, -1), "RIGHT")]
    return [_section(heading, st), _long_table(rows, widths, st, extra)]


def _long_table(
    rows: list[TableRow], widths: tuple[float, ...], st: Styles, extra: list[tuple]
) -> Table:
    """A ruled table whose header row is repeated on every page it runs over."""
    # Header labels may wrap (English ones are longer than their column); values never do.
    header = [st.para(cell) if isinstance(cell, str) else cell for cell in rows[0]]
    result = grid_table([header, *rows[1:]], widths, st, label_columns=(), extra=extra)
    result.repeatRows = 1
    return result


# ---- charts ----------------------------------------------------------------------------------


def _chart(
    title: str,
    values: list[float],
    names: list[str],
    st: Styles,
    *,
    colour: colors.Color,
) -> Drawing:
    """A bar chart in the embedded font (labels, axis and title), full text width."""
    height = 62 * mm
    drawing = Drawing(WIDTH, height)
    # The drawing's initial font would otherwise be Helvetica, listed unembedded in the PDF.
    drawing.initialFontName = st.font
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 10 * mm
    chart.width, chart.height = WIDTH - 16 * mm, height - 20 * mm
    chart.data = [values or [0]]
    chart.bars[0].fillColor = colour
    chart.bars.strokeColor = None
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max([*values, 1]) * 1.15
    chart.valueAxis.labels.fontName = st.font
    chart.valueAxis.labels.fontSize = 7
    axis = chart.categoryAxis
    axis.categoryNames = names or [""]
    axis.labels.fontName = st.font
    axis.labels.fontSize = 6 if len(names) > 16 else 7
    drawing.add(chart)
    drawing.add(
        String(WIDTH / 2, height - 5 * mm, title, fontName=st.font, fontSize=9, textAnchor="middle")
    )
    return drawing


def _charts(report: PeriodReport, texts: PeriodTexts, st: Styles) -> list[Flowable]:
    hours = [float(t.weighed) for t in report.by_hour]
    hour_names = [f"{t.key}" for t in report.by_hour]
    story: list[Flowable] = [
        _section(texts["charts"], st),
        _chart(texts["chart.hour"], hours, hour_names, st, colour=BAR),
    ]
    if report.period.kind is not PeriodKind.DAILY:  # one day has no day-by-day trend
        rates = [float(d.over_rate) for d in report.by_day]
        names = [
            d.day.strftime("%m-%d") if len(report.by_day) <= 10 else str(d.day.day)
            for d in report.by_day
        ]
        story += [Spacer(1, 3 * mm), _chart(texts["chart.day"], rates, names, st, colour=OVER)]
    return story


# ---- heavy vehicles and cases ----------------------------------------------------------------


def _heavy(report: PeriodReport, texts: PeriodTexts, st: Styles) -> list[Flowable]:
    story: list[Flowable] = [_section(texts["heavy"], st)]
    if not report.heavy:
        return [*story, st.para(texts["none"])]
    header: TableRow = [
        texts["check_no"], texts["check_time"], texts["plate"], texts["gross_kg"],
        texts["axles"], texts["lane"],
    ]  # fmt: skip
    rows: list[TableRow] = [header]
    for vehicle in report.heavy:
        gross = str(vehicle.sum_kg) + (texts["heavy.king"] if vehicle.sum_kg >= KING_KG else "")
        rows.append([
            vehicle.check_no, clock(vehicle.check_time), vehicle.plate_num, gross,
            str(vehicle.axle_cnt), str(vehicle.lane),
        ])  # fmt: skip
    widths = tuple(WIDTH * f for f in (0.3, 0.2, 0.14, 0.2, 0.07, 0.09))
    return [*story, _long_table(rows, widths, st, [*HEADER, ("ALIGN", (3, 1), (-1, -1), "RIGHT")])]


def _cases(report: PeriodReport, texts: PeriodTexts, st: Styles) -> list[Flowable]:
    cases = report.cases
    rows: list[TableRow] = [[texts["case.result"], texts["case.count"]]]
    rows += [[texts[f"result.{result}"], str(count)] for result, count in cases.by_result]
    rows += [[texts["case.open"], str(cases.open)], [texts["case.voided"], str(cases.voided)]]
    average = cases.unloaded_average_kg
    value = (
        DASH
        if average is None
        else texts.format("unloaded_avg.value", kg=average, n=cases.unloaded_count)
    )
    rows.append([texts["unloaded_avg"], value])
    widths = (WIDTH * 0.4, WIDTH * 0.3)
    story: list[Flowable] = [
        _section(texts["cases"], st),
        st.para(texts["cases.note"], spaceAfter=1 * mm),
        _long_table(rows, widths, st, [*HEADER, ("ALIGN", (1, 1), (1, -1), "RIGHT")]),
        _section(texts.format("overdue", h=report.deadline_hours), st),
    ]
    return story + _overdue(report, texts, st)


def _overdue(report: PeriodReport, texts: PeriodTexts, st: Styles) -> list[Flowable]:
    overdue = report.cases.overdue
    if not overdue:
        return [st.para(texts["none"])]
    header: TableRow = [
        texts["check_no"], texts["plate"], texts["opened_at"], texts["deadline"],
        texts["unload_kg"],
    ]  # fmt: skip
    rows: list[TableRow] = [header]
    rows += [
        [c.check_no, c.plate_num, clock(c.opened_at), clock(c.deadline), str(c.unload_kg)]
        for c in overdue
    ]
    widths = tuple(WIDTH * f for f in (0.3, 0.14, 0.2, 0.2, 0.16))
    return [_long_table(rows, widths, st, [*HEADER, ("ALIGN", (4, 1), (4, -1), "RIGHT")])]


# ---- device faults -----------------------------------------------------------------------------


def _device_faults(report: PeriodReport, texts: PeriodTexts, st: Styles) -> list[Flowable]:
    """Faults and minutes not OK per device; words when the log has nothing to show."""
    story: list[Flowable] = [_section(texts["faults"], st)]
    if report.device_faults is None:
        return [*story, st.para(texts["faults.not_recorded"])]
    if not report.faulty_devices:
        return [*story, st.para(texts["faults.none"])]
    header: TableRow = [texts["device"], texts["faults.count"], texts["faults.minutes"]]
    rows: list[TableRow] = [header]
    rows += [
        [device.device_id, str(device.faults), str(device.minutes_not_ok)]
        for device in report.faulty_devices
    ]
    rows.append([texts["total"], str(report.device_faults), ""])
    widths = (WIDTH * 0.4, WIDTH * 0.2, WIDTH * 0.25)
    return [
        *story,
        st.para(texts["faults.note"], spaceAfter=1 * mm),
        _long_table(rows, widths, st, [*HEADER, ("ALIGN", (1, 1), (-1, -1), "RIGHT")]),
    ]


# ---- upload passes -----------------------------------------------------------------------------


UPLOAD_COLUMNS = (
    "upload.started", "upload.trigger", "upload.status", "upload.sent", "upload.delivered",
    "upload.rejected", "upload.pictures", "upload.pending",
)  # fmt: skip


def _uploads(report: PeriodReport, texts: PeriodTexts, st: Styles) -> list[Flowable]:
    """Every pass of the period: the evidence that the data went up, or why not."""
    story: list[Flowable] = [_section(texts["uploads"], st)]
    if not report.uploads:
        return [*story, st.para(texts.format("uploads.none", pending=report.pending_now))]
    rows: list[TableRow] = [[texts[name] for name in UPLOAD_COLUMNS]]
    rows += [
        [
            clock(row.started_at),
            texts[f"trigger.{row.trigger}"],
            texts[f"status.{row.status}"],
            str(row.records_sent),
            str(row.delivered),
            str(row.rejected),
            str(row.pictures_sent),
            "—" if row.pending_after is None else str(row.pending_after),
        ]
        for row in report.uploads
    ]
    widths = tuple(WIDTH * f for f in (0.22, 0.11, 0.11, 0.1, 0.11, 0.1, 0.1, 0.15))
    return [
        *story,
        st.para(texts["uploads.note"], spaceAfter=1 * mm),
        _long_table(rows, widths, st, [*HEADER, ("ALIGN", (3, 1), (-1, -1), "RIGHT")]),
        st.para(texts.format("uploads.pending", pending=report.pending_now), spaceBefore=1 * mm),
    ]


__all__ = ["period_label", "render_period_report", "title_of"]
