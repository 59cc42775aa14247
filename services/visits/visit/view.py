"""The visits service's read model of visits: one document per visit, as the API shows it.

Built only from the visit events on the log (so it can be rebuilt and must come out the
same); the school's place in the tree comes from the envelope's jurisdiction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.visits.visit.domain import STAGE_LABELS, Stage
from shared import topics
from shared.contracts.visits import (
    DisputeResolved,
    FeedbackAcknowledged,
    FeedbackDisputed,
    FeedbackIssued,
    FindingCorrected,
    FindingRecorded,
    FindingsMerged,
    InspectorSignedIn,
    Severity,
    Verdict,
    VisitCancelled,
    VisitClosed,
    VisitPlanned,
    VisitRescheduled,
)
from shared.envelope import EventEnvelope
from shared.events import EventPayload
from shared.projection import Doc, DocRef, ReadModels, View

_EVENTS: tuple[type[EventPayload], ...] = (
    VisitPlanned,
    VisitRescheduled,
    VisitCancelled,
    InspectorSignedIn,
    FindingRecorded,
    FindingCorrected,
    FindingsMerged,
    FeedbackIssued,
    FeedbackAcknowledged,
    FeedbackDisputed,
    DisputeResolved,
    VisitClosed,
)


def _stage(doc: Doc, stage: Stage) -> None:
    doc["stage"] = stage.value
    doc["stage_label"] = STAGE_LABELS[stage]


def _correct(finding: Doc, e: FindingCorrected) -> None:
    changes = e.model_dump(
        mode="json", exclude_none=True, exclude={"visit_id", "finding_id", "reason"}
    )
    finding.update(changes)
    if finding["verdict"] != Verdict.problem:
        for key in ("severity", "major_kind", "requirement", "proposed_deadline"):
            finding[key] = None
    if finding.get("severity") != Severity.major:
        finding["major_kind"] = None
    finding["corrections"] = [*finding.get("corrections", []), e.reason]


class VisitView:
    """``visits``: every visit with its sign-ins, findings, feedback list and outcome."""

    name = "visits_visits"
    topics: tuple[str, ...] = (topics.VISITS,)
    handles = frozenset(cls.event_type for cls in _EVENTS)
    collections: tuple[str, ...] = ("visits",)

    def keys(self, event: EventEnvelope, payload: EventPayload) -> Iterable[DocRef]:
        return [DocRef("visits", str(getattr(payload, "visit_id")))]  # noqa: B009

    def apply(self, event: EventEnvelope, payload: EventPayload, view: View) -> None:
        ref = DocRef("visits", str(getattr(payload, "visit_id")))  # noqa: B009
        at = event.occurred_at.isoformat()
        if isinstance(payload, VisitPlanned):
            where = event.jurisdiction
            doc: Doc = {
                **payload.model_dump(mode="json"),
                "province": where.province,
                "city": where.city,
                "county": where.county,
                "zone_id": where.zone,
                "planned_at": at,
                "planned_by": event.actor.user_id,
                "sign_ins": [],
                "findings": [],
                "feedback": None,
                "dispute": None,
                "resolution": None,
                "agreed_problems": [],
                "acknowledgement": None,
                "merge": None,
                "closed": None,
                "cancelled": None,
            }
            _stage(doc, Stage.planned)
        else:
            current = view.get(ref)
            if current is None:
                raise ValueError(f"{event.event_type} for unknown visit {ref.id}")
            doc = current
            self._evolve(doc, payload, at)
        doc["version"] = event.stream_version
        doc["updated_at"] = at
        view.put(ref, doc)

    @staticmethod
    def _evolve(doc: Doc, payload: EventPayload, at: str) -> None:
        data: dict[str, Any] = payload.model_dump(mode="json", exclude={"visit_id"})
        match payload:
            case VisitRescheduled():
                doc["planned_on"] = data["planned_on"]
            case VisitCancelled():
                doc["cancelled"] = _at(data, at, "reason")
            case InspectorSignedIn():
                doc["sign_ins"] = [*doc["sign_ins"], data]
            case FindingRecorded():
                doc["findings"] = [
                    *doc["findings"],
                    {**data, "withdrawn": False, "corrections": [], "recorded_at": at},
                ]
            case FindingCorrected():
                findings = [dict(f) for f in doc["findings"]]
                for finding in findings:
                    if finding["finding_id"] == payload.finding_id:
                        _correct(finding, payload)
                doc["findings"] = findings
            case FindingsMerged():
                doc["merge"] = {**data, "at": at}
            case FeedbackIssued():
                doc["feedback"] = {**data, "issued_at": at}
            case FeedbackAcknowledged():
                doc["acknowledgement"] = _at(data, at, "signed_by", "signer_name")
                doc["agreed_problems"] = data["problems"]
            case FeedbackDisputed():
                doc["dispute"] = {**data, "at": at}
            case DisputeResolved():
                doc["resolution"] = _at(data, at, "resolved_by", "resolutions")
                doc["agreed_problems"] = data["problems"]
            case VisitClosed():
                doc["closed"] = _at(data, at, "summary")
        stage = STAGE_AFTER.get(type(payload))
        if stage is not None:
            _stage(doc, stage)


STAGE_AFTER: dict[type[EventPayload], Stage] = {
    VisitCancelled: Stage.cancelled,
    InspectorSignedIn: Stage.on_site,
    FeedbackIssued: Stage.feedback_issued,
    FeedbackAcknowledged: Stage.acknowledged,
    FeedbackDisputed: Stage.disputed,
    DisputeResolved: Stage.dispute_resolved,
    VisitClosed: Stage.closed,
}
"""The stage a visit is in after each event that moves it (the others leave it)."""


def _at(data: dict[str, Any], at: str, *keys: str) -> dict[str, Any]:
    """The named fields of an event, with when it happened."""
    return {**{key: data[key] for key in keys}, "at": at}


class ViewFindings:
    """:class:`~services.visits.visit.ports.FindingLookup` on the ``visits`` read model: an
    earlier visit's finding is long projected when a follow-up names it."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._models = ReadModels(db, VisitView.name)

    async def recorded_at(self, school_id: str, finding_id: str) -> bool:
        visits = await self._models.collection("visits")
        found = await visits.find_one(
            {"school_id": school_id, "findings.finding_id": finding_id}, projection={"_id": 1}
        )
        return found is not None
