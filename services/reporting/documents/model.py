"""What the monthly documents print: figures read from the roll-ups, ranked and sifted.

Everything here is pure: the route reads the precomputed roll-up documents
(:mod:`services.reporting.documents.gather`) into these objects, and the builders
(:mod:`.pdf`, :mod:`.word`) only lay them out. A figures mapping is one unit's
``from_documents`` answer for one month (docs/reporting.md defines each figure).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.contracts.self_inspection import ITEM_TITLES

Figures = Mapping[str, Any]

SEVERITY_TITLES = {"minor": "轻微", "general": "一般", "serious": "较重", "major": "重大"}
SEVERITIES = tuple(SEVERITY_TITLES)


@dataclass(frozen=True)
class UnitRow:
    """One unit (a zone or a school) with its figures for the month."""

    code: str
    figures: Figures
    zone: str | None = None
    """The zone a school belongs to (``None`` for a zone's own row)."""
    name: str | None = None
    """The unit's name as the directory gives it (``None``: printed by its code)."""
    zone_name: str | None = None

    @property
    def label(self) -> str:
        """What the documents print for the unit: its name, else its code."""
        return self.name or self.code

    @property
    def zone_label(self) -> str:
        return self.zone_name or self.zone or ""


@dataclass(frozen=True)
class MonthFigures:
    month: str
    """``YYYY-MM``."""
    figures: Figures


@dataclass(frozen=True)
class ZoneMonthly:
    """A zone's monthly report (责任区月报告)."""

    zone: str
    county: str
    month: str
    figures: Figures
    schools: Sequence[UnitRow]
    trend: Sequence[MonthFigures]
    """The six months ending with ``month``, oldest first."""
    made_on: date
    zone_name: str | None = None
    county_name: str | None = None
    schools_hidden: bool = False
    """The reader sees no school's figures (an integrator): no school table, no cases."""

    @property
    def title(self) -> str:
        """The zone as the report names it: its name, else ``<code>责任区``."""
        return self.zone_name or f"{self.zone}责任区"

    @property
    def county_label(self) -> str:
        return self.county_name or self.county


@dataclass(frozen=True)
class CountyBulletin:
    """A county's monthly bulletin (督导工作通报): zones and schools ranked, cases named."""

    county: str
    month: str
    figures: Figures
    zones: Sequence[UnitRow]
    schools: Sequence[UnitRow]
    trend: Sequence[MonthFigures]
    made_on: date
    county_name: str | None = None
    schools_hidden: bool = False
    """The reader sees no school's figures (an integrator): no school table, no cases."""

    @property
    def title(self) -> str:
        """The county as the bulletin names it: its name, else its code."""
        return self.county_name or self.county


@dataclass(frozen=True)
class Case:
    """A notable case: a school and what happened there this month."""

    kind: str
    school: str
    """The school as printed (its name, else its code)."""
    zone: str | None
    """The school's zone as printed."""
    text: str


def item_title(code: str) -> str:
    return ITEM_TITLES.get(code, code)


def month_title(month: str) -> str:
    return f"{int(month[:4])}年{int(month[5:7])}月"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def number(value: int | float | None) -> str:
    return "—" if value is None else str(value)


def _desc(value: float | None) -> float:
    """A sort key putting higher shares first and undefined ones last."""
    return -value if value is not None else 1.0


def zone_ranking(zones: Sequence[UnitRow]) -> list[UnitRow]:
    """Zones best first: coverage, then rectification rate, then fewer issues overdue at
    the month's end, then code."""
    return sorted(
        zones,
        key=lambda z: (
            _desc(z.figures["coverage"]),
            _desc(z.figures["rectification_rate"]),
            z.figures["issues_overdue_at_end"],
            z.code,
        ),
    )


def school_ranking(schools: Sequence[UnitRow]) -> list[UnitRow]:
    """Schools best first: fewer issues overdue at the month's end, then rectification
    rate, then fewer open issues at the end, then code (a school without issues has no
    rate and ranks after the schools with one at equal overdue counts)."""
    return sorted(
        schools,
        key=lambda s: (
            s.figures["issues_overdue_at_end"],
            _desc(s.figures["rectification_rate"]),
            s.figures["issues_open_at_end"],
            s.code,
        ),
    )


def problems_by_item(figures: Figures) -> list[tuple[str, dict[str, int]]]:
    """``(item code, {severity: problems})`` for the items with problems, most first."""
    problems: Mapping[str, Mapping[str, int]] = figures["problems"]
    rows = [(item, dict(by_severity)) for item, by_severity in problems.items()]
    return sorted(rows, key=lambda row: (-sum(row[1].values()), row[0]))


def rectification_by_item(figures: Figures) -> list[tuple[str, Mapping[str, Any]]]:
    """``(item code, its rectification)`` for the items with rectification work in the
    month (open at its start, opened or reopened in it), most work first."""
    by_item: Mapping[str, Mapping[str, Any]] = figures.get("rectification_by_item", {})

    def work(row: Mapping[str, Any]) -> int:
        return int(row["open_at_start"] + row["opened"] + row["reopened"])

    rows = [(item, row) for item, row in by_item.items() if work(row)]
    return sorted(rows, key=lambda r: (-work(r[1]), r[0]))


def notable_cases(schools: Sequence[UnitRow]) -> list[Case]:
    """Schools with issues overdue at the month's end, with major problems found, or with
    substantiated complaints, in that order (then by school)."""
    cases: list[Case] = []
    for s in sorted(schools, key=lambda row: row.code):
        overdue = s.figures["issues_overdue_at_end"]
        if overdue:
            cases.append(Case("overdue", s.label, s.zone_label, f"逾期未整改问题 {overdue} 个"))
    for s in sorted(schools, key=lambda row: row.code):
        major = {i: n["major"] for i, n in s.figures["problems"].items() if n.get("major")}
        if major:
            items = "、".join(f"{item_title(i)} {n} 个" for i, n in sorted(major.items()))
            cases.append(Case("major", s.label, s.zone_label, f"发现重大问题：{items}"))
    for s in sorted(schools, key=lambda row: row.code):
        found = s.figures["complaints_substantiated"]
        if found:
            cases.append(Case("complaint", s.label, s.zone_label, f"举报投诉经核查属实 {found} 件"))
    return cases


CASE_TITLES = {
    "overdue": "逾期未整改",
    "major": "重大问题",
    "complaint": "举报属实",
}


def summary(figures: Figures) -> str:
    """The month in one paragraph (the same words in the report and the bulletin)."""
    f = figures
    kinds = "、".join(
        f"{KIND_TITLES.get(kind, kind)}{n}次" for kind, n in sorted(f["visits_by_kind"].items())
    )
    visits = f"督导 {f['visits']} 次" + (f"（{kinds}）" if kinds else "")
    return (
        f"本月共有学校 {f['schools']} 所，到校督导 {f['schools_visited']} 所，"
        f"覆盖率 {percent(f['coverage'])}；{visits}。"
        f"新发现问题 {f['issues_opened']} 个（重新整改 {f['issues_reopened']} 个），"
        f"整改销号 {f['issues_closed']} 个（按期 {f['issues_closed_on_time']} 个、"
        f"逾期 {f['issues_closed_late']} 个），整改率 {percent(f['rectification_rate'])}；"
        f"月末未整改问题 {f['issues_open_at_end']} 个，其中逾期 {f['issues_overdue_at_end']} 个。"
        f"受理举报投诉 {f['complaints_received']} 件，核查属实 {f['complaints_substantiated']} 件"
        f"（属实率 {percent(f['substantiation_rate'])}），"
        f"按期答复率 {percent(f['on_time_answer_rate'])}。"
    )


KIND_TITLES = {
    "routine": "常规督导",
    "special": "专项督导",
    "comprehensive": "综合督导",
    "follow_up": "跟踪督导",
}

INDICATORS: tuple[tuple[str, str, str], ...] = (
    ("学校数（所）", "schools", "n"),
    ("到校督导学校数（所）", "schools_visited", "n"),
    ("督导覆盖率", "coverage", "%"),
    ("督导次数", "visits", "n"),
    ("新发现问题（个）", "issues_opened", "n"),
    ("整改销号（个）", "issues_closed", "n"),
    ("整改率", "rectification_rate", "%"),
    ("整改天数中位数", "median_days_to_close", "n"),
    ("月末未整改问题（个）", "issues_open_at_end", "n"),
    ("月末逾期未整改（个）", "issues_overdue_at_end", "n"),
    ("发出督导整改通知书（份）", "notices_issued", "n"),
    ("受理举报投诉（件）", "complaints_received", "n"),
    ("举报属实率", "substantiation_rate", "%"),
    ("按期答复率", "on_time_answer_rate", "%"),
)
"""The indicator table of both documents: title, figure, how it prints."""


def shown(figures: Figures, key: str, how: str) -> str:
    value = figures[key]
    return percent(value) if how == "%" else number(value)


ZONE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("学校数", "schools", "n"),
    ("到校数", "schools_visited", "n"),
    ("覆盖率", "coverage", "%"),
    ("督导次数", "visits", "n"),
    ("新发现问题", "issues_opened", "n"),
    ("销号", "issues_closed", "n"),
    ("整改率", "rectification_rate", "%"),
    ("逾期未整改", "issues_overdue_at_end", "n"),
)
SCHOOL_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("督导次数", "visits", "n"),
    ("新发现问题", "issues_opened", "n"),
    ("销号", "issues_closed", "n"),
    ("整改率", "rectification_rate", "%"),
    ("月末未整改", "issues_open_at_end", "n"),
    ("逾期未整改", "issues_overdue_at_end", "n"),
    ("举报投诉", "complaints_received", "n"),
)
