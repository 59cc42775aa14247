"""The documents as PDF, on the shared press (A4, Noto Sans SC embedded, page numbers)."""

from __future__ import annotations

import io

from reportlab.platypus import Flowable, Image, KeepTogether

from services.reporting.documents.layout import (
    Block,
    Document,
    Grid,
    Heading,
    Picture,
    Text,
    png_size,
)
from shared import pdf


def _picture(block: Picture) -> list[Flowable]:
    width_px, height_px = png_size(block.png)
    width = block.width * pdf.WIDTH
    image = Image(io.BytesIO(block.png), width=width, height=width * height_px / width_px)
    return [image, pdf.para(block.caption, pdf.SUBTITLE), pdf.spacer(2)]


def _flowables(block: Block) -> list[Flowable]:
    match block:
        case Heading(text):
            return [pdf.heading(text)]
        case Text(text, note):
            return [pdf.para(text, pdf.NOTE if note else pdf.BODY)]
        case Grid(rows, widths):
            return [pdf.table(rows, widths), pdf.spacer(2)]
        case Picture():
            return _picture(block)


def render(document: Document) -> bytes:
    """The document's PDF bytes. A heading stays on the page of the block after it, and a
    picture with its caption."""
    story: list[Flowable] = [
        pdf.para(document.title, pdf.TITLE),
        pdf.para(document.subtitle, pdf.SUBTITLE),
        pdf.spacer(4),
    ]
    pending: list[Flowable] = []
    for block in document.blocks:
        pending += _flowables(block)
        if isinstance(block, Heading):
            continue
        story.append(KeepTogether(pending) if len(pending) > 1 else pending[0])
        pending = []
    story += pending
    return pdf.render(story, document.title, document.header)
