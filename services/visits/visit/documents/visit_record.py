"""《责任督学工作手册》: the record of one visit, as the inspector files it."""

from __future__ import annotations

from reportlab.platypus import Flowable

from services.visits.visit.documents import common
from services.visits.visit.documents.labels import METHOD, VERDICT, VISIT_KIND, announced_label
from services.visits.visit.documents.models import SignInEntry, VisitRecord
from shared import pdf

TITLE_TEXT = "责任督学工作手册"


def _sign_in_place(s: SignInEntry) -> str:
    place = s.place or "未提供位置"
    if s.distance_m is not None:
        place += f"（距学校约 {s.distance_m:.0f} 米）"
    if s.flagged:
        place += f"\n※ 提示：{s.flag_note or '签到位置异常'}"
    return place


def _facts(r: VisitRecord) -> list[Flowable]:
    where = r.county + (f" / {r.zone}" if r.zone else "")
    kind = VISIT_KIND[r.kind] + (f"（{r.campaign_title}）" if r.campaign_title else "")
    rows: list[list[str | Flowable]] = [
        ["学校名称", r.school_name, "督导日期", pdf.zh_date(r.visit_date)],
        ["县（区）/ 责任区", where, "督导类型", f"{kind}，{announced_label(r.announced)}"],
        ["责任督学", "、".join(r.inspectors), "记录编号", r.visit_id or ""],
    ]
    return [pdf.table(rows, [0.16, 0.38, 0.14, 0.32], header=False, labels=True)]


def _sign_ins(r: VisitRecord) -> list[Flowable]:
    if not r.sign_ins:
        return [pdf.heading("一、签到情况"), pdf.para("无签到记录。", pdf.BODY)]
    rows: list[list[str | Flowable]] = [["督学", "签到时间", "签到地点"]]
    rows += [[s.inspector_name, pdf.zh_time(s.signed_in_at), _sign_in_place(s)] for s in r.sign_ins]
    return [pdf.heading("一、签到情况"), pdf.table(rows, [0.18, 0.27, 0.55])]


def _purpose(r: VisitRecord) -> list[Flowable]:
    story: list[Flowable] = [
        pdf.heading("二、督导目的与重点"),
        pdf.para(f"督导目的：{r.purpose}", pdf.BODY),
    ]
    if r.focus:
        story.append(pdf.para(f"督导重点：{r.focus}", pdf.BODY))
    return story


def _items(r: VisitRecord) -> list[Flowable]:
    story: list[Flowable] = [pdf.heading("三、逐项检查记录")]
    if not r.items:
        return [*story, pdf.para("无检查项目记录。", pdf.BODY)]
    rows: list[list[str | Flowable]] = [
        ["序号", "检查项目", "结论", "督导方式", "情况记录", "证据"]
    ]
    for i, item in enumerate(r.items, start=1):
        notes = item.notes + (f"\n（记录人：{item.inspector_name}）" if item.inspector_name else "")
        rows.append(
            [
                str(i),
                item.title,
                VERDICT[item.verdict],
                "、".join(METHOD[m] for m in item.methods),
                notes,
                f"{item.evidence_count} 份",
            ]
        )
    story.append(pdf.table(rows, [0.07, 0.2, 0.08, 0.15, 0.41, 0.09]))
    return story


def visit_record_story(r: VisitRecord) -> list[Flowable]:
    story: list[Flowable] = [
        pdf.para(TITLE_TEXT, pdf.TITLE),
        pdf.para("责任督学挂牌督导工作记录", pdf.SUBTITLE),
        pdf.spacer(4),
        *_facts(r),
        *_sign_ins(r),
        *_purpose(r),
        *_items(r),
        *common.problems_section("四", r.problems),
        *common.highlights_section("五", r.highlights),
        *common.disputes_section("六", r.disputes),
    ]
    if r.summary:
        story += [pdf.heading("督导小结"), pdf.para(r.summary, pdf.BODY)]
    s = r.signatures
    story += [
        pdf.spacer(6),
        common.signature_lines(
            s.inspector, s.principal, pdf.zh_date(s.signed_on) if s.signed_on else None
        ),
    ]
    return story


def render_visit_record(r: VisitRecord) -> bytes:
    """The visit's entry of 《责任督学工作手册》 as an A4 PDF."""
    return pdf.render(visit_record_story(r), f"{TITLE_TEXT} — {r.school_name}", r.school_name)
