"""The complaint aggregate (举报投诉) as a checked state machine.

Pure: ``decide(state, command, seal)`` returns the events to append or raises
:class:`~shared.commands.IllegalStep` (HTTP 409) with a zh-CN reason; :func:`evolve`
folds one event into the state. No I/O and no clock: the day of receipt and the
listed inspectors enter through :class:`ReceiveComplaint`, "today" through
:func:`answer_overdue`, and ``seal`` (the complaint's data key, like the clock brought
by the caller) turns the words of a command into the sealed text its event carries —
commands hold free text in clear, events never do. Who may take a step (the routed
inspector, the county office) is the application service's question (403), not this
module's.

Statuses::

    received ─(same command)─▶ routed ─accept─▶ accepted ─verify─▶ verified
    verified ─answer─▶ answered ─close─▶ closed
    routed ─reject─▶ rejected (不予受理)
    routed | accepted ─reroute (county office)─▶ routed
    verified | answered ─link issue (substantiated or partly, once)─▶ same status
    any status ─erase (county office)─▶ same status, ``erased``: no step after it

Each command's step is registered in :data:`DECIDERS`, each event's evolution on
:data:`STEPS` (:mod:`shared.steps`). (About 510 lines, over the ~300 of the house: the
nine steps and their evolutions still share one module; splitting them into one module
a step, as ``rectification/domain/`` is, is the next step of issue 11.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from shared.commands import IllegalStep
from shared.contracts.complaints import (
    AnswerMethod,
    ComplaintAccepted,
    ComplaintAnswered,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintClosed,
    ComplaintErased,
    ComplaintIssueOpened,
    ComplaintReceived,
    ComplaintRejected,
    ComplaintRouted,
    ComplaintVerified,
    ErasureReason,
    PrivateText,
    SealedText,
    VerificationOutcome,
)
from shared.events import EventPayload
from shared.steps import Steps

ROUTER = "svc-issues"
"""Who routes a complaint on receipt: the service itself."""

Seal = Callable[[str], SealedText]
"""Encrypts a text with the complaint's data key."""


class Status(StrEnum):
    none = "none"
    received = "received"
    routed = "routed"
    accepted = "accepted"
    verified = "verified"
    answered = "answered"
    closed = "closed"
    rejected = "rejected"


STATUS_LABELS = {
    Status.received: "已收到",
    Status.routed: "已转办",
    Status.accepted: "已受理",
    Status.verified: "已核实",
    Status.answered: "已答复",
    Status.closed: "已办结",
    Status.rejected: "不予受理",
}

AWAITING_ANSWER = frozenset({Status.received, Status.routed, Status.accepted, Status.verified})
"""Statuses in which the complainant is still waiting for an answer."""

SUBSTANTIATED = frozenset(
    {VerificationOutcome.substantiated, VerificationOutcome.partly_substantiated}
)


@dataclass(frozen=True)
class Complaint:
    """What decisions about a complaint need to know."""

    status: Status = Status.none
    complaint_id: str = ""
    tracking_no: str = ""
    school_id: str = ""
    category: ComplaintCategory = ComplaintCategory.other
    anonymous: bool = True
    has_contact: bool = False
    received_on: date | None = None
    answer_due_on: date | None = None
    routed_to: tuple[str, ...] = ()
    to_county_office: bool = False
    unlisted: bool = False
    accepted_by: str | None = None
    accepted_as_office: bool = False
    verified_by: str | None = None
    outcome: VerificationOutcome | None = None
    visit_id: str | None = None
    issue_id: str | None = None
    answer: PrivateText | None = None
    answer_method: AnswerMethod | None = None
    answered_on: date | None = None
    rejection_reason: PrivateText | None = None
    erased: bool = False
    """Its personal data was erased (``ComplaintErased``): no further step."""

    @property
    def handling_inspector(self) -> str | None:
        """The inspector who handles the case: who accepted it, else who verified it,
        else the first inspector it is routed to."""
        if self.accepted_by is not None and not self.accepted_as_office:
            return self.accepted_by
        if self.verified_by is not None and self.verified_by in self.routed_to:
            return self.verified_by
        return self.routed_to[0] if self.routed_to else None


# ---------------------------------------------------------------- commands


@dataclass(frozen=True)
class ReceiveComplaint:
    complaint_id: str
    tracking_no: str
    school_id: str
    school_name: str
    channel: ComplaintChannel
    category: ComplaintCategory
    subject: str
    content: str
    anonymous: bool
    has_contact: bool
    received_by: str
    received_on: date
    answer_days: int
    listed_inspector_ids: tuple[str, ...]
    """The school's listed inspectors on the day of receipt (empty: 未挂牌)."""


