"""《责任督学挂牌督导反馈清单》: highlights and problems, left with the school."""

from __future__ import annotations

from reportlab.platypus import Flowable

from services.visits.visit.documents import common
from services.visits.visit.documents.models import FeedbackList
from shared import pdf

TITLE_TEXT = "责任督学挂牌督导反馈清单"


def feedback_list_story(f: FeedbackList) -> list[Flowable]:
    rows: list[list[str | Flowable]] = [
        ["学校名称", f.school_name, "督导日期", pdf.zh_date(f.visit_date)],
        ["责任督学", "、".join(f.inspectors), "县（区）", f.county or ""],
    ]
    story: list[Flowable] = [
        pdf.para(TITLE_TEXT, pdf.TITLE),
        pdf.spacer(2),
        pdf.table(rows, [0.14, 0.4, 0.14, 0.32], header=False, labels=True),
    ]
    if f.summary:
        story += [pdf.heading("总体情况"), pdf.para(f.summary, pdf.BODY)]
    story += [
        *common.highlights_section("一", f.highlights),
        *common.problems_section("二", f.problems),
        *common.disputes_section("三", f.disputes),
        pdf.spacer(4),
        pdf.para(
            "请学校按上述整改要求在整改期限内完成整改，并将整改情况书面报告责任督学。"
            "对反馈问题有异议的，可在签字前提出申辩。",
            pdf.BODY,
        ),
        pdf.spacer(6),
        common.signature_lines(
            None, f.principal_name, pdf.zh_date(f.signed_on) if f.signed_on else None
        ),
        pdf.spacer(3),
        pdf.para(f.archive_note, pdf.NOTE),
    ]
    return story


def render_feedback_list(f: FeedbackList) -> bytes:
    """The feedback list (反馈清单) as an A4 PDF, to sign and keep in two copies."""
    return pdf.render(feedback_list_story(f), f"{TITLE_TEXT} — {f.school_name}", f.school_name)
