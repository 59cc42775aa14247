"""The complaints application service against in-memory ports: intake, who may take which
step (404 for who does not see the case, 403 for who sees it but may not act), one load
per command, ``If-Match``, the linked issue and the erasure — no Kafka, no MongoDB (the
same rules through HTTP: tests/e2e/test_complaint_visibility.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import get_args

import pytest

import shared.contracts  # noqa: F401  (registers every contract)
from services.issues.complaints import domain as c
from services.issues.complaints.keys import MemoryKeyStore
from services.issues.complaints.linked_issue import IssueRequest
from services.issues.complaints.permissions import PERMISSIONS, Step
from services.issues.complaints.ports import Contact
from services.issues.complaints.receiving import PUBLIC, Intake, code_hash
from services.issues.complaints.service import ComplaintService
from services.issues.rectification import domain as i
from services.issues.rectification.service import IssueService, issue_id_for
from shared.auth import Principal, Role
from shared.commands import (
    CallerContext,
    CommandContext,
    Forbidden,
    IllegalStep,
    InvalidField,
    NotFound,
    StreamHandler,
)
from shared.contracts.complaints import (
    AnswerMethod,
    ComplaintCategory,
    ComplaintChannel,
    ErasureReason,
    VerificationOutcome,
)
from shared.contracts.issues import IssueSource
from shared.contracts.visits import Severity
from shared.directory.lookup import InspectorFacts, SchoolFacts
from shared.envelope import Actor
from shared.events import registry
from shared.eventstore import StalePrecondition
from shared.jurisdiction import Jurisdiction
from tests.fakes import (
    Clock,
    FakeDirectory,
    FakeEvidence,
    FakeLedZones,
    FakeVisits,
    Ids,
    MemoryContacts,
    MemoryEventStore,
    MemoryTrackingCodes,
)

COUNTY = Jurisdiction(province="510000", city="510700", county="510704")
OTHER_COUNTY = Jurisdiction(province="510000", city="510700", county="510703")
SCHOOL = COUNTY.model_copy(update={"zone": "z1", "school": "s1"})
CONTACT = Contact(name="王女士", phone="13800138000")


@dataclass
class World:
    store: MemoryEventStore
    keys: MemoryKeyStore
    contacts: MemoryContacts
    codes: MemoryTrackingCodes
    clock: Clock
    service: ComplaintService

    def caller(self, user: str, role: Role, where: Jurisdiction = COUNTY) -> CallerContext:
        who = Principal(user_id=user, name=user, roles=frozenset({role}), jurisdiction=where)
        return CallerContext(
            who, CommandContext(Actor(user_id=user, role=role.value), self.clock(), "t")
        )

    @property
    def office(self) -> CallerContext:
        return self.caller("office-1", Role.county_office)

    def inspector(self, n: int) -> CallerContext:
        return self.caller(f"insp-{n}", Role.inspector)

    async def complaint(self) -> str:
        intake = Intake(
            school_id="s1",
            channel=ComplaintChannel.online,
            category=ComplaintCategory.learning_load,
            subject="作业过多",
            content="三年级每天作业超过两个小时",
            anonymous=False,
            contact=CONTACT,
        )
        ctx = CommandContext(PUBLIC, self.clock(), "t")
        return (await self.service.receive(intake, ctx)).complaint_id

    def types(self, complaint_id: str) -> list[str]:
        return self.store.types(c.stream_id(complaint_id))

    async def verified(self) -> str:
        cid = await self.complaint()
        insp = self.inspector(2)
        await self.service.handle(cid, c.Accept("insp-2", False), insp)
        verify = c.Verify("insp-2", VerificationOutcome.substantiated, "属实")
        await self.service.handle(cid, verify, insp)
        return cid


@pytest.fixture
def w() -> World:
    store, clock = MemoryEventStore(), Clock()
    school = SchoolFacts("s1", "一小", SCHOOL, None, "王校长", "z1")
    directory = FakeDirectory(
        schools={"s1": school},
        listed={"s1": ("insp-2",)},
        inspectors={
            "insp-3": InspectorFacts("insp-3", "李督学", COUNTY, None),
            "insp-9": InspectorFacts("insp-9", "外县督学", OTHER_COUNTY, None),
        },
    )
    issue_streams = StreamHandler[i.Issue](
        store, registry, "/duxue/issues", i.Issue(), i.evolve, Ids(), service="issues"
    )
    issues = IssueService(issue_streams, directory, FakeEvidence(), FakeVisits({"v1": "s1"}), clock)
    streams = StreamHandler[c.Complaint](
        store, registry, "/duxue/issues", c.Complaint(), c.evolve, Ids(), service="issues"
    )
    keys, contacts, codes = MemoryKeyStore(), MemoryContacts(), MemoryTrackingCodes()
    zones = FakeLedZones({"z1": "leader-1"})
    service = ComplaintService(
        streams, directory, issues, keys, contacts, codes, zones, clock, Ids(), answer_days=15
    )
    return World(store, keys, contacts, codes, clock, service)


def test_every_step_has_one_rule() -> None:
    assert set(PERMISSIONS) == set(get_args(Step))


async def test_intake_stores_key_contact_and_code_before_one_commit(w: World) -> None:
    cid = await w.complaint()
    assert w.types(cid) == ["complaint_received", "complaint_routed"]
    assert cid in w.keys.keys and w.contacts.stored[cid] == CONTACT
    (entry,) = w.codes.codes.values()
    assert entry.complaint_id == cid and entry.tracking_no.startswith("TS20261102")
    state = c.replay([registry.parse(e) for e in w.store.streams[c.stream_id(cid)]])
    assert state.routed_to == ("insp-2",) and state.has_contact and not state.anonymous
    assert "13800138000" not in str(w.store.streams)  # the contact never enters an event


async def test_staff_intake_is_for_field_staff_and_offices_of_the_county(w: World) -> None:
    intake = Intake(
        "s1", ComplaintChannel.phone, ComplaintCategory.safety, "围墙", "围墙有裂缝，危险", True
    )
    taken = await w.service.receive(intake, w.office.ctx, w.office.principal)
    assert taken.routed_to == ("insp-2",) and taken.answer_due_on.isoformat() == "2026-11-17"
    entry = w.codes.codes[taken.tracking_no]  # the query code is kept as a salted hash only
    assert entry.code_sha256 == code_hash(taken.query_code, entry.salt)
    assert taken.query_code not in str(entry)
    principal = w.caller("p-1", Role.principal, SCHOOL)
    with pytest.raises(Forbidden):
        await w.service.receive(intake, principal.ctx, principal.principal)
    stranger = w.caller("insp-9", Role.inspector, OTHER_COUNTY)
    with pytest.raises(Forbidden):
        await w.service.receive(intake, stranger.ctx, stranger.principal)
    unknown = Intake(
        "s9", ComplaintChannel.phone, ComplaintCategory.safety, "围墙", "围墙有裂缝", True
    )
    with pytest.raises(InvalidField) as exc:
        await w.service.receive(unknown, w.office.ctx, w.office.principal)
    assert exc.value.field == "body.school_id" and len(w.codes.codes) == 1


async def test_only_a_handler_takes_a_step_and_outsiders_do_not_see_the_case(w: World) -> None:
    cid = await w.complaint()
    accept = c.Accept("x", False)
    for outsider in (
        w.inspector(3),  # not routed to it
        w.caller("p-1", Role.principal, SCHOOL),  # not verified yet: the school sees nothing
        w.caller("office-9", Role.county_office, OTHER_COUNTY),
        w.caller("city-1", Role.city_office, COUNTY.model_copy(update={"county": None})),
    ):
        with pytest.raises(NotFound):
            await w.service.handle(cid, accept, outsider)
    with pytest.raises(Forbidden):  # the zone leader sees the case, but does not act
        await w.service.handle(cid, accept, w.caller("leader-1", Role.zone_leader))
    assert w.types(cid) == ["complaint_received", "complaint_routed"]
    w.store.loads.clear()
    assert await w.service.handle(cid, c.Accept("insp-2", True), w.inspector(2)) == 3
    assert w.store.loads == [c.stream_id(cid)]  # one load per command
    state = (await w.service.load(cid)).state
    assert state.accepted_by == "insp-2" and not state.accepted_as_office  # decided here


async def test_the_county_office_accepts_as_the_office(w: World) -> None:
    cid = await w.complaint()
    await w.service.handle(cid, c.Accept("office-1", False), w.office)
    assert (await w.service.load(cid)).state.accepted_as_office


async def test_a_stale_if_match_is_412_and_appends_nothing(w: World) -> None:
    cid = await w.complaint()
    with pytest.raises(StalePrecondition):
        await w.service.handle(cid, c.Accept("insp-2", False), w.inspector(2), 1)
    assert len(w.types(cid)) == 2
    assert await w.service.handle(cid, c.Accept("insp-2", False), w.inspector(2), 2) == 3


async def test_rerouting_is_the_offices_and_the_former_handler_loses_the_case(w: World) -> None:
    cid = await w.complaint()
    move = c.Reroute("office-1", ("insp-3",), "回避")
    with pytest.raises(Forbidden):
        await w.service.handle(cid, move, w.inspector(2))
    for wrong in ("insp-9", "nobody"):
        with pytest.raises(InvalidField) as exc:
            await w.service.handle(cid, c.Reroute("office-1", (wrong,), "回避"), w.office)
        assert exc.value.field == "body.inspector_ids.0"
    await w.service.handle(cid, move, w.office)
    with pytest.raises(NotFound):
        await w.service.handle(cid, c.Accept("insp-2", False), w.inspector(2))
    await w.service.handle(cid, c.Accept("insp-3", False), w.inspector(3))
    assert w.types(cid)[-2:] == ["complaint_routed", "complaint_accepted"]


async def test_the_revisit_must_be_of_the_school(w: World) -> None:
    cid = await w.complaint()
    await w.service.handle(cid, c.Accept("insp-2", False), w.inspector(2))
    elsewhere = c.Verify("insp-2", VerificationOutcome.substantiated, "属实", visit_id="v9")
    with pytest.raises(InvalidField) as exc:
        await w.service.handle(cid, elsewhere, w.inspector(2))
    assert exc.value.field == "body.visit_id"
    ok = c.Verify("insp-2", VerificationOutcome.substantiated, "属实", visit_id="v1")
    assert await w.service.handle(cid, ok, w.inspector(2)) == 4


async def test_the_linked_issue_opens_once(w: World) -> None:
    req = IssueRequest(
        "作业超量", "控制作业总量", Severity.general, w.clock().date() + timedelta(days=30)
    )
    early = await w.complaint()
    with pytest.raises(IllegalStep):
        await w.service.open_issue(early, req, w.office)
    cid = await w.verified()
    with pytest.raises(Forbidden):
        await w.service.open_issue(cid, req, w.caller("leader-1", Role.zone_leader))
    issue_id = issue_id_for("complaint", cid)
    linked = len(w.store.streams[c.stream_id(cid)]) + 1  # ComplaintIssueOpened
    assert await w.service.open_issue(cid, req, w.inspector(2)) == (issue_id, True, linked)
    assert await w.service.open_issue(cid, req, w.inspector(2)) == (issue_id, False, linked)
    assert w.store.types(i.stream_id(issue_id)) == ["issue_opened"]
    issue = (await w.service.issues.load(issue_id)).state
    assert issue.source == IssueSource.complaint and issue.responsible_inspector_id == "insp-2"
    opened = w.store.streams[i.stream_id(issue_id)][0].payload
    assert opened["item_code"] == "learning_load" and opened["source_ref"] == cid
    assert w.types(cid)[-1] == "complaint_issue_opened"


async def test_the_erasure_deletes_key_and_contact_then_records_it(w: World) -> None:
    cid = await w.verified()
    reason = ErasureReason.complainant_request
    with pytest.raises(Forbidden):
        await w.service.erase(cid, reason, "SQ-1", w.inspector(2))
    with pytest.raises(StalePrecondition):
        await w.service.erase(cid, reason, "SQ-1", w.office, 2)
    assert cid in w.keys.keys and cid in w.contacts.stored  # nothing deleted when stale
    assert await w.service.erase(cid, reason, "SQ-1", w.office, 4) == 5
    assert cid not in w.keys.keys and cid not in w.contacts.stored
    assert w.types(cid)[-1] == "complaint_erased"
    with pytest.raises(IllegalStep, match="已删除"):
        await w.service.erase(cid, reason, None, w.office)
    answer = c.Answer("insp-2", "已处理", AnswerMethod.phone, w.service.today())
    with pytest.raises(IllegalStep, match="已删除"):
        await w.service.handle(cid, answer, w.inspector(2))
    assert len(w.types(cid)) == 5
