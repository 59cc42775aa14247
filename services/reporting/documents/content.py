"""What the zone's monthly report and the county's bulletin hold, as layout blocks.

Pure: a figures object in, a :class:`~.layout.Document` out (charts drawn here, as
PNG). The PDF and DOCX builders print the same blocks.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.reporting.documents import charts
from services.reporting.documents.layout import Block, Document, Grid, Heading, Picture, Text
from services.reporting.documents.model import (
    CASE_TITLES,
    INDICATORS,
    SCHOOL_COLUMNS,
    SEVERITIES,
    SEVERITY_TITLES,
    ZONE_COLUMNS,
    CountyBulletin,
    Figures,
    MonthFigures,
    UnitRow,
    ZoneMonthly,
    item_title,
    month_title,
    notable_cases,
    percent,
    problems_by_item,
    rectification_by_item,
    school_ranking,
    shown,
    summary,
    zone_ranking,
)
from shared.pdf import zh_date

SOURCE = (
    "数据来源：责任督学挂牌督导平台统计（按事件发生日期归入月份，定义见平台统计口径说明）。"
    "覆盖率 = 本月到校督导的学校数 ÷ 学校数；整改率 = 本月销号问题数 ÷（月初未整改 + "
    "本月新发现 + 本月重新整改的问题数）；分督导事项的整改率按问题所属督导事项同样计算。"
)


def _indicators(figures: Figures) -> Grid:
    rows = [["指标", "本月"]]
    rows += [[title, shown(figures, key, how)] for title, key, how in INDICATORS]
    return Grid(rows, (0.6, 0.4))


def _trend_table(months: Sequence[MonthFigures]) -> Grid:
    rows = [["月份", "覆盖率", "督导次数", "新发现问题", "销号", "整改率", "月末逾期"]]
    for m in months:
        f = m.figures
        rows.append(
            [
                month_title(m.month),
                shown(f, "coverage", "%"),
                shown(f, "visits", "n"),
                shown(f, "issues_opened", "n"),
                shown(f, "issues_closed", "n"),
                shown(f, "rectification_rate", "%"),
                shown(f, "issues_overdue_at_end", "n"),
            ]
        )
    return Grid(rows, (0.18, 0.14, 0.14, 0.15, 0.11, 0.14, 0.14))


def _trend(months: Sequence[MonthFigures], unit: str) -> list[Block]:
    first, last = month_title(months[0].month), month_title(months[-1].month)
    png = charts.trend(months, f"{unit}近六个月督导与整改趋势")
    return [
        Picture(png, f"图：{first}至{last}督导覆盖率、整改率（折线）与督导次数（柱）"),
        _trend_table(months),
    ]


def _problems(figures: Figures, unit: str) -> list[Block]:
    rows = problems_by_item(figures)
    if not rows:
        return [Text("本月未发现问题。")]
    grid = [["督导事项", *(SEVERITY_TITLES[s] for s in SEVERITIES), "合计"]]
    for item, by in rows:
        counts = [by.get(s, 0) for s in SEVERITIES]
        grid.append([item_title(item), *(str(n) for n in counts), str(sum(counts))])
    closed = (
        f"本月整改销号 {figures['issues_closed']} 个，"
        f"整改率 {shown(figures, 'rectification_rate', '%')}，"
        f"整改天数中位数 {shown(figures, 'median_days_to_close', 'n')} 天、"
        f"P90 {shown(figures, 'p90_days_to_close', 'n')} 天。"
    )
    png = charts.problems(figures, f"{unit}本月发现问题（按督导事项、严重程度）")
    return [
        Picture(png, "图：本月发现问题按督导事项与严重程度"),
        Grid(grid, (0.44, 0.1, 0.1, 0.1, 0.1, 0.16)),
        Text(closed),
        *_rectification(figures, unit),
    ]


def _rectification(figures: Figures, unit: str) -> list[Block]:
    """Rectification by item: chart and table (closures over the issues to rectify)."""
    rows = rectification_by_item(figures)
    if not rows:
        return [Text("本月无需整改的问题。")]
    grid = [["督导事项", "月初未整改", "新发现", "重新整改", "销号", "其中按期", "整改率"]]
    for item, r in rows:
        counts = (r["open_at_start"], r["opened"], r["reopened"], r["closed"], r["closed_on_time"])
        grid.append([item_title(item), *(str(n) for n in counts), percent(r["rate"])])
    png = charts.rectification(figures, f"{unit}本月整改情况（按督导事项）")
    return [
        Picture(png, "图：本月各督导事项整改情况（应整改、按期与逾期销号、整改率）"),
        Grid(grid, (0.34, 0.11, 0.11, 0.11, 0.11, 0.11, 0.11)),
    ]


def _schools_table(schools: Sequence[UnitRow], ranked: bool, with_zone: bool) -> Grid:
    head = ["排名"] if ranked else []
    head += ["学校"] + (["责任区"] if with_zone else [])
    head += [title for title, _, _ in SCHOOL_COLUMNS]
    rows = [head]
    for n, s in enumerate(schools, start=1):
        row = [str(n)] if ranked else []
        row += [s.label] + ([s.zone_label] if with_zone else [])
        row += [shown(s.figures, key, how) for _, key, how in SCHOOL_COLUMNS]
        rows.append(row)
    fixed = (0.07 if ranked else 0.0) + (0.14 if with_zone else 0.0)
    name = 0.2
    rest = (1.0 - fixed - name) / len(SCHOOL_COLUMNS)
    widths = ([0.07] if ranked else []) + [name] + ([0.14] if with_zone else [])
    return Grid(rows, [*widths, *([rest] * len(SCHOOL_COLUMNS))])


HIDDEN = "学校明细及重点案例不向数据接口用户提供，本节从略。"


def _cases(schools: Sequence[UnitRow], with_zone: bool, hidden: bool = False) -> list[Block]:
    if hidden:
        return [Text(HIDDEN)]
    cases = notable_cases(schools)
    if not cases:
        return [Text("本月无逾期未整改问题、重大问题或属实的举报投诉。")]
    rows = [["类别", "学校", *(["责任区"] if with_zone else []), "情况"]]
    for case in cases:
        zone = [case.zone or ""] if with_zone else []
        rows.append([CASE_TITLES[case.kind], case.school, *zone, case.text])
    widths = (0.14, 0.2, 0.16, 0.5) if with_zone else (0.16, 0.24, 0.6)
    return [Grid(rows, widths)]


def zone_report(report: ZoneMonthly) -> Document:
    """责任区督导工作月报告: the month, the indicators, six months' trend, problems by
    item, every school's figures and the cases that need attention."""
    unit = report.title
    blocks: list[Block] = [
        Heading("一、基本情况"),
        Text(summary(report.figures)),
        Heading("二、主要指标"),
        _indicators(report.figures),
        Heading("三、近六个月趋势"),
        *_trend(report.trend, unit),
        Heading("四、发现问题及整改情况"),
        *_problems(report.figures, unit),
        Heading("五、各学校情况"),
        _schools_table(report.schools, ranked=False, with_zone=False)
        if report.schools
        else Text("无学校数据。"),
        Heading("六、需关注的问题"),
        *_cases(report.schools, with_zone=False, hidden=report.schools_hidden),
        Text(SOURCE, note=True),
        Text(
            f"（所属县区：{report.county_label}；生成日期：{zh_date(report.made_on)}）", note=True
        ),
    ]
    return Document(
        title=f"{unit}督导工作月报告",
        subtitle=f"{month_title(report.month)}",
        header=f"{unit} {month_title(report.month)}月报告",
        blocks=blocks,
    )


