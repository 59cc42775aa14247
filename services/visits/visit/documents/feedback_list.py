"""《责任督学挂牌督导反馈清单》: highlights and problems, left with the school."""

from __future__ import annotations

from reportlab.platypus import Flowable

from services.visits.visit.documents.common import (
    disputes_section,
    highlights_section,
    problems_section,
    signature_lines,
)
from services.visits.visit.documents.models import FeedbackList
from shared.pdf import (
    BODY,
    NOTE,
    TITLE,
    heading,
    para,
    render,
    spacer,
    table,
    zh_date,
)

TITLE_TEXT = "责任督学挂牌督导反馈清单"


def feedback_list_story(f: FeedbackList) -> list[Flowable]:
    rows: list[list[str | Flowable]] = [
        ["学校名称", f.school_name, "督导日期", zh_date(f.visit_date)],
        ["责任督学", "、".join(f.inspectors), "县（区）", f.county or ""],
    ]
    story: list[Flowable] = [
        para(TITLE_TEXT, TITLE),
        spacer(2),
        table(rows, [0.14, 0.4, 0.14, 0.32], header=False, labels=True),
    ]
    if f.summary:
        story += [heading("总体情况"), para(f.summary, BODY)]
    story += [
        *highlights_section("一", f.highlights),
        *problems_section("二", f.problems),
        *disputes_section("三", f.disputes),
        spacer(4),
        para(
            "请学校按上述整改要求在整改期限内完成整改，并将整改情况书面报告责任督学。"
            "对反馈问题有异议的，可在签字前提出申辩。",
            BODY,
        ),
        spacer(6),
        signature_lines(None, f.principal_name, zh_date(f.signed_on) if f.signed_on else None),
        spacer(3),
        para(f.archive_note, NOTE),
    ]
    return story


def render_feedback_list(f: FeedbackList) -> bytes:
    """The feedback list (反馈清单) as an A4 PDF, to sign and keep in two copies."""
    return render(feedback_list_story(f), f"{TITLE_TEXT} — {f.school_name}", f.school_name)
