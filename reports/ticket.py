"""The detection ticket (检测单): one weighing, as handed to the driver and kept on file.

No official template exists (domain.md §3.1); the fields are those of the upload record plus
the evidence a dispute needs: scale certificate, calibration counter, operator, anomaly flags,
photos, and a QR code that ties the paper to the hash-chained record.
"""

from __future__ import annotations

from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table

from reports.common import (
    DASH,
    GREEN,
    RED,
    Layout,
    Styles,
    TableRow,
    Thumbnail,
    build_pdf,
    clock,
    day,
    grid_table,
    kg,
    make_stamps,
    mm_text,
    or_dash,
    plain_table,
    qr_code,
    qr_payload,
    styles,
    table,
    thumbnail,
    void_banner,
)
from reports.labels import Texts, texts_for
from station.readmodel import PictureView, WeighingDetail

# A5 portrait: a ticket printer's usual paper; printed on A4 it simply fits with margins.
LAYOUT = Layout(page_size=A5, margin=9 * mm, top_margin=13 * mm)
WIDTH = LAYOUT.width
QR_SIZE = 24 * mm
THUMB_BOX = 20 * mm
PHOTOS_PER_TICKET = 4
FOUR_COLUMNS = (23 * mm, WIDTH / 2 - 23 * mm, 23 * mm, WIDTH / 2 - 23 * mm)
BASE_SIZE = 8


def render_ticket(
    detail: WeighingDetail,
    *,
    copy: bool = False,
    language: str = "zh_CN",
    offset_mm: tuple[float, float] = (0.0, 0.0),
) -> bytes:
    """The 检测单 of one weighing as PDF bytes; `copy` marks a re-print 副本 on every page;
    `offset_mm` (x right, y down) shifts the page for a printer's pre-printed form."""
    texts = texts_for(language)
    st = styles(BASE_SIZE, texts)
    story: list[Flowable] = [
        *_heading(detail, texts, st),
        *void_banner(detail, texts, st, WIDTH),
        _identity(detail, texts, st),
        _vehicle(detail, texts, st),
        _axles(detail, texts, st),
        _result(detail, texts, st),
        _verdict(detail, texts, st),
        _evidence(detail, texts, st),
        *_photos(detail, texts, st),
        Spacer(1, 3 * mm),
        _signatures(texts, st),
    ]
    stamps = make_stamps(texts, st, copy=copy, voided=detail.voided, offset_mm=offset_mm)
    title = f"{texts['ticket.title']} {detail.check_no}"
    return build_pdf(story, LAYOUT, title=title, stamps=stamps)


def _heading(detail: WeighingDetail, texts: Texts, st: Styles) -> list[Flowable]:
    station = texts.format("station.value", name=detail.station_name, code=detail.site_code)
    return [
        st.centered(texts["ticket.title"], 15, spaceAfter=1 * mm),
        st.centered(station, 9, spaceAfter=2 * mm),
    ]


def _check_type(detail: WeighingDetail, texts: Texts) -> str:
    kind = texts.code("check_type", detail.check_type)
    if detail.first_check_no:
        return texts.format("check_type.reweigh", kind=kind, first=detail.first_check_no)
    return kind


def _identity(detail: WeighingDetail, texts: Texts, st: Styles) -> Table:
    """Ticket number, time, lane and kind beside the QR code."""
    direction = texts.code("direction", detail.direction)
    rows: list[TableRow] = [
        [texts["check_no"], detail.check_no],
        [texts["check_time"], clock(detail.check_time)],
        [texts["lane"], texts.format("lane.value", lane=detail.lane, direction=direction)],
        [texts["check_type"], st.para(_check_type(detail, texts))],
        [texts["operator"], detail.operator_id],
    ]
    left = WIDTH - QR_SIZE - 2 * mm
    info = grid_table(rows, (22 * mm, left - 22 * mm), st)
    qr = qr_code(qr_payload(detail), QR_SIZE)
    return _spaced(plain_table([[info, qr]], [left + 2 * mm, None], st, valign="MIDDLE"))


def _vehicle(detail: WeighingDetail, texts: Texts, st: Styles) -> Table:
    axle_type = texts.format("axle_type.value", code=detail.axle_type, count=len(detail.axles))
    speed = f"{detail.speed_kmh} km/h" if detail.speed_kmh else DASH
    rows: list[TableRow] = [
        [
            texts["plate"],
            st.para(detail.plate_num, 10),
            texts["plate_colour"],
            texts.code("plate_colour", detail.plate_color),
        ],
        [
            texts["plate_source"],
            texts.code("plate_source", detail.plate_source),
            texts["weigh_mode"],
            texts.code("weigh_mode", detail.weigh_mode),
        ],
        [texts["axle_type"], axle_type, texts["speed"], speed],
    ]
    return _spaced(grid_table(rows, FOUR_COLUMNS, st, label_columns=(0, 2)))


def _axles(detail: WeighingDetail, texts: Texts, st: Styles) -> Table:
    header: TableRow = [
        texts["axle.no"],
        texts["axle.group"],
        texts["axle.weight"],
        texts["axle.spacing"],
    ]
    rows = [header] + [
        [
            str(axle.no),
            f"{axle.group} {texts.code('axle_group', axle.group)}",
            kg(axle.weight_kg),
            mm_text(axle.spacing_mm),
        ]
        for axle in detail.axles
    ]
    widths = (14 * mm, WIDTH - 14 * mm - 2 * 30 * mm, 30 * mm, 30 * mm)
    right = [("ALIGN", (2, 1), (3, -1), "RIGHT"), ("BACKGROUND", (0, 0), (-1, 0), "#eeeeee")]
    return _spaced(grid_table(rows, widths, st, label_columns=(), extra=right))


