"""The issues service's read model of issues: one document per issue, as the API shows it.

Folded only from issue events (so a rebuild comes out the same); the school's place in
the tree (province, city, county, zone) comes from the envelope's jurisdiction. Dates
are ISO strings, so range queries (due soon, overdue) work on them directly.

Fields beyond the opening event's: ``stage``/``stage_label``, ``deadline`` (current) and
``original_deadline``, ``overdue`` (the current deadline was reported crossed) and
``overdue_deadlines``, ``plan`` (the current plan), ``progress`` (every report, with its
evidence), ``verification`` (the last outcome), ``extension`` (pending request, if any) and
``extensions`` (decided ones), ``escalation``, ``notice``, ``opened_at``, ``closed_at``,
``reopened``, ``safety`` (a hazard to life and safety, or the safety item), ``version``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services.issues.rectification.domain import STAGE_LABELS, Stage
from shared import topics
from shared.contracts.issues import (
    DeadlineExtensionApproved,
    DeadlineExtensionDenied,
    DeadlineExtensionRequested,
    EscalationAnswered,
    EscalationReceived,
    IssueEscalated,
    IssueOpened,
    IssueOverdue,
    IssueReopened,
    IssueVerified,
    NoticeReceiptRecorded,
    ProgressReported,
    RectificationNoticeIssued,
    RectificationPlanSubmitted,
    SubmittedForVerification,
    VerificationRejected,
)
from shared.contracts.visits import MajorKind, Severity
from shared.envelope import EventEnvelope
from shared.events import EventPayload
from shared.projection import Doc, DocRef, View

VIEW = "issues_issues"
SAFETY_ITEM = "safety"

_EVENTS: tuple[type[EventPayload], ...] = (
    IssueOpened,
    RectificationPlanSubmitted,
    ProgressReported,
    SubmittedForVerification,
    IssueVerified,
    VerificationRejected,
    IssueReopened,
    DeadlineExtensionRequested,
    DeadlineExtensionApproved,
    DeadlineExtensionDenied,
    IssueEscalated,
    EscalationReceived,
    EscalationAnswered,
    IssueOverdue,
    RectificationNoticeIssued,
    NoticeReceiptRecorded,
)


def is_safety(item_code: str, severity: str, major_kind: str | None) -> bool:
    """A safety problem: the safety item, or a major hazard to life and safety."""
    return item_code == SAFETY_ITEM or (
        severity == Severity.major and major_kind == MajorKind.safety_hazard
    )


def _stage(doc: Doc, stage: Stage) -> None:
    doc["stage"] = stage.value
    doc["stage_label"] = STAGE_LABELS[stage]
    doc["open"] = stage != Stage.closed
    if "deadline" in doc:
        _deadline(doc, doc["deadline"])


def _deadline(doc: Doc, deadline: str) -> None:
    doc["deadline"] = deadline
    doc["overdue"] = doc["open"] and deadline in doc["overdue_deadlines"]


def _opened(event: EventEnvelope, e: IssueOpened) -> Doc:
    where = event.jurisdiction
    doc: Doc = {
        **e.model_dump(mode="json"),
        "province": where.province,
        "city": where.city,
        "county": where.county,
        "zone": where.zone,
        "safety": is_safety(e.item_code, e.severity, e.major_kind),
        "original_deadline": e.deadline.isoformat(),
        "overdue_deadlines": [],
        "plan": None,
        "progress": [],
        "verification": None,
        "extension": None,
        "extensions": [],
        "escalation": None,
        "notice": None,
        "opened_at": event.occurred_at.isoformat(),
        "opened_by": event.actor.user_id,
        "closed_at": None,
        "reopened": 0,
    }
    _stage(doc, Stage.open)
    _deadline(doc, e.deadline.isoformat())
    return doc


def _fold(doc: Doc, event: EventEnvelope, e: EventPayload) -> None:
    at = event.occurred_at.isoformat()
    match e:
        case RectificationPlanSubmitted():
            doc["plan"] = {**e.model_dump(mode="json", exclude={"issue_id"}), "at": at}
            if doc["stage"] != Stage.in_progress:
                _stage(doc, Stage.plan_submitted)
        case ProgressReported():
            doc["progress"] = [
                *doc["progress"],
                {**e.model_dump(mode="json", exclude={"issue_id"}), "at": at},
            ]
            _stage(doc, Stage.in_progress)
        case SubmittedForVerification():
            doc["submitted"] = {"by": e.submitted_by, "note": e.note, "at": at}
            _stage(doc, Stage.awaiting_verification)
        case IssueVerified():
            doc["verification"] = {
                "outcome": "verified",
                "by": e.verified_by,
                "visit_id": e.verified_on_visit_id,
                "note": e.note,
                "at": at,
            }
            doc["closed_at"] = at
            doc["extension"] = None
            _stage(doc, Stage.closed)
        case VerificationRejected():
            doc["verification"] = {
                "outcome": "rejected",
                "by": e.rejected_by,
                "visit_id": e.verified_on_visit_id,
                "note": e.reason,
                "at": at,
            }
            _stage(doc, Stage.in_progress)
        case IssueReopened():
            doc["reopened"] += 1
            doc["closed_at"] = None
            doc["reopen_reason"] = e.reason
            _stage(doc, Stage.reopened)
            _deadline(doc, e.deadline.isoformat())
        case DeadlineExtensionRequested():
            doc["extension"] = {
                "requested_by": e.requested_by,
                "new_deadline": e.new_deadline.isoformat(),
                "reason": e.reason,
                "at": at,
            }
        case DeadlineExtensionApproved() | DeadlineExtensionDenied():
            pending = doc["extension"] or {}
            approved = isinstance(e, DeadlineExtensionApproved)
            decided = {
                **pending,
                "outcome": "approved" if approved else "denied",
                "decided_by": e.approved_by if approved else e.denied_by,  # type: ignore[union-attr]
                "note": e.note if approved else e.reason,  # type: ignore[union-attr]
                "decided_at": at,
            }
            doc["extensions"] = [*doc["extensions"], decided]
            doc["extension"] = None
            if isinstance(e, DeadlineExtensionApproved):
                _deadline(doc, e.deadline.isoformat())
        case IssueEscalated():
            doc["escalation"] = {
                "status": "escalated",
                "to_body": e.to_body,
                "report": e.report,
                "by": e.escalated_by,
                "at": at,
            }
        case EscalationReceived():
            doc["escalation"] = {
                **doc["escalation"],
                "status": "received",
                "received_by": e.received_by,
                "received_note": e.note,
                "received_at": at,
            }
        case EscalationAnswered():
            doc["escalation"] = {
                **doc["escalation"],
                "status": "answered",
                "answered_by": e.answered_by,
                "answer": e.answer,
                "answered_at": at,
            }
        case IssueOverdue():
            doc["overdue_deadlines"] = [*doc["overdue_deadlines"], e.deadline.isoformat()]
            doc["overdue_since"] = e.detected_at.isoformat()
            _deadline(doc, doc["deadline"])
        case RectificationNoticeIssued():
            doc["notice"] = {
                "notice_no": e.notice_no,
                "issued_by": e.issued_by,
                "issued_on": e.issued_on.isoformat(),
                "deadline": e.deadline.isoformat(),
                "received_by": None,
                "received_on": None,
            }
            _deadline(doc, e.deadline.isoformat())
        case NoticeReceiptRecorded():
            doc["notice"] = {
                **doc["notice"],
                "received_by": e.received_by,
                "received_on": e.received_on.isoformat(),
            }


class IssueView:
    """``issues``: every rectification issue with its plan, progress and outcome."""

    name = VIEW
    topics: tuple[str, ...] = (topics.ISSUES,)
    handles = frozenset(cls.event_type for cls in _EVENTS)
    collections: tuple[str, ...] = ("issues",)

    def keys(self, event: EventEnvelope, payload: EventPayload) -> Iterable[DocRef]:
        return [DocRef("issues", str(getattr(payload, "issue_id")))]  # noqa: B009

    def apply(self, event: EventEnvelope, payload: EventPayload, view: View) -> None:
        ref = DocRef("issues", str(getattr(payload, "issue_id")))  # noqa: B009
        if isinstance(payload, IssueOpened):
            doc = _opened(event, payload)
        else:
            current = view.get(ref)
            if current is None:
                raise ValueError(f"{payload.event_type} for unknown issue {ref.id}")
            doc = dict(current)
            _fold(doc, event, payload)
        doc["version"] = event.stream_version
        doc["updated_at"] = event.occurred_at.isoformat()
        view.put(ref, doc)


def as_dict(doc: dict[str, Any]) -> dict[str, Any]:
    """The API's shape of a read-model document (without Mongo's ``_id``)."""
    return {k: v for k, v in doc.items() if k != "_id"}