def _zones_table(zones: Sequence[UnitRow]) -> Grid:
    rows = [["排名", "责任区", *(title for title, _, _ in ZONE_COLUMNS)]]
    for n, z in enumerate(zones, start=1):
        rows.append([str(n), z.label, *(shown(z.figures, k, how) for _, k, how in ZONE_COLUMNS)])
    rest = (1.0 - 0.07 - 0.17) / len(ZONE_COLUMNS)
    return Grid(rows, [0.07, 0.17, *([rest] * len(ZONE_COLUMNS))])


def county_bulletin(bulletin: CountyBulletin) -> Document:
    """县区责任督学挂牌督导工作通报: the month, zones ranked (with the coverage chart),
    schools ranked, six months' trend, problems by item, notable cases."""
    unit = bulletin.title
    zones = zone_ranking(bulletin.zones)
    blocks: list[Block] = [
        Heading("一、总体情况"),
        Text(summary(bulletin.figures)),
        _indicators(bulletin.figures),
        Heading("二、各责任区排名"),
        Text("排名依据：督导覆盖率，其次整改率，再次月末逾期未整改问题数（少者在前）。", note=True),
    ]
    if zones:
        png = charts.coverage_by_zone(zones, f"{unit}各责任区督导覆盖率")
        blocks += [Picture(png, "图：各责任区本月督导覆盖率"), _zones_table(zones)]
    else:
        blocks.append(Text("无责任区数据。"))
    blocks += [
        Heading("三、学校排名"),
        Text(
            "排名依据：月末逾期未整改问题数（少者在前），其次整改率，再次月末未整改问题数。",
            note=True,
        ),
        _schools_table(school_ranking(bulletin.schools), ranked=True, with_zone=True)
        if bulletin.schools
        else Text("无学校数据。"),
        Heading("四、近六个月趋势"),
        *_trend(bulletin.trend, unit),
        Heading("五、发现问题及整改情况"),
        *_problems(bulletin.figures, unit),
        Heading("六、典型情况通报"),
        *_cases(bulletin.schools, with_zone=True, hidden=bulletin.schools_hidden),
        Text(SOURCE, note=True),
        Text(f"（生成日期：{zh_date(bulletin.made_on)}）", note=True),
    ]
    return Document(
        title=f"{unit}责任督学挂牌督导工作通报",
        subtitle=month_title(bulletin.month),
        header=f"{unit} {month_title(bulletin.month)}通报",
        blocks=blocks,
    )
