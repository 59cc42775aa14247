"""The zh-CN PDF documents: they render, the Chinese text extracts, long text flows on."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from services.visits.visit.documents import (
    DisputeEntry,
    FeedbackList,
    HighlightEntry,
    ItemEntry,
    ProblemEntry,
    Signatures,
    SignInEntry,
    VisitRecord,
    render_feedback_list,
    render_visit_record,
)
from services.visits.visit.documents.labels import label
from shared.contracts.visits import (
    DisputeOutcome,
    MajorKind,
    Method,
    Severity,
    Verdict,
    VisitKind,
)

SCHOOL = "绵阳市游仙区实验小学"
PROBLEM = "学校食堂留样冰箱未按规定留存48小时食品样本"
REQUIREMENT = "立即整改，建立留样登记台账，由专人负责"


def pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), re.sub(r"\s+", "", text)


def problems(n: int = 2, words: str = PROBLEM) -> tuple[ProblemEntry, ...]:
    return tuple(
        ProblemEntry(
            point_no=i,
            item_title="食堂、食品、饮水及宿舍卫生",
            description=words,
            requirement=REQUIREMENT,
            deadline=date(2026, 10, 15),
            severity=Severity.major if i == 1 else Severity.general,
            major_kind=MajorKind.safety_hazard if i == 1 else None,
        )
        for i in range(1, n + 1)
    )


def record(**changes: object) -> VisitRecord:
    base = VisitRecord(
        school_name=SCHOOL,
        county="游仙区",
        zone="第一督学责任区",
        visit_date=date(2026, 9, 8),
        kind=VisitKind.routine,
        announced=False,
        inspectors=("李督学", "张督学"),
        purpose="开学工作检查",
        focus="食品安全与校园安全",
        sign_ins=(
            SignInEntry("李督学", datetime(2026, 9, 8, 8, 5, tzinfo=UTC), "学校大门", 35.0),
            SignInEntry(
                "张督学",
                datetime(2026, 9, 8, 8, 40, tzinfo=UTC),
                "31.4612, 104.7721",
                2300.0,
                flagged=True,
                flag_note="签到位置距学校超过 500 米",
            ),
        ),
        items=(
            ItemEntry(
                "校园及周边安全、学生交通安全",
                Verdict.fine,
                (Method.campus_walk, Method.interview),
                "门卫值守到位",
                2,
            ),
            ItemEntry(
                "食堂、食品、饮水及宿舍卫生", Verdict.problem, (Method.document_review,), PROBLEM, 3
            ),
        ),
        problems=problems(),
        highlights=(HighlightEntry("课程开设和课堂教学", "大课间活动丰富，学生每天锻炼一小时"),),
        disputes=(DisputeEntry(2, "已于当日补齐样本", DisputeOutcome.upheld, "样本不足时限"),),
        signatures=Signatures("李督学", "王校长", date(2026, 9, 8)),
        visit_id="visit-2026-0001",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def feedback(**changes: object) -> FeedbackList:
    base = FeedbackList(
        school_name=SCHOOL,
        visit_date=date(2026, 9, 8),
        inspectors=("李督学",),
        highlights=(HighlightEntry("校风、教风、学风建设", "校园文化建设有特色"),),
        problems=problems(),
        county="游仙区",
        principal_name="王校长",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_visit_record_carries_its_chinese_text() -> None:
    pages, text = pdf_text(render_visit_record(record()))
    assert pages >= 1
    for expected in (
        "责任督学工作手册",
        SCHOOL,
        "整改要求",
        PROBLEM,
        REQUIREMENT,
        "2026年10月15日",
        "经常性督导",
        "暗访",
        "巡视校园",
        "签到位置距学校超过500米",
        "危及师生生命安全隐患",
        "维持",
        "第1页共",
    ):
        assert expected in text, expected


def test_the_feedback_list_carries_problems_highlights_and_the_archive_note() -> None:
    pages, text = pdf_text(render_feedback_list(feedback()))
    for expected in (
        "责任督学挂牌督导反馈清单",
        SCHOOL,
        "亮点",
        "校园文化建设有特色",
        "整改要求",
        "整改期限",
        PROBLEM,
        "一式两份",
        "校长（签字）：王校长",
        f"第1页共{pages}页",
    ):
        assert expected in text, expected


def test_long_text_flows_onto_more_pages() -> None:
    short_pages, _ = pdf_text(render_feedback_list(feedback()))
    essay = "学校未按规定落实课后服务收费公示制度，" * 150  # one cell taller than a page
    long_pages, text = pdf_text(render_feedback_list(feedback(problems=problems(3, essay))))
    assert long_pages > short_pages + 3
    assert f"第{long_pages}页共{long_pages}页" in text
    record_pages, _ = pdf_text(render_visit_record(record(summary=essay, problems=())))
    assert record_pages >= 3


def test_every_enum_member_has_a_label() -> None:
    for enum in (VisitKind, Method, Verdict, Severity, MajorKind, DisputeOutcome):
        for member in enum:
            assert re.search(r"[\u4e00-\u9fff]", label(member)), member


zh_or_ascii = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.characters(min_codepoint=0, max_codepoint=0x7F),
        st.sampled_from("<>&\"'《》，。！？；：（）【】\n\t\u3000"),
        st.characters(),
    ),
    max_size=400,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(school=zh_or_ascii, notes=zh_or_ascii, problem=zh_or_ascii, name=zh_or_ascii)
def test_any_text_renders(school: str, notes: str, problem: str, name: str) -> None:
    item = ItemEntry(notes or "x", Verdict.problem, (Method.questionnaire,), notes, 0, name)
    r = record(school_name=school, items=(item,), problems=problems(1, problem), inspectors=(name,))
    pages, text = pdf_text(render_visit_record(r))
    assert "责任督学工作手册" in text and f"第{pages}页共{pages}页" in text
    assert common_hanzi(school + notes + problem + name) <= set(text)
    f = feedback(school_name=school, problems=problems(1, problem), summary=notes)
    pages, text = pdf_text(render_feedback_list(f))
    assert "责任督学挂牌督导反馈清单" in text and f"第{pages}页共{pages}页" in text
    assert common_hanzi(school + notes + problem) <= set(text)


def common_hanzi(text: str) -> set[str]:
    """The characters of ``text`` in GB 2312's hanzi rows (every CID font has their
    glyphs, so each must come back out of the PDF as itself)."""
    found = set()
    for ch in text:
        try:
            code = ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        if len(code) == 2 and code[0] >= 0xB0:
            found.add(ch)
    return found


def test_moments_print_in_china_time() -> None:
    """A sign-in at 14:44 UTC happened at 22:44 in China; after 16:00 UTC the date moves."""
    from shared.pdf.press import zh_time

    assert zh_time(datetime(2026, 12, 2, 14, 44, tzinfo=UTC)) == "2026年12月2日 22:44"
    assert zh_time(datetime(2026, 12, 2, 17, 0, tzinfo=UTC)) == "2026年12月3日 01:00"