def _rule(detail: WeighingDetail, texts: Texts) -> str:
    if detail.adjustments:
        adjustments = texts.join(list(detail.adjustments))
        return texts.format("rule.value", rule=detail.vehicle_class, adjustments=adjustments)
    return detail.vehicle_class


def _verdict(detail: WeighingDetail, texts: Texts, st: Styles) -> Table:
    """The verdict in large type in a coloured box: the one thing read from across the room.

    It has a row of its own: beside the figures, its tall letters would make text extraction
    merge the rows of figures next to it.
    """
    colour = RED if detail.is_over else GREEN
    word = texts["verdict.over" if detail.is_over else "verdict.ok"]
    size = 18
    cell = st.centered(word, size, textColor=colour, leading=size * 1.15)
    box = [
        ("BOX", (0, 0), (-1, -1), 2, colour),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    return _spaced(table([[cell]], [WIDTH], st, box))


def _result(detail: WeighingDetail, texts: Texts, st: Styles) -> Table:
    rows: list[TableRow] = [
        [texts["gross"], f"{kg(detail.sum_kg)} kg", texts["limit"], f"{kg(detail.limit_kg)} kg"],
        [texts["over_kg"], f"{kg(detail.over_kg)} kg", texts["over_rate"], f"{detail.over_rate}%"],
        [texts["rule"], st.para(_rule(detail, texts)), "", ""],
    ]
    extra = [("FONTSIZE", (1, 0), (1, 1), 10), ("FONTSIZE", (3, 0), (3, 1), 10)]
    extra.append(("SPAN", (1, 2), (3, 2)))
    if detail.is_over:
        extra += [("TEXTCOLOR", (1, 1), (1, 1), RED), ("TEXTCOLOR", (3, 1), (3, 1), RED)]
    return _spaced(grid_table(rows, FOUR_COLUMNS, st, label_columns=(0, 2), extra=extra))


def _flags(detail: WeighingDetail, texts: Texts) -> str:
    if not detail.flags:
        return texts["none"]
    return texts.join([texts.code("flag", flag) for flag in detail.flags])


def _chain_rows(detail: WeighingDetail, texts: Texts, st: Styles) -> list[TableRow]:
    chain = detail.chain
    line = f"{texts['chain.seq']} {chain.seq}  {chain.record_hash}"
    rows: list[TableRow] = [[texts["record_hash"], st.para(line, 6.5), "", ""]]
    if not chain.intact:
        rows.append([st.para(texts["chain.broken"], textColor=RED), chain.problem, "", ""])
    return rows


def _evidence(detail: WeighingDetail, texts: Texts, st: Styles) -> Table:
    """Scale, certificate, operator, flags, case and hash: what makes the ticket evidence."""
    cert = texts.format("cert.value", no=detail.cert_no, date=day(detail.cert_valid_until))
    calibration = or_dash(detail.calibration_counter)
    rows: list[TableRow] = [
        [texts["scale"], detail.scale_id, texts["calibration"], calibration],
        [texts["cert"], st.para(cert), "", ""],
        [texts["flags"], st.para(_flags(detail, texts)), "", ""],
        *_case_rows(detail, texts),
        *_chain_rows(detail, texts, st),
    ]
    spans = [("SPAN", (1, row), (3, row)) for row, cells in enumerate(rows) if cells[2] == ""]
    if not detail.chain.intact:
        spans.append(("BACKGROUND", (0, -1), (-1, -1), "#ffdddd"))
    return _spaced(grid_table(rows, FOUR_COLUMNS, st, label_columns=(0, 2), extra=spans))


def _case_rows(detail: WeighingDetail, texts: Texts) -> list[TableRow]:
    case = detail.case
    if case is None or not case.notice_no:
        return []
    return [[texts["notice_no"], case.notice_no, texts["unload_kg"], f"{kg(case.unload_kg)} kg"]]


def _photos(detail: WeighingDetail, texts: Texts, st: Styles) -> list[Flowable]:
    """Thumbnails of the photos whose files are present; the rest are named, not fatal."""
    shots = [thumbnail(picture, THUMB_BOX) for picture in detail.pictures if _is_image(picture)]
    images = [shot for shot in shots if shot.image is not None][:PHOTOS_PER_TICKET]
    skipped = [
        texts.format(
            "picture.skipped",
            name=texts.code("picture", shot.picture.file_type),
            problem=texts[shot.problem],
        )
        for shot in shots
        if shot.image is None
    ]
    flowables: list[Flowable] = []
    if images:
        cells = [[shot.image for shot in images], [_caption(shot, texts, st) for shot in images]]
        column = WIDTH / PHOTOS_PER_TICKET
        flowables.append(plain_table(cells, [column] * len(images), st, valign="BOTTOM"))
    if skipped:
        note = texts.field("pictures.skipped", texts.join(skipped))
        flowables.append(st.para(note, 7, textColor="#806000"))
    return flowables


def _is_image(picture: PictureView) -> bool:
    return picture.mime.startswith("image/")  # videos get no thumbnail


def _caption(shot: Thumbnail, texts: Texts, st: Styles) -> Flowable:
    return st.para(texts.code("picture", shot.picture.file_type), 7)


def _signatures(texts: Texts, st: Styles) -> Table:
    blank = "________________"
    cells = [[texts.field("sign.operator", blank), texts.field("sign.driver", blank)]]
    return plain_table(cells, [WIDTH / 2, WIDTH / 2], st)


def _spaced(table: Table) -> Table:
    table.spaceAfter = 1.5 * mm
    return table
