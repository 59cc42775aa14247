"""The rectification application service against in-memory ports: who may take which
step, one load per command, and nothing appended when a step is refused (no Kafka, no
MongoDB; the same rules through HTTP are in tests/e2e/test_rectification.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import get_args

import pytest

import shared.contracts  # noqa: F401  (registers every contract)
from services.issues.rectification import domain as i
from services.issues.rectification.service import (
    CHECKS,
    PERMISSIONS,
    CallerCommand,
    IssueService,
    UnknownIssue,
)
from shared.auth import Principal, Role
from shared.commands import CallerContext, CommandContext, Forbidden, InvalidField, StreamHandler
from shared.contracts.issues import IssueSource
from shared.contracts.visits import MajorKind, Severity
from shared.directory.lookup import SchoolFacts
from shared.envelope import Actor
from shared.events import registry
from shared.eventstore import ConcurrencyConflict
from shared.jurisdiction import Jurisdiction
from tests.fakes import Clock, FakeDirectory, FakeEvidence, FakeVisits, Ids, MemoryEventStore

COUNTY = Jurisdiction(province="510000", city="510700", county="510704")
SCHOOL = COUNTY.model_copy(update={"zone": "z1", "school": "s1"})
OTHER_SCHOOL = COUNTY.model_copy(update={"zone": "z1", "school": "s2"})
ISSUE = "issue-1"


@dataclass
class World:
    store: MemoryEventStore
    directory: FakeDirectory
    visits: FakeVisits
    clock: Clock
    service: IssueService

    def caller(self, user: str, role: Role, where: Jurisdiction = SCHOOL) -> CallerContext:
        who = Principal(user_id=user, name=user, roles=frozenset({role}), jurisdiction=where)
        ctx = CommandContext(Actor(user_id=user, role=role.value), self.clock(), "test")
        return CallerContext(who, ctx)

    @property
    def today(self) -> date:
        return i.local_day(self.clock())

    async def open(self, major: bool = False) -> None:
        cmd = i.OpenIssue(
            issue_id=ISSUE,
            source=IssueSource.visit_finding,
            school_id="s1",
            item_code="safety",
            item_title="校园安全",
            description="消防通道堆放杂物",
            requirement="立即清理",
            severity=Severity.major if major else Severity.general,
            major_kind=MajorKind.safety_hazard if major else None,
            deadline=self.today + timedelta(days=30),
            responsible_inspector_id="insp-1",
            visit_id="v1",
            finding_id="f1",
        )
        ctx = CommandContext(Actor(user_id="svc-issues", role="system"), self.clock(), "test")
        assert await self.service.open(cmd, ctx, SCHOOL)

    async def awaiting_verification(self) -> int:
        await self.open()
        principal = self.caller("principal-1", Role.principal)
        plan = i.PlanFacts.of(("清理通道", "总务主任", self.today + timedelta(days=3)))
        await self.service.handle(ISSUE, i.SubmitPlan("principal-1", plan), principal)
        progress = i.ReportProgress("principal-1", i.ProgressFacts.of("已清理"))
        await self.service.handle(ISSUE, progress, principal)
        return await self.service.handle(
            ISSUE, i.SubmitForVerification("principal-1", "请验收"), principal
        )


@pytest.fixture
def w() -> World:
    store = MemoryEventStore()
    clock = Clock()
    streams = StreamHandler[i.Issue](
        store, registry, "/duxue/issues", i.Issue(), i.evolve, Ids(), service="issues"
    )
    school = SchoolFacts("s1", "一小", SCHOOL, None, "王校长", "z1")
    directory = FakeDirectory(
        schools={"s1": school}, listed={"s1": ("insp-2",)}, leaders={"z1": "leader-1"}
    )
    visits = FakeVisits({"v1": "s1", "v9": "s9"})
    service = IssueService(streams, directory, FakeEvidence(), visits, clock)
    return World(store, directory, visits, clock, service)


def test_every_caller_command_has_one_rule() -> None:
    assert set(PERMISSIONS) == set(get_args(CallerCommand))
    assert set(CHECKS) <= set(PERMISSIONS)


async def test_the_school_plans_and_nobody_else_does(w: World) -> None:
    await w.open()
    plan = i.SubmitPlan("p", i.PlanFacts.of(("清理通道", "总务主任", w.today + timedelta(days=3))))
    with pytest.raises(Forbidden):
        await w.service.handle(ISSUE, plan, w.caller("insp-1", Role.inspector))
    with pytest.raises(Forbidden):  # a principal, of another school
        await w.service.handle(ISSUE, plan, w.caller("p2", Role.principal, OTHER_SCHOOL))
    assert await w.service.handle(ISSUE, plan, w.caller("p", Role.principal)) == 2
    assert w.store.types(i.stream_id(ISSUE)) == ["issue_opened", "rectification_plan_submitted"]


@pytest.mark.parametrize(
    ("user", "role", "may"),
    [
        ("insp-1", Role.inspector, True),  # responsible
        ("insp-2", Role.inspector, True),  # listed at the school today
        ("leader-1", Role.zone_leader, True),  # the zone's leader
        ("office-1", Role.county_office, True),
        ("insp-9", Role.inspector, False),  # an inspector of the county, not of the school
        ("principal-1", Role.principal, False),
    ],
)
async def test_who_verifies(w: World, user: str, role: Role, may: bool) -> None:
    version = await w.awaiting_verification()
    step = i.Verify(user, "复查合格")
    if may:
        assert await w.service.handle(ISSUE, step, w.caller(user, role)) == version + 1
    else:
        with pytest.raises(Forbidden):
            await w.service.handle(ISSUE, step, w.caller(user, role))
        assert len(w.store.streams[i.stream_id(ISSUE)]) == version


async def test_a_step_loads_its_stream_once(w: World) -> None:
    await w.awaiting_verification()
    before = len(w.store.loads)
    await w.service.handle(ISSUE, i.Verify("insp-1", "合格"), w.caller("insp-1", Role.inspector))
    assert len(w.store.loads) == before + 1


async def test_a_stale_expected_version_appends_nothing(w: World) -> None:
    version = await w.awaiting_verification()
    with pytest.raises(ConcurrencyConflict) as stale:
        await w.service.handle(
            ISSUE, i.Verify("insp-1", "合格"), w.caller("insp-1", Role.inspector), version - 1
        )
    assert stale.value.actual_version == version
    assert len(w.store.streams[i.stream_id(ISSUE)]) == version


async def test_what_a_step_names_must_fit_the_school(w: World) -> None:
    version = await w.awaiting_verification()
    inspector = w.caller("insp-1", Role.inspector)
    with pytest.raises(InvalidField) as other_visit:
        await w.service.handle(ISSUE, i.Verify("insp-1", "合格", on_visit_id="v9"), inspector)
    assert other_visit.value.field == "body.visit_id"
    await w.service.handle(ISSUE, i.Verify("insp-1", "合格", on_visit_id="v1"), inspector)
    past = i.Reopen("insp-1", "问题反弹", w.today - timedelta(days=1))
    with pytest.raises(InvalidField) as reopened:
        await w.service.handle(ISSUE, past, inspector)
    assert reopened.value.field == "body.deadline"
    assert len(w.store.streams[i.stream_id(ISSUE)]) == version + 1


async def test_only_the_county_office_issues_a_notice(w: World) -> None:
    await w.open(major=True)
    notice = i.IssueNotice("o", "游教督整〔2026〕1号", w.today, w.today + timedelta(days=10))
    city = w.caller("city-1", Role.city_office, COUNTY.model_copy(update={"county": None}))
    with pytest.raises(Forbidden):
        await w.service.handle(ISSUE, notice, city)
    assert await w.service.handle(ISSUE, notice, w.caller("o", Role.county_office, COUNTY)) == 2


async def test_unknown_issues_and_repeated_openings(w: World) -> None:
    with pytest.raises(UnknownIssue):
        await w.service.handle(
            "nope", i.Verify("insp-1", "合格"), w.caller("o", Role.county_office)
        )
    await w.open()
    opened_again = await w.service.open(
        i.OpenIssue(
            issue_id=ISSUE,
            source=IssueSource.visit_finding,
            school_id="s1",
            item_code="safety",
            item_title="校园安全",
            description="重复投递",
            requirement="立即清理",
            severity=Severity.general,
            deadline=w.today,
            responsible_inspector_id="insp-1",
            visit_id="v1",
            finding_id="f1",
        ),
        CommandContext(Actor(user_id="svc-issues", role="system"), w.clock(), "again"),
        SCHOOL,
    )
    assert not opened_again
    assert w.store.types(i.stream_id(ISSUE)) == ["issue_opened"]
