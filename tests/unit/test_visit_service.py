"""The visit lifecycle's application service against in-memory fakes (no Kafka, no
MongoDB): who may send which command, one load per command, the domain's errors."""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from services.visits.campaigns.lookup import CampaignFacts
from services.visits.visit import domain as v
from services.visits.visit.planning import PlanRequest
from services.visits.visit.service import PERMISSIONS, UnknownVisit, VisitService
from shared.auth import Role
from shared.commands import CallerContext, Forbidden, IllegalStep, InvalidField, NotFound
from shared.contracts.visits import Method, Verdict, VisitKind
from shared.directory.lookup import InspectorFacts, SchoolFacts
from shared.eventstore import ConcurrencyConflict
from shared.jurisdiction import Jurisdiction
from tests.fakes import (
    FakeCampaigns,
    FakeChecklists,
    FakeDirectory,
    FakeEvidence,
    FakeFindings,
    FakePlans,
    InMemoryEventStore,
)
from tests.fakes import (
    caller as fake_caller,
)

NOW = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
DAY = date(2026, 11, 12)
COUNTY = Jurisdiction(province="510000", city="510700", county="510704")
SCHOOL = COUNTY.model_copy(update={"zone": "z1", "school": "s1"})


def caller(user_id: str, *roles: Role, where: Jurisdiction = COUNTY) -> CallerContext:
    return fake_caller(user_id, *roles, where=where, now=NOW)


INSPECTOR = caller("i1", Role.inspector)
STRANGER = caller("i2", Role.inspector)
PRINCIPAL = caller("p1", Role.principal, where=SCHOOL)
OFFICE = caller("office", Role.county_office)


@dataclass
class World:
    store: InMemoryEventStore = field(default_factory=InMemoryEventStore)
    directory: FakeDirectory = field(default_factory=FakeDirectory)
    campaigns: FakeCampaigns = field(default_factory=FakeCampaigns)

    def __post_init__(self) -> None:
        self.directory.schools["s1"] = SchoolFacts(
            school_id="s1",
            name="实验小学",
            jurisdiction=SCHOOL,
            location=None,
            principal_name="王校长",
            zone_id="z1",
        )
        for who in ("i1", "i2"):
            self.directory.inspectors[who] = InspectorFacts(who, who, COUNTY, None)
        self.directory.listed["s1"] = ("i1",)
        self.service = VisitService(
            self.store,
            self.directory,
            FakeChecklists(),
            self.campaigns,
            FakeEvidence(),
            FakePlans(),
            FakeFindings(),
            radius_m=500.0,
        )

    async def plan(self, by: CallerContext = INSPECTOR, **changes: typing.Any) -> str:
        fields: dict[str, typing.Any] = {
            "kind": VisitKind.routine,
            "school_id": "s1",
            "planned_on": DAY,
            "announced": True,
            "purpose": "例行督导",
            "focus": "",
            "team": (),
            "lead_inspector_id": None,
            "checklist_id": None,
            "checklist_version": None,
            "item_codes": None,
            "assignments": (),
            "campaign_id": None,
            "plan_id": None,
            "follows_up": (),
        }
        visit_id, _ = await self.service.plan(PlanRequest(**{**fields, **changes}), by)
        return visit_id

    def loads_of(self, visit_id: str) -> int:
        return self.store.loads.count(v.stream_id(visit_id))


def finding(finding_id: str = "f1") -> v.RecordFinding:
    facts = v.FindingFacts(
        item_code="governance",
        verdict=Verdict.fine,
        notes="制度健全",
        methods=(Method.document_review,),
    )
    return v.RecordFinding(finding_id=finding_id, inspector_id="", facts=facts)


def sign_in() -> v.SignIn:
    return v.SignIn("", NOW, None, None, 0.0)


# ---------------------------------------------------------------- planning


async def test_an_inspector_plans_a_visit_to_a_listed_school_with_one_load_of_it() -> None:
    world = World()
    visit_id = await world.plan()
    assert world.store.event_types(v.stream_id(visit_id)) == ["cn.duxue.visits.visit_planned"]
    assert world.directory.school_loads == 1


