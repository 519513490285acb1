"""The unload notice (超限运输车辆卸载通知书), laid out like a 责令改正 notice.

Fields follow domain.md §3.2 (a provincial app's 卸载通知书) and §3.4 (责令改正违法行为通知书):
party, vehicle, cargo, the weighing facts, the amount to unload and the deadline, the legal
basis, the issuing station, signatures and a service (送达) block. Party name and cargo are
left blank: the station does not know them, the officer writes them in.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from reports.common import (
    FORM_LAYOUT,
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
from station.readmodel import CaseView, WeighingDetail

LAYOUT = FORM_LAYOUT
WIDTH = LAYOUT.width
FOUR_COLUMNS = (28 * mm, WIDTH / 2 - 28 * mm, 28 * mm, WIDTH / 2 - 28 * mm)
BASE_SIZE = 10.5
BLANK = "______________________________"


@dataclass(frozen=True, slots=True)
class LegalBasis:
    """The legal text of the notice, per language.

    `violation` cites only articles confirmed in domain.md §2.2-§2.3: 62号令 Art. 3 (what
    counts as 超限) and Art. 27 (违法超限运输 is prohibited). `order` names the laws that
    empower the order to unload without article numbers: the 公路法 article and the 62号令
    article on unloading at a station are NOT confirmed (domain.md §2.3 "Unloading ...
    [unverified]", §8 item 7). TO BE CONFIRMED against the official texts before release;
    a province may also replace both texts through `render_unload_notice(legal_basis=...)`.
    """

    violation: str
    order: str


LEGAL_BASIS: dict[str, LegalBasis] = {
    "zh_CN": LegalBasis(
        violation=(
            "经检测，上述车辆车货总质量超过规定限值，属于《超限运输车辆行驶公路管理规定》"
            "（交通运输部令2016年第62号）第三条规定的超限运输车辆，违反了该规定第二十七条"
            "关于禁止违法超限运输的规定。"
        ),
        # TO BE CONFIRMED: article numbers (公路法; 62号令 on unloading) and the wording on
        # unloading on the party's behalf at its cost (stated in Henan's 条例 Art. 15 only).
        order=(
            "依据《中华人民共和国公路法》和《超限运输车辆行驶公路管理规定》的有关规定，"
            "现责令你（单位）在上述期限前自行卸载、分装超限货物，消除违法状态，"
            "经复检不超过限值后方可驶离。逾期不卸载的，依法代为卸载，所需费用由你（单位）承担。"
        ),
    ),
    "en": LegalBasis(
        violation=(
            "The weighing shows that the gross mass of the vehicle above exceeds the legal limit: "
            "it is an over-limit vehicle under Art. 3 of the Provisions on the Administration of "
            "Over-limit Transport Vehicles Travelling on Highways (MOT Order No. 62 of 2016), in "
            "breach of Art. 27 of those Provisions, which prohibits illegal over-limit transport."
        ),
        order=(
            "Under the Highway Law of the People's Republic of China and the Provisions above, "
            "you are ordered to unload or re-pack the excess cargo before the deadline above, "
            "removing the violation; the vehicle may leave only after a re-weighing within the "
            "limit. If you do not unload in time, the cargo will be unloaded on your behalf at "
            "your cost. (Translation; the Chinese text is authoritative.)"
        ),
    ),
}


def render_unload_notice(
    detail: WeighingDetail,
    *,
    copy: bool = False,
    language: str = "zh_CN",
    legal_basis: LegalBasis | None = None,
    offset_mm: tuple[float, float] = (0.0, 0.0),
) -> bytes:
    """The unload notice of an over-limit weighing with an open case, as PDF bytes.

    Raises ValueError when there is nothing to notify: no case, no notice number, a weighing
    within the limit, or a scale whose verification had expired (its data cannot be the basis
    for unloading, domain.md §2.3).
    """
    case = _checked_case(detail)
    texts = texts_for(language)
    legal = legal_basis or LEGAL_BASIS[texts.language]
    st = styles(BASE_SIZE, texts)
    story: list[Flowable] = [
        *_heading(detail, case, texts, st),
        *void_banner(detail, texts, st, WIDTH),
        _party(detail, texts, st),
        _facts(detail, case, texts, st),
        st.para(legal.violation, firstLineIndent=2 * BASE_SIZE, spaceAfter=2 * mm),
        st.para(legal.order, firstLineIndent=2 * BASE_SIZE, spaceAfter=3 * mm),
        st.para(texts.field("rule", detail.vehicle_class), 8, spaceAfter=4 * mm),
        _issuer(detail, case, texts, st),
        Spacer(1, 5 * mm),
        _signatures(texts, st),
        Spacer(1, 4 * mm),
        KeepTogether([_service(texts, st)]),
    ]
    stamps = make_stamps(texts, st, copy=copy, voided=detail.voided, offset_mm=offset_mm)
    title = f"{texts['notice.title']} {case.notice_no}"
    return build_pdf(story, LAYOUT, title=title, stamps=stamps)


def _checked_case(detail: WeighingDetail) -> CaseView:
    case = detail.case
    if case is None or not case.notice_no:
        raise ValueError(f"weighing {detail.check_no} has no case with a notice number")
    if not detail.is_over:
        raise ValueError(f"weighing {detail.check_no} is within the limit: nothing to unload")
    if detail.cert_valid_until < detail.check_time.date():
        raise ValueError(
            f"weighing {detail.check_no}: scale certificate {detail.cert_no} expired on "
            f"{day(detail.cert_valid_until)}; its data cannot be the basis for unloading"
        )
    return case


def _heading(detail: WeighingDetail, case: CaseView, texts: Texts, st: Styles) -> list[Flowable]:
    return [
        st.centered(detail.station_name, 13, spaceAfter=2 * mm),
        st.centered(texts["notice.title"], 20, spaceAfter=3 * mm),
        st.right(texts.field("notice.no", case.notice_no)),
        Spacer(1, 4 * mm),
    ]


def _party(detail: WeighingDetail, texts: Texts, st: Styles) -> Table:
    cells = [
        [
            texts.field("party", BLANK),
            texts.field("plate", detail.plate_num),
        ]
    ]
    table = plain_table(cells, [WIDTH * 0.62, WIDTH * 0.38], st)
    table.spaceAfter = 3 * mm
    return table


def _facts(detail: WeighingDetail, case: CaseView, texts: Texts, st: Styles) -> Table:
    """The weighing facts as a ruled table: every number in its own unwrapped cell."""
    colour = texts.code("plate_colour", detail.plate_color)
    vehicle = texts.format(
        "vehicle.value", plate=detail.plate_num, colour=colour, axles=len(detail.axles)
    )
    place = texts.format("place.value", station=detail.station_name, lane=detail.lane)
    deadline = texts.format("deadline.value", time=clock(case.deadline, seconds=False))
    rows: list[TableRow] = [
        [texts["vehicle"], st.para(vehicle), texts["axle_type"], detail.axle_type],
        [texts["cargo"], "", texts["check_no"], detail.check_no],
        [texts["check_time"], clock(detail.check_time), texts["place"], st.para(place)],
        [texts["gross"], f"{kg(detail.sum_kg)} kg", texts["limit"], f"{kg(detail.limit_kg)} kg"],
        [texts["over_kg"], f"{kg(detail.over_kg)} kg", texts["over_rate"], f"{detail.over_rate}%"],
        [texts["unload"], f"{kg(case.unload_kg)} kg", texts["deadline"], deadline],
    ]
    table = grid_table(
        rows,
        FOUR_COLUMNS,
        st,
        label_columns=(0, 2),
        extra=[("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)],
    )
    table.spaceAfter = 4 * mm
    return table


def _issuer(detail: WeighingDetail, case: CaseView, texts: Texts, st: Styles) -> Table:
    """Issuing station, seal and date at the right, as on a 责令改正 notice."""
    lines = [
        [st.right(texts.format("issuer.value", name=detail.station_name, code=detail.site_code))],
        [st.right(texts["seal"])],
        [st.right(texts.field("issue_date", day(case.opened_at.date())))],
    ]
    return plain_table(lines, [WIDTH], st)


def _signatures(texts: Texts, st: Styles) -> Table:
    short = "________________"
    rows = [
        [texts.field("officer", short), texts.field("officer_cert", short)],
        [texts.field("officer", short), texts.field("officer_cert", short)],
        [texts.field("sign.party", short), texts.field("issue_date", texts["date_blank"])],
    ]
    table = plain_table(rows, [WIDTH / 2, WIDTH / 2], st)
    table.setStyle([("BOTTOMPADDING", (0, 0), (-1, -1), 7)])
    return table


def _service(texts: Texts, st: Styles) -> Table:
    """The 送达 block: when and how the notice reached the party, and who signed for it."""
    rows: list[TableRow] = [
        [st.centered(texts["service"], 12), ""],
        [texts["service.time"], texts["service.time_blank"]],
        [texts["service.method"], checkboxes(texts["service.methods"], st)],
        [texts["service.recipient"], ""],
        [texts["service.server"], ""],
    ]
    extra = [
        ("SPAN", (0, 0), (1, 0)),
        ("BACKGROUND", (0, 0), (1, 0), "#eeeeee"),
        ("TOPPADDING", (0, 1), (-1, -1), 6),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 6),
    ]
    return grid_table(rows, (36 * mm, WIDTH - 36 * mm), st, extra=extra)
