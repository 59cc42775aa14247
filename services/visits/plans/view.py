"""Read model of monthly plans, offices' frequency rules and inspectors' visits done."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared import topics
from shared.contracts.plans import (
    FrequencyRulesSet,
    MonthlyPlanAcknowledged,
    MonthlyPlanFiled,
    MonthlyPlanRevised,
)
from shared.contracts.visits import (
    InspectorSignedIn,
    VisitCancelled,
    VisitClosed,
    VisitPlanned,
    VisitRescheduled,
)
from shared.deadlines import local_day
from shared.envelope import EventEnvelope
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction
from shared.projection import DocRef, View

_PLAN_EVENTS = (MonthlyPlanFiled, MonthlyPlanRevised, MonthlyPlanAcknowledged)
_VISIT_EVENTS = (VisitPlanned, VisitRescheduled, VisitCancelled, InspectorSignedIn, VisitClosed)


def signin_key(inspector_id: str, month: str) -> str:
    return f"{inspector_id}|{month}"


class PlansView:
    """``plans`` (``_id`` = plan id), ``rules`` (``_id`` = office path) and
    ``inspector_visits`` (``_id`` = visit id).

    A plan document: ``plan_id, inspector_id, month, office, province, city, county,
    entries, revision, revisions: [{revision, reason, at}], filed_at, status``
    (``filed``/``revised``/``acknowledged``), ``acknowledged: {revision, by, comment, at}
    | None, version``. An inspector visit document: ``visit_id, school_id, kind,
    lead_inspector_id, team, planned_on, plan_id, campaign_id, status``
    (``planned``/``cancelled``/``closed``), ``closed_on, signins: [{inspector_id, on}],
    signin_keys: ["<inspector>|<YYYY-MM>"]`` (to find an inspector's month of visits).
    """

    name = "visits_plans"
    topics: tuple[str, ...] = (topics.VISITS,)
    handles = frozenset(c.event_type for c in (*_PLAN_EVENTS, *_VISIT_EVENTS, FrequencyRulesSet))
    collections: tuple[str, ...] = ("plans", "rules", "inspector_visits")

    def keys(self, event: EventEnvelope, payload: EventPayload) -> Iterable[DocRef]:
        if isinstance(payload, _PLAN_EVENTS):
            return [DocRef("plans", payload.plan_id)]
        if isinstance(payload, FrequencyRulesSet):
            return [DocRef("rules", payload.office)]
        if isinstance(payload, _VISIT_EVENTS):
            return [DocRef("inspector_visits", payload.visit_id)]
        return []

    def apply(self, event: EventEnvelope, payload: EventPayload, view: View) -> None:
        if isinstance(payload, _PLAN_EVENTS):
            self._plan(event, payload, view)
        elif isinstance(payload, FrequencyRulesSet):
            doc = payload.model_dump(mode="json")
            doc.update(version=event.stream_version, set_at=event.occurred_at.isoformat())
            view.put(DocRef("rules", payload.office), doc)
        elif isinstance(payload, _VISIT_EVENTS):
            self._visit(event, payload, view)

    @staticmethod
    def _plan(
        event: EventEnvelope,
        payload: MonthlyPlanFiled | MonthlyPlanRevised | MonthlyPlanAcknowledged,
        view: View,
    ) -> None:
        ref = DocRef("plans", payload.plan_id)
        at = event.occurred_at.isoformat()
        doc: dict[str, Any]
        if isinstance(payload, MonthlyPlanFiled):
            office = Jurisdiction.from_path(payload.office)
            doc = payload.model_dump(mode="json")
            doc.update(
                province=office.province,
                city=office.city,
                county=office.county,
                revision=1,
                revisions=[{"revision": 1, "reason": "", "at": at}],
                filed_at=at,
                status="filed",
                acknowledged=None,
            )
        else:
            current = view.get(ref)
            if current is None:
                raise ValueError(f"{payload.event_type} for unknown plan {payload.plan_id}")
            if isinstance(payload, MonthlyPlanRevised):
                doc = {
                    **current,
                    "entries": [e.model_dump(mode="json") for e in payload.entries],
                    "revision": payload.revision,
                    "revisions": [
                        *current["revisions"],
                        {"revision": payload.revision, "reason": payload.reason, "at": at},
                    ],
                    "status": "revised",
                }
            else:
                acknowledged = {
                    "revision": payload.revision,
                    "by": payload.acknowledged_by,
                    "comment": payload.comment,
                    "at": at,
                }
                doc = {**current, "acknowledged": acknowledged, "status": "acknowledged"}
        doc["version"] = event.stream_version
        view.put(ref, doc)

    @staticmethod
    def _visit(event: EventEnvelope, payload: EventPayload, view: View) -> None:
        assert isinstance(payload, _VISIT_EVENTS)
        ref = DocRef("inspector_visits", payload.visit_id)
        doc: dict[str, Any] = view.get(ref) or {
            "visit_id": payload.visit_id,
            "school_id": None,
            "kind": None,
            "lead_inspector_id": None,
            "team": [],
            "planned_on": None,
            "plan_id": None,
            "campaign_id": None,
            "status": "planned",
            "closed_on": None,
            "signins": [],
            "signin_keys": [],
        }
        if isinstance(payload, VisitPlanned):
            doc.update(
                school_id=payload.school_id,
                kind=payload.kind.value,
                lead_inspector_id=payload.lead_inspector_id,
                team=list(payload.team),
                planned_on=payload.planned_on.isoformat(),
                plan_id=payload.plan_id,
                campaign_id=payload.campaign_id,
            )
        elif isinstance(payload, VisitRescheduled):
            doc["planned_on"] = payload.planned_on.isoformat()
        elif isinstance(payload, VisitCancelled):
            doc["status"] = "cancelled"
        elif isinstance(payload, InspectorSignedIn):
            day = local_day(payload.signed_in_at).isoformat()
            signins = [s for s in doc["signins"] if s["inspector_id"] != payload.inspector_id]
            first = next(
                (s for s in doc["signins"] if s["inspector_id"] == payload.inspector_id), None
            )
            signins.append(first or {"inspector_id": payload.inspector_id, "on": day})
            keys = {signin_key(s["inspector_id"], s["on"][:7]) for s in signins}
            doc.update(signins=signins, signin_keys=sorted(keys))
        elif isinstance(payload, VisitClosed):
            doc.update(
                status="closed",
                school_id=payload.school_id,
                kind=payload.kind.value,
                campaign_id=payload.campaign_id,
                closed_on=local_day(event.occurred_at).isoformat(),
            )
        view.put(ref, doc)
