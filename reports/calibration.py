"""The calibration / verification record of a scale (秤台检定/校准记录).

Fields follow domain.md §5.2 and §5.3: the scale's identity and metrology (Max, e, class III),
the kind of verification (initial, or in service with twice the MPE), the test weights and
their certificates, every reading as found and as left with its error and MPE, the scale's
calibration event counter before and after, the conclusion and two signatures. The maintenance
wizard fills the read-model; this module only prints it.
"""

from __future__ import annotations

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table

from reports.calibration_labels import CALIBRATION_LABELS, CalibrationTexts, calibration_texts
from reports.common import (
    DASH,
    GREEN,
    RED,
    Layout,
    Styles,
    TableRow,
    build_pdf,
    clock,
    day,
    grid_table,
    make_stamps,
    or_dash,
    plain_table,
    styles,
)
from station.readmodel_calibration import CalibrationPoint, CalibrationRecord

LAYOUT = Layout(page_size=A4, margin=18 * mm, top_margin=20 * mm)
WIDTH = LAYOUT.width
LABEL_WIDTH = 36 * mm
FOUR_COLUMNS = (LABEL_WIDTH, WIDTH / 2 - LABEL_WIDTH, LABEL_WIDTH, WIDTH / 2 - LABEL_WIDTH)
POINT_COLUMNS = (38 * mm, 24 * mm, 24 * mm, 24 * mm, 0.0, 20 * mm)
BASE_SIZE = 9.5
BLANK = "________________"


def render_calibration_record(
    record: CalibrationRecord, *, copy: bool = False, language: str = "zh_CN"
) -> bytes:
    """The record as PDF bytes; `copy` marks a re-print 副本."""
    texts = calibration_texts(language)
    st = styles(BASE_SIZE, texts)
    story: list[Flowable] = [
        st.centered(texts["cal.title"], 18, spaceAfter=5 * mm),
        _header(record, texts, st),
        *_section(texts["cal.weights"], _weights(record, texts, st), st),
        *_section(texts["cal.as_found"], _points(record.as_found, texts, st), st),
        *_section(texts["cal.as_left"], _points(record.as_left, texts, st), st),
        *_section(texts["cal.result"], _result(record, texts, st), st),
        Spacer(1, 10 * mm),
        _signatures(texts, st),
    ]
    stamps = make_stamps(texts, st, copy=copy, voided=False)
    title = f"{texts['cal.title']} {record.scale_id}"
    return build_pdf(story, LAYOUT, title=title, stamps=stamps)


def grams_as_kg(grams: int, *, signed: bool = True) -> str:
    """Integer grams as kilograms with three decimals, by integer arithmetic: 1250 -> "+1.250"."""
    whole, fraction = divmod(abs(int(grams)), 1000)
    sign = "-" if grams < 0 else ("+" if signed and grams > 0 else "")
    return f"{sign}{whole}.{fraction:03d}"


def _section(heading: str, body: Flowable, st: Styles) -> list[Flowable]:
    return [st.para(heading, 11, spaceBefore=4 * mm, spaceAfter=1.5 * mm), body]


def _header(record: CalibrationRecord, texts: CalibrationTexts, st: Styles) -> Table:
    station = texts.format("cal.station.value", name=record.station_name, code=record.site_code)
    counter = f"{record.counter_before} → {record.counter_after}"
    rows: list[TableRow] = [
        [texts["cal.station"], st.para(station), "", ""],
        [texts["cal.scale"], record.scale_id, texts["cal.model"], record.scale_model],
        [texts["cal.max"], f"{record.max_kg} kg", texts["cal.e"], f"{record.e_kg} kg"],
        [texts["cal.class"], record.accuracy_class, texts["cal.kind"], _kind(record, texts)],
        [
            texts["cal.started"],
            clock(record.started_at),
            texts["cal.finished"],
            clock(record.finished_at),
        ],
        [texts["cal.technician"], record.technician, texts["cal.counter"], counter],
        [texts["cal.certificate"], or_dash(record.certificate_no), "", ""],
    ]
    extra = [("SPAN", (1, 0), (3, 0)), ("SPAN", (1, 6), (3, 6))]
    return grid_table(rows, FOUR_COLUMNS, st, label_columns=(0, 2), extra=extra)


