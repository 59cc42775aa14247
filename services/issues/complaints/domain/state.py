"""The complaint's slim state, its statuses and the guards every step shares (pure).

Each step module (:mod:`.intake`, :mod:`.handling`, :mod:`.erasure`) registers its
``decide`` functions by command type with :func:`decides` and the ``evolve`` functions
of its events on :data:`STEPS` (:mod:`shared.steps`); :mod:`services.issues.complaints.domain`
looks them up by type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from shared.commands import IllegalStep
from shared.contracts.complaints import (
    AnswerMethod,
    ComplaintCategory,
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


STEPS: Steps[Complaint] = Steps(Complaint, "a complaint")
evolves = STEPS.evolves

Decider = Callable[[Complaint, Any, Seal], list[EventPayload]]
DECIDERS: dict[type, Decider] = {}
"""The step of each command type, registered by the step modules with :func:`decides`
(a complaint's ``decide`` also takes the ``seal`` of its data key, so the registry is
its own rather than :class:`~shared.steps.Steps`' two-argument one)."""

D = TypeVar("D", bound=Decider)


def decides(command: type) -> Callable[[D], D]:
    def register(fn: D) -> D:
        DECIDERS[command] = fn
        return fn

    return register


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


def label(state: Complaint) -> str:
    return STATUS_LABELS.get(state.status, state.status.value)


def require(state: Complaint, *allowed: Status, doing: str) -> None:
    if state.status == Status.none:
        raise IllegalStep(f"举报投诉不存在，无法{doing} (no such complaint)")
    if state.erased:
        raise IllegalStep(f"该投诉的个人信息已删除，不能{doing} (personal data erased)")
    if state.status not in allowed:
        raise IllegalStep(
            f"举报投诉当前状态为「{label(state)}」，不能{doing} (illegal in {state.status})"
        )


def text_required(value: str, message: str) -> None:
    if not value.strip():
        raise IllegalStep(message)


def optional(note: str, seal: Seal) -> SealedText | None:
    return seal(note) if note.strip() else None
