"""Read model of campaigns and of the visits planned and closed under them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared import topics
from shared.contracts.checklists import CampaignAmended, CampaignClosed, CampaignIssued
from shared.contracts.visits import VisitCancelled, VisitClosed, VisitPlanned, VisitRescheduled
from shared.deadlines import local_day
from shared.envelope import EventEnvelope
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction
from shared.projection import DocRef, View


def ancestors(path: str) -> list[str]:
    """Every prefix path of a jurisdiction path, itself included (province first)."""
    parts = Jurisdiction.from_path(path).parts()
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


class CampaignsView:
    """``campaigns`` (``_id`` = campaign id) and ``campaign_visits`` (``_id`` = visit id).

    A campaign document holds the ``CampaignIssued`` fields as amended, plus ``status``
    (``open``/``closed``), ``province``, ``amendments: [{reason, at}]``, ``issued_at``,
    ``closed_at``, ``summary`` and ``version``. A campaign visit document:
    ``visit_id, campaign_id, school_id, planned_on, lead_inspector_id, status``
    (``planned``/``cancelled``/``closed``), ``closed_on``.
    """

    name = "visits_campaigns"
    topics: tuple[str, ...] = (topics.VISITS,)
    handles = frozenset(
        {
            CampaignIssued.event_type,
            CampaignAmended.event_type,
            CampaignClosed.event_type,
            VisitPlanned.event_type,
            VisitRescheduled.event_type,
            VisitCancelled.event_type,
            VisitClosed.event_type,
        }
    )
    collections: tuple[str, ...] = ("campaigns", "campaign_visits")

    def keys(self, event: EventEnvelope, payload: EventPayload) -> Iterable[DocRef]:
        if isinstance(payload, CampaignIssued | CampaignAmended | CampaignClosed):
            return [DocRef("campaigns", payload.campaign_id)]
        if isinstance(payload, VisitPlanned | VisitClosed):
            return [DocRef("campaign_visits", payload.visit_id)] if payload.campaign_id else []
        if isinstance(payload, VisitRescheduled | VisitCancelled):
            return [DocRef("campaign_visits", payload.visit_id)]
        return []

    def apply(self, event: EventEnvelope, payload: EventPayload, view: View) -> None:
        if isinstance(payload, CampaignIssued | CampaignAmended | CampaignClosed):
            self._campaign(event, payload, view)
        elif isinstance(payload, VisitPlanned) and payload.campaign_id:
            view.put(
                DocRef("campaign_visits", payload.visit_id),
                {
                    "visit_id": payload.visit_id,
                    "campaign_id": payload.campaign_id,
                    "school_id": payload.school_id,
                    "planned_on": payload.planned_on.isoformat(),
                    "lead_inspector_id": payload.lead_inspector_id,
                    "status": "planned",
                    "closed_on": None,
                },
            )
        elif isinstance(payload, VisitRescheduled | VisitCancelled):
            ref = DocRef("campaign_visits", payload.visit_id)
            doc = view.get(ref)
            if doc is None:  # not a campaign visit
                return
            if isinstance(payload, VisitRescheduled):
                view.put(ref, {**doc, "planned_on": payload.planned_on.isoformat()})
            else:
                view.put(ref, {**doc, "status": "cancelled"})
        elif isinstance(payload, VisitClosed) and payload.campaign_id:
            ref = DocRef("campaign_visits", payload.visit_id)
            doc = view.get(ref) or {
                "visit_id": payload.visit_id,
                "planned_on": None,
                "lead_inspector_id": None,
            }
            view.put(
                ref,
                {
                    **doc,
                    "campaign_id": payload.campaign_id,
                    "school_id": payload.school_id,
                    "status": "closed",
                    "closed_on": local_day(event.occurred_at).isoformat(),
                },
            )

    @staticmethod
    def _campaign(
        event: EventEnvelope,
        payload: CampaignIssued | CampaignAmended | CampaignClosed,
        view: View,
    ) -> None:
        ref = DocRef("campaigns", payload.campaign_id)
        at = event.occurred_at.isoformat()
        doc: dict[str, Any]
        if isinstance(payload, CampaignIssued):
            doc = payload.model_dump(mode="json")
            doc.update(
                status="open",
                province=Jurisdiction.from_path(payload.office).province,
                amendments=[],
                issued_at=at,
                issued_by=event.actor.user_id,
                closed_at=None,
                summary="",
            )
        else:
            current = view.get(ref)
            if current is None:
                raise ValueError(f"{payload.event_type} for unknown campaign")
            if isinstance(payload, CampaignAmended):
                changes = payload.model_dump(mode="json", exclude_none=True, exclude={"reason"})
                doc = {
                    **current,
                    **changes,
                    "amendments": [*current["amendments"], {"reason": payload.reason, "at": at}],
                }
            else:
                doc = {**current, "status": "closed", "closed_at": at, "summary": payload.summary}
        doc["version"] = event.stream_version
        view.put(ref, doc)
