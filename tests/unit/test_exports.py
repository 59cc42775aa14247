"""The shared CSV writer: formulas are inert, control and bidi characters gone, BOM first."""

from __future__ import annotations

import csv
import io

import pytest

from shared.exports import safe_cell, write_csv


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
