"""The notifier and the e-mail dispatcher against in-memory ports: rules choose roles,
the directory as of the event's time names the people, a cause reaches each person once
per channel however often it is read, and e-mail is sent once, retried, dead-lettered
(no Kafka, no MongoDB; through the real servers in tests/e2e/test_notifications.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest

import shared.contracts  # noqa: F401  (registers every contract)
from services.notifications.channels.contacts import MemoryContacts
from services.notifications.channels.email import MemorySender, message_id
from services.notifications.channels.outgoing import Outgoing
from services.notifications.channels.sms import segments, sms_text
from services.notifications.delivery import domain as d
from services.notifications.delivery.dispatcher import Dispatcher, SendFailed
from services.notifications.delivery.notifier import Notifier
from services.notifications.delivery.service import SOURCE, SYSTEM, NotificationService
from services.notifications.inbox.service import InboxService
from services.notifications.recipients.resolve import leader_at
from services.notifications.rules.book import MemoryRuleBook
from services.notifications.rules.domain import (
    DEFAULT_RULES,
    HANDLED,
    RecipientRole,
    Rule,
    next_version,
)
from services.notifications.templates import Format, Templates
from shared.auth import Principal, Role
from shared.commands import CallerContext, CommandContext, NotCaughtUp, StreamHandler
from shared.contracts.complaints import ComplaintRouted
from shared.contracts.issues import IssueOverdue
from shared.contracts.notifications import Channel, NotificationQueued
from shared.contracts.visits import (
    DisputedPoint,
    FeedbackDisputed,
    FeedbackIssued,
    FindingRecorded,
)
from shared.envelope import EventEnvelope
from shared.events import EventPayload, registry
from shared.jurisdiction import Jurisdiction
from tests.factories import envelope
from tests.fakes import Clock, Ids, MemoryEventStore

SCHOOL = Jurisdiction(province="510000", city="510700", county="510704", zone="z1", school="s1")
MOMENT = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # 10:00 in China


@dataclass
class FakeFacts:
    listings: dict[str, list[tuple[str, date, date | None]]] = field(default_factory=dict)
    leaders: dict[str, list[tuple[datetime, str | None]]] = field(default_factory=dict)

    async def listed_inspectors(self, school_id: str, on: date) -> list[str]:
        return [
            i
            for i, start, end in self.listings.get(school_id, [])
            if start <= on and (end is None or on <= end)
        ]

    async def zone_leader_at(self, zone_id: str, at: datetime) -> str | None:
        leader = None
        for since, who in self.leaders.get(zone_id, []):
            if since <= at:
                leader = who
        return leader

    async def school_name(self, school_id: str) -> str | None:
        return {"s1": "雁江区实验小学"}.get(school_id)


@dataclass
class World:
    store: MemoryEventStore
    notifications: NotificationService
    facts: FakeFacts
    contacts: MemoryContacts
    rules: MemoryRuleBook
    notifier: Notifier
    mailer: MemorySender
    dispatcher: Dispatcher

    def queued(self) -> list[NotificationQueued]:
        found = []
        for events in self.store.streams.values():
            payload = registry.parse(events[0])
            assert isinstance(payload, NotificationQueued)
            found.append(payload)
        return found

    async def dispatch_all(self) -> None:
        for events in list(self.store.streams.values()):
            await self.dispatcher.react(events[0], registry.parse(events[0]))


@pytest.fixture
def world() -> World:
    store = MemoryEventStore()
    streams = StreamHandler[d.Notification](
        store, registry, source=SOURCE, initial=d.INITIAL, evolve=d.evolve, new_id=Ids()
    )
    notifications = NotificationService(streams, max_attempts=3)
    facts = FakeFacts(
        listings={"s1": [("insp-1", date(2026, 9, 1), None)]},
        leaders={"z1": [(datetime(2026, 1, 1, tzinfo=UTC), "lead-1")]},
    )
    contacts = MemoryContacts({("principal:s1", Channel.email): "principal@s1.example"})
    rules = MemoryRuleBook()
    clock = Clock(MOMENT + timedelta(seconds=2))
    notifier = Notifier(notifications, rules, facts, contacts, Templates(), clock)
    mailer = MemorySender()
    dispatcher = Dispatcher(Channel.email, notifications, mailer, contacts, clock)
    return World(store, notifications, facts, contacts, rules, notifier, mailer, dispatcher)


def feedback_issued() -> EventEnvelope:
    payload = FeedbackIssued(
        visit_id="v1", school_id="s1", highlights=[], problems=[], summary="<总体良好>"
    )
    return envelope(payload, "visit-v1", 7, SCHOOL, MOMENT)


async def react(w: World, event: EventEnvelope) -> None:
    await w.notifier.react(event, registry.parse(event))


async def test_a_feedback_list_reaches_the_principal_once_per_channel(world: World) -> None:
    event = feedback_issued()
    await react(world, event)
    await react(world, event)  # a replay, a rebuild, a restart
    queued = world.queued()
    assert sorted((q.recipient, q.channel) for q in queued) == [
        ("principal:s1", Channel.email),
        ("principal:s1", Channel.inbox),
    ]
    message = queued[0]
    assert message.kind == "feedback_issued" and message.locale == "zh-CN"
    assert "督导反馈清单" in message.subject
    assert "<总体良好>" in message.body  # plain text: the data as it is, no entities
    assert message.cause_event_id == str(event.event_id)


async def test_a_listing_that_ended_yesterday_receives_nothing_today(world: World) -> None:
    world.facts.listings["s1"] = [
        ("insp-old", date(2026, 9, 1), date(2026, 11, 15)),
        ("insp-new", date(2026, 11, 16), None),
    ]
    payload = FeedbackDisputed(visit_id="v1", school_id="s1", disputed_by="p", points=[])
    await react(world, envelope(payload, "visit-v1", 8, SCHOOL, MOMENT))
    assert [q.recipient for q in world.queued()] == ["inspector:insp-new"]


async def test_a_major_problem_reaches_the_zone_leader_in_office_and_the_county_at_once(
    world: World,
) -> None:
    world.facts.leaders["z1"].append((MOMENT + timedelta(days=1), "lead-2"))  # later
    problem = FindingRecorded(
        visit_id="v1",
        finding_id="f1",
        item_code="safety",
        item_title="校园安全",
        inspector_id="insp-1",
        verdict="problem",
        notes="教学楼护栏松动",
        methods=["campus_walk"],
        severity="major",
        major_kind="safety_hazard",
        requirement="立即封闭并维修",
    )
    await react(world, envelope(problem, "visit-v1", 3, SCHOOL, MOMENT))
    queued = world.queued()
    assert sorted(q.recipient for q in queued) == ["county_office:510704", "inspector:lead-1"]
    assert all(q.urgent and q.kind == "major_problem" for q in queued)
    assert "【紧急】" in queued[0].subject


async def test_a_general_problem_tells_no_one(world: World) -> None:
    minor = FindingRecorded(
        visit_id="v1",
        finding_id="f2",
        item_code="teaching",
        item_title="课堂教学",
        inspector_id="insp-1",
        verdict="problem",
        notes="作业偏多",
        methods=["document_review"],
        severity="general",
    )
    await react(world, envelope(minor, "visit-v1", 4, SCHOOL, MOMENT))
    assert world.queued() == []


async def test_an_offices_rules_in_force_at_the_event_choose_the_roles(world: World) -> None:
    overdue = IssueOverdue(issue_id="i1", deadline=date(2026, 11, 1), detected_at=MOMENT)
    mine = next_version(
        "510704",
        [],
        [
            Rule(
                kind="issue_overdue",
                event_type=IssueOverdue.event_type,
                roles=(RecipientRole.principal,),
            )
        ],
        MOMENT + timedelta(hours=1),  # valid only after the event
    )
    await world.rules.add(mine)
    await react(world, envelope(overdue, "issue-i1", 5, SCHOOL, MOMENT))
    assert sorted(q.recipient for q in world.queued()) == [
        "county_office:510704",
        "inspector:lead-1",
    ]
    later = envelope(overdue, "issue-i1", 6, SCHOOL, MOMENT + timedelta(hours=2))
    await react(world, later)
    newest = [q for q in world.queued() if q.cause_event_id == str(later.event_id)]
    assert [(q.recipient, q.rules_version) for q in newest] == [("principal:s1", 1)] * 2


def test_rules_refuse_an_event_type_no_rule_can_handle() -> None:
    with pytest.raises(ValueError, match=r"rules\.0\.event_type"):
        next_version(
            "510704",
            [DEFAULT_RULES],
            [Rule(kind="x", event_type="cn.duxue.nope", roles=(RecipientRole.principal,))],
            MOMENT,
        )


def test_a_short_event_name_is_refused_with_the_full_names_listed() -> None:
    rule = Rule(kind="x", event_type="visits.feedback_issued", roles=(RecipientRole.principal,))
    with pytest.raises(ValueError, match=r"rules\.0\.event_type") as refused:
        next_version("510704", [DEFAULT_RULES], [rule], MOMENT)
    assert FeedbackIssued.event_type in str(refused.value)
    assert all(t.startswith("cn.duxue.") for t in HANDLED)


def test_the_zone_leader_is_read_from_the_zones_history() -> None:
    zone = {
        "history": [
            {"event": "zone_established", "at": "2026-01-01T00:00:00+00:00", "leader_id": "a"},
            {"event": "zone_leader_changed", "at": "2026-11-20T00:00:00+00:00", "leader_id": "b"},
        ]
    }
    assert leader_at(zone, MOMENT) == "a"
    assert leader_at(zone, datetime(2026, 12, 1, tzinfo=UTC)) == "b"


async def test_an_email_is_sent_once_however_often_it_is_read(world: World) -> None:
    await react(world, feedback_issued())
    await world.dispatch_all()
    await world.dispatch_all()  # replayed
    assert [m.address for m in world.mailer.sent] == ["principal@s1.example"]
    mail = world.mailer.sent[0]
    assert message_id(mail.notification_id).startswith(f"<{mail.notification_id}@")
    state, _, _ = await world.notifications.load(mail.notification_id)
    assert state.stage is d.Stage.sent


async def test_a_failing_mail_system_is_retried_then_dead_lettered(world: World) -> None:
    await react(world, feedback_issued())
    world.mailer.failures = 1
    with pytest.raises(SendFailed):  # the runner pauses and reads the event again
        await world.dispatch_all()
    await world.dispatch_all()
    assert len(world.mailer.sent) == 1
    await react(
        world,
        envelope(
            FeedbackIssued(visit_id="v2", school_id="s1", highlights=[], problems=[], summary="x"),
            "visit-v2",
            7,
            SCHOOL,
            MOMENT,
        ),
    )
    world.contacts.addresses.clear()  # an address that disappeared fails every attempt
    for _ in range(2):
        with pytest.raises(SendFailed):
            await world.dispatch_all()
    await world.dispatch_all()  # the third attempt is the last: dead-lettered, no raise
    dead = [
        s for s in world.store.streams.values() if s[-1].event_type.endswith("notification_failed")
    ]
    assert len(dead) == 1 and registry.parse(dead[0][-1]).dead_lettered  # type: ignore[attr-defined]


def test_mark_read_is_for_inbox_messages_only() -> None:
    queued = d.Notification(d.Stage.queued, Channel.email, "principal:s1")
    with pytest.raises(Exception, match="站内消息"):
        d.mark_read(queued, "n1", "u1")
    inbox = d.Notification(d.Stage.queued, Channel.inbox, "principal:s1")
    assert len(d.mark_read(inbox, "n1", "u1")) == 1
    assert d.mark_read(d.evolve(inbox, d.mark_read(inbox, "n1", "u1")[0]), "n1", "u1") == []


async def test_event_text_in_a_wecom_message_is_escaped_markdown_not_links(world: World) -> None:
    world.contacts.addresses[("inspector:insp-1", Channel.wecom)] = "https://robot.example/hook"
    notifier = Notifier(
        world.notifications,
        world.rules,
        world.facts,
        world.contacts,
        Templates(),
        Clock(MOMENT),
        (Channel.wecom,),
    )
    reason = "见[链接](http://evil.example) **x**"
    point = DisputedPoint(point_no=1, reason=reason)
    payload = FeedbackDisputed(visit_id="v1", school_id="s1", disputed_by="p", points=[point])
    event = envelope(payload, "visit-v1", 8, SCHOOL, MOMENT)
    await notifier.react(event, registry.parse(event))
    by_channel = {q.channel: q for q in world.queued()}
    wecom, inbox = by_channel[Channel.wecom], by_channel[Channel.inbox]
    assert r"见\[链接\]\(http://evil\.example\) \*\*x\*\*" in wecom.body
    assert "1. " in wecom.body  # the template's own text is not escaped
    assert reason in inbox.body  # the inbox carries the text as it is


def test_plain_text_carries_the_data_as_it_is_and_html_escapes_it() -> None:
    data = {"issue_id": "i1", "note": "<b>作业</b>{{ 7*7 }}"}
    text = Templates().render("issue_verified", data)
    assert "说明：<b>作业</b>{{ 7*7 }}" in text.body  # never evaluated as template code
    html = Templates().render("issue_verified", data, format=Format.html)
    assert "&lt;b&gt;作业&lt;/b&gt;" in html.body


def test_an_sms_counts_the_characters_of_the_text_not_of_entities() -> None:
    rendered = Templates().render("issue_verified", {"issue_id": "i1", "note": "<b>作业</b>"})
    sent = Outgoing("n-1", Channel.sms, "13800000000", rendered.subject, rendered.body)
    text = sms_text(sent)
    assert "&lt;" not in text and "<b>作业</b>" in text
    assert segments(text) == [text]


async def test_a_message_names_the_school_and_greets_the_recipient_it_is_for(
    world: World,
) -> None:
    await react(world, feedback_issued())
    principal = next(q for q in world.queued() if q.channel is Channel.inbox)
    assert principal.subject == "督导反馈清单已下发（雁江区实验小学）"
    assert principal.body.startswith("您校收到")
    both = Rule(
        kind="feedback_issued",
        event_type=FeedbackIssued.event_type,
        roles=(RecipientRole.principal, RecipientRole.county_office),
    )
    await world.rules.add(next_version("510704", [], [both], MOMENT - timedelta(days=1)))
    unknown = FeedbackIssued(visit_id="v9", school_id="s9", highlights=[], problems=[], summary="")
    event = envelope(unknown, "visit-v9", 7, SCHOOL, MOMENT)
    await react(world, event)
    mine = {q.recipient: q for q in world.queued() if q.cause_event_id == str(event.event_id)}
    office = mine["county_office:510704"]
    assert "（s9）" in office.subject  # not in the directory copy: the id
    assert office.body.startswith("s9收到") and "您校" not in office.body
    assert mine["principal:s9"].body.startswith("您校收到")


async def test_a_routed_complaint_shows_its_tracking_number_never_the_internal_id(
    world: World,
) -> None:
    internal = "0123456789abcdef" * 2
    routed = ComplaintRouted(
        complaint_id=internal,
        to_inspector_ids=["insp-1"],
        to_county_office=False,
        unlisted=False,
        routed_by="svc-issues",
    )
    await react(world, envelope(routed, f"complaint-{internal}", 2, SCHOOL, MOMENT))
    [message] = world.queued()
    assert internal not in message.body and "举报投诉" in message.body
    data = {"complaint_id": internal, "tracking_no": "JB20261116001"}
    rendered = Templates().render("complaint_assigned", data)
    assert "JB20261116001" in rendered.body and internal not in rendered.body


def _unused(_: EventPayload) -> None: ...


@dataclass
class LaggingInbox:
    """An inbox read model that shows a mark read only after ``lag`` more reads."""

    messages: dict[str, dict[str, object]]
    lag: int = 3
    reads: int = 0

    async def message(self, notification_id: str) -> dict[str, object] | None:
        return self.messages.get(notification_id)

    async def unread_ids(self, mailboxes: list[str], limit: int) -> list[str]:
        return [i for i, m in self.messages.items() if m["recipient"] in mailboxes][:limit]

    async def unread_among(self, notification_ids: list[str]) -> int:
        self.reads += 1
        return len(notification_ids) if self.reads <= self.lag else 0


async def test_read_all_answers_once_the_inbox_shows_the_messages_read(world: World) -> None:
    await react(world, feedback_issued())
    [inbox] = [q for q in world.queued() if q.channel is Channel.inbox]
    view = LaggingInbox({inbox.notification_id: {"recipient": "principal:s1"}})
    service = InboxService(world.notifications, view)
    principal = Principal(
        user_id="p1", name="校长", roles=frozenset({Role.principal}), jurisdiction=SCHOOL
    )
    caller = CallerContext(
        principal=principal, ctx=CommandContext(actor=SYSTEM, now=MOMENT, correlation_id="c1")
    )
    assert await service.mark_all_read(caller) == 1
    assert view.reads == view.lag + 1  # it waited for the read model, then answered
    view.reads, view.lag = 0, 10**6
    with pytest.raises(NotCaughtUp):
        await InboxService(world.notifications, view, wait_seconds=0.05).mark_all_read(caller)
