"""The zone's monthly report and the county's bulletin from the county autumn of
tests/reporting_scenario.py: the PDF's text (embedded font) and the DOCX's paragraphs
and cells carry the headings and the figures worked out by hand (docs/reporting.md)."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date
from typing import Any

from docx import Document as open_docx
from docx.oxml.ns import qn
from pypdf import PdfReader

import shared.contracts  # noqa: F401
from services.reporting.documents import county_bulletin, render_docx, render_pdf, zone_report
from services.reporting.documents.gather import trend_months
from services.reporting.documents.layout import Document, Grid, Picture
from services.reporting.documents.model import (
    CountyBulletin,
    MonthFigures,
    UnitRow,
    ZoneMonthly,
    notable_cases,
    school_ranking,
    zone_ranking,
)
from services.reporting.rollups.domain.figures import from_documents
from services.reporting.rollups.domain.periods import month_period
from shared.projection import DocRef
from tests.reporting_scenario import Place, autumn
from tests.unit.test_rollup_figures import fold

PLACE = Place(province="P1", city="C1", county="K1")
MADE_ON = date(2026, 11, 3)


DOCS = fold(autumn(PLACE))


def figures(unit: str, month: str) -> dict[str, Any]:
    monthly = [
        (doc["month"], doc["n"])
        for ref, doc in DOCS.items()
        if ref.collection == "months" and doc is not None and doc["unit"] == unit
    ]
    mask = DOCS.get(DocRef("masks", f"{unit}|{month[:4]}"))
    return from_documents(month_period(month), monthly, mask["n"] if mask else {})


def name(unit: str) -> str | None:
    """The unit's name as the projection keeps it (``names``; ``zone:<id>`` etc.)."""
    level, code = unit.split(":", 1)
    doc = DOCS.get(DocRef("names", unit if level in ("zone", "school") else f"division:{code}"))
    return doc["name"] if doc else None


def trend(unit: str, month: str) -> list[MonthFigures]:
    return [MonthFigures(p.first, figures(unit, p.first)) for p in trend_months(month)]


def school(s: str, month: str) -> UnitRow:
    zone = PLACE.school(s).zone
    unit = f"school:{PLACE.sid(s)}"
    return UnitRow(
        PLACE.sid(s),
        figures(unit, month),
        zone=zone,
        name=name(unit),
        zone_name=name(f"zone:{zone}"),
    )


def bulletin(month: str) -> CountyBulletin:
    zones = [PLACE.zone("Z1"), PLACE.zone("Z2")]
    return CountyBulletin(
        county="K1",
        month=month,
        figures=figures("county:K1", month),
        zones=[UnitRow(z, figures(f"zone:{z}", month), name=name(f"zone:{z}")) for z in zones],
        schools=[school(s, month) for s in "ABD"],
        trend=trend("county:K1", month),
        made_on=MADE_ON,
        county_name=name("county:K1"),
    )


def zone_monthly(month: str) -> ZoneMonthly:
    z1 = PLACE.zone("Z1")
    return ZoneMonthly(
        zone=z1,
        county="K1",
        month=month,
        figures=figures(f"zone:{z1}", month),
        schools=[school(s, month) for s in "AB"],
        trend=trend(f"zone:{z1}", month),
        made_on=MADE_ON,
        zone_name=name(f"zone:{z1}"),
        county_name=name("county:K1"),
    )


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def pdf_fonts(pdf: bytes) -> list[Any]:
    """Every font dictionary the pages use."""
    fonts = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"].get_object()
        for ref in resources["/Font"].get_object().values():
            fonts.append(ref.get_object())
    return fonts


def docx_texts(docx: bytes) -> tuple[str, list[list[list[str]]]]:
    opened = open_docx(io.BytesIO(docx))
    paragraphs = "\n".join(p.text for p in opened.paragraphs)
    tables = [[[cell.text for cell in row.cells] for row in t.rows] for t in opened.tables]
    return paragraphs, tables


