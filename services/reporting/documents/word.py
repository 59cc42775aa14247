"""The documents as DOCX (python-docx), for offices to edit before they publish.

Styles carry the East Asian font (``w:eastAsia``): 宋体 for the text and 黑体 for the
title and headings, as government documents print; Latin text in the same fonts. Charts
are the same PNGs as in the PDF.
"""

from __future__ import annotations

import io

from docx import Document as new_document
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table

from services.reporting.documents.layout import Document, Grid, Heading, Picture, Text
from shared.pdf import clean

SONG = "宋体"
HEI = "黑体"
TEXT_WIDTH_CM = 21.0 - 2 * 2.5
THEME_FONTS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
_text = clean
"""Text an XML run can hold: no control characters but line breaks and tabs."""


STYLES: tuple[tuple[str, str, float, bool, WD_ALIGN_PARAGRAPH | None], ...] = (
    ("Normal", SONG, 10.5, False, None),
    ("Title", HEI, 18, True, WD_ALIGN_PARAGRAPH.CENTER),
    ("Subtitle", SONG, 12, False, WD_ALIGN_PARAGRAPH.CENTER),
    ("Heading 1", HEI, 13, True, None),
    ("Caption", SONG, 9, False, WD_ALIGN_PARAGRAPH.CENTER),
    ("Table Grid", SONG, 9, False, None),
)
"""Style, font (Latin and East Asian alike), size, bold, alignment."""


def _style(doc: WordDocument, name: str, font: str, size: float, bold: bool) -> ParagraphStyle:
    style = doc.styles[name]
    assert isinstance(style, ParagraphStyle)
    style.font.name = font
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), font)
    for attribute in THEME_FONTS:  # a theme font would win over the names above
        fonts.attrib.pop(qn(attribute), None)
    return style


def _styles(doc: WordDocument) -> None:
    for name, font, size, bold, alignment in STYLES:
        style = _style(doc, name, font, size, bold)
        if alignment is not None:
            style.paragraph_format.alignment = alignment
        if name == "Normal":
            style.paragraph_format.line_spacing = 1.3


def _grid(doc: WordDocument, block: Grid) -> None:
    rows = block.rows
    table: Table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            cell.width = Cm(block.widths[c] * TEXT_WIDTH_CM)
            cell.text = _text(value)
            if r == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True


def _field_run(kind: str, field: str) -> BaseOxmlElement:
    """One run of a Word field: its begin or end mark, or its instruction."""
    if kind == "instr":
        element = OxmlElement("w:instrText")
        element.set(qn("xml:space"), "preserve")
        element.text = field
    else:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
    return element


def _page_numbers(section: Section) -> None:
    """ "第 X 页 共 Y 页" in the footer, as Word fields (PAGE, NUMPAGES)."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, field in (("第 ", "PAGE"), (" 页 共 ", "NUMPAGES"), (" 页", None)):
        paragraph.add_run(text)
        for kind in ("begin", "instr", "end") if field else ():
            paragraph.add_run()._r.append(_field_run(kind, field or ""))


def render(document: Document) -> bytes:
    """The document's DOCX bytes (A4 portrait)."""
    doc = new_document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.header.paragraphs[0].text = _text(document.header)
    _page_numbers(section)
    _styles(doc)
    doc.core_properties.title = _text(document.title)
    doc.core_properties.author = "责任督学挂牌督导平台"
    doc.core_properties.language = "zh-CN"
    doc.add_paragraph(_text(document.title), style="Title")
    doc.add_paragraph(_text(document.subtitle), style="Subtitle")
    for block in document.blocks:
        match block:
            case Heading(text):
                doc.add_paragraph(_text(text), style="Heading 1")
            case Text(text, note):
                paragraph = doc.add_paragraph(_text(text))
                if note:
                    paragraph.style = "Caption"
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
            case Grid():
                _grid(doc, block)
                doc.add_paragraph()
            case Picture(png, caption, width):
                doc.add_picture(io.BytesIO(png), width=Cm(width * TEXT_WIDTH_CM))
                doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                doc.add_paragraph(_text(caption), style="Caption")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
