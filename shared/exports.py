"""The one CSV writer for every export a person opens in Excel or WPS.

Cells come from people (a finding's description, a school's name), so each cell is made
safe before it is written:

* a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be
  read as a formula (``=cmd|' /C calc'!A0``, ``+SUM(…)``): it gets a leading ``'``,
  which spreadsheets show as text;
* control characters (NUL, escape, …; a line break inside a cell is kept) and the
  bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), which can make a
  cell read backwards, are removed.

The file is UTF-8 with a byte-order mark so Excel opens the Chinese text, with CRLF
line ends. Use :func:`csv_response` for an HTTP download.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from fastapi import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
BOM = "\ufeff"
MEDIA_TYPE = "text/csv; charset=utf-8"


def safe_cell(value: object) -> str:
    """``value`` as a cell that no spreadsheet runs or shows reversed (``None`` → empty)."""
    if value is None:
        return ""
    text = _UNSAFE.sub("", str(value))
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """The table as CSV bytes: BOM, ``header``, then ``rows``, every cell through
    :func:`safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return (BOM + out.getvalue()).encode("utf-8")


def csv_response(
    file_name: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> Response:
    """A CSV download named ``file_name`` (UTF-8 names allowed)."""
    return Response(
        write_csv(header, rows),
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(file_name)}"},
    )