@dataclass(frozen=True)
class Reroute:
    by: str
    inspector_ids: tuple[str, ...]
    """Empty: to the county office itself."""
    reason: str


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


@dataclass(frozen=True)
class Erase:
    """Record that the complaint's key and contact were deleted (the service deletes them)."""

    by: str
    reason: ErasureReason
    request_ref: str | None
    contact_removed: bool


Command = ReceiveComplaint | Reroute | Accept | Reject | Verify | LinkIssue | Answer | Close | Erase


def stream_id(complaint_id: str) -> str:
    return f"complaint-{complaint_id}"


def due_on(received_on: date, answer_days: int) -> date:
    """The last day to answer: ``answer_days`` calendar days after the day of receipt."""
    return received_on + timedelta(days=answer_days)


def answer_overdue(state: Complaint, today: date) -> bool:
    """The complainant is still waiting and the answer's last day has passed."""
    return (
        state.status in AWAITING_ANSWER
        and state.answer_due_on is not None
        and today > state.answer_due_on
    )


# ---------------------------------------------------------------- decisions


def _label(state: Complaint) -> str:
    return STATUS_LABELS.get(state.status, state.status.value)


def _require(state: Complaint, *allowed: Status, doing: str) -> None:
    if state.status == Status.none:
        raise IllegalStep(f"举报投诉不存在，无法{doing} (no such complaint)")
    if state.erased:
        raise IllegalStep(f"该投诉的个人信息已删除，不能{doing} (personal data erased)")
    if state.status not in allowed:
        raise IllegalStep(
            f"举报投诉当前状态为「{_label(state)}」，不能{doing} (illegal in {state.status})"
        )


def _text(value: str, message: str) -> None:
    if not value.strip():
        raise IllegalStep(message)


def _optional(note: str, seal: Seal) -> SealedText | None:
    return seal(note) if note.strip() else None


def receive(state: Complaint, cmd: ReceiveComplaint, seal: Seal) -> list[EventPayload]:
    if state.status != Status.none:
        raise IllegalStep(f"举报投诉 {cmd.complaint_id} 已登记 (complaint already received)")
    _text(cmd.subject, "须写明投诉事项 (subject required)")
    _text(cmd.content, "须写明投诉内容 (content required)")
    if cmd.anonymous and cmd.has_contact:
        raise IllegalStep("匿名投诉不留联系方式 (an anonymous complaint has no contact)")
    if cmd.answer_days < 1:
        raise IllegalStep("答复期限至少一天 (answer_days must be at least 1)")
    listed = tuple(dict.fromkeys(cmd.listed_inspector_ids))
    return [
        ComplaintReceived(
            complaint_id=cmd.complaint_id,
            tracking_no=cmd.tracking_no,
            school_id=cmd.school_id,
            school_name=cmd.school_name,
            channel=cmd.channel,
            category=cmd.category,
            subject=seal(cmd.subject),
            content=seal(cmd.content),
            anonymous=cmd.anonymous,
            has_contact=cmd.has_contact,
            received_by=cmd.received_by,
            received_on=cmd.received_on,
            answer_due_on=due_on(cmd.received_on, cmd.answer_days),
        ),
        ComplaintRouted(
            complaint_id=cmd.complaint_id,
            to_inspector_ids=list(listed),
            to_county_office=not listed,
            unlisted=not listed,
            routed_by=ROUTER,
        ),
    ]


def reroute(state: Complaint, cmd: Reroute, seal: Seal) -> list[EventPayload]:
    _require(state, Status.routed, Status.accepted, doing="改派")
    _text(cmd.reason, "改派须说明理由 (a reason is required)")
    targets = tuple(dict.fromkeys(cmd.inspector_ids))
    if state.status == Status.routed and set(targets) == set(state.routed_to):
        raise IllegalStep("已转办给这些督学，无需改派 (already routed there)")
    return [
        ComplaintRouted(
            complaint_id=state.complaint_id,
            to_inspector_ids=list(targets),
            to_county_office=not targets,
            unlisted=state.unlisted,
            routed_by=cmd.by,
            reason=seal(cmd.reason),
        )
    ]


def accept(state: Complaint, cmd: Accept, seal: Seal) -> list[EventPayload]:
    _require(state, Status.routed, doing="受理")
    return [
        ComplaintAccepted(
            complaint_id=state.complaint_id,
            accepted_by=cmd.by,
            as_office=cmd.as_office,
            note=_optional(cmd.note, seal),
        )
    ]


def reject(state: Complaint, cmd: Reject, seal: Seal) -> list[EventPayload]:
    _require(state, Status.routed, doing="作不予受理决定")
    _text(cmd.reason, "不予受理须说明理由 (a reason is required)")
    return [
        ComplaintRejected(
            complaint_id=state.complaint_id, rejected_by=cmd.by, reason=seal(cmd.reason)
        )
    ]


