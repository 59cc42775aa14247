"""《督导整改通知书》: the office's formal order to rectify a major problem by a deadline,
with a tear-off receipt (回执) the school returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, HRFlowable, KeepTogether

from shared.contracts.visits import MajorKind
from shared.pdf import (
    BODY,
    HEADING,
    NOTE,
    SUBTITLE,
    TITLE,
    WIDTH,
    para,
    render,
    spacer,
    table,
    zh_date,
)

TITLE_TEXT = "督导整改通知书"
RECEIPT_TEXT = "回　执"

MAJOR_KIND = {
    MajorKind.violation: "违法违规行为",
    MajorKind.safety_hazard: "危及师生生命安全的隐患",
}

PARAGRAPH = ParagraphStyle("notice_paragraph", parent=BODY, firstLineIndent=2 * 10.5)
RIGHT = ParagraphStyle("notice_right", parent=BODY, alignment=TA_RIGHT)
CENTER_NOTE = ParagraphStyle("notice_cut", parent=NOTE, alignment=TA_CENTER)
RECEIPT_TITLE = ParagraphStyle("notice_receipt", parent=HEADING, alignment=TA_CENTER)
BLANK = "________________"


@dataclass(frozen=True)
class NoticeDocument:
    """What the notice prints; every text is the users' own (cleaned when printed)."""

    notice_no: str
    school_name: str
    office_name: str
    """The issuing office as it signs, e.g. 游仙区教育督导室."""
    legal_basis: str
    item_title: str
    description: str
    requirement: str
    major_kind: MajorKind | None
    issued_on: date
    deadline: date
    note: str = ""
    principal_name: str | None = None
    received_by: str | None = None
    received_on: date | None = None


def _problem(n: NoticeDocument) -> Flowable:
    nature = "重大问题"
    if n.major_kind is not None:
        nature += f"（{MAJOR_KIND[n.major_kind]}）"
    rows: list[list[str | Flowable]] = [
        ["督导事项", n.item_title],
        ["存在问题", n.description],
        ["问题性质", nature],
        ["整改要求", n.requirement],
        ["整改期限", f"{zh_date(n.deadline)}前（限期整改）"],
    ]
    if n.note.strip():
        rows.append(["其他要求", n.note])
    return table(rows, [0.16, 0.84], header=False, labels=True)


def _receipt(n: NoticeDocument) -> list[Flowable]:
    rows: list[list[str | Flowable]] = [
        ["学校名称", n.school_name],
        ["通知书编号", n.notice_no],
        ["签收人（签字）", n.received_by or BLANK],
        ["签收日期", zh_date(n.received_on)],
        ["学校（盖章）", ""],
    ]
    return [
        spacer(6),
        HRFlowable(width=WIDTH, thickness=0.6, color=colors.dimgray, dash=(3, 3)),
        para("（沿此线剪下，回执交回发文机关）", CENTER_NOTE),
        KeepTogether(
            [
                para(RECEIPT_TEXT, RECEIPT_TITLE),
                para(f"{n.office_name}：", BODY),
                para(
                    f"我校已收到《督导整改通知书》（{n.notice_no}），将按要求于"
                    f"{zh_date(n.deadline)}前整改到位，并书面报告整改情况。",
                    PARAGRAPH,
                ),
                spacer(2),
                table(rows, [0.22, 0.78], header=False, labels=True),
            ]
        ),
    ]


def notice_story(n: NoticeDocument) -> list[Flowable]:
    responsible = f"（整改直接责任人：{n.principal_name}）" if n.principal_name else ""
    story: list[Flowable] = [
        para(TITLE_TEXT, TITLE),
        para(n.notice_no, SUBTITLE),
        spacer(4),
        para(f"{n.school_name}：", BODY),
        para(
            f"{n.legal_basis}，经责任督学督导核查，你校存在下列重大问题，"
            "须限期整改。现将有关事项通知如下：",
            PARAGRAPH,
        ),
        spacer(2),
        _problem(n),
        spacer(3),
        para(
            f"请你校接到本通知书后立即组织整改{responsible}，于{zh_date(n.deadline)}前"
            f"整改到位，并在期限内将整改情况书面报告{n.office_name}。"
            "逾期未整改或整改不到位的，将按有关规定予以通报并追究相关责任。",
            PARAGRAPH,
        ),
        spacer(8),
        para(f"{n.office_name}（盖章）", RIGHT),
        para(zh_date(n.issued_on), RIGHT),
        spacer(4),
        table(
            [[f"签发人（签字）：{BLANK}", f"经办人（签字）：{BLANK}"]],
            [0.5, 0.5],
            header=False,
        ),
    ]
    return story + _receipt(n)


def render_notice(n: NoticeDocument) -> bytes:
    return render(notice_story(n), f"{TITLE_TEXT} {n.notice_no}", n.notice_no)