async def test_an_inspector_not_listed_at_the_school_may_not_plan_there() -> None:
    world = World()
    with pytest.raises(Forbidden):
        await world.plan(by=STRANGER)


async def test_a_visit_under_a_closed_campaign_is_an_illegal_step() -> None:
    world = World()
    facts = CampaignFacts(
        campaign_id="c1",
        title="食品安全专项",
        checklist_id="routine",
        checklist_version=1,
        starts_on=date(2026, 11, 1),
        ends_on=date(2026, 11, 30),
        zone_ids=("z1",),
        school_ids=(),
        jurisdiction=COUNTY,
        closed=True,
    )
    world.campaigns.campaigns["c1"] = facts
    kind = VisitKind.special
    with pytest.raises(IllegalStep, match="已结束"):
        await world.plan(by=OFFICE, team=("i1",), kind=kind, campaign_id="c1")
    with pytest.raises(InvalidField) as unknown:
        await world.plan(by=OFFICE, team=("i1",), kind=kind, campaign_id="c2")
    assert unknown.value.field == "body.campaign_id"
    world.campaigns.campaigns["c1"] = CampaignFacts(**{**facts.__dict__, "closed": False})
    visit_id = await world.plan(by=OFFICE, team=("i1",), kind=kind, campaign_id="c1")
    assert world.store.event_types(v.stream_id(visit_id)) == ["cn.duxue.visits.visit_planned"]


async def test_an_unknown_id_in_a_plans_body_is_422_naming_the_field() -> None:
    world = World()
    for changes, named in (
        ({"school_id": "s9"}, "body.school_id"),
        ({"assignments": (("nope", "i1"),)}, "body.assignments.nope"),  # no such item
        ({"assignments": (("governance", "i2"),)}, "body.assignments.governance"),  # assignee
    ):
        with pytest.raises(InvalidField) as unknown:
            await world.plan(**changes)
        assert unknown.value.field == named, changes
    assert world.store.streams == {}


async def test_an_office_planning_without_a_team_gets_the_lead_or_a_422_on_the_team() -> None:
    world = World()
    with pytest.raises(InvalidField, match="督导室安排督导须指明督导组成员") as missing:
        await world.plan(by=OFFICE)
    assert missing.value.field == "body.team"
    visit_id = await world.plan(by=OFFICE, lead_inspector_id="i1")
    state = (await world.service.load(visit_id)).state
    assert (state.team, state.lead_inspector_id) == (("i1",), "i1")


async def test_a_bad_lead_is_a_body_field_or_outside_the_jurisdiction() -> None:
    world = World()
    elsewhere = COUNTY.model_copy(update={"county": "510705"})
    world.directory.inspectors["i3"] = InspectorFacts("i3", "i3", elsewhere, None)
    for lead in ("i9", "i2"):  # unknown; known but not in the team
        with pytest.raises(InvalidField) as bad:
            await world.plan(by=OFFICE, team=("i1",), lead_inspector_id=lead)
        assert bad.value.field == "body.lead_inspector_id", lead
    with pytest.raises(InvalidField) as bad:
        await world.plan(by=OFFICE, lead_inspector_id="i9")
    assert bad.value.field == "body.lead_inspector_id"
    with pytest.raises(Forbidden):
        await world.plan(by=OFFICE, team=("i1",), lead_inspector_id="i3")
    with pytest.raises(InvalidField) as bad:
        await world.plan(lead_inspector_id="i2")  # an inspector's own team is themselves
    assert bad.value.field == "body.lead_inspector_id"
    assert world.store.streams == {}


# ---------------------------------------------------------------- commands on a visit