def verify(state: Complaint, cmd: Verify, seal: Seal) -> list[EventPayload]:
    _require(state, Status.accepted, doing="核实")
    _text(cmd.findings, "须写明核实情况 (findings required)")
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
    _require(state, Status.verified, Status.answered, doing="立项整改")
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


def answer(state: Complaint, cmd: Answer, seal: Seal) -> list[EventPayload]:
    _require(state, Status.verified, doing="答复")
    _text(cmd.answer, "须写明答复内容 (answer required)")
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


def close(state: Complaint, cmd: Close, seal: Seal) -> list[EventPayload]:
    _require(state, Status.answered, doing="办结")
    note = _optional(cmd.note, seal)
    return [ComplaintClosed(complaint_id=state.complaint_id, closed_by=cmd.by, note=note)]


def erase(state: Complaint, cmd: Erase) -> list[EventPayload]:
    _require(state, *STATUS_LABELS, doing="再次删除个人信息")
    return [
        ComplaintErased(
            complaint_id=state.complaint_id,
            erased_by=cmd.by,
            reason=cmd.reason,
            request_ref=cmd.request_ref,
            contact_removed=cmd.contact_removed,
        )
    ]


DECIDERS: dict[type, Callable[[Complaint, Any, Seal], list[EventPayload]]] = {
    ReceiveComplaint: receive,
    Reroute: reroute,
    Accept: accept,
    Reject: reject,
    Verify: verify,
    LinkIssue: lambda state, cmd, seal: link_issue(state, cmd),
    Answer: answer,
    Close: close,
    Erase: lambda state, cmd, seal: erase(state, cmd),
}
"""The step of each command type (link and erase seal no words)."""


def decide(state: Complaint, cmd: Command, seal: Seal) -> list[EventPayload]:
    """One entry point for every command (used by the service and the property tests)."""
    step = DECIDERS.get(type(cmd))
    if step is None:
        raise TypeError(f"unknown command {cmd!r}")
    return step(state, cmd, seal)


# ---------------------------------------------------------------- evolution

STEPS: Steps[Complaint] = Steps(Complaint, "a complaint")


@STEPS.evolves(ComplaintReceived)
def received(state: Complaint, event: ComplaintReceived) -> Complaint:
    return Complaint(
        status=Status.received,
        complaint_id=event.complaint_id,
        tracking_no=event.tracking_no,
        school_id=event.school_id,
        category=event.category,
        anonymous=event.anonymous,
        has_contact=event.has_contact,
        received_on=event.received_on,
        answer_due_on=event.answer_due_on,
    )


@STEPS.evolves(ComplaintRouted)
def routed(state: Complaint, event: ComplaintRouted) -> Complaint:
    return replace(
        state,
        status=Status.routed,
        routed_to=tuple(event.to_inspector_ids),
        to_county_office=event.to_county_office,
        unlisted=event.unlisted,
        accepted_by=None,
        accepted_as_office=False,
    )


@STEPS.evolves(ComplaintAccepted)
def accepted(state: Complaint, event: ComplaintAccepted) -> Complaint:
    return replace(
        state,
        status=Status.accepted,
        accepted_by=event.accepted_by,
        accepted_as_office=event.as_office,
    )


@STEPS.evolves(ComplaintRejected)
def rejected(state: Complaint, event: ComplaintRejected) -> Complaint:
    return replace(state, status=Status.rejected, rejection_reason=event.reason)


@STEPS.evolves(ComplaintVerified)
def verified(state: Complaint, event: ComplaintVerified) -> Complaint:
    return replace(
        state,
        status=Status.verified,
        verified_by=event.verified_by,
        outcome=event.outcome,
        visit_id=event.visit_id,
    )


@STEPS.evolves(ComplaintIssueOpened)
def issue_opened(state: Complaint, event: ComplaintIssueOpened) -> Complaint:
    return replace(state, issue_id=event.issue_id)


@STEPS.evolves(ComplaintAnswered)
def answered(state: Complaint, event: ComplaintAnswered) -> Complaint:
    return replace(
        state,
        status=Status.answered,
        answer=event.answer,
        answer_method=event.method,
        answered_on=event.answered_on,
    )


@STEPS.evolves(ComplaintClosed)
def closed(state: Complaint, event: ComplaintClosed) -> Complaint:
    return replace(state, status=Status.closed)


@STEPS.evolves(ComplaintErased)
def erased(state: Complaint, event: ComplaintErased) -> Complaint:
    return replace(state, erased=True)


def evolve(state: Complaint, event: EventPayload) -> Complaint:
    return STEPS.evolve(state, event)


def replay(events: Sequence[EventPayload]) -> Complaint:
    return STEPS.replay(events)
