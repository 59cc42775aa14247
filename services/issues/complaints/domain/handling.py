"""A handler's steps: accept (受理), not admissible (不予受理), verify (核实), the linked
issue (立项整改), answer (答复), close (办结)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from services.issues.complaints.domain.state import (
    SUBSTANTIATED,
    Complaint,
    Seal,
    Status,
    decides,
    evolves,
    optional,
    require,
    text_required,
)
from shared.commands import IllegalStep
from shared.contracts.complaints import (
    AnswerMethod,
    ComplaintAccepted,
    ComplaintAnswered,
    ComplaintClosed,
    ComplaintIssueOpened,
    ComplaintRejected,
    ComplaintVerified,
    VerificationOutcome,
)
from shared.events import EventPayload


@dataclass(frozen=True)
class Accept:
    by: str
    as_office: bool
    note: str = ""


@dataclass(frozen=True)
class Reject:
    by: str
    reason: str


@dataclass(frozen=True)
class Verify:
    by: str
    outcome: VerificationOutcome
    findings: str
    visit_id: str | None = None


@dataclass(frozen=True)
class LinkIssue:
    by: str
    issue_id: str


@dataclass(frozen=True)
class Answer:
    by: str
    answer: str
    method: AnswerMethod
    on: date


@dataclass(frozen=True)
class Close:
    by: str
    note: str = ""


@decides(Accept)
def accept(state: Complaint, cmd: Accept, seal: Seal) -> list[EventPayload]:
    require(state, Status.routed, doing="受理")
    return [
        ComplaintAccepted(
            complaint_id=state.complaint_id,
            accepted_by=cmd.by,
            as_office=cmd.as_office,
            note=optional(cmd.note, seal),
        )
    ]


@decides(Reject)
def reject(state: Complaint, cmd: Reject, seal: Seal) -> list[EventPayload]:
    require(state, Status.routed, doing="作不予受理决定")
    text_required(cmd.reason, "不予受理须说明理由 (a reason is required)")
    return [
        ComplaintRejected(
            complaint_id=state.complaint_id, rejected_by=cmd.by, reason=seal(cmd.reason)
        )
    ]


@decides(Verify)
def verify(state: Complaint, cmd: Verify, seal: Seal) -> list[EventPayload]:
    require(state, Status.accepted, doing="核实")
    text_required(cmd.findings, "须写明核实情况 (findings required)")
    return [
        ComplaintVerified(
            complaint_id=state.complaint_id,
            verified_by=cmd.by,
            outcome=cmd.outcome,
            findings=seal(cmd.findings),
            visit_id=cmd.visit_id,
        )
    ]


def link_issue(state: Complaint, cmd: LinkIssue) -> list[EventPayload]:
    """Idempotent: linking the issue already linked changes nothing."""
    require(state, Status.verified, Status.answered, doing="立项整改")
    if state.outcome not in SUBSTANTIATED:
        raise IllegalStep(
            "核实不属实的投诉不能立项整改 (only a substantiated complaint opens an issue)"
        )
    if state.issue_id == cmd.issue_id:
        return []
    if state.issue_id is not None:
        raise IllegalStep(f"该投诉已立项整改（{state.issue_id}） (an issue is linked already)")
    return [
        ComplaintIssueOpened(
            complaint_id=state.complaint_id, issue_id=cmd.issue_id, opened_by=cmd.by
        )
    ]


@decides(LinkIssue)
def _link_issue(state: Complaint, cmd: LinkIssue, seal: Seal) -> list[EventPayload]:
    return link_issue(state, cmd)  # seals no words


@decides(Answer)
def answer(state: Complaint, cmd: Answer, seal: Seal) -> list[EventPayload]:
    require(state, Status.verified, doing="答复")
    text_required(cmd.answer, "须写明答复内容 (answer required)")
    if state.received_on is not None and cmd.on < state.received_on:
        raise IllegalStep("答复日期不能早于收到日期 (answered before received)")
    return [
        ComplaintAnswered(
            complaint_id=state.complaint_id,
            answered_by=cmd.by,
            answer=seal(cmd.answer),
            method=cmd.method,
            answered_on=cmd.on,
        )
    ]


@decides(Close)
def close(state: Complaint, cmd: Close, seal: Seal) -> list[EventPayload]:
    require(state, Status.answered, doing="办结")
    note = optional(cmd.note, seal)
    return [ComplaintClosed(complaint_id=state.complaint_id, closed_by=cmd.by, note=note)]


@evolves(ComplaintAccepted)
def accepted(state: Complaint, event: ComplaintAccepted) -> Complaint:
    return replace(
        state,
        status=Status.accepted,
        accepted_by=event.accepted_by,
        accepted_as_office=event.as_office,
    )


@evolves(ComplaintRejected)
def rejected(state: Complaint, event: ComplaintRejected) -> Complaint:
    return replace(state, status=Status.rejected, rejection_reason=event.reason)


@evolves(ComplaintVerified)
def verified(state: Complaint, event: ComplaintVerified) -> Complaint:
    return replace(
        state,
        status=Status.verified,
        verified_by=event.verified_by,
        outcome=event.outcome,
        visit_id=event.visit_id,
    )


@evolves(ComplaintIssueOpened)
def issue_opened(state: Complaint, event: ComplaintIssueOpened) -> Complaint:
    return replace(state, issue_id=event.issue_id)


@evolves(ComplaintAnswered)
def answered(state: Complaint, event: ComplaintAnswered) -> Complaint:
    return replace(
        state,
        status=Status.answered,
        answer=event.answer,
        answer_method=event.method,
        answered_on=event.answered_on,
    )


@evolves(ComplaintClosed)
def closed(state: Complaint, event: ComplaintClosed) -> Complaint:
    return replace(state, status=Status.closed)
