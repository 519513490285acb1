"""The weighing and unloading sheet (称重和卸载单) handed to the traffic police at joint stations.

Fields follow domain.md §3.3 (a joint road-police handling document): a number, the
enforcing departments (the station and the traffic-police brigade), the party's vehicle and
cargo, the weighing and handling dates, the first weighing and the re-weighing side by side,
the outcome and two officers' signatures. The number, brigade, cargo, handling date and
outcome are blanks: they belong to the officers' procedure, not to the station's records.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table

from reports.common import (
    DASH,
    FORM_LAYOUT,
    RED,
    Styles,
    TableRow,
    build_pdf,
    checkboxes,
    clock,
    day,
    grid_table,
    kg,
    make_stamps,
    plain_table,
    styles,
    void_banner,
)
from reports.labels import Texts, texts_for
from station.readmodel import WeighingDetail

LAYOUT = FORM_LAYOUT
WIDTH = LAYOUT.width
LABEL_WIDTH = 34 * mm
FOUR_COLUMNS = (LABEL_WIDTH, WIDTH / 2 - LABEL_WIDTH, 28 * mm, WIDTH / 2 - 28 * mm)
BASE_SIZE = 10.5
BLANK = "________________"


def render_sheet(
    first: WeighingDetail,
    reweigh: WeighingDetail | None,
    *,
    copy: bool = False,
    language: str = "zh_CN",
    offset_mm: tuple[float, float] = (0.0, 0.0),
) -> bytes:
    """The 称重和卸载单 of an over-limit first weighing and its re-weighing (None: the
    re-weighing column says 未复检), as PDF bytes; `copy` marks a re-print 副本.

    Raises ValueError for a weighing that is not an over-limit first weighing, or a
    re-weighing that belongs to another first weighing.
    """
    _check(first, reweigh)
    texts = texts_for(language)
    st = styles(BASE_SIZE, texts)
    voided = first.voided or (reweigh is not None and reweigh.voided)
    story: list[Flowable] = [
        *_heading(first, texts, st),
        *void_banner(first, texts, st, WIDTH),
        *(void_banner(reweigh, texts, st, WIDTH) if reweigh is not None else []),
        _parties(first, texts, st),
        _weighings(first, reweigh, texts, st),
        _result(texts, st),
        Spacer(1, 8 * mm),
        _signatures(texts, st),
    ]
    stamps = make_stamps(texts, st, copy=copy, voided=voided, offset_mm=offset_mm)
    title = f"{texts['sheet.title']} {first.check_no}"
    return build_pdf(story, LAYOUT, title=title, stamps=stamps)


def _check(first: WeighingDetail, reweigh: WeighingDetail | None) -> None:
    if first.check_type != 1 or first.first_check_no:
        raise ValueError(f"weighing {first.check_no} is a re-weighing, not a first weighing")
    if not first.is_over:
        raise ValueError(f"weighing {first.check_no} is within the limit: nothing to unload")
    if reweigh is not None and reweigh.first_check_no != first.check_no:
        raise ValueError(f"weighing {reweigh.check_no} is not a re-weighing of {first.check_no}")


def _heading(first: WeighingDetail, texts: Texts, st: Styles) -> list[Flowable]:
    return [
        st.centered(texts["sheet.title"], 20, spaceAfter=1 * mm),
        st.centered(texts["sheet.subtitle"], 11, spaceAfter=3 * mm),
        st.right(texts.field("sheet.no", "______〔____〕第________号")),
        Spacer(1, 3 * mm),
    ]


def _parties(first: WeighingDetail, texts: Texts, st: Styles) -> Table:
    """Who enforces (station and brigade), the vehicle, its cargo and the two dates."""
    station = texts.format("issuer.value", name=first.station_name, code=first.site_code)
    colour = texts.code("plate_colour", first.plate_color)
    vehicle = texts.format(
        "vehicle.value", plate=first.plate_num, colour=colour, axles=len(first.axles)
    )
    rows: list[TableRow] = [
        [texts["sheet.station"], st.para(station), "", ""],
        [texts["sheet.police"], "", "", ""],
        [texts["vehicle"], st.para(vehicle), texts["cargo"], ""],
        [
            texts["sheet.detect_date"],
            day(first.check_time.date()),
            texts["sheet.handle_date"],
            texts["date_blank"],
        ],
    ]
    extra = [
        ("SPAN", (1, 0), (3, 0)),
        ("SPAN", (1, 1), (3, 1)),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]
    table = grid_table(rows, FOUR_COLUMNS, st, label_columns=(0, 2), extra=extra)
    table.spaceAfter = 5 * mm
    return table


def _weighings(
    first: WeighingDetail, reweigh: WeighingDetail | None, texts: Texts, st: Styles
) -> Table:
    """First weighing and re-weighing side by side, one figure per unwrapped cell."""
    second = _reweigh_column(first, reweigh, texts)
    labels = ("check_no", "check_time", "gross", "limit", "over_kg", "over_rate")
    labels += ("sheet.unloaded", "sheet.within")
    rows: list[TableRow] = [["", texts["sheet.first"], texts["sheet.reweigh"]]]
    rows += [
        [texts[label], value, other]
        for label, value, other in zip(labels, _first_column(first), second, strict=True)
    ]
    column = (WIDTH - LABEL_WIDTH) / 2
    extra = [
        ("BACKGROUND", (0, 0), (-1, 0), "#eeeeee"),
        ("ALIGN", (1, 0), (-1, 0), "CENTER"),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ("TEXTCOLOR", (1, 5), (1, 6), RED),
    ]
    if reweigh is not None and reweigh.is_over:
        extra.append(("TEXTCOLOR", (2, 8), (2, 8), RED))
    table = grid_table(rows, (LABEL_WIDTH, column, column), st, extra=extra)
    table.spaceAfter = 5 * mm
    return table


def _first_column(first: WeighingDetail) -> list[str]:
    return [
        first.check_no,
        clock(first.check_time),
        f"{kg(first.sum_kg)} kg",
        f"{kg(first.limit_kg)} kg",
        f"{kg(first.over_kg)} kg",
        f"{first.over_rate}%",
        DASH,
        DASH,
    ]


def _reweigh_column(
    first: WeighingDetail, reweigh: WeighingDetail | None, texts: Texts
) -> list[str]:
    if reweigh is None:
        return [texts["sheet.not_reweighed"]] + [DASH] * 7
    # What came off the truck: never negative (a heavier re-weighing unloaded nothing).
    unloaded = max(0, first.sum_kg - reweigh.sum_kg)
    within = texts["sheet.no_over" if reweigh.is_over else "sheet.yes"]
    return [
        reweigh.check_no,
        clock(reweigh.check_time),
        f"{kg(reweigh.sum_kg)} kg",
        f"{kg(reweigh.limit_kg)} kg",
        f"{kg(reweigh.over_kg)} kg",
        f"{reweigh.over_rate}%",
        f"{kg(unloaded)} kg",
        within,
    ]


def _result(texts: Texts, st: Styles) -> Table:
    rows: list[TableRow] = [
        [texts["sheet.result"], checkboxes(texts["sheet.results"], st)],
        ["", ""],
    ]
    extra = [
        ("SPAN", (0, 0), (0, 1)),
        ("TOPPADDING", (0, 0), (-1, -1), 6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
    ]
    return grid_table(rows, (LABEL_WIDTH, WIDTH - LABEL_WIDTH), st, extra=extra)


def _signatures(texts: Texts, st: Styles) -> Table:
    """Two officers are required (domain.md §3.3), each with a certificate number."""
    rows = [
        [texts.field("sheet.officer1", BLANK), texts.field("officer_cert", BLANK)],
        [texts.field("sheet.officer2", BLANK), texts.field("officer_cert", BLANK)],
        [texts.field("sheet.driver", BLANK), texts.field("issue_date", texts["date_blank"])],
    ]
    table = plain_table(rows, [WIDTH / 2, WIDTH / 2], st)
    table.setStyle([("BOTTOMPADDING", (0, 0), (-1, -1), 12)])
    return table
