"""The shared CSV and XLSX writers: formulas are inert, control and bidi characters gone,
BOM first (CSV); numbers stay numbers and no text cell is a formula (XLSX)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from shared.exports import safe_cell, write_csv, write_xlsx


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\x00=1", "'=1"),  # stripping cannot uncover a formula
        ("消防\u202e通道\u2066堵塞\x1b", "消防通道堵塞"),
        ("第一行\n第二行", "第一行\n第二行"),
        (None, ""),
        (3, "3"),
        ("游隐〔2026〕001号", "游隐〔2026〕001号"),
    ],
)
def test_a_cell_is_made_safe(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


def test_the_file_has_a_bom_crlf_and_round_trips() -> None:
    data = write_csv(["编号", "描述"], [["1", '=HYPERLINK("x")'], ["2", None]])
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["编号", "描述"], ["1", '\'=HYPERLINK("x")'], ["2", ""]]


def test_numbers_stay_numbers_in_the_csv() -> None:
    data = write_csv(["单位", "变化", "整改率"], [["-x", -2, 0.75], ["=1", 3, None]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1:] == [["'-x", "-2", "0.75"], ["'=1", "3", ""]]


def test_the_workbook_opens_with_inert_text_and_numeric_numbers() -> None:
    rows = [["=1+1", 3, 0.75, None], ["+A1", -2, None, "@SUM(A1)"], ["-x", 0, 1.0, "学校\x1b"]]
    data = write_xlsx(["单位", "督导次数", "整改率", "备注"], rows, sheet="统计")
    book = load_workbook(io.BytesIO(data))
    ws = book["统计"]
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    assert cells == [
        ["单位", "督导次数", "整改率", "备注"],
        ["'=1+1", 3, 0.75, None],
        ["'+A1", -2, None, "'@SUM(A1)"],
        ["'-x", 0, 1.0, "学校"],
    ]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
