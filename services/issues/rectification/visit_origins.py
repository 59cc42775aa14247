"""Where a visit's problems came from, as the issues service keeps it (``issues_visit_origins``).

An issue's timeline goes back to the finding that caused it: who planned the visit,
who signed in and when, what the inspector recorded (notes, evidence, corrections),
which point of the feedback list it became, whether the school disputed it and how
that was resolved, and who signed the list. The visits service owns those events; the
issues service folds the ones it needs from ``duxue.visits.events`` into one document
per visit (``visits``), with a ``history`` of entries that each name the ``finding_id``
they concern (or none for visit-wide steps), and the visit's ``school_id``.

The same documents answer "is this a visit of that school?" (:class:`VisitSchools`)
when an inspector names the revisit on which an issue or a complaint was verified.
A visit planned a moment ago may not have arrived yet: the caller is told so (422) and
retries, rather than a visit id being accepted unchecked.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared import topics
from shared.commands import InvalidField
from shared.contracts.visits import (
    DisputeResolved,
    FeedbackAcknowledged,
    FeedbackDisputed,
    FeedbackIssued,
    FindingCorrected,
    FindingRecorded,
    InspectorSignedIn,
    VisitPlanned,
)
from shared.envelope import EventEnvelope
from shared.events import EventPayload
from shared.projection import Doc, DocRef, ReadModels, View

VIEW = "issues_visit_origins"
_EVENTS: tuple[type[EventPayload], ...] = (
    VisitPlanned,
    InspectorSignedIn,
    FindingRecorded,
    FindingCorrected,
    FeedbackIssued,
    FeedbackDisputed,
    DisputeResolved,
    FeedbackAcknowledged,
)


def _entry(event: EventEnvelope, label: str, finding_id: str | None, **detail: Any) -> Doc:
    return {
        "event": event.event_type.rsplit(".", 1)[-1],
        "label": label,
        "at": event.occurred_at.isoformat(),
        "by": event.actor.user_id,
        "finding_id": finding_id,
        "event_id": str(event.event_id),
        **detail,
    }


def _entries(event: EventEnvelope, e: EventPayload, points: dict[int, str]) -> list[Doc]:
    match e:
        case VisitPlanned():
            return [
                _entry(
                    event,
                    "制定督导计划",
                    None,
                    kind=e.kind,
                    planned_on=e.planned_on.isoformat(),
                    purpose=e.purpose,
                )
            ]
        case InspectorSignedIn():
            return [_entry(event, "到校签到", None, flagged=e.flagged)]
        case FindingRecorded():
            return [
                _entry(
                    event,
                    "记录督导发现",
                    e.finding_id,
                    item_title=e.item_title,
                    notes=e.notes,
                    severity=e.severity,
                    evidence=[ref.evidence_id for ref in e.evidence],
                )
            ]
        case FindingCorrected():
            return [_entry(event, "更正督导发现", e.finding_id, reason=e.reason)]
        case FeedbackIssued():
            return [
                _entry(event, "下发反馈清单", p.finding_id, point_no=p.point_no) for p in e.problems
            ]
        case FeedbackDisputed():
            return [
                _entry(
                    event, "学校申辩", points.get(p.point_no), point_no=p.point_no, reason=p.reason
                )
                for p in e.points
            ]
        case DisputeResolved():
            return [
                _entry(
                    event,
                    "申辩处理",
                    points.get(r.point_no),
                    point_no=r.point_no,
                    outcome=r.outcome,
                    note=r.note,
                )
                for r in e.resolutions
            ]
        case FeedbackAcknowledged():
            return [_entry(event, "校长签收反馈清单", None, signer_name=e.signer_name)]
    return []


class VisitOriginsView:
    name = VIEW
    topics: tuple[str, ...] = (topics.VISITS,)
    handles = frozenset(cls.event_type for cls in _EVENTS)
    collections: tuple[str, ...] = ("visits",)

    def keys(self, event: EventEnvelope, payload: EventPayload) -> Iterable[DocRef]:
        return [DocRef("visits", str(getattr(payload, "visit_id")))]  # noqa: B009

    def apply(self, event: EventEnvelope, payload: EventPayload, view: View) -> None:
        ref = DocRef("visits", str(getattr(payload, "visit_id")))  # noqa: B009
        current = view.get(ref)
        doc: Doc = dict(current) if current else {"history": [], "points": []}
        points = {int(p["point_no"]): str(p["finding_id"]) for p in doc["points"]}
        if isinstance(payload, VisitPlanned):
            doc["school_id"] = payload.school_id
        if isinstance(payload, FeedbackIssued):
            doc["points"] = [
                {"point_no": p.point_no, "finding_id": p.finding_id} for p in payload.problems
            ]
            points = {p.point_no: p.finding_id for p in payload.problems}
        doc["history"] = [*doc["history"], *_entries(event, payload, points)]
        view.put(ref, doc)


def origin_of(doc: Doc | None, finding_id: str) -> list[Doc]:
    """The visit's steps that concern one finding (and the visit-wide ones), in order."""
    if doc is None:
        return []
    return [
        {k: v for k, v in entry.items() if v is not None}
        for entry in doc["history"]
        if entry.get("finding_id") in (None, finding_id)
    ]


class VisitSchools:
    """Which school a visit is of, from this service's read model of visit origins."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._models = ReadModels(db, VIEW)

    async def school_of(self, visit_id: str) -> str | None:
        visits = await self._models.collection("visits")
        doc = await visits.find_one({"_id": visit_id}, projection={"school_id": True})
        return None if doc is None else doc.get("school_id")

    async def ensure_visit_of(self, visit_id: str, school_id: str, field: str) -> None:
        """422 naming ``field`` unless ``visit_id`` is a visit of ``school_id``."""
        found = await self.school_of(visit_id)
        if found is None:
            raise InvalidField(
                field,
                f"督导 {visit_id} 不存在，或刚刚登记、本服务尚未收到，请核对后稍后重试 "
                "(unknown visit, or not yet arrived from the visits service)",
            )
        if found != school_id:
            raise InvalidField(
                field, f"督导 {visit_id} 不是对学校 {school_id} 的督导 (a visit of another school)"
            )