def _kind(record: CalibrationRecord, texts: CalibrationTexts) -> str:
    key = f"cal.kind.{record.verification}"
    return texts[key] if key in CALIBRATION_LABELS["zh_CN"] else record.verification


def _weights(record: CalibrationRecord, texts: CalibrationTexts, st: Styles) -> Table:
    keys = ("cal.set_id", "cal.weight_class", "cal.weight_cert", "cal.valid_until")
    rows: list[TableRow] = [[texts[key] for key in keys]]
    rows += [
        [w.set_id, w.weight_class, w.certificate_no, day(w.valid_until)] for w in record.weights
    ]
    if not record.weights:
        rows.append([texts["cal.no_points"], "", "", ""])
    widths = (45 * mm, 20 * mm, WIDTH - 95 * mm, 30 * mm)
    return grid_table(rows, widths, st, label_columns=(), extra=_head_row())


def _head_row() -> list[tuple]:
    return [("BACKGROUND", (0, 0), (-1, 0), "#eeeeee")]


def _points(points: tuple[CalibrationPoint, ...], texts: CalibrationTexts, st: Styles) -> Table:
    """One row per reading; numbers right-aligned, a failing row's error and verdict in red."""
    keys = ("cal.test", "cal.load", "cal.indication", "cal.error", "cal.mpe", "cal.verdict")
    rows: list[TableRow] = [[st.para(texts[key]) for key in keys]]
    rows += [_point_row(point, texts) for point in points]
    if not points:
        rows.append([texts["cal.no_points"], DASH, DASH, DASH, DASH, DASH])
    extra = [
        *_head_row(),
        ("ALIGN", (1, 1), (4, -1), "RIGHT"),
        ("ALIGN", (5, 1), (5, -1), "CENTER"),
    ]
    for row, point in enumerate(points, start=1):
        colour = GREEN if point.passed else RED
        extra.append(("TEXTCOLOR", (5, row), (5, row), colour))
        if not point.passed:
            extra.append(("TEXTCOLOR", (3, row), (3, row), RED))
    widths = (*POINT_COLUMNS[:4], WIDTH - sum(POINT_COLUMNS), POINT_COLUMNS[5])
    return grid_table(rows, widths, st, label_columns=(), extra=extra)


def _point_row(point: CalibrationPoint, texts: CalibrationTexts) -> TableRow:
    return [
        texts.test_name(point.test),
        str(int(point.load_kg)),
        str(int(point.indication_kg)),
        grams_as_kg(point.error_g),
        f"±{grams_as_kg(point.mpe_g, signed=False)}",
        texts["cal.pass" if point.passed else "cal.fail"],
    ]


def _result(record: CalibrationRecord, texts: CalibrationTexts, st: Styles) -> Table:
    verdict = texts["cal.pass" if record.result_passed else "cal.fail"]
    colour = GREEN if record.result_passed else RED
    rows: list[TableRow] = [
        [texts["cal.verdict"], st.para(verdict, 13, textColor=colour, leading=16)],
        [texts["cal.notes"], st.para(record.notes or DASH)],
    ]
    return grid_table(rows, (LABEL_WIDTH, WIDTH - LABEL_WIDTH), st)


def _signatures(texts: CalibrationTexts, st: Styles) -> Table:
    rows = [
        [texts.field("cal.sign.technician", BLANK), texts.field("cal.sign.date", BLANK)],
        [texts.field("cal.sign.checker", BLANK), texts.field("cal.sign.date", BLANK)],
    ]
    table = plain_table(rows, [WIDTH / 2, WIDTH / 2], st)
    table.setStyle([("BOTTOMPADDING", (0, 0), (-1, -1), 12)])
    return table
