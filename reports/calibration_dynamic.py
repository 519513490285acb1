"""The reference-vehicle check record of a dynamic axle scale (动态轴重秤检定/校准记录).

Fields follow domain.md §5.1 and §5.4 (JJG 907 / OIML R 134): the scale and its classes
(vehicle mass 0.2 … 10, axle load A … F), the scale interval d, what the axles were compared
with (the corrected mean of the passes, or the static loads), the kind of verification, the
reference vehicle's static weighing (axles, groups, gross), every pass (speed and axle
loads), every judged item per pass with its deviation and limit (failures in red), the
conclusion and two signatures. The wizard fills the read-model; this module only prints it.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from reports.calibration import (
    BASE_SIZE,
    FOUR_COLUMNS,
    LABEL_WIDTH,
    LAYOUT,
    WIDTH,
    _section,
    _signatures,
    grams_as_kg,
)
from reports.calibration_labels import CALIBRATION_LABELS, CalibrationTexts, calibration_texts
from reports.common import (
    DASH,
    GREEN,
    RED,
    Styles,
    TableRow,
    build_pdf,
    clock,
    grid_table,
    make_stamps,
    or_dash,
    styles,
)
from station.readmodel_calibration import DynamicItem, DynamicRecord

HEAD_BG = "#eeeeee"
PASS_WIDTH = 16 * mm
SPEED_WIDTH = 21 * mm
GROSS_WIDTH = 20 * mm
# Items table: pass, speed, item (the rest), reading, reference, deviation, limit, result.
ITEM_COLUMNS = (PASS_WIDTH, SPEED_WIDTH, 0.0, 21 * mm, 23 * mm, 22 * mm, 23 * mm, 16 * mm)


def render_dynamic_record(
    record: DynamicRecord, *, copy: bool = False, language: str = "zh_CN"
) -> bytes:
    """The record as PDF bytes; `copy` marks a re-print 副本."""
    texts = calibration_texts(language)
    st = styles(BASE_SIZE, texts)
    story: list[Flowable] = [
        st.centered(texts["dyn.title"], 16, spaceAfter=5 * mm),
        _header(record, texts, st),
        *_section(texts["dyn.static"], _static(record, texts, st), st),
        *_section(texts["dyn.passes"], _passes(record, texts, st), st),
        *_section(texts["dyn.items"], _items(record, texts, st), st),
        _summary(record, texts, st),
        # The conclusion and the signatures never part: a signature alone on a page signs
        # nothing visible.
        KeepTogether(
            [
                *_section(texts["dyn.result"], _result(record, texts, st), st),
                Spacer(1, 10 * mm),
                _signatures(texts, st),
            ]
        ),
    ]
    stamps = make_stamps(texts, st, copy=copy, voided=False)
    title = f"{texts['dyn.title']} {record.scale_id}"
    return build_pdf(story, LAYOUT, title=title, stamps=stamps)


def _known(texts: CalibrationTexts, key: str, raw: str) -> str:
    return texts[key] if key in CALIBRATION_LABELS["zh_CN"] else raw


def _header(record: DynamicRecord, texts: CalibrationTexts, st: Styles) -> Table:
    station = texts.format("cal.station.value", name=record.station_name, code=record.site_code)
    kind = _known(texts, f"cal.kind.{record.verification}", record.verification)
    reference = _known(texts, f"dyn.reference.{record.reference}", record.reference)
    rigid = texts["dyn.rigid.yes" if record.two_axle_rigid else "dyn.rigid.no"]
    rows: list[TableRow] = [
        [texts["cal.station"], st.para(station), "", ""],
        [texts["cal.scale"], st.para(record.scale_id), texts["cal.model"],
         st.para(or_dash(record.scale_model))],
        [texts["cal.kind"], kind, texts["dyn.d"], f"{record.d_kg} kg"],
        [texts["dyn.vehicle_class"], record.vehicle_class, texts["dyn.axle_class"],
         record.axle_class],
        [texts["dyn.reference"], st.para(reference), "", ""],
        [texts["cal.started"], clock(record.started_at), texts["cal.finished"],
         clock(record.finished_at)],
        [texts["cal.technician"], st.para(record.technician), texts["dyn.counter"],
         str(record.counter)],
        [texts["dyn.vehicle"], st.para(or_dash(record.reference_vehicle)), texts["dyn.rigid"],
         rigid],
        [texts["cal.certificate"], st.para(or_dash(record.certificate_no)), "", ""],
    ]  # fmt: skip
    extra = [("SPAN", (1, row), (3, row)) for row in (0, 4, 8)]
    return grid_table(rows, FOUR_COLUMNS, st, label_columns=(0, 2), extra=extra)


def _axle_widths(axles: int, fixed: float) -> list[float]:
    return [(WIDTH - fixed) / axles] * axles


def _static(record: DynamicRecord, texts: CalibrationTexts, st: Styles) -> Table:
    """Axle numbers over their static loads and the gross; the groups and their loads below."""
    count = len(record.static_axles_kg)
    numbers = [str(n) for n in range(1, count + 1)]
    loads = [str(load) for load in record.static_axles_kg]
    groups = [
        f"{'+'.join(map(str, g))} ({sum(record.static_axles_kg[n - 1] for n in g)} kg)"
        for g in record.groups
    ]
    group_text = texts.join(groups) if groups else texts["dyn.groups.none"]
    rows: list[TableRow] = [
        [texts["dyn.axle"], *numbers, texts["dyn.gross.head"]],
        [texts["dyn.static_load"], *loads, str(record.static_gross_kg)],
        [texts["dyn.groups"], st.para(group_text), *[""] * count],
    ]
    widths = [LABEL_WIDTH, *_axle_widths(count, LABEL_WIDTH + GROSS_WIDTH), GROSS_WIDTH]
    extra = [
        ("BACKGROUND", (1, 0), (-1, 0), HEAD_BG),
        ("ALIGN", (1, 0), (-1, 1), "RIGHT"),
        ("SPAN", (1, 2), (-1, 2)),
    ]
    return grid_table(rows, widths, st, extra=extra)


def _passes(record: DynamicRecord, texts: CalibrationTexts, st: Styles) -> Table:
    """One row per pass: its speed, every axle load and their sum."""
    count = len(record.static_axles_kg)
    heads = [st.para(texts["dyn.pass"]), st.para(texts["dyn.speed"])]
    rows: list[TableRow] = [
        [*heads, *[texts.format("dyn.axle.head", n=n) for n in range(1, count + 1)],
         st.para(texts["dyn.gross.head"])],
    ]  # fmt: skip
    rows += [
        [str(no), str(one.speed_kmh), *[str(load) for load in one.axles_kg], str(sum(one.axles_kg))]
        for no, one in enumerate(record.passes, start=1)
    ]
    fixed = PASS_WIDTH + SPEED_WIDTH + GROSS_WIDTH
    widths = [PASS_WIDTH, SPEED_WIDTH, *_axle_widths(count, fixed), GROSS_WIDTH]
    extra = [("BACKGROUND", (0, 0), (-1, 0), HEAD_BG), ("ALIGN", (0, 1), (-1, -1), "RIGHT")]
    if count > 6:  # "第10轴" / "axle 10" no longer fits a narrow column at the body size
        extra.append(("FONTSIZE", (2, 0), (-2, 0), BASE_SIZE - 2))
    result = grid_table(rows, widths, st, label_columns=(), extra=extra)
    result.repeatRows = 1
    return result


def _items(record: DynamicRecord, texts: CalibrationTexts, st: Styles) -> Table:
    """One row per item of every pass; a failing row's deviation and result in red."""
    keys = ("dyn.pass", "dyn.speed", "dyn.item", "dyn.reading", "dyn.reference_value",
            "dyn.deviation", "dyn.limit", "cal.verdict")  # fmt: skip
    rows: list[TableRow] = [[st.para(texts[key]) for key in keys]]
    rows += [_item_row(item, texts, st) for item in record.items]
    if not record.items:
        rows.append([texts["cal.no_points"], *[DASH] * 7])
    extra: list[tuple] = [
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("ALIGN", (0, 1), (1, -1), "RIGHT"),
        ("ALIGN", (3, 1), (6, -1), "RIGHT"),
        ("ALIGN", (7, 1), (7, -1), "CENTER"),
    ]
    for row, item in enumerate(record.items, start=1):
        extra.append(("TEXTCOLOR", (7, row), (7, row), GREEN if item.passed else RED))
        if not item.passed:
            extra.append(("TEXTCOLOR", (5, row), (5, row), RED))
        if item.item == "gross":  # each pass starts with its gross: a light rule between passes
            extra.append(("LINEABOVE", (0, row), (-1, row), 1.0, "#404040"))
    widths = list(ITEM_COLUMNS)
    widths[2] = WIDTH - sum(ITEM_COLUMNS)
    result = grid_table(rows, widths, st, label_columns=(), extra=extra)
    result.repeatRows = 1
    return result


