"""The 《督导整改通知书》 PDF: it renders, carries the facts and the receipt, long text flows on."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from services.issues.notices.documents import NoticeDocument, render_notice
from shared.contracts.visits import MajorKind

NOTICE = NoticeDocument(
    notice_no="游教督整〔2026〕3号",
    school_name="绵阳市游仙区实验小学",
    office_name="游仙区教育督导室",
    legal_basis="根据《教育督导条例》和《中小学校责任督学挂牌督导办法》的有关规定",
    item_title="校园及周边安全、学生交通安全",
    description="教学楼东侧消防通道被杂物堵塞，应急照明灯损坏",
    requirement="立即清理消防通道，更换应急照明设施，建立每日巡查制度",
    major_kind=MajorKind.safety_hazard,
    issued_on=date(2026, 10, 20),
    deadline=date(2026, 11, 5),
    note="整改期间每周五报送进展",
    principal_name="王明",
)


def pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), re.sub(r"\s+", "", text)


def test_the_notice_carries_every_fact_and_the_receipt() -> None:
    pages, text = pdf_text(render_notice(NOTICE))
    assert pages == 1
    for expected in (
        "督导整改通知书",
        "游教督整〔2026〕3号",
        "绵阳市游仙区实验小学：",
        "校园及周边安全、学生交通安全",
        "教学楼东侧消防通道被杂物堵塞",
        "立即清理消防通道",
        "危及师生生命安全的隐患",
        "《教育督导条例》",
        "2026年11月5日前（限期整改）",
        "书面报告游仙区教育督导室",
        "整改期间每周五报送进展",
        "整改直接责任人：王明",
        "游仙区教育督导室（盖章）2026年10月20日",
        "签发人（签字）",
        "沿此线剪下",
        "回执",
        "签收人（签字）________________",
        "第1页共1页",
    ):
        assert expected in text, expected


def test_a_recorded_receipt_is_printed_on_the_slip() -> None:
    signed = replace(NOTICE, received_by="李主任", received_on=date(2026, 10, 21))
    _, text = pdf_text(render_notice(signed))
    assert "签收人（签字）李主任" in text
    assert "签收日期2026年10月21日" in text
    assert "________________签收日期" not in text


def test_a_violation_is_named_as_such_and_no_note_no_line() -> None:
    other = replace(NOTICE, major_kind=MajorKind.violation, note="", principal_name=None)
    _, text = pdf_text(render_notice(other))
    assert "违法违规行为" in text and "安全的隐患" not in text
    assert "其他要求" not in text and "直接责任人" not in text


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.text(min_size=1, max_size=60),
    repeat=st.integers(min_value=1, max_value=120),
)
def test_any_text_of_any_length_renders_with_numbered_pages(words: str, repeat: int) -> None:
    long = replace(NOTICE, description=words * repeat, requirement="<b>&" + words)
    pages, text = pdf_text(render_notice(long))
    assert pages >= 1
    assert f"第{pages}页共{pages}页" in text
    assert "游教督整〔2026〕3号" in text
