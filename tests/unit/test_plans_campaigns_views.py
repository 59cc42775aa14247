"""The plan and campaign read models fold visit events as the progress and reports need."""

from datetime import UTC, date, datetime
from typing import Any

from services.visits.campaigns.view import CampaignsView
from services.visits.plans.view import PlansView, signin_key
from shared.contracts.visits import (
    InspectorSignedIn,
    PlannedItem,
    VisitCancelled,
    VisitClosed,
    VisitKind,
    VisitPlanned,
)
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction
from shared.projection import DocRef
from tests.factories import envelope
from tests.fakes import fold_projection

HERE = Jurisdiction(province="510000", city="510700", county="510704")


def planned(visit_id: str, campaign_id: str | None) -> VisitPlanned:
    return VisitPlanned(
        visit_id=visit_id,
        kind=VisitKind.special if campaign_id else VisitKind.routine,
        school_id="s1",
        planned_on=date(2026, 9, 1),
        announced=True,
        lead_inspector_id="insp-1",
        team=["insp-1", "insp-2"],
        item_assignments=[],
        checklist_id="routine",
        checklist_version=1,
        items=[PlannedItem(code="safety", title="安全")],
        campaign_id=campaign_id,
        purpose="开学检查",
    )


def fold(projection: Any, events: list[EventPayload]) -> dict[DocRef, dict[str, Any] | None]:
    at = datetime(2026, 9, 1, 9, tzinfo=UTC)
    pairs = ((envelope(p, "visit-x", i, HERE, at=at), p) for i, p in enumerate(events, start=1))
    return fold_projection(projection, pairs)


def test_a_sign_in_counts_on_the_china_day_once_per_inspector() -> None:
    early = datetime(2026, 8, 31, 23, 30, tzinfo=UTC)  # 07:30 on 1 September in China
    docs = fold(
        PlansView(),
        [
            planned("v1", None),
            InspectorSignedIn(
                visit_id="v1",
                inspector_id="insp-2",
                signed_in_at=early,
                location=None,
                distance_m=None,
                radius_m=500,
                flagged=True,
            ),
            InspectorSignedIn(
                visit_id="v1",
                inspector_id="insp-2",
                signed_in_at=datetime(2026, 9, 2, 1, tzinfo=UTC),
                location=None,
                distance_m=None,
                radius_m=500,
                flagged=True,
            ),
        ],
    )
    doc = docs[DocRef("inspector_visits", "v1")]
    assert doc is not None
    assert doc["signins"] == [{"inspector_id": "insp-2", "on": "2026-09-01"}]
    assert doc["signin_keys"] == [signin_key("insp-2", "2026-09")]


def test_only_campaign_visits_are_kept_and_cancellation_counts() -> None:
    view = CampaignsView()
    routine = planned("v0", None)
    assert list(view.keys(envelope(routine, "visit-v0", 1, HERE), routine)) == []
    docs = fold(
        view,
        [
            planned("v1", "c1"),
            VisitCancelled(visit_id="v1", reason="下雨"),
            VisitCancelled(visit_id="v7", reason="not a campaign visit"),
            VisitClosed(
                visit_id="v2",
                school_id="s2",
                kind=VisitKind.special,
                campaign_id="c1",
                findings=3,
                highlights=1,
                problems=1,
                summary="",
            ),
        ],
    )
    assert docs[DocRef("campaign_visits", "v1")]["status"] == "cancelled"  # type: ignore[index]
    assert docs[DocRef("campaign_visits", "v7")] is None
    closed = docs[DocRef("campaign_visits", "v2")]
    assert closed is not None and closed["status"] == "closed" and closed["school_id"] == "s2"
