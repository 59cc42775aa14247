"""The formal notice (《督导整改通知书》): at most one per major problem, whose deadline
becomes the issue's, and the school's signed receipt (回执)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from services.issues.rectification.domain.state import Issue, require_open, require_text
from services.issues.rectification.domain.steps import decides, evolves
from shared.commands import IllegalStep
from shared.contracts.issues import NoticeReceiptRecorded, RectificationNoticeIssued
from shared.events import EventPayload


@dataclass(frozen=True)
class IssueNotice:
    by: str
    notice_no: str
    issued_on: date
    deadline: date
    note: str = ""


@dataclass(frozen=True)
class RecordNoticeReceipt:
    by: str
    received_by: str
    received_on: date


@decides(IssueNotice)
def issue_notice(state: Issue, cmd: IssueNotice) -> list[EventPayload]:
    require_open(state, "下发整改通知书")
    if not state.major:
        raise IllegalStep(
            "只有重大问题才下发《督导整改通知书》 (notices are for major problems only)"
        )
    if state.notice_no is not None:
        raise IllegalStep(f"已下发整改通知书 {state.notice_no} (a notice was already issued)")
    require_text(cmd.notice_no, "须填写通知书编号 (notice_no is required)")
    if cmd.deadline < cmd.issued_on:
        raise IllegalStep("整改期限不能早于下发日期 (deadline before the issue date)")
    return [
        RectificationNoticeIssued(
            issue_id=state.issue_id,
            notice_no=cmd.notice_no,
            issued_by=cmd.by,
            issued_on=cmd.issued_on,
            deadline=cmd.deadline,
            note=cmd.note,
        )
    ]


@decides(RecordNoticeReceipt)
def record_notice_receipt(state: Issue, cmd: RecordNoticeReceipt) -> list[EventPayload]:
    require_open(state, "登记通知书回执")
    if state.notice_no is None:
        raise IllegalStep("尚未下发整改通知书 (no notice was issued)")
    if state.notice_received:
        raise IllegalStep("通知书回执已登记 (the receipt is already recorded)")
    return [
        NoticeReceiptRecorded(
            issue_id=state.issue_id,
            received_by=cmd.received_by,
            received_on=cmd.received_on,
            recorded_by=cmd.by,
        )
    ]


@evolves(RectificationNoticeIssued)
def notice_issued(state: Issue, event: RectificationNoticeIssued) -> Issue:
    return replace(state, notice_no=event.notice_no, deadline=event.deadline)


@evolves(NoticeReceiptRecorded)
def notice_received(state: Issue, event: NoticeReceiptRecorded) -> Issue:
    return replace(state, notice_received=True)
