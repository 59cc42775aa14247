"""The hazard register (隐患台账): find, fix, close the number (隐患排查、整改、消号).

Every safety issue — a major problem of kind ``safety_hazard``, or any problem of the
routine item ``safety`` (校园及周边安全) — gets a register number per county (or, for a
city-direct school, per city) and year when it opens:

* :class:`HazardNumbering` is a reactor on the issues topic: on ``IssueOpened`` of a
  safety issue it asks the ``hazard`` number book for the issue's number (idempotent per
  issue, so a redelivery changes nothing). The year is the China day the issue opened.
* :class:`HazardRegister` is the projection ``issues_hazards``: one document per hazard,
  folded from the issue events and the ``hazard`` books' ``NumberAssigned`` events. It
  never assigns numbers itself, so a rebuild from the log gives the same documents.
  The two streams of a hazard may arrive in either order (different partitions); the
  number's fields and the issue's fields are kept apart so that the result is the same.

Document (collection ``hazards``, ``_id`` = issue id)::

    issue_id, hazard_no, seq, year, office      # from NumberAssigned (None until then)
    province, city, county, zone, school_id     # the school's jurisdiction
    item_code, item_title, description, requirement, severity, major_kind, source
    opened_at, opened_on, deadline, stage, overdue_deadlines, status, status_label
    notice_no, notice_received_on, verified_on, verified_by, reopened_times, version
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.issues.numbering.service import NumberBooks, office_of
from services.issues.rectification.domain import Stage, local_day
from services.issues.rectification.service import SYSTEM
from shared import topics
from shared.commands import CommandContext
from shared.contracts import issues as ev
from shared.contracts.registers import NumberAssigned, NumberKind
from shared.contracts.visits import MajorKind, Severity
from shared.envelope import EventEnvelope
from shared.events import EventPayload
from shared.projection import DocRef, View

VIEW = "issues_hazards"
SAFETY_ITEM = "safety"
Doc = dict[str, Any]


def is_hazard(opened: ev.IssueOpened) -> bool:
    """A safety issue: a major safety hazard, or any problem of the safety item."""
    if opened.severity == Severity.major and opened.major_kind == MajorKind.safety_hazard:
        return True
    return opened.item_code == SAFETY_ITEM


class HazardStatus(StrEnum):
    pending = "pending"  # 待整改
    rectifying = "rectifying"  # 整改中
    awaiting_verification = "awaiting_verification"  # 待验收
    closed = "closed"  # 已消号
    overdue = "overdue"  # 逾期


STATUS_LABELS = {
    HazardStatus.pending: "待整改",
    HazardStatus.rectifying: "整改中",
    HazardStatus.awaiting_verification: "待验收",
    HazardStatus.closed: "已消号",
    HazardStatus.overdue: "逾期",
}


def status_of(stage: str, deadline: str | None, overdue_deadlines: list[str]) -> HazardStatus:
    if stage == Stage.closed:
        return HazardStatus.closed
    if deadline is not None and deadline in overdue_deadlines:
        return HazardStatus.overdue
    if stage == Stage.awaiting_verification:
        return HazardStatus.awaiting_verification
    if stage in (Stage.plan_submitted, Stage.in_progress):
        return HazardStatus.rectifying
    return HazardStatus.pending


# ---------------------------------------------------------------- the reactor


class HazardNumbering:
    """Gives each safety issue its register number when it opens (see the module docstring)."""

    name = "issues_hazard_numbers"
    topics: tuple[str, ...] = (topics.ISSUES,)
    handles = frozenset({ev.IssueOpened.event_type})

    def __init__(self, books: NumberBooks, clock: Callable[[], datetime]) -> None:
        self._books = books
        self._clock = clock

    async def react(self, event: EventEnvelope, payload: EventPayload) -> None:
        if not isinstance(payload, ev.IssueOpened) or not is_hazard(payload):
            return
        ctx = CommandContext(
            actor=SYSTEM,
            now=self._clock(),
            correlation_id=event.correlation_id,
            causation_id=str(event.event_id),
        )
        await self._books.assign(
            NumberKind.hazard,
            office_of(SYSTEM.role, event.jurisdiction),
            local_day(event.occurred_at).year,
            payload.issue_id,
            ctx,
        )


# ---------------------------------------------------------------- the register view

_ISSUE_EVENTS = (
    ev.IssueOpened,
    ev.RectificationPlanSubmitted,
    ev.ProgressReported,
    ev.SubmittedForVerification,
    ev.IssueVerified,
    ev.VerificationRejected,
    ev.IssueReopened,
    ev.DeadlineExtensionRequested,
    ev.DeadlineExtensionApproved,
    ev.DeadlineExtensionDenied,
    ev.IssueEscalated,
    ev.EscalationReceived,
    ev.EscalationAnswered,
    ev.IssueOverdue,
    ev.RectificationNoticeIssued,
    ev.NoticeReceiptRecorded,
)
_NUMBER_FIELDS = ("hazard_no", "seq", "year", "office")


class HazardRegister:
    """The projection ``issues_hazards`` (see the module docstring)."""

    name = VIEW
    topics: tuple[str, ...] = (topics.ISSUES,)
    handles = frozenset({cls.event_type for cls in _ISSUE_EVENTS} | {NumberAssigned.event_type})
    collections: tuple[str, ...] = ("hazards",)

    def keys(self, event: EventEnvelope, payload: EventPayload) -> Iterable[DocRef]:
        if isinstance(payload, NumberAssigned):
            return [DocRef("hazards", payload.subject_id)] if _hazard_number(payload) else []
        if isinstance(payload, _ISSUE_EVENTS):
            return [DocRef("hazards", payload.issue_id)]
        return []

    def apply(self, event: EventEnvelope, payload: EventPayload, view: View) -> None:
        if isinstance(payload, NumberAssigned):
            if _hazard_number(payload):
                _numbered(payload, view)
            return
        if not isinstance(payload, _ISSUE_EVENTS):
            return
        ref = DocRef("hazards", payload.issue_id)
        current = view.get(ref)
        if isinstance(payload, ev.IssueOpened):
            if is_hazard(payload):
                view.put(ref, _with_status(_opened(event, payload, current)))
            return
        if current is None or "stage" not in current:
            return  # not a safety issue
        doc = _changed(dict(current), event, payload)
        doc["version"] = event.stream_version
        view.put(ref, _with_status(doc))


def _hazard_number(payload: NumberAssigned) -> bool:
    return payload.kind == NumberKind.hazard


def _numbered(payload: NumberAssigned, view: View) -> None:
    ref = DocRef("hazards", payload.subject_id)
    doc = dict(view.get(ref) or {"issue_id": payload.subject_id})
    doc.update(hazard_no=payload.number, seq=payload.seq, year=payload.year, office=payload.office)
    view.put(ref, doc)


def _opened(event: EventEnvelope, p: ev.IssueOpened, current: Doc | None) -> Doc:
    where = event.jurisdiction
    numbered = {k: current.get(k) for k in _NUMBER_FIELDS} if current else {}
    return {
        "issue_id": p.issue_id,
        **dict.fromkeys(_NUMBER_FIELDS),
        **numbered,
        "province": where.province,
        "city": where.city,
        "county": where.county,
        "zone": where.zone,
        "school_id": p.school_id,
        "item_code": p.item_code,
        "item_title": p.item_title,
        "description": p.description,
        "requirement": p.requirement,
        "severity": p.severity.value,
        "major_kind": p.major_kind.value if p.major_kind else None,
        "source": p.source.value,
        "opened_at": event.occurred_at.isoformat(),
        "opened_on": local_day(event.occurred_at).isoformat(),
        "deadline": p.deadline.isoformat(),
        "stage": Stage.open.value,
        "overdue_deadlines": [],
        "notice_no": None,
        "notice_received_on": None,
        "verified_on": None,
        "verified_by": None,
        "reopened_times": 0,
        "version": event.stream_version,
    }


def _changed(doc: Doc, event: EventEnvelope, p: EventPayload) -> Doc:
    match p:
        case ev.RectificationPlanSubmitted():
            if doc["stage"] != Stage.in_progress:
                doc["stage"] = Stage.plan_submitted.value
        case ev.ProgressReported() | ev.VerificationRejected():
            doc["stage"] = Stage.in_progress.value
        case ev.SubmittedForVerification():
            doc["stage"] = Stage.awaiting_verification.value
        case ev.IssueVerified():
            doc["stage"] = Stage.closed.value
            doc["verified_on"] = local_day(event.occurred_at).isoformat()
            doc["verified_by"] = p.verified_by
        case ev.IssueReopened():
            doc.update(stage=Stage.reopened.value, deadline=p.deadline.isoformat())
            doc.update(verified_on=None, verified_by=None)
            doc["reopened_times"] = doc.get("reopened_times", 0) + 1
        case ev.DeadlineExtensionApproved():
            doc["deadline"] = p.deadline.isoformat()
        case ev.IssueOverdue():
            doc["overdue_deadlines"] = [*doc.get("overdue_deadlines", []), p.deadline.isoformat()]
        case ev.RectificationNoticeIssued():
            doc.update(notice_no=p.notice_no, deadline=p.deadline.isoformat())
        case ev.NoticeReceiptRecorded():
            doc["notice_received_on"] = p.received_on.isoformat()
    return doc


def _with_status(doc: Doc) -> Doc:
    status = status_of(doc["stage"], doc.get("deadline"), doc.get("overdue_deadlines", []))
    return {**doc, "status": status.value, "status_label": STATUS_LABELS[status]}


def hazard_register() -> HazardRegister:
    return HazardRegister()
