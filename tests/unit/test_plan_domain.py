"""Monthly plans: filed once, revised by new events, acknowledged per revision."""

from datetime import date

import pytest

from services.visits.campaigns.domain import Campaign
from services.visits.plans.domain import plan
from services.visits.plans.domain.plan import AcknowledgePlan, FilePlan, Plan, RevisePlan
from shared.commands import FieldProblem, IllegalStep
from shared.contracts.plans import (
    MonthlyPlanAcknowledged,
    MonthlyPlanFiled,
    MonthlyPlanRevised,
    PlanEntry,
)
from shared.contracts.visits import VisitKind
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction

OFFICE = "province:510000/city:510700/county:510704"
OPEN = Campaign(issued=True, starts_on=date(2026, 9, 1), ends_on=date(2026, 9, 15))


def entry(day: int, school: str = "s1", **extra: object) -> PlanEntry:
    values: dict[str, object] = {
        "school_id": school,
        "planned_on": date(2026, 9, day),
        "kind": VisitKind.routine,
    }
    values.update(extra)
    return PlanEntry(**values)


def filing(*entries: PlanEntry) -> FilePlan:
    return FilePlan("insp-1", "2026-09", OFFICE, entries)


def fold(events: list[EventPayload], state: Plan | None = None) -> Plan:
    state = state or Plan()
    for e in events:
        state = plan.evolve(state, e)
    return state


def test_a_plan_is_filed_once_under_its_id() -> None:
    [event] = plan.file_plan(Plan(), filing(entry(3), entry(10, "s2")), {})
    assert isinstance(event, MonthlyPlanFiled) and event.plan_id == "insp-1-2026-09"
    state = fold([event])
    assert state.revision == 1 and len(state.entries) == 2
    with pytest.raises(IllegalStep, match="revise it instead"):
        plan.file_plan(state, filing(entry(4)), {})


@pytest.mark.parametrize(
    ("entries", "field"),
    [
        (
            (entry(3), PlanEntry(school_id="s1", planned_on=date(2026, 10, 1), kind="routine")),
            "body.entries.1.planned_on",
        ),
        ((entry(3), entry(3)), "body.entries.1"),
        ((entry(3, kind=VisitKind.special),), "body.entries.0.campaign_id"),
        ((entry(3, campaign_id="c1"),), "body.entries.0.campaign_id"),
        ((entry(3, kind=VisitKind.special, campaign_id="c9"),), "body.entries.0.campaign_id"),
        ((entry(20, kind=VisitKind.special, campaign_id="c1"),), "body.entries.0.planned_on"),
    ],
)
def test_entries_that_do_not_fit_name_their_field(
    entries: tuple[PlanEntry, ...], field: str
) -> None:
    with pytest.raises(FieldProblem) as err:
        plan.file_plan(Plan(), filing(*entries), {"c1": OPEN})
    assert err.value.field == field


def test_a_closed_campaign_takes_no_planned_visit() -> None:
    closed = Campaign(issued=True, closed=True, starts_on=OPEN.starts_on, ends_on=OPEN.ends_on)
    with pytest.raises(FieldProblem, match="closed"):
        plan.file_plan(
            Plan(), filing(entry(3, kind=VisitKind.special, campaign_id="c1")), {"c1": closed}
        )


def test_revisions_count_on_and_need_a_new_acknowledgement() -> None:
    state_id = "insp-1-2026-09"
    state = fold(plan.file_plan(Plan(), filing(entry(3)), {}))
    [ack] = plan.acknowledge(state, AcknowledgePlan(state_id, "office-1"))
    assert isinstance(ack, MonthlyPlanAcknowledged) and ack.revision == 1
    state = fold([ack], state)
    with pytest.raises(IllegalStep, match="already acknowledged"):
        plan.acknowledge(state, AcknowledgePlan(state_id, "office-1"))
    [revised] = plan.revise(
        state, RevisePlan(state_id, "insp-1", (entry(3), entry(17)), "增加一次"), {}
    )
    assert isinstance(revised, MonthlyPlanRevised) and revised.revision == 2
    state = fold([revised], state)
    assert state.acknowledged_revision == 1 and state.revision == 2
    [again] = plan.acknowledge(state, AcknowledgePlan(state_id, "office-1", "同意"))
    assert isinstance(again, MonthlyPlanAcknowledged) and again.revision == 2
    with pytest.raises(IllegalStep, match="nothing changed"):
        plan.revise(state, RevisePlan(state_id, "insp-1", (entry(3), entry(17)), "同"), {})
    with pytest.raises(IllegalStep, match="only the plan's inspector"):
        plan.revise(state, RevisePlan(state_id, "insp-2", (entry(4),), "改"), {})


def test_unfiled_plans_cannot_be_revised_or_acknowledged() -> None:
    with pytest.raises(IllegalStep, match="not filed"):
        plan.revise(Plan(), RevisePlan("p", "insp-1", (entry(3),), "改"), {})
    with pytest.raises(IllegalStep, match="not filed"):
        plan.acknowledge(Plan(), AcknowledgePlan("p", "office"))


def test_an_inspector_files_with_the_office_of_their_county_or_city() -> None:
    zone = Jurisdiction(province="510000", city="510700", county="510704", zone="z1")
    assert plan.office_of(zone).path == OFFICE
    city = Jurisdiction(province="510000", city="510700")
    assert plan.office_of(city).path == "province:510000/city:510700"