def _item_row(item: DynamicItem, texts: CalibrationTexts, st: Styles) -> TableRow:
    return [
        str(item.pass_no),
        str(item.speed_kmh),
        st.para(texts.item_name(item.item)),
        str(int(item.reading_kg)),
        grams_as_kg(item.reference_g, signed=False),
        grams_as_kg(item.deviation_g),
        f"±{grams_as_kg(item.limit_g, signed=False)}",
        texts["cal.pass" if item.passed else "cal.fail"],
    ]


def _summary(record: DynamicRecord, texts: CalibrationTexts, st: Styles) -> Flowable:
    failed, total = sum(not i.passed for i in record.items), len(record.items)
    text = (
        texts.format("dyn.summary.fail", failed=failed, total=total)
        if failed
        else texts.format("dyn.summary.pass", total=total)
    )
    return st.para(text, textColor=RED if failed else GREEN, spaceBefore=1.5 * mm)


def _result(record: DynamicRecord, texts: CalibrationTexts, st: Styles) -> Table:
    verdict = texts["cal.pass" if record.result_passed else "cal.fail"]
    colour = GREEN if record.result_passed else RED
    rows: list[TableRow] = [
        [texts["cal.verdict"], st.para(verdict, 13, textColor=colour, leading=16)],
        [texts["cal.notes"], st.para(record.notes or DASH)],
    ]
    return grid_table(rows, (LABEL_WIDTH, WIDTH - LABEL_WIDTH), st)


__all__ = ["render_dynamic_record"]
