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
line ends. A number (``int``, ``float``) is written as it is — a negative one is a
number, not a formula, and Excel reads it as one. Use :func:`csv_response` for an HTTP
download.

The same table as an XLSX workbook (:func:`write_xlsx`, :func:`xlsx_response`): numbers
stay numbers, every text cell goes through :func:`safe_cell` and is stored as a string
(never a formula).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from fastapi import Response
from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
BOM = "\ufeff"
MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value: object) -> str:
    """``value`` as a cell that no spreadsheet runs or shows reversed (``None`` → empty)."""
    if value is None:
        return ""
    text = _UNSAFE.sub("", str(value))
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _csv_value(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return safe_cell(value)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """The table as CSV bytes: BOM, ``header``, then ``rows``, every cell but a number
    through :func:`safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([_csv_value(cell) for cell in row])
    return (BOM + out.getvalue()).encode("utf-8")


def csv_response(
    file_name: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> Response:
    """A CSV download named ``file_name`` (UTF-8 names allowed)."""
    return Response(
        write_csv(header, rows),
        media_type=MEDIA_TYPE,
        headers=_disposition(file_name),
    )


def _disposition(file_name: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(file_name)}"}


def _xlsx_value(value: object) -> object:
    if value is None or isinstance(value, bool | int | float):
        return value
    return safe_cell(value)


def write_xlsx(
    header: Sequence[str], rows: Iterable[Sequence[object]], sheet: str = "Sheet1"
) -> bytes:
    """The table as one XLSX sheet: ``header`` then ``rows``; numbers (and ``None``, an
    empty cell) as they are, everything else as a :func:`safe_cell` string."""
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in (header, *rows):
        ws.append([_xlsx_value(cell) for cell in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even when it looks like a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(
    file_name: str, header: Sequence[str], rows: Iterable[Sequence[object]], sheet: str
) -> Response:
    """An XLSX download named ``file_name`` (UTF-8 names allowed)."""
    return Response(
        write_xlsx(header, rows, sheet),
        media_type=XLSX_MEDIA_TYPE,
        headers=_disposition(file_name),
    )