def test_the_bulletin_pdf_carries_headings_rankings_figures_and_cases() -> None:
    text = pdf_text(render_pdf(county_bulletin(bulletin("2026-09"))))
    for expected in (
        "测试县责任督学挂牌督导工作通报",
        "2026年9月",
        "一、总体情况",
        "二、各责任区排名",
        "三、学校排名",
        "四、近六个月趋势",
        "五、发现问题及整改情况",
        "六、典型情况通报",
        # September: A and B of 3 visited, 2 problems opened, I1 closed, Q1 substantiated
        "本月共有学校3所，到校督导2所，覆盖率66.7%",
        "新发现问题2个",
        "整改率50.0%",
        "核查属实1件（属实率100.0%）",
        # cases: I1 at A is major, Q1 at D substantiated
        "重大问题学校A第一责任区",
        "发现重大问题：校园及周边安全、学生交通安全1个",
        "举报属实学校D第二责任区",
        "第1页共",
    ):
        assert expected in text, expected
    # zones ranked by coverage: Z1 (A and B visited, 100%) before Z2 (D not yet, 0%)
    assert text.index("1第一责任区2") < text.index("2第二责任区1")
    assert "K1-A" not in text and "K1-Z1" not in text  # names, not codes


def test_the_fonts_are_embedded_truetype() -> None:
    for pdf in (
        render_pdf(county_bulletin(bulletin("2026-10"))),
        render_pdf(zone_report(zone_monthly("2026-09"))),
    ):
        fonts = pdf_fonts(pdf)
        assert fonts
        for font in fonts:
            assert "/FontFile2" in font["/FontDescriptor"], font["/BaseFont"]
            assert "NotoSansSC" in font["/BaseFont"]


def test_the_zone_report_pdf_and_docx_carry_the_same_figures() -> None:
    report = zone_monthly("2026-09")
    text = pdf_text(render_pdf(zone_report(report)))
    paragraphs, tables = docx_texts(render_docx(zone_report(report)))
    for expected in (
        "第一责任区督导工作月报告",
        "一、基本情况",
        "三、近六个月趋势",
        "六、需关注的问题",
        "本月共有学校2所，到校督导2所，覆盖率100.0%",
    ):
        assert expected in text, expected
        assert expected in re.sub(r"\s+", "", paragraphs), expected
    indicators = {row[0]: row[1] for row in tables[0]}
    assert indicators["督导覆盖率"] == "100.0%"
    assert indicators["新发现问题（个）"] == "2"
    assert indicators["整改率"] == "50.0%"
    trend_rows = {row[0]: row[1:] for row in tables[1]}
    assert list(trend_rows)[1:] == [f"2026年{m}月" for m in range(4, 10)]
    assert trend_rows["2026年9月"][:4] == ["100.0%", "2", "2", "1"]
    assert trend_rows["2026年4月"][0] == "—"  # no school yet: no coverage
    schools = {row[0]: row[1:] for row in tables[4]}
    assert schools["学校A"][:4] == ["1", "1", "1", "100.0%"]
    assert schools["学校B"][:4] == ["1", "1", "0", "0.0%"]
    assert "所属县区：测试县" in paragraphs


def test_docx_styles_name_the_east_asian_fonts() -> None:
    opened = open_docx(io.BytesIO(render_docx(county_bulletin(bulletin("2026-10")))))

    def east_asian(style: str) -> str | None:
        fonts = opened.styles[style].element.rPr.rFonts
        name: str | None = fonts.get(qn("w:eastAsia"))
        return name

    assert east_asian("Normal") == "宋体"
    assert east_asian("Title") == east_asian("Heading 1") == "黑体"
    # coverage by zone, trend, problems by item, rectification by item
    assert len(opened.inline_shapes) == 4


