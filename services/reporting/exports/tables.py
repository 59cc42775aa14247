"""The roll-up tables as rows for a spreadsheet: zh-CN headers, one row per item.

Pure: each function takes the answer of the JSON route it mirrors (the same dict, read
and scoped the same way) and gives ``(header, rows)``; :mod:`shared.exports` writes
them as an Excel-safe CSV or an XLSX sheet. Counts and shares stay numbers (a share as
the roll-up answers it, 0..1 with four places); an undefined share is an empty cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.reporting.rollups.domain.labels import VISIT_KINDS

Table = tuple[list[str], list[list[Any]]]

CHILDREN_COLUMNS = (
    ("学校数", "schools"),
    ("到校学校数", "schools_visited"),
    ("覆盖率", "coverage"),
    ("每月到校学校数", "schools_visited_every_month"),
    ("频次达标率", "frequency_compliance"),
    ("督导次数", "visits"),
    ("新增问题", "issues_opened"),
    ("销号问题", "issues_closed"),
    ("逾期问题", "issues_became_overdue"),
    ("整改率", "rectification_rate"),
    ("整改天数中位数", "median_days_to_close"),
    ("整改天数P90", "p90_days_to_close"),
    ("举报投诉", "complaints_received"),
    ("属实率", "substantiation_rate"),
    ("自查报告应报", "self_inspections_due"),
    ("自查报告已报", "self_inspections_filed"),
    ("自查报送率", "self_inspection_filing_rate"),
    ("按时报送率", "self_inspection_on_time_rate"),
)


def children(answer: Mapping[str, Any]) -> Table:
    """下级单位统计: each child of the unit (``GET /reports/units/…``) with its figures."""
    header = ["单位", "名称", *(title for title, _ in CHILDREN_COLUMNS)]
    rows = [
        [ch["unit"]["code"], ch["name"], *(ch["figures"][key] for _, key in CHILDREN_COLUMNS)]
        for ch in answer["children"]
    ]
    return header, rows


def school_months(answer: Mapping[str, Any]) -> Table:
    """学校逐月情况: a school card's months — visits by kind, last visit, issues and
    complaints (the ``months`` of ``GET /reports/units/school/…``)."""
    header = [
        "月份",
        *(f"{title}次数" for title in VISIT_KINDS.values()),
        "督导次数",
        "最近到校日期",
        "新增问题",
        "销号问题",
        "逾期问题",
        "举报投诉",
    ]
    rows = []
    for m in answer["months"]:
        kinds = m["visits_by_kind"]
        rows.append(
            [
                m["month"],
                *(kinds.get(kind, 0) for kind in VISIT_KINDS),
                sum(kinds.values()),
                m["last_visit_on"],
                m["issues_opened"],
                m["issues_closed"],
                m["issues_became_overdue"],
                m["complaints_received"],
            ]
        )
    return header, rows


def _yes(value: bool) -> str:
    return "是" if value else "否"


def inspector_months(answer: Mapping[str, Any]) -> Table:
    """督学逐月履职: an inspector's months against the frequency rules
    (``GET /reports/inspectors/{id}``), then one row of the period's totals."""
    header = [
        "月份",
        "督导次数",
        "到校天数",
        "是否达标",
        "要求次数",
        "未到县区",
        "市直学校督导次数",
    ]
    rows: list[list[Any]] = [
        [
            m["month"],
            m["visits"],
            m["days_on_site"],
            _yes(m["meets"]),
            m.get("required"),
            "、".join(m.get("counties_without_visit") or []) or None,
            m.get("city_direct_visits"),
        ]
        for m in answer["months"]
    ]
    met = f"达标 {answer['months_meeting_rule']} 个月"
    rows.append(["合计", answer["visits"], answer["days_on_site"], met, None, None, None])
    return header, rows


def rankings(answer: Mapping[str, Any], labels: Mapping[str, str]) -> Table:
    """考核排名: the ranked rows (``GET /reports/assessments/{target}/rankings``), each
    indicator by its zh-CN label; the active version's score and rank beside when
    another version was asked for."""
    indicators = [w["indicator"] for w in answer["formula"]]
    beside = answer["version"] != answer["active_version"]
    header = ["排名", "代码", "名称", "得分", *(labels.get(i, i) for i in indicators), "缺项"]
    if beside:
        header += ["启用版得分", "启用版排名"]
    rows = []
    for row in answer["rows"]:
        cells = [row["rank"], row["code"], row.get("name"), row["score"]]
        cells += [row["indicators"].get(i) for i in indicators]
        cells.append("、".join(labels.get(i, i) for i in row["missing"]) or None)
        if beside:
            cells += [row["active_score"], row["active_rank"]]
        rows.append(cells)
    return header, rows


def behind(items: Sequence[Mapping[str, Any]]) -> Table:
    """统计明细: the visits, issues or complaints behind a figure, in day order."""
    header = ["日期", "编号", "学校", "学校名称", "类别", "说明", "状态"]
    rows = [
        [
            item["day"],
            item["id"],
            item["school_id"],
            item["school_name"],
            item["kind"],
            item["label"],
            item["status_label"],
        ]
        for item in items
    ]
    return header, rows
