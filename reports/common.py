"""Building blocks shared by the documents: styles, tables, stamps, QR, thumbnails, the PDF."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from xml.sax.saxutils import escape

from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Table, TableStyle

from reports.fonts import SUBFONT_INDEX, font_path, register_fonts
from reports.labels import Texts
from station.readmodel import PictureView, WeighingDetail

DASH = "—"
RED = colors.HexColor("#c00000")
GREEN = colors.HexColor("#1b7f2a")
LABEL_BG = colors.HexColor("#eeeeee")
GRID = colors.HexColor("#808080")
THUMB_PIXELS = 400
_BUILD_LOCK = threading.Lock()
TableRow = list["str | Flowable"]


def kg(value: int | None) -> str:
    """Kilograms as a plain integer, so the printed number is exactly the recorded one."""
    return DASH if value is None else str(int(value))


def mm_text(value: int | None) -> str:
    return DASH if value is None else str(int(value))


def clock(moment: datetime, *, seconds: bool = True) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def day(value: date) -> str:
    return value.strftime("%Y-%m-%d")


def or_dash(value: object | None) -> str:
    return DASH if value is None or value == "" else str(value)


@dataclass(frozen=True, slots=True)
class Styles:
    """Paragraph styles of one document, all in the embedded CJK font."""

    font: str
    base: float
    # CJK wrapping breaks between any two characters, English words included ("detecti-on"),
    # so it is used for Chinese only; English text wraps at spaces.
    word_wrap: str | None

    def make(self, size: float | None = None, **extra: object) -> ParagraphStyle:
        size = size or self.base
        options = {"fontName": self.font, "fontSize": size, "leading": size * 1.3}
        options |= {"wordWrap": self.word_wrap, "alignment": TA_LEFT, **extra}
        return ParagraphStyle(f"s{size}", **options)

    def para(self, text: str, size: float | None = None, **extra: object) -> Paragraph:
        """A paragraph of plain text (escaped: names and reasons may contain '<' or '&')."""
        return Paragraph(escape(text), self.make(size, **extra))

    def centered(self, text: str, size: float | None = None, **extra: object) -> Paragraph:
        return self.para(text, size, alignment=TA_CENTER, **extra)

    def right(self, text: str, size: float | None = None) -> Paragraph:
        return self.para(text, size, alignment=TA_RIGHT)


def styles(base: float, texts: Texts) -> Styles:
    return Styles(register_fonts(), base, "CJK" if texts.language.startswith("zh") else None)


def table(
    rows: Sequence[TableRow],
    widths: Sequence[float | None],
    st: Styles,
    commands: Sequence[tuple],
) -> Table:
    """Every table goes through here: a cell without a font would fall back to Helvetica,
    which is not embedded (and has no Chinese), even when the cell holds only a flowable."""
    base = [
        ("FONTNAME", (0, 0), (-1, -1), st.font),
        ("FONTSIZE", (0, 0), (-1, -1), st.base),
        ("LEADING", (0, 0), (-1, -1), st.base * 1.3),
    ]
    result = Table([list(row) for row in rows], colWidths=list(widths), hAlign="LEFT")
    result.setStyle(TableStyle([*base, *commands]))
    return result


def grid_table(
    rows: Sequence[TableRow],
    widths: Sequence[float],
    st: Styles,
    *,
    label_columns: Sequence[int] = (0,),
    extra: Sequence[tuple] = (),
) -> Table:
    """A ruled table; plain-string cells are never wrapped, so numbers stay whole."""
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.6),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    # Shade label cells one by one: a label column may be part of a value spanning the row.
    commands += [
        ("BACKGROUND", (col, r), (col, r), LABEL_BG)
        for r, row in enumerate(rows)
        for col in label_columns
        if not (isinstance(row[col], str) and row[col] == "")
    ]
    wrapped = [_wrap_labels(row, label_columns, st) for row in rows]
    return table(wrapped, widths, st, [*commands, *extra])


def _wrap_labels(row: TableRow, label_columns: Sequence[int], st: Styles) -> TableRow:
    """Labels may wrap (an English label can be longer than its column); values never do."""
    return [
        st.para(cell) if col in label_columns and isinstance(cell, str) and cell else cell
        for col, cell in enumerate(row)
    ]


def plain_table(
    rows: Sequence[TableRow],
    widths: Sequence[float | None],
    st: Styles,
    *,
    valign: str = "TOP",
) -> Table:
    """An unruled layout table (signature lines, side-by-side blocks)."""
    commands = [
        ("VALIGN", (0, 0), (-1, -1), valign),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]
    return table(rows, widths, st, commands)


def qr_payload(detail: WeighingDetail) -> str:
    """What the ticket's QR code carries: enough to find the record and check its hash."""
    payload = {
        "checkNo": detail.check_no,
        "recordHash": detail.chain.record_hash,
        "siteCode": detail.site_code,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def qr_code(payload: str, size: float) -> Drawing:
    # The widget encodes the payload again every time it is measured or drawn (most of a
    # ticket's render time); draw it once into plain shapes and measure those.
    shapes = QrCodeWidget(payload, barLevel="M", barBorder=1).draw()
    x0, y0, x1, y1 = shapes.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    # The renderer selects the drawing's initial font even for a picture without text; keep
    # it on the embedded font so no unembedded Helvetica ends up in the PDF.
    drawing.initialFontName = register_fonts()
    drawing.add(shapes)
    return drawing


def void_banner(detail: WeighingDetail, texts: Texts, st: Styles, width: float) -> list[Flowable]:
    """A voided record is still printable (it is evidence) but must not pass for a valid one."""
    if not detail.voided:
        return []
    size = st.base * 2.2
    rows: list[TableRow] = [[st.centered(texts["voided"], size, textColor=RED, leading=size * 1.2)]]
    if detail.void_reason:
        reason = texts.field("void_reason", detail.void_reason)
        rows.append([st.centered(reason, textColor=RED)])
    banner = table(rows, [width], st, [("BOX", (0, 0), (-1, -1), 2, RED)])
    banner.spaceAfter = 2 * mm
    return [banner]


@dataclass(frozen=True, slots=True)
class Thumbnail:
    picture: PictureView
    image: Image | None
    problem: str  # a label key when image is None


def thumbnail(picture: PictureView, box: float) -> Thumbnail:
    """Load a picture for the document; a missing, altered or broken file is reported, not fatal."""
    try:
        data = picture.path.read_bytes()
    except OSError:
        return Thumbnail(picture, None, "picture.missing")
    if picture.sha256 and hashlib.sha256(data).hexdigest() != picture.sha256.lower():
        # The store says what the evidence is; a file that no longer matches is not shown.
        return Thumbnail(picture, None, "picture.mismatch")
    try:
        small, (width, height) = _shrunk_jpeg(data)
    except Exception:  # any decoder error: a broken photo must not block printing
        return Thumbnail(picture, None, "picture.unreadable")
    scale = box / max(width, height)
    return Thumbnail(picture, Image(io.BytesIO(small), width * scale, height * scale), "")


def _shrunk_jpeg(data: bytes) -> tuple[bytes, tuple[int, int]]:
    """A camera photo re-encoded small: a thumbnail needs ~300 dpi at 2-3 cm, not 1080p,
    and four full photos would make every ticket a megabyte or more."""
    with PILImage.open(io.BytesIO(data)) as image:
        image.thumbnail((THUMB_PIXELS, THUMB_PIXELS))
        rgb = image.convert("RGB")
    buffer = io.BytesIO()
    rgb.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue(), rgb.size


@dataclass(frozen=True, slots=True)
class Stamps:
    """What is stamped on every page: page number, and COPY / VOID marks when they apply."""

    font: str
    page_label: str
    copy_text: str | None
    void_text: str | None
    offset_mm: tuple[float, float] = (0.0, 0.0)

    def __call__(self, canvas: Canvas, doc: SimpleDocTemplate) -> None:
        # Runs before the page's content is drawn: the translation (left outside the saved
        # state on purpose) moves everything on the page, stamps included, for a printer
        # whose pre-printed form sits off by a few millimetres. x right, y down, as measured
        # on paper from the top-left corner.
        x_mm, y_mm = self.offset_mm
        if x_mm or y_mm:
            canvas.translate(x_mm * mm, -y_mm * mm)
        canvas.saveState()
        width, height = doc.pagesize
        canvas.setFont(self.font, 8)
        canvas.setFillColor(colors.black)
        canvas.drawCentredString(width / 2, 5 * mm, self.page_label.format(n=doc.page))
        marks = [text for text in (self.copy_text, self.void_text) if text]
        right = width - doc.rightMargin
        for text in marks:
            right = self._stamp(canvas, text, right, height - 4 * mm) - 3 * mm
        if marks:
            # Each stamp starts with its word in the document's language ("副本 COPY").
            self._watermark(canvas, "  ".join(mark.split()[0] for mark in marks), width, height)
        canvas.restoreState()

    def _stamp(self, canvas: Canvas, text: str, right: float, top: float) -> float:
        """Draw a boxed red stamp ending at `right`; return where its box starts."""
        size = 12
        text_width = canvas.stringWidth(text, self.font, size)
        canvas.setStrokeColor(RED)
        canvas.setFillColor(RED)
        canvas.setLineWidth(1.5)
        canvas.rect(right - text_width - 6, top - size - 4, text_width + 6, size + 5, fill=0)
        canvas.setFont(self.font, size)
        canvas.drawRightString(right - 3, top - size, text)
        return right - text_width - 6

    def _watermark(self, canvas: Canvas, text: str, width: float, height: float) -> None:
        """A pale diagonal mark under the content, drawn as a picture: as text, its rotated
        letters would be interleaved with the page's lines by text extraction."""
        png, aspect = watermark_png(text)
        mark_width = min(width, height) * 0.9
        canvas.translate(width / 2, height / 2)
        canvas.rotate(35)
        image = ImageReader(io.BytesIO(png))
        mark_height = mark_width / aspect
        canvas.drawImage(
            image, -mark_width / 2, -mark_height / 2, mark_width, mark_height, mask="auto"
        )


@functools.lru_cache(maxsize=8)
def watermark_png(text: str) -> tuple[bytes, float]:
    """The watermark text rendered by Pillow in the document font; PNG bytes and aspect."""
    font = ImageFont.truetype(str(font_path()), 160, index=SUBFONT_INDEX)
    left, top, right, bottom = font.getbbox(text)
    pad = 10
    image = PILImage.new("RGBA", (right - left + 2 * pad, bottom - top + 2 * pad), (0, 0, 0, 0))
    ImageDraw.Draw(image).text((pad - left, pad - top), text, font=font, fill=(192, 0, 0, 34))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue(), image.width / image.height


@dataclass(frozen=True, slots=True)
class Layout:
    page_size: tuple[float, float]
    margin: float
    top_margin: float

    @property
    def width(self) -> float:
        """The width inside the side margins."""
        return self.page_size[0] - 2 * self.margin


# A4 forms handed to the driver or the police (unload notice, weighing-and-unloading sheet).
FORM_LAYOUT = Layout(page_size=A4, margin=20 * mm, top_margin=22 * mm)


def build_pdf(story: list[Flowable], layout: Layout, *, title: str, stamps: Stamps) -> bytes:
    """Lay the story out and return the PDF; invariant output, so a re-render is byte-equal."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=layout.page_size,
        leftMargin=layout.margin,
        rightMargin=layout.margin,
        topMargin=layout.top_margin,
        bottomMargin=layout.margin + 2 * mm,
        title=title,
        author="overload-station",
        creator="overload-station",
        invariant=1,
        # The canvas preamble selects an initial font; left at Helvetica it would be listed as
        # a non-embedded font even though no text uses it.
        initialFontName=stamps.font,
    )
    # ReportLab's TrueType subsetter reads the shared font file object with seek/read, so two
    # documents laid out at once corrupt each other's font subset (KeyError in makeSubset).
    # A document takes tens of milliseconds: serialising them costs nothing noticeable.
    with _BUILD_LOCK:
        doc.build(story, onFirstPage=stamps, onLaterPages=stamps)
    return buffer.getvalue()


MAX_OFFSET_MM = 50.0


def check_offset(offset_mm: tuple[float, float]) -> tuple[float, float]:
    """A printer offset within +-50 mm: more is a wrong setting, not a misaligned form."""
    x_mm, y_mm = (float(value) for value in offset_mm)
    if not (abs(x_mm) <= MAX_OFFSET_MM and abs(y_mm) <= MAX_OFFSET_MM):
        raise ValueError(f"offset_mm: {offset_mm!r} is outside -50..50 mm")
    return x_mm, y_mm


def make_stamps(
    texts: Texts,
    st: Styles,
    *,
    copy: bool,
    voided: bool,
    offset_mm: tuple[float, float] = (0.0, 0.0),
) -> Stamps:
    return Stamps(
        font=st.font,
        page_label=texts["page"],
        copy_text=texts["stamp.copy"] if copy else None,
        void_text=texts["stamp.void"] if voided else None,
        offset_mm=check_offset(offset_mm),
    )


def checkboxes(text: str, st: Styles) -> Paragraph:
    """Choices to tick with a pen; the font's □ is small, so it is enlarged."""
    big = f'<font size="{st.base * 1.5:g}">□</font>'
    # Paragraph markup collapses runs of spaces; no-break spaces keep the choices apart.
    spaced = escape(text).replace("  ", "\u00a0\u00a0").replace("□", big)
    return Paragraph(spaced, st.make(leading=st.base * 1.8))
