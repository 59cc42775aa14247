"""The roll-up tables as spreadsheets (services/reporting/exports/tables.py): zh-CN
headers, numbers as numbers, names from people made inert; each table written as XLSX
opens with openpyxl with the expected cells and as CSV parses back."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import load_workbook

from services.reporting.exports import tables
from shared.exports import write_csv, write_xlsx

RANKED: dict[str, Any] = {
    "version": 2,
    "active_version": 1,
    "formula": [
        {"indicator": "coverage", "weight": 0.5},
        {"indicator": "rectification_rate", "weight": 0.5},
    ],
    "rows": [
        {
            "code": "K1-A",
            "name": '=HYPERLINK("x")学校',
            "rank": 1,
            "score": 0.9,
            "indicators": {"coverage": 1.0, "rectification_rate": 0.8},
            "missing": [],
            "active_score": 0.8,
            "active_rank": 2,
        },
        {
            "code": "K1-D",
            "name": "学校D",
            "rank": None,
            "score": None,
            "indicators": {"coverage": None, "rectification_rate": None},
            "missing": ["coverage", "rectification_rate"],
            "active_score": None,
            "active_rank": None,
        },
    ],
}
LABELS = {"coverage": "督导覆盖率", "rectification_rate": "问题整改率"}


def sheet(table: tables.Table) -> list[list[Any]]:
    header, rows = table
    book = load_workbook(io.BytesIO(write_xlsx(header, rows, sheet="表")))
    return [[c.value for c in row] for row in book["表"].iter_rows()]


def parsed(table: tables.Table) -> list[list[str]]:
    data = write_csv(*table)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_a_ranking_beside_the_active_version() -> None:
    table = tables.rankings(RANKED, LABELS)
    assert sheet(table) == [
        [
            "排名",
            "代码",
            "名称",
            "得分",
            "督导覆盖率",
            "问题整改率",
            "缺项",
            "启用版得分",
            "启用版排名",
        ],
        [1, "K1-A", '\'=HYPERLINK("x")学校', 0.9, 1.0, 0.8, None, 0.8, 2],
        [None, "K1-D", "学校D", None, None, None, "督导覆盖率、问题整改率", None, None],
    ]
    assert parsed(table)[1] == [
        "1",
        "K1-A",
        '\'=HYPERLINK("x")学校',
        "0.9",
        "1.0",
        "0.8",
        "",
        "0.8",
        "2",
    ]
    active = tables.rankings({**RANKED, "version": 1}, LABELS)
    assert active[0][-1] == "缺项"  # no columns beside the active version itself


def test_an_inspector_of_a_city_with_its_totals() -> None:
    answer = {
        "months": [
            {
                "month": "2026-09",
                "visits": 3,
                "days_on_site": 2,
                "meets": False,
                "required": None,
                "counties_without_visit": ["K2", "K3"],
                "city_direct_visits": 1,
            },
            {"month": "2026-10", "visits": 5, "days_on_site": 4, "meets": True},
        ],
        "visits": 8,
        "days_on_site": 6,
        "months_meeting_rule": 1,
    }
    assert sheet(tables.inspector_months(answer))[1:] == [
        ["2026-09", 3, 2, "否", None, "K2、K3", 1],
        ["2026-10", 5, 4, "是", None, None, None],
        ["合计", 8, 6, "达标 1 个月", None, None, None],
    ]


def test_the_rows_behind_a_figure() -> None:
    items = [
        {
            "day": "2026-09-15",
            "id": "I1",
            "school_id": "K1-A",
            "school_name": "学校A",
            "kind": "on_time",
            "label": "按期销号",
            "status": "closed",
            "status_label": "已销号",
        }
    ]
    assert parsed(tables.behind(items)) == [
        ["日期", "编号", "学校", "学校名称", "类别", "说明", "状态"],
        ["2026-09-15", "I1", "K1-A", "学校A", "on_time", "按期销号", "已销号"],
    ]
