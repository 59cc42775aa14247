"""The printing press: A4 pages, an embedded Chinese font, wrapping tables, page numbers.

The font is Noto Sans SC (SIL OFL 1.1), regular and bold, cut down to GB2312 and the
CJK punctuation by ``deploy/fonts/subset.py`` and shipped in ``shared/pdf/fonts/``.
reportlab embeds the glyphs a document uses (``FontFile2``, a subset per document), so
every reader shows the same pages, whatever fonts it has. Every
piece of user text goes through :func:`para`, which escapes markup, drops characters
a PDF cannot carry, and wraps CJK text anywhere (``wordWrap="CJK"``). Tables may split
a tall row across pages, so no amount of text makes a document fail to render.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from shared.deadlines import CHINA

FONTS = Path(__file__).parent / "fonts"
REGULAR_FILE = FONTS / "NotoSansSC-Regular.ttf"
BOLD_FILE = FONTS / "NotoSansSC-Bold.ttf"
FONT = "NotoSansSC"
BOLD = "NotoSansSC-Bold"
pdfmetrics.registerFont(TTFont(FONT, str(REGULAR_FILE)))
pdfmetrics.registerFont(TTFont(BOLD, str(BOLD_FILE)))
pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)

MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN

BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK")
CELL = ParagraphStyle("cell", parent=BODY, fontSize=9.5, leading=13.5)
HEAD_CELL = ParagraphStyle("head_cell", parent=CELL, alignment=TA_CENTER)
TITLE = ParagraphStyle(
    "title",
    parent=BODY,
    fontName=BOLD,
    fontSize=18,
    leading=26,
    alignment=TA_CENTER,
    spaceAfter=2 * mm,
)
SUBTITLE = ParagraphStyle("subtitle", parent=BODY, fontSize=10, alignment=TA_CENTER)
HEADING = ParagraphStyle(
    "heading",
    parent=BODY,
    fontName=BOLD,
    fontSize=12.5,
    leading=18,
    spaceBefore=4 * mm,
    spaceAfter=2 * mm,
)
NOTE = ParagraphStyle("note", parent=BODY, fontSize=9.5, leading=14, textColor=colors.dimgray)

GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("FONTNAME", (0, 0), (-1, -1), FONT),  # the table's own text state, not Helvetica
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
)
HEADER_ROW = [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE"))]
LABEL_COLUMNS = [("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F5F5F5"))]


def clean(text: str) -> str:
    """Text a PDF string can hold: no control characters, surrogates or private use."""
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch == "\n" or ch == "\t":
            kept.append(" " if ch == "\t" else ch)
        elif category in ("Cc", "Cs", "Co", "Cn") or (category == "Cf" and ch != "\u200d"):
            continue
        else:
            kept.append(ch)
    return "".join(kept)


def para(text: str, style: ParagraphStyle = CELL) -> Paragraph:
    """A wrapping paragraph of user text (escaped; line breaks kept)."""
    markup = escape(clean(text)).replace("\n", "<br/>")
    return Paragraph(markup or "&nbsp;", style)


def zh_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "____年__月__日"


def zh_time(moment: datetime) -> str:
    """A moment as a reader in China reads it (UTC+8); a naive moment is taken as is."""
    local = moment.astimezone(CHINA) if moment.tzinfo is not None else moment
    return f"{zh_date(local.date())} {local:%H:%M}"


def table(
    rows: Sequence[Sequence[str | Flowable]],
    widths: Sequence[float],
    header: bool = True,
    labels: bool = False,
) -> Table:
    """A grid whose cells wrap; ``widths`` are fractions of the text width."""
    cells = [
        [
            cell
            if isinstance(cell, Flowable)
            else para(cell, HEAD_CELL if header and r == 0 else CELL)
            for cell in row
        ]
        for r, row in enumerate(rows)
    ]
    result = Table(
        cells,
        colWidths=[w * WIDTH for w in widths],
        repeatRows=1 if header else 0,
        splitInRow=1,
    )
    style: list[Any] = list(GRID.getCommands())
    if header:
        style += HEADER_ROW
    if labels:
        style += LABEL_COLUMNS
    result.setStyle(TableStyle(style))
    return result


def heading(text: str) -> Paragraph:
    return para(text, HEADING)


def spacer(height_mm: float = 3) -> Spacer:
    return Spacer(1, height_mm * mm)


class _NumberedCanvas(Canvas):
    """Draws "第 X 页 共 Y 页" once the page count is known (pages are kept until save)."""

    header_text = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # not Helvetica: a page would name a font that is not embedded
        kwargs["initialFontName"] = kwargs.get("initialFontName") or FONT
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._furniture(total)
            super().showPage()
        super().save()

    def _furniture(self, total: int) -> None:
        self.saveState()
        self.setFont(FONT, 9)
        self.setFillColor(colors.dimgray)
        self.drawCentredString(A4[0] / 2, 10 * mm, f"第 {self.getPageNumber()} 页 共 {total} 页")
        if self.header_text:
            self.drawRightString(A4[0] - MARGIN, A4[1] - 11 * mm, self.header_text)
        self.restoreState()


def render(story: list[Flowable], title: str, header_text: str) -> bytes:
    """Lay the story out on A4 pages and return the PDF's bytes."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=clean(title),
        author="责任督学挂牌督导平台",
        lang="zh-CN",
    )

    def canvas(target: str | IO[bytes], /, **kwargs: Any) -> Canvas:
        made = _NumberedCanvas(target, **kwargs)
        made.header_text = clean(header_text)[:80]
        return made

    document.build(story, canvasmaker=canvas)
    return buffer.getvalue()
