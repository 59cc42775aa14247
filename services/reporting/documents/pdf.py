"""The documents as PDF, on the shared press (A4, Noto Sans SC embedded, page numbers)."""

from __future__ import annotations

import io

from reportlab.platypus import Flowable, Image, KeepTogether

from services.reporting.documents.layout import (
    Document,
    Grid,
    Heading,
    Picture,
    Text,
    png_size,
)
from shared import pdf


def _picture(block: Picture) -> Flowable:
    width_px, height_px = png_size(block.png)
    width = block.width * pdf.WIDTH
    image = Image(io.BytesIO(block.png), width=width, height=width * height_px / width_px)
    return KeepTogether([image, pdf.para(block.caption, pdf.SUBTITLE), pdf.spacer(2)])


def render(document: Document) -> bytes:
    """The document's PDF bytes."""
    story: list[Flowable] = [
        pdf.para(document.title, pdf.TITLE),
        pdf.para(document.subtitle, pdf.SUBTITLE),
        pdf.spacer(4),
    ]
    for block in document.blocks:
        match block:
            case Heading(text):
                story.append(pdf.heading(text))
            case Text(text, note):
                story.append(pdf.para(text, pdf.NOTE if note else pdf.BODY))
            case Grid(rows, widths):
                story += [pdf.table(rows, widths), pdf.spacer(2)]
            case Picture():
                story.append(_picture(block))
    return pdf.render(story, document.title, document.header)
