"""The shared printing press of zh-CN documents (A4, built-in Chinese font, page numbers).

Services build a story of flowables with these helpers and call :func:`render`; see
:mod:`shared.pdf.press` for how text is cleaned and tables wrap.
"""

from shared.pdf.press import (
    BODY,
    CELL,
    FONT,
    HEAD_CELL,
    HEADING,
    MARGIN,
    NOTE,
    SUBTITLE,
    TITLE,
    WIDTH,
    clean,
    heading,
    para,
    render,
    spacer,
    table,
    zh_date,
    zh_time,
)

__all__ = [
    "BODY",
    "CELL",
    "FONT",
    "HEADING",
    "HEAD_CELL",
    "MARGIN",
    "NOTE",
    "SUBTITLE",
    "TITLE",
    "WIDTH",
    "clean",
    "heading",
    "para",
    "render",
    "spacer",
    "table",
    "zh_date",
    "zh_time",
]
