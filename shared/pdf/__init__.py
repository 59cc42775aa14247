"""The shared printing press of zh-CN documents (A4, embedded Chinese font, page numbers).

Services build a story of flowables with these helpers and call :func:`render`; see
:mod:`shared.pdf.press` for how text is cleaned and tables wrap.
"""

from shared.pdf.press import (
    BODY,
    BOLD,
    BOLD_FILE,
    CELL,
    FONT,
    HEAD_CELL,
    HEADING,
    MARGIN,
    NOTE,
    REGULAR_FILE,
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
    "BOLD",
    "BOLD_FILE",
    "CELL",
    "FONT",
    "HEADING",
    "HEAD_CELL",
    "MARGIN",
    "NOTE",
    "REGULAR_FILE",
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
