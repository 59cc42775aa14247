"""Sections both documents print: problems, highlights, disputes, signature lines."""

from __future__ import annotations

from reportlab.platypus import Flowable

from services.visits.visit.documents.labels import DISPUTE_OUTCOME, MAJOR_KIND, SEVERITY
from services.visits.visit.documents.models import DisputeEntry, HighlightEntry, ProblemEntry
from shared.pdf import BODY, heading, para, table, zh_date


def problems_table(problems: tuple[ProblemEntry, ...]) -> Flowable:
    rows: list[list[str | Flowable]] = [["序号", "检查项目", "存在问题", "整改要求", "整改期限"]]
    for p in sorted(problems, key=lambda p: p.point_no):
        grade = SEVERITY[p.severity]
        if p.major_kind is not None:
            grade += f"（{MAJOR_KIND[p.major_kind]}）"
        rows.append(
            [
                str(p.point_no),
                p.item_title,
                f"{p.description}\n[{grade}]",
                p.requirement,
                zh_date(p.deadline),
            ]
        )
    return table(rows, [0.07, 0.17, 0.33, 0.28, 0.15])


def problems_section(number: str, problems: tuple[ProblemEntry, ...]) -> list[Flowable]:
    story: list[Flowable] = [heading(f"{number}、存在问题及整改要求")]
    if problems:
        story.append(problems_table(problems))
    else:
        story.append(para("本次督导未发现需要整改的问题。", BODY))
    return story


def highlights_section(number: str, highlights: tuple[HighlightEntry, ...]) -> list[Flowable]:
    story: list[Flowable] = [heading(f"{number}、亮点（典型经验）")]
    if not highlights:
        story.append(para("无。", BODY))
    for i, h in enumerate(highlights, start=1):
        story.append(para(f"{i}. 【{h.item_title}】{h.description}", BODY))
    return story


def disputes_section(number: str, disputes: tuple[DisputeEntry, ...]) -> list[Flowable]:
    if not disputes:
        return []
    rows: list[list[str | Flowable]] = [["问题序号", "学校申辩理由", "处理结果", "说明"]]
    for d in sorted(disputes, key=lambda d: d.point_no):
        outcome = DISPUTE_OUTCOME[d.outcome] if d.outcome else "待处理"
        rows.append([str(d.point_no), d.reason, outcome, d.note])
    return [heading(f"{number}、申辩及处理情况"), table(rows, [0.12, 0.43, 0.12, 0.33])]


def signature_lines(
    inspector: str | None, principal: str | None, signed_on: str | None = None
) -> Flowable:
    blank = "________________"
    rows: list[list[str | Flowable]] = [
        [f"责任督学（签字）：{inspector or blank}", f"校长（签字）：{principal or blank}"],
        [f"日期：{signed_on or zh_date(None)}", ""],
    ]
    return table(rows, [0.5, 0.5], header=False)