def test_each_document_draws_its_charts() -> None:
    def pictures(document: Document) -> list[str]:
        return [b.caption for b in document.blocks if isinstance(b, Picture)]

    assert pictures(county_bulletin(bulletin("2026-10"))) == [
        "图：各责任区本月督导覆盖率",
        "图：2026年5月至2026年10月督导覆盖率、整改率（折线）与督导次数（柱）",
        "图：本月发现问题按督导事项与严重程度",
        "图：本月各督导事项整改情况（应整改、按期与逾期销号、整改率）",
    ]
    for document in (county_bulletin(bulletin("2026-10")), zone_report(zone_monthly("2026-10"))):
        for block in document.blocks:
            if isinstance(block, Picture):
                assert block.png.startswith(b"\x89PNG")
            if isinstance(block, Grid):
                assert all(len(row) == len(block.widths) for row in block.rows)
    no_problems = replace(bulletin("2026-09"), figures=figures("county:K1", "2026-05"))
    assert len(pictures(county_bulletin(no_problems))) == 2


def row(code: str, **f: Any) -> UnitRow:
    base: dict[str, Any] = {
        "coverage": None,
        "rectification_rate": None,
        "issues_overdue_at_end": 0,
        "issues_open_at_end": 0,
        "problems": {},
        "complaints_substantiated": 0,
    }
    return UnitRow(code, {**base, **f}, zone="Z")


def test_rankings_put_better_first_and_undefined_last() -> None:
    zones = [row("z1", coverage=0.5), row("z2", coverage=None), row("z3", coverage=0.9)]
    assert [z.code for z in zone_ranking(zones)] == ["z3", "z1", "z2"]
    tie = [
        row("a", coverage=0.5, rectification_rate=0.2),
        row("b", coverage=0.5, rectification_rate=0.8),
    ]
    assert [z.code for z in zone_ranking(tie)] == ["b", "a"]
    schools = [
        row("s1", issues_overdue_at_end=2, rectification_rate=1.0),
        row("s2", rectification_rate=0.5),
        row("s3"),
        row("s4", rectification_rate=0.9),
    ]
    assert [s.code for s in school_ranking(schools)] == ["s4", "s2", "s3", "s1"]


def test_notable_cases_name_overdue_major_and_substantiated() -> None:
    schools = [
        row("s2", complaints_substantiated=1),
        row("s1", issues_overdue_at_end=3, problems={"safety": {"major": 1, "general": 2}}),
        row("s3", problems={"canteen_hygiene": {"general": 1}}),
    ]
    cases = [(c.kind, c.school, c.text) for c in notable_cases(schools)]
    assert cases == [
        ("overdue", "s1", "逾期未整改问题 3 个"),
        ("major", "s1", "发现重大问题：校园及周边安全、学生交通安全 1 个"),
        ("complaint", "s2", "举报投诉经核查属实 1 件"),
    ]


def test_rectification_by_item_is_charted_and_tabled() -> None:
    # October in the county: safety 1 reopened, closed on time; canteen 1 open at the
    # start, closed late; teaching 1 opened, still open
    document = county_bulletin(bulletin("2026-10"))
    grids = [b for b in document.blocks if isinstance(b, Grid)]
    table = next(g for g in grids if g.rows[0][0] == "督导事项" and "整改率" in g.rows[0])
    assert [list(r) for r in table.rows[1:]] == [
        ["canteen", "1", "0", "0", "1", "0", "100.0%"],  # the scenario's own item codes
        ["校园及周边安全、学生交通安全", "0", "0", "1", "1", "1", "100.0%"],
        ["teaching", "0", "1", "0", "0", "0", "0.0%"],
    ]
    text = pdf_text(render_pdf(document))
    assert "图：本月各督导事项整改情况" in text and "月初未整改" in text
    _, tables = docx_texts(render_docx(document))
    assert ["督导事项", "月初未整改", "新发现", "重新整改", "销号", "其中按期", "整改率"] in [
        t[0] for t in tables
    ]


def test_a_reader_without_school_figures_is_told_the_cases_are_not_shown() -> None:
    """An integrator's bulletin holds no school: it must not say that nothing happened."""
    hidden = replace(bulletin("2026-09"), schools=[], schools_hidden=True)
    text = pdf_text(render_pdf(county_bulletin(hidden)))
    assert "不向数据接口用户提供" in text
    assert "本月无逾期未整改问题" not in text
