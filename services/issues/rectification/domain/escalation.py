"""Escalation (上报): a problem the school cannot fix itself, reported in writing to a
body, whose receipt and answer are recorded; an unanswered escalation keeps the issue
open."""

from __future__ import annotations

from dataclasses import dataclass, replace

from services.issues.rectification.domain.facts import EscalationFacts
from services.issues.rectification.domain.state import (
    Escalation,
    Issue,
    require_open,
    require_text,
)
from services.issues.rectification.domain.steps import decides, evolves
from shared.commands import IllegalStep
from shared.contracts.issues import EscalationAnswered, EscalationReceived, IssueEscalated
from shared.events import EventPayload


@dataclass(frozen=True)
class Escalate:
    by: str
    escalation: EscalationFacts


@dataclass(frozen=True)
class RecordEscalationReceipt:
    received_by: str
    note: str = ""


@dataclass(frozen=True)
class RecordEscalationAnswer:
    answered_by: str
    answer: str


@decides(Escalate)
def escalate(state: Issue, cmd: Escalate) -> list[EventPayload]:
    require_open(state, "上报")
    if state.escalation_pending:
        raise IllegalStep(
            f"已上报{state.escalated_to or ''}，尚未答复 (an escalation is already pending)"
        )
    facts = cmd.escalation
    if not facts.to_body.strip() or not facts.report.strip():
        raise IllegalStep("上报须写明报送单位和书面报告 (to_body and report are required)")
    return [IssueEscalated(issue_id=state.issue_id, escalated_by=cmd.by, **facts.event_fields())]


@decides(RecordEscalationReceipt)
def record_escalation_receipt(state: Issue, cmd: RecordEscalationReceipt) -> list[EventPayload]:
    require_open(state, "登记签收")
    if state.escalation != Escalation.escalated:
        raise IllegalStep("没有待签收的上报 (no escalation awaiting receipt)")
    return [EscalationReceived(issue_id=state.issue_id, received_by=cmd.received_by, note=cmd.note)]


@decides(RecordEscalationAnswer)
def record_escalation_answer(state: Issue, cmd: RecordEscalationAnswer) -> list[EventPayload]:
    require_open(state, "登记答复")
    if not state.escalation_pending:
        raise IllegalStep("没有待答复的上报 (no escalation awaiting an answer)")
    require_text(cmd.answer, "答复内容不能为空 (the answer is required)")
    return [
        EscalationAnswered(issue_id=state.issue_id, answered_by=cmd.answered_by, answer=cmd.answer)
    ]


@evolves(IssueEscalated)
def escalated(state: Issue, event: IssueEscalated) -> Issue:
    return replace(state, escalation=Escalation.escalated, escalated_to=event.to_body)


@evolves(EscalationReceived)
def escalation_received(state: Issue, event: EscalationReceived) -> Issue:
    return replace(state, escalation=Escalation.received)


@evolves(EscalationAnswered)
def escalation_answered(state: Issue, event: EscalationAnswered) -> Issue:
    return replace(state, escalation=Escalation.answered)