async def test_an_unknown_id_in_a_commands_body_is_422_and_in_its_path_404() -> None:
    world = World()
    visit_id = await world.plan()
    await world.service.handle(visit_id, sign_in(), INSPECTOR, None)
    stray = finding()
    stray = v.RecordFinding("f1", "", stray.facts.model_copy(update={"item_code": "nope"}))
    with pytest.raises(InvalidField) as unknown:
        await world.service.handle(visit_id, stray, INSPECTOR, None)
    assert unknown.value.field == "body.item_code"
    with pytest.raises(NotFound):  # PATCH /visits/{id}/findings/{finding_id}
        fix = v.CorrectFinding("f9", "", "更正", notes="补充")
        await world.service.handle(visit_id, fix, INSPECTOR, None)
    for command in (finding(), v.IssueFeedback(by="", summary="")):
        await world.service.handle(visit_id, command, INSPECTOR, None)
    with pytest.raises(InvalidField) as unknown:
        await world.service.handle(visit_id, v.Dispute("", ((9, "不认可"),)), PRINCIPAL, None)
    assert unknown.value.field == "body.points.0.point_no"
    assert world.store.types(v.stream_id(visit_id))[-1] == "feedback_issued"


async def test_the_lifecycle_loads_the_stream_once_per_command() -> None:
    world = World()
    visit_id = await world.plan()
    commands: list[tuple[CallerContext, v.Command]] = [
        (INSPECTOR, sign_in()),
        (INSPECTOR, finding()),
        (INSPECTOR, v.IssueFeedback(by="", summary="总体良好")),
        (PRINCIPAL, v.Acknowledge(by="", signer_name="王校长")),
        (INSPECTOR, v.CloseVisit(by="", summary="办结")),
    ]
    version = 1
    for who, command in commands:
        before = world.loads_of(visit_id)
        version = await world.service.handle(visit_id, command, who, version)
        assert world.loads_of(visit_id) == before + 1, type(command).__name__
    assert world.store.event_types(v.stream_id(visit_id))[-1] == "cn.duxue.visits.visit_closed"
    assert version == len(world.store.streams[v.stream_id(visit_id)])


async def test_the_caller_is_the_author_whatever_the_command_says() -> None:
    world = World()
    visit_id = await world.plan()
    forged = v.SignIn("someone-else", datetime(2020, 1, 1, tzinfo=UTC), None, None, 1e9)
    await world.service.handle(visit_id, forged, INSPECTOR, None)
    signed = world.store.streams[v.stream_id(visit_id)][-1]
    assert signed.payload["inspector_id"] == "i1"
    assert signed.payload["signed_in_at"].startswith("2026-11-10")


async def test_only_the_team_works_on_site() -> None:
    world = World()
    visit_id = await world.plan()
    with pytest.raises(Forbidden, match="未挂牌或未被指派"):
        await world.service.handle(visit_id, sign_in(), STRANGER, None)
    with pytest.raises(Forbidden):  # the role is asked before the stream is loaded
        await world.service.handle("nope", sign_in(), PRINCIPAL, None)
    assert world.loads_of("nope") == 0


async def test_only_the_schools_principal_answers_the_feedback() -> None:
    world = World()
    visit_id = await world.plan()
    for command in (sign_in(), finding(), v.IssueFeedback(by="", summary="")):
        await world.service.handle(visit_id, command, INSPECTOR, None)
    elsewhere = caller("p2", Role.principal, where=COUNTY.model_copy(update={"school": "s2"}))
    ack = v.Acknowledge(by="", signer_name="李校长")
    with pytest.raises(Forbidden, match="本校校长"):
        await world.service.handle(visit_id, ack, elsewhere, None)
    with pytest.raises(Forbidden):
        await world.service.handle(visit_id, ack, INSPECTOR, None)
    await world.service.handle(visit_id, ack, PRINCIPAL, None)


async def test_a_stale_expected_version_is_a_conflict_and_writes_nothing() -> None:
    world = World()
    visit_id = await world.plan()
    with pytest.raises(ConcurrencyConflict):
        await world.service.handle(visit_id, v.CancelVisit(reason="改期"), INSPECTOR, 7)
    assert len(world.store.streams[v.stream_id(visit_id)]) == 1


async def test_an_unknown_visit_is_not_found() -> None:
    with pytest.raises(UnknownVisit):
        await World().service.handle("nope", v.CancelVisit(reason="取消"), OFFICE, None)


def test_every_command_on_a_visit_has_a_permission() -> None:
    commands = set(typing.get_args(v.Command)) - {v.PlanVisit}
    assert set(PERMISSIONS) == commands
