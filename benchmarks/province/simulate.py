"""A year of supervision in the simulated province, as a stream of real events.

:func:`simulate` is a generator: it yields :class:`~shared.envelope.EventEnvelope` s of
the real contracts one at a time and keeps only small per-month state (counters of the
number books, the month's campaigns, the listing map), so memory stays flat whatever
the size. It is deterministic: every random choice comes from a ``random.Random``
seeded by (seed, what, where, when), ids are ``uuid5`` of the stream and version, and
the clock is simulated. The same :class:`~benchmarks.province.model.Size` gives the same
events byte for byte.

Order: the directory first (divisions, zones, inspectors, schools with their listings,
frequency rules, checklists), then month by month, zone by zone, school by school. A
stream's events are yielded together and in version order, so one stream's later steps
(an issue verified two months on) come before other streams' earlier events; Kafka only
promises order per stream (per partition key), which is what consumers rely on. Steps
dated after the simulated period are not emitted (open issues stay open).

Proportions (per school and month unless stated; see docs/simulator.md):

* routine visit by the listed inspector: 95% (45% missed in the counties that are
  behind, none at unlisted schools); one finding per checklist item (8), each a problem
  with p=0.08 (severity minor 35%, general 45%, serious 15%, major 5%), a highlight
  with p=0.10; 2% of findings corrected before feedback; 8% of feedback lists with
  problems disputed (upheld / amended / withdrawn 50/30/20);
* every agreed problem opens an issue: plan (a timetable for serious and major),
  1–3 progress reports, submission, verification (35% on a follow-up visit), 15%
  rejected once, 2% reopened; extensions requested by 10% (70% approved); escalation
  (上报) for 30% of serious/major and 3% of others; a rectification notice with its
  number for every major one and a hazard number for every safety hazard; overdue when
  the work runs past the deadline (slower in the counties that are behind);
* special campaigns: every city, in months 2, 5, 8 and 11, a one-month campaign over
  ~30% of its county zones, a special visit to each of their schools;
* comprehensive team visits: each county zone once a year, 3 schools, a team of 3;
* monthly plans: every inspector files one (80% acknowledged, 8% revised);
* self-inspection: 95% of schools file a monthly report (12% late, 40% with problems);
  every zone consolidates twice a month (two ISO weeks), tracking safety hazards as
  issues;
* complaints: 1.5% of schools a month; 8% rejected, the rest verified (40%
  substantiated, 20% partly), half of the substantiated opening an issue;
* listings: 3% of the listed schools change inspector in the seventh month.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import shared.contracts  # noqa: F401  (registers every contract)
from benchmarks.province.model import PROVINCE, PROVINCE_NAME, Province, School, Size, build
from services.issues.rectification.service import issue_id_for
from services.visits.checklists.data import routine_template
from shared import topics
from shared.contracts import checklists as ck
from shared.contracts import complaints as cp
from shared.contracts import directory as d
from shared.contracts import issues as iss
from shared.contracts import plans as pl
from shared.contracts import registers as reg
from shared.contracts import self_inspection as si
from shared.contracts import visits as v
from shared.envelope import Actor, EventEnvelope
from shared.events import EventPayload, registry
from shared.jurisdiction import Jurisdiction

SYSTEM_ISSUES = Actor(user_id="svc-issues", role="system")
SYSTEM = Actor(user_id="system", role="system")
PROVINCE_OFFICE = Actor(user_id="office-510000", role="province_office")
ROUTINE = routine_template()
ROUTINE_ITEMS = [(i.code, i.title) for i in ROUTINE.items]
SEVERITIES = (v.Severity.minor, v.Severity.general, v.Severity.serious, v.Severity.major)
SEVERITY_WEIGHTS = (35, 45, 15, 5)
_SELF_ITEMS = [i for i in si.SelfInspectionItem if i is not si.SelfInspectionItem.other]
CAMPAIGN_MONTHS = (1, 4, 7, 10)  # zero-based month index: months 2, 5, 8, 11
REASSIGN_MONTH = 6
CAMPAIGN_THEMES: tuple[tuple[ck.CampaignTheme, str, list[tuple[str, str]]], ...] = (
    (
        ck.CampaignTheme.food_safety,
        "食品安全专项督导",
        [("canteen_license", "食堂证照与从业人员健康证"), ("food_sampling", "食品留样"),
         ("water", "饮用水卫生")],
    ),
    (
        ck.CampaignTheme.anti_bullying,
        "防治校园欺凌专项督导",
        [("bully_system", "欺凌防治制度"), ("bully_survey", "学生问卷排查"),
         ("bully_handling", "欺凌事件处置")],
    ),
    (
        ck.CampaignTheme.school_safety,
        "校园安全专项督导",
        [("fire", "消防设施与通道"), ("gate", "门卫与封闭管理"), ("traffic", "校车与交通安全")],
    ),
    (
        ck.CampaignTheme.term_opening,
        "开学工作专项督导",
        [("textbooks", "教材与课表"), ("enrol", "招生入学"), ("fees", "收费公示")],
    ),
)  # fmt: skip


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of a day in China (UTC+8), as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour - 8, minute, tzinfo=UTC)


def month_start(size: Size, m: int) -> date:
    year, month = divmod(size.start_month - 1 + m, 12)
    return date(size.start_year + year, month + 1, 1)


def month_label(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_days(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


class Emitter:
    """Builds envelopes: deterministic ids, the envelope code of the platform."""

    def __init__(self, province: Province) -> None:
        self.province = province
        self.ns = province.namespace
        self.end = at(month_start(province.size, province.size.months), 8)
        self.books: Counter[tuple[str, str, int]] = Counter()

    def uid(self, *parts: object) -> UUID:
        return uuid5(self.ns, "/".join(str(p) for p in parts))

    def short(self, *parts: object) -> str:
        return self.uid(*parts).hex[:16]

    def stream(
        self,
        stream_id: str,
        where: Jurisdiction,
        correlation: str | None = None,
        version: int = 0,
    ) -> Stream:
        return Stream(self, stream_id, where, correlation or self.uid("c", stream_id).hex, version)


@dataclass
class Stream:
    """One stream being written: its id, where it is, its version so far."""

    em: Emitter
    stream_id: str
    where: Jurisdiction
    correlation: str
    version: int = 0

    def emit(
        self,
        payload: EventPayload,
        when: datetime,
        actor: Actor,
        causation: str | None = None,
    ) -> EventEnvelope:
        self.version += 1
        event_id = self.em.uid("e", self.stream_id, self.version)
        return EventEnvelope(
            event_id=event_id,
            event_type=payload.event_type,
            schema_version=payload.schema_version,
            source="/duxue/issues" if payload.topic == topics.ISSUES else "/duxue/visits",
            stream_id=self.stream_id,
            stream_version=self.version,
            partition_key=self.stream_id,
            occurred_at=when,
            recorded_at=when,
            actor=actor,
            jurisdiction=self.where,
            correlation_id=self.correlation,
            causation_id=causation,
            payload=payload.model_dump(mode="json"),
        )


def school_where(s: School) -> Jurisdiction:
    return Jurisdiction(
        province=PROVINCE,
        city=s.city,
        county=s.county,
        zone=s.zone_id if s.county else None,
        school=s.school_id,
    )


def office_of(s: School) -> tuple[Actor, Jurisdiction]:
    if s.county:
        where = Jurisdiction(province=PROVINCE, city=s.city, county=s.county)
        return Actor(user_id=f"office-{s.county}", role="county_office"), where
    return Actor(user_id=f"office-{s.city}", role="city_office"), Jurisdiction(
        province=PROVINCE, city=s.city
    )


def inspector(inspector_id: str) -> Actor:
    return Actor(user_id=inspector_id, role="inspector")


def principal(s: School) -> Actor:
    return Actor(user_id=f"p-{s.school_id}", role="principal")


# -- the province as a whole ------------------------------------------------------------


def simulate(size: Size, province: Province | None = None) -> Iterator[EventEnvelope]:
    """Every event of the simulated period, in publishing order (a generator)."""
    province = province or build(size)
    em = Emitter(province)
    yield from _directory(em)
    for m in range(size.months):
        yield from _month(em, m)


def _directory(em: Emitter) -> Iterator[EventEnvelope]:
    p = em.province
    size = p.size
    day0 = month_start(size, 0)
    t = at(day0 - timedelta(days=20), 9)
    yield em.stream(f"division-{PROVINCE}", Jurisdiction(province=PROVINCE)).emit(
        d.DivisionRegistered(
            code=PROVINCE, name=PROVINCE_NAME, level=d.DivisionLevel.province, parent_code=None
        ),
        t,
        PROVINCE_OFFICE,
    )
    for c in p.cities:
        where = Jurisdiction(province=PROVINCE, city=c.code)
        yield em.stream(f"division-{c.code}", where).emit(
            d.DivisionRegistered(
                code=c.code, name=c.name, level=d.DivisionLevel.city, parent_code=PROVINCE
            ),
            t,
            PROVINCE_OFFICE,
        )
    for k in p.counties:
        where = Jurisdiction(province=PROVINCE, city=k.city, county=k.code)
        yield em.stream(f"division-{k.code}", where).emit(
            d.DivisionRegistered(
                code=k.code, name=k.name, level=d.DivisionLevel.county, parent_code=k.city
            ),
            t,
            PROVINCE_OFFICE,
        )
    t = at(day0 - timedelta(days=15), 9)
    for i in p.inspectors:
        where = Jurisdiction(province=PROVINCE, city=i.city, county=i.county)
        office = Actor(
            user_id=f"office-{i.county or i.city}",
            role="county_office" if i.county else "city_office",
        )
        yield em.stream(f"inspector-{i.inspector_id}", where).emit(
            d.InspectorRegistered(
                inspector_id=i.inspector_id,
                name=i.name,
                employment=d.Employment.full_time if i.full_time else d.Employment.part_time,
                phone=f"0816-{int(em.uid('phone', i.inspector_id).hex[:6], 16) % 10_000_000:07d}",
                email=None,
                title="责任督学",
                duties="经常性督导、受理核实举报投诉、督促整改",
                province=PROVINCE,
                city=i.city,
                county=i.county,
            ),
            t,
            office,
        )
    for z in p.zones:
        where = Jurisdiction(
            province=PROVINCE, city=z.city, county=z.county, zone=z.zone_id if z.county else None
        )
        office = Actor(
            user_id=f"office-{z.county or z.city}",
            role="county_office" if z.county else "city_office",
        )
        yield em.stream(f"zone-{z.zone_id}", where).emit(
            d.ZoneEstablished(
                zone_id=z.zone_id,
                name=z.name,
                level=d.ZoneLevel.county if z.county else d.ZoneLevel.city,
                province=PROVINCE,
                city=z.city,
                county=z.county,
                leader_id=z.leader_id,
                bureau_liaison="分管副局长",
            ),
            t,
            office,
        )
    t = at(day0 - timedelta(days=10), 9)
    starts_on = day0 - timedelta(days=10)
    for s in p.schools:
        office, _ = office_of(s)
        stream = em.stream(f"school-{s.school_id}", school_where(s))
        yield stream.emit(
            d.SchoolRegistered(
                school_id=s.school_id,
                name=s.name,
                kind=s.kind,
                province=PROVINCE,
                city=s.city,
                county=s.county,
                zone_id=s.zone_id,
                address=f"{PROVINCE_NAME}{s.name}路{s.index % 300 + 1}号",
                city_direct=s.county is None,
                principal_name=f"{s.name[-3:]}校长",
                location=d.Location(latitude=s.latitude, longitude=s.longitude),
            ),
            t,
            office,
        )
        listed = p.listed.get(s.school_id)
        if listed:
            yield stream.emit(
                d.InspectorListed(
                    listing_id=f"{s.school_id}-L1",
                    school_id=s.school_id,
                    inspector_id=listed,
                    starts_on=starts_on,
                    duties="经常性督导",
                ),
                t + timedelta(minutes=5),
                office,
            )
    t = at(day0 - timedelta(days=5), 9)
    offices = [
        (Jurisdiction(province=PROVINCE, city=k.city, county=k.code), f"office-{k.code}", "county")
        for k in p.counties
    ] + [
        (Jurisdiction(province=PROVINCE, city=c.code), f"office-{c.code}", "city") for c in p.cities
    ]
    for where, user, level in offices:
        yield em.stream(f"frequency-rules-{where.path}", where).emit(
            pl.FrequencyRulesSet(
                office=where.path,
                listed_school_days_per_month=1,
                county_inspector_visits_per_month=4,
                school_visits_per_year=1,
                city_inspector_visits_per_county_per_month=1,
                city_inspector_city_direct_visits_per_month=2,
                reason="按年度督导工作计划设定督导频次",
            ),
            t,
            Actor(user_id=user, role=f"{level}_office"),
        )
    platform = Jurisdiction(province=ck.PLATFORM_SCOPE)
    yield em.stream(f"checklist-{ROUTINE.checklist_id}", platform).emit(
        ck.ChecklistPublished(
            checklist_id=ROUTINE.checklist_id,
            version=1,
            title=ROUTINE.title,
            scope=ck.PLATFORM_SCOPE,
            items=list(ROUTINE.items),
            note=ROUTINE.note,
        ),
        t,
        SYSTEM,
    )
    for theme, title, items in CAMPAIGN_THEMES:
        yield em.stream(f"checklist-{theme.value}", Jurisdiction(province=PROVINCE)).emit(
            ck.ChecklistPublished(
                checklist_id=theme.value,
                version=1,
                title=f"{title}记载表",
                scope=f"province:{PROVINCE}",
                items=[
                    ck.ChecklistItem(
                        code=code,
                        title=name,
                        guidance=f"检查{name}",
                        methods=[v.Method.document_review, v.Method.campus_walk],
                    )
                    for code, name in items
                ],
            ),
            t,
            PROVINCE_OFFICE,
        )


# -- one month ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    theme: ck.CampaignTheme
    items: list[tuple[str, str]]


def current_inspector(em: Emitter, s: School, m: int) -> str | None:
    """Who is listed at ``s`` in month ``m`` (3% change inspector in the seventh month)."""
    first = em.province.listed.get(s.school_id)
    if first is None or s.county is None or m < REASSIGN_MONTH:
        return first
    moved = _reassigned(em, s)
    return moved or first


def _reassigned(em: Emitter, s: School) -> str | None:
    if s.county is None or s.school_id not in em.province.listed:
        return None
    rng = random.Random(f"{em.province.size.seed}/reassign/{s.school_id}")
    if rng.random() >= 0.03:
        return None
    others = [
        i.inspector_id
        for i in em.province.county_inspectors[s.county]
        if i.inspector_id != em.province.listed[s.school_id]
    ]
    return rng.choice(others) if others else None


def visit_day(em: Emitter, s: School, m: int) -> date:
    start = month_start(em.province.size, m)
    h = int(em.uid("day", s.school_id, m).hex[:8], 16)
    return start + timedelta(days=2 + h % (month_days(start) - 6))


def _month(em: Emitter, m: int) -> Iterator[EventEnvelope]:
    p = em.province
    size = p.size
    start = month_start(size, m)
    label = month_label(start)
    campaigns: dict[str, Campaign] = {}
    if m == REASSIGN_MONTH:
        yield from _reassignments(em, start)
    if m in CAMPAIGN_MONTHS:
        yield from _issue_campaigns(em, m, start, campaigns)
    # monthly plans of every inspector: the schools they are listed at this month
    schools_of: dict[str, list[School]] = {}
    for s in p.schools:
        who = current_inspector(em, s, m)
        if who:
            schools_of.setdefault(who, []).append(s)
    for i in p.inspectors:
        listed = schools_of.get(i.inspector_id, [])
        if listed:
            yield from _plan(em, i.inspector_id, i.county, i.city, listed, m, label, start)
    comprehensive_month = {z.zone_id: int(em.uid("comp", z.zone_id).hex[:4], 16) % size.months
                           for z in p.zones if z.county}  # fmt: skip
    for z in p.zones:
        schools = p.zone_schools.get(z.zone_id, [])
        for s in schools:
            yield from _school_month(em, s, m, start, campaigns)
        if comprehensive_month.get(z.zone_id) == m and len(schools) >= 3:
            yield from _comprehensive(em, z.zone_id, z.leader_id, schools, m, start)
        yield from _consolidations(em, z.zone_id, z.city, z.county, z.leader_id, schools, m)
    # ``campaigns`` maps each chosen zone to its city's campaign: close each campaign once
    for c in {c.campaign_id: c for c in campaigns.values()}.values():
        where, office = _campaign_office(c)
        stream = em.stream(f"campaign-{c.campaign_id}", where, version=1)
        end = start + timedelta(days=month_days(start) - 1)
        yield stream.emit(
            ck.CampaignClosed(campaign_id=c.campaign_id, summary="专项督导按期完成"),
            at(end, 17),
            office,
        )


def _campaign_office(c: Campaign) -> tuple[Jurisdiction, Actor]:
    city = c.campaign_id.split("-")[1]
    return Jurisdiction(province=PROVINCE, city=city), Actor(
        user_id=f"office-{city}", role="city_office"
    )


def _issue_campaigns(
    em: Emitter, m: int, start: date, campaigns: dict[str, Campaign]
) -> Iterator[EventEnvelope]:
    theme, title, items = CAMPAIGN_THEMES[CAMPAIGN_MONTHS.index(m) % len(CAMPAIGN_THEMES)]
    end = start + timedelta(days=month_days(start) - 1)
    for c in em.province.cities:
        rng = random.Random(f"{em.province.size.seed}/campaign/{c.code}/{m}")
        zones = [z.zone_id for z in em.province.zones if z.city == c.code and z.county]
        chosen = sorted(rng.sample(zones, max(1, round(len(zones) * 0.3)))) if zones else []
        if not chosen:
            continue
        campaign = Campaign(f"cp-{c.code}-{month_label(start)}", theme, items)
        for zone_id in chosen:
            campaigns[zone_id] = campaign
        where, office = _campaign_office(campaign)
        yield em.stream(f"campaign-{campaign.campaign_id}", where).emit(
            ck.CampaignIssued(
                campaign_id=campaign.campaign_id,
                theme=theme,
                title=f"{c.name}{title}",
                checklist_id=theme.value,
                checklist_version=1,
                starts_on=start,
                ends_on=end,
                zone_ids=chosen,
                school_ids=[],
                office=where.path,
                purpose=title,
            ),
            at(start, 9),
            office,
        )


def _reassignments(em: Emitter, start: date) -> Iterator[EventEnvelope]:
    for s in em.province.schools:
        new = _reassigned(em, s)
        if new is None:
            continue
        office, _ = office_of(s)
        stream = em.stream(f"school-{s.school_id}", school_where(s), version=2)
        yield stream.emit(
            d.ListingEnded(
                listing_id=f"{s.school_id}-L1",
                school_id=s.school_id,
                inspector_id=em.province.listed[s.school_id],
                ends_on=start - timedelta(days=1),
                reason="责任督学工作调整",
            ),
            at(start, 9),
            office,
        )
        yield stream.emit(
            d.InspectorListed(
                listing_id=f"{s.school_id}-L2",
                school_id=s.school_id,
                inspector_id=new,
                starts_on=start,
                duties="经常性督导",
            ),
            at(start, 9, 5),
            office,
        )


def _plan(
    em: Emitter,
    inspector_id: str,
    county: str | None,
    city: str,
    schools: list[School],
    m: int,
    label: str,
    start: date,
) -> Iterator[EventEnvelope]:
    rng = random.Random(f"{em.province.size.seed}/plan/{inspector_id}/{m}")
    office = Jurisdiction(province=PROVINCE, city=city, county=county)
    office_actor = Actor(
        user_id=f"office-{county or city}", role="county_office" if county else "city_office"
    )
    plan_id = f"{inspector_id}-{label}"
    stream = em.stream(f"plan-{plan_id}", office)
    entries = [
        pl.PlanEntry(
            school_id=s.school_id,
            planned_on=visit_day(em, s, m),
            kind=v.VisitKind.routine,
            purpose="月度经常性督导",
        )
        for s in schools
    ]
    yield stream.emit(
        pl.MonthlyPlanFiled(
            plan_id=plan_id,
            inspector_id=inspector_id,
            month=label,
            office=office.path,
            entries=entries,
        ),
        at(start, 8, 30),
        inspector(inspector_id),
    )
    revision = 1
    if rng.random() < 0.08:
        revision = 2
        yield stream.emit(
            pl.MonthlyPlanRevised(
                plan_id=plan_id,
                revision=2,
                entries=list(reversed(entries)),
                reason="因专项工作调整督导日期",
            ),
            at(start + timedelta(days=1), 10),
            inspector(inspector_id),
        )
    if rng.random() < 0.8:
        yield stream.emit(
            pl.MonthlyPlanAcknowledged(
                plan_id=plan_id, revision=revision, acknowledged_by=office_actor.user_id
            ),
            at(start + timedelta(days=2), 15),
            office_actor,
        )


def _school_month(
    em: Emitter, s: School, m: int, start: date, campaigns: dict[str, Campaign]
) -> Iterator[EventEnvelope]:
    size = em.province.size
    rng = random.Random(f"{size.seed}/school/{s.school_id}/{m}")
    who = current_inspector(em, s, m)
    label = month_label(start)
    if who is not None:
        miss = 0.45 if em.province.behind(s) else 0.05
        if rng.random() >= miss:
            yield from _visit(
                em,
                s,
                rng,
                kind=v.VisitKind.routine,
                lead=who,
                team=[who],
                day=visit_day(em, s, m),
                checklist=(ROUTINE.checklist_id, ROUTINE_ITEMS),
                plan_id=f"{who}-{label}",
            )
        campaign = campaigns.get(s.zone_id)
        if campaign is not None:
            yield from _visit(
                em,
                s,
                rng,
                kind=v.VisitKind.special,
                lead=who,
                team=[who],
                day=start + timedelta(days=rng.randint(3, month_days(start) - 3)),
                checklist=(campaign.theme.value, campaign.items),
                campaign_id=campaign.campaign_id,
            )
    yield from _self_inspection(em, s, m)
    if rng.random() < 0.015:
        yield from _complaint(em, s, rng, start, who)


def _comprehensive(
    em: Emitter,
    zone_id: str,
    leader: str | None,
    schools: list[School],
    m: int,
    start: date,
) -> Iterator[EventEnvelope]:
    rng = random.Random(f"{em.province.size.seed}/comprehensive/{zone_id}/{m}")
    county = schools[0].county
    pool = [i.inspector_id for i in em.province.county_inspectors.get(county or "", [])]
    lead = leader or pool[0]
    others = [i for i in pool if i != lead]
    team = [lead, *rng.sample(others, min(2, len(others)))]
    for s in rng.sample(schools, 3):
        yield from _visit(
            em,
            s,
            rng,
            kind=v.VisitKind.comprehensive,
            lead=lead,
            team=team,
            day=start + timedelta(days=rng.randint(10, 20)),
            checklist=(ROUTINE.checklist_id, ROUTINE_ITEMS),
        )


# -- a visit ------------------------------------------------------------------------------


def _visit(
    em: Emitter,
    s: School,
    rng: random.Random,
    *,
    kind: v.VisitKind,
    lead: str,
    team: list[str],
    day: date,
    checklist: tuple[str, list[tuple[str, str]]],
    plan_id: str | None = None,
    campaign_id: str | None = None,
) -> Iterator[EventEnvelope]:
    visit_id = "v" + em.short("visit", s.school_id, kind.value, day.isoformat(), lead)
    stream = em.stream(f"visit-{visit_id}", school_where(s))
    checklist_id, items = checklist

    def who(member: str) -> Actor:
        """A team visit is led by the zone leader, in that role; others are inspectors."""
        return (
            Actor(user_id=member, role="zone_leader")
            if len(team) > 1 and member == lead
            else inspector(member)
        )

    assignments = [
        v.ItemAssignment(item_code=code, inspector_id=team[n % len(team)])
        for n, (code, _) in enumerate(items)
    ]
    yield stream.emit(
        v.VisitPlanned(
            visit_id=visit_id,
            kind=kind,
            school_id=s.school_id,
            planned_on=day,
            announced=rng.random() < 0.85,
            lead_inspector_id=lead,
            team=team,
            item_assignments=assignments if len(team) > 1 else [],
            checklist_id=checklist_id,
            checklist_version=1,
            items=[v.PlannedItem(code=c, title=t) for c, t in items],
            campaign_id=campaign_id,
            plan_id=plan_id,
            purpose={
                "routine": "月度经常性督导",
                "special": "专项督导",
                "comprehensive": "综合督导",
            }.get(kind.value, "督导"),
        ),
        at(day - timedelta(days=3), 16),
        who(lead),
    )
    for n, member in enumerate(team):
        remote = rng.random() < 0.03
        yield stream.emit(
            v.InspectorSignedIn(
                visit_id=visit_id,
                inspector_id=member,
                signed_in_at=at(day, 8, 30 + n),
                location=None
                if remote
                else d.Location(latitude=s.latitude + 0.0003, longitude=s.longitude),
                distance_m=None if remote else 33.0,
                radius_m=500.0,
                flagged=remote,
                flag_reason="未提供位置 (no location)" if remote else None,
            ),
            at(day, 8, 30 + n),
            who(member),
        )
    findings: list[v.FindingRecorded] = []
    for n, (code, title) in enumerate(items):
        member = team[n % len(team)]
        roll = rng.random()
        finding_id = em.short("finding", visit_id, code)
        when = at(day, 9 + n % 6, 10)
        if roll < 0.08:
            severity = rng.choices(SEVERITIES, SEVERITY_WEIGHTS)[0]
            major_kind = None
            if severity is v.Severity.major:
                major_kind = (
                    v.MajorKind.safety_hazard if rng.random() < 0.6 else v.MajorKind.violation
                )
            days = {"minor": 14, "general": 30, "serious": 45, "major": 20}[severity.value]
            f = v.FindingRecorded(
                visit_id=visit_id,
                finding_id=finding_id,
                item_code=code,
                item_title=title,
                inspector_id=member,
                verdict=v.Verdict.problem,
                notes=f"{title}方面存在问题，需整改",
                methods=[v.Method.campus_walk, v.Method.document_review],
                severity=severity,
                major_kind=major_kind,
                requirement="限期整改并报送整改材料",
                proposed_deadline=day + timedelta(days=days),
            )
        else:
            verdict = v.Verdict.highlight if roll < 0.18 else v.Verdict.fine
            f = v.FindingRecorded(
                visit_id=visit_id,
                finding_id=finding_id,
                item_code=code,
                item_title=title,
                inspector_id=member,
                verdict=verdict,
                notes="做法规范，成效明显" if verdict is v.Verdict.highlight else "符合要求",
                methods=[v.Method.interview],
            )
        yield stream.emit(f, when, who(member))
        if rng.random() < 0.02:
            yield stream.emit(
                v.FindingCorrected(
                    visit_id=visit_id,
                    finding_id=finding_id,
                    reason="补充督导记录",
                    notes=f.notes + "（已补充）",
                ),
                when + timedelta(minutes=20),
                who(member),
            )
        findings.append(f)
    leave = at(day, 16)
    if len(team) > 1:
        yield stream.emit(
            v.FindingsMerged(
                visit_id=visit_id,
                merged_by=lead,
                finding_ids=[f.finding_id for f in findings],
                summary="综合督导组意见汇总",
            ),
            at(day, 15, 30),
            who(lead),
        )
    problems = [f for f in findings if f.verdict is v.Verdict.problem]
    points = [
        v.FeedbackPoint(
            point_no=n,
            finding_id=f.finding_id,
            item_code=f.item_code,
            item_title=f.item_title,
            description=f.notes,
            requirement=f.requirement or "",
            severity=f.severity or v.Severity.general,
            major_kind=f.major_kind,
            proposed_deadline=f.proposed_deadline or day,
            inspector_id=f.inspector_id,
        )
        for n, f in enumerate(problems, start=1)
    ]
    yield stream.emit(
        v.FeedbackIssued(
            visit_id=visit_id,
            school_id=s.school_id,
            highlights=[
                v.Highlight(
                    finding_id=f.finding_id,
                    item_code=f.item_code,
                    item_title=f.item_title,
                    description=f.notes,
                )
                for f in findings
                if f.verdict is v.Verdict.highlight
            ],
            problems=points,
            summary="反馈清单已交学校",
        ),
        leave,
        who(lead),
    )
    agreed = [_agreed(pt) for pt in points]
    agreement: EventEnvelope
    if points and rng.random() < 0.08:
        disputed = rng.choice(points)
        yield stream.emit(
            v.FeedbackDisputed(
                visit_id=visit_id,
                school_id=s.school_id,
                disputed_by=principal(s).user_id,
                points=[v.DisputedPoint(point_no=disputed.point_no, reason="情况已整改，申请复核")],
            ),
            leave + timedelta(minutes=30),
            principal(s),
        )
        outcome = rng.choices(list(v.DisputeOutcome), (50, 30, 20))[0]
        resolution = v.DisputeResolution(
            point_no=disputed.point_no, outcome=outcome, note="经复核处理"
        )
        if outcome is v.DisputeOutcome.withdrawn:
            agreed = [a for a in agreed if a.point_no != disputed.point_no]
        elif outcome is v.DisputeOutcome.amended:
            later = disputed.proposed_deadline + timedelta(days=15)
            resolution = resolution.model_copy(update={"deadline": later})
            agreed = [
                a.model_copy(update={"deadline": later}) if a.point_no == disputed.point_no else a
                for a in agreed
            ]
        yield stream.emit(
            v.DisputeResolved(
                visit_id=visit_id,
                school_id=s.school_id,
                resolved_by=lead,
                resolutions=[resolution],
                problems=agreed,
            ),
            leave + timedelta(days=1),
            who(lead),
        )
        signed_at = leave + timedelta(days=1, hours=2)  # the principal signs the final list
    else:
        signed_at = leave + timedelta(minutes=20)
    agreement = stream.emit(
        v.FeedbackAcknowledged(
            visit_id=visit_id,
            school_id=s.school_id,
            signed_by=principal(s).user_id,
            signer_name=f"{s.name[-3:]}校长",
            problems=agreed,
        ),
        signed_at,
        principal(s),
    )
    yield agreement
    yield stream.emit(
        v.VisitClosed(
            visit_id=visit_id,
            school_id=s.school_id,
            kind=kind,
            campaign_id=campaign_id,
            findings=len(findings),
            highlights=sum(1 for f in findings if f.verdict is v.Verdict.highlight),
            problems=len(agreed),
            summary="督导记录已归档",
        ),
        agreement.occurred_at + timedelta(hours=1),
        who(lead),
    )
    for a in agreed:
        yield from _issue(
            em,
            s,
            rng,
            IssueStart(
                issue_id=issue_id_for("visit_finding", visit_id, a.finding_id),
                source=iss.IssueSource.visit_finding,
                visit_id=visit_id,
                finding_id=a.finding_id,
                source_ref=None,
                item_code=a.item_code,
                item_title=a.item_title,
                description=a.description,
                requirement=a.requirement,
                severity=a.severity,
                major_kind=a.major_kind,
                deadline=a.deadline,
                inspector_id=a.inspector_id,
                opened_at=agreement.occurred_at + timedelta(seconds=2),
                causation=str(agreement.event_id),
                correlation=agreement.correlation_id,
            ),
        )


def _agreed(pt: v.FeedbackPoint) -> v.AgreedProblem:
    return v.AgreedProblem(
        point_no=pt.point_no,
        finding_id=pt.finding_id,
        item_code=pt.item_code,
        item_title=pt.item_title,
        description=pt.description,
        requirement=pt.requirement,
        severity=pt.severity,
        major_kind=pt.major_kind,
        deadline=pt.proposed_deadline,
        inspector_id=pt.inspector_id,
    )


# -- an issue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueStart:
    issue_id: str
    source: iss.IssueSource
    visit_id: str | None
    finding_id: str | None
    source_ref: str | None
    item_code: str
    item_title: str
    description: str
    requirement: str
    severity: v.Severity
    major_kind: v.MajorKind | None
    deadline: date
    inspector_id: str
    opened_at: datetime
    causation: str
    correlation: str


def _number(
    em: Emitter, kind: reg.NumberKind, s: School, issue_id: str, when: datetime, cause: str
) -> tuple[str, EventEnvelope]:
    office = s.county or s.city
    key = (kind.value, office, when.year)
    em.books[key] += 1
    seq = em.books[key]
    number = (
        f"{office}教督整〔{when.year}〕{seq}号"
        if kind is reg.NumberKind.notice
        else f"{office}隐〔{when.year}〕{seq:03d}号"
    )
    _, where = office_of(s)
    stream = em.stream(f"number-book-{kind.value}-{office}-{when.year}", where, version=seq - 1)
    event = stream.emit(
        reg.NumberAssigned(
            kind=kind, office=office, year=when.year, seq=seq, number=number, subject_id=issue_id
        ),
        when,
        SYSTEM_ISSUES,
        causation=cause,
    )
    return number, event


def _issue(em: Emitter, s: School, rng: random.Random, o: IssueStart) -> Iterator[EventEnvelope]:
    """One rectification issue from opening to closing (or to the end of the period)."""
    stream = em.stream(f"issue-{o.issue_id}", school_where(s), correlation=o.correlation)
    end = em.end
    school, office = principal(s), office_of(s)[0]
    insp = inspector(o.inspector_id)
    deadline = o.deadline
    overdue_done = False

    def step(when: datetime) -> Iterator[EventEnvelope]:
        """Before a step at ``when``: the overdue sweep, if the deadline passed."""
        nonlocal overdue_done
        crossed = at(deadline + timedelta(days=1), 8, 5)
        if not overdue_done and when > crossed and crossed < end:
            overdue_done = True
            yield stream.emit(
                iss.IssueOverdue(issue_id=o.issue_id, deadline=deadline, detected_at=crossed),
                crossed,
                SYSTEM_ISSUES,
            )

    opened = stream.emit(
        iss.IssueOpened(
            issue_id=o.issue_id,
            source=o.source,
            visit_id=o.visit_id,
            finding_id=o.finding_id,
            source_ref=o.source_ref,
            school_id=s.school_id,
            item_code=o.item_code,
            item_title=o.item_title,
            description=o.description,
            requirement=o.requirement,
            severity=o.severity,
            major_kind=o.major_kind,
            deadline=deadline,
            responsible_inspector_id=o.inspector_id,
        ),
        o.opened_at,
        SYSTEM_ISSUES,
        causation=o.causation,
    )
    yield opened
    t = o.opened_at
    if o.major_kind is v.MajorKind.safety_hazard:
        _, numbered = _number(em, reg.NumberKind.hazard, s, o.issue_id, t, str(opened.event_id))
        yield numbered
    if o.severity is v.Severity.major:
        t += timedelta(days=1)
        if t >= end:
            return
        number, assigned = _number(
            em, reg.NumberKind.notice, s, o.issue_id, t, str(opened.event_id)
        )
        yield assigned
        yield stream.emit(
            iss.RectificationNoticeIssued(
                issue_id=o.issue_id,
                notice_no=number,
                issued_by=office.user_id,
                issued_on=t.date(),
                deadline=deadline,
            ),
            t,
            office,
        )
        t += timedelta(days=1)
        if t >= end:
            return
        yield stream.emit(
            iss.NoticeReceiptRecorded(
                issue_id=o.issue_id,
                received_by=f"{s.name[-3:]}校长",
                received_on=t.date(),
                recorded_by=office.user_id,
            ),
            t,
            office,
        )
    serious = o.severity in (v.Severity.serious, v.Severity.major)
    t += timedelta(days=rng.randint(1, 4))
    if t >= end:
        return
    yield stream.emit(
        iss.RectificationPlanSubmitted(
            issue_id=o.issue_id,
            submitted_by=school.user_id,
            steps=[
                iss.PlanStep(description="制定整改措施", owner="校长", due_on=t.date()),
                iss.PlanStep(
                    description="完成整改并留存资料", owner="整改领导小组", due_on=deadline
                ),
            ],
            timetable=serious and rng.random() < 0.6,
            revision=1,
        ),
        t,
        school,
    )  # fmt: skip
    if rng.random() < (0.3 if serious else 0.03):
        body = "乡镇人民政府" if rng.random() < 0.5 else "县住建局"
        for gap, payload, who in (
            (2, iss.IssueEscalated(issue_id=o.issue_id, escalated_by=insp.user_id, to_body=body,
                                   report="学校无法自行解决，书面上报"), insp),
            (2, iss.EscalationReceived(issue_id=o.issue_id, received_by=body), office),
            (7, iss.EscalationAnswered(issue_id=o.issue_id, answered_by=body,
                                       answer="已列入计划，限期解决"), office),
        ):  # fmt: skip
            t += timedelta(days=gap)
            if t >= end:
                return
            yield from step(t)
            yield stream.emit(payload, t, who)
    allowed = max(3, (deadline - o.opened_at.date()).days)
    late = rng.random() < (0.35 if em.province.behind(s) else 0.10)
    work = allowed * (rng.uniform(1.1, 1.8) if late else rng.uniform(0.3, 0.75))
    done = o.opened_at + timedelta(days=work)
    if rng.random() < 0.10:
        t += timedelta(days=3)
        if t >= end:
            return
        new_deadline = deadline + timedelta(days=30)
        yield from step(t)
        yield stream.emit(
            iss.DeadlineExtensionRequested(
                issue_id=o.issue_id,
                requested_by=school.user_id,
                new_deadline=new_deadline,
                reason="需协调资金，申请延期",
            ),
            t,
            school,
        )
        t += timedelta(days=2)
        if t >= end:
            return
        yield from step(t)
        if rng.random() < 0.7:
            deadline = new_deadline
            yield stream.emit(
                iss.DeadlineExtensionApproved(
                    issue_id=o.issue_id, approved_by=office.user_id, deadline=deadline, note="同意"
                ),
                t,
                office,
            )
        else:
            yield stream.emit(
                iss.DeadlineExtensionDenied(
                    issue_id=o.issue_id, denied_by=office.user_id, reason="期限内可完成"
                ),
                t,
                office,
            )
    for n in range(rng.randint(1, 3)):
        t = max(t, o.opened_at + timedelta(days=work * (n + 1) / 4))
        if t >= end:
            return
        yield from step(t)
        yield stream.emit(
            iss.ProgressReported(
                issue_id=o.issue_id, reported_by=school.user_id, note=f"整改进展第{n + 1}次报告"
            ),
            t,
            school,
        )
    rounds = 2 if rng.random() < 0.15 else 1
    reopen = rng.random() < 0.02
    for r in range(rounds):
        t = max(t, done) + timedelta(days=r * 10)
        if t >= end:
            return
        yield from step(t)
        yield stream.emit(
            iss.SubmittedForVerification(
                issue_id=o.issue_id, submitted_by=school.user_id, note="整改完成，申请验收"
            ),
            t,
            school,
        )
        t += timedelta(days=rng.randint(1, 4))
        if t >= end:
            return
        yield from step(t)
        on_visit = None
        if rng.random() < 0.35:
            on_visit = "v" + em.short("follow_up", o.issue_id, r)
            yield from _follow_up(em, s, on_visit, o, t)
        if r + 1 < rounds:
            yield stream.emit(
                iss.VerificationRejected(
                    issue_id=o.issue_id,
                    rejected_by=insp.user_id,
                    verified_on_visit_id=on_visit,
                    reason="整改未达到要求",
                ),
                t,
                insp,
            )
            continue
        yield stream.emit(
            iss.IssueVerified(
                issue_id=o.issue_id,
                verified_by=insp.user_id,
                verified_on_visit_id=on_visit,
                note="整改到位，同意销号",
            ),
            t,
            insp,
        )
    if reopen:
        t += timedelta(days=rng.randint(20, 50))
        if t >= end:
            return
        yield stream.emit(
            iss.IssueReopened(
                issue_id=o.issue_id,
                reopened_by=insp.user_id,
                reason="问题反弹",
                deadline=t.date() + timedelta(days=30),
            ),
            t,
            insp,
        )


def _follow_up(
    em: Emitter, s: School, visit_id: str, o: IssueStart, when: datetime
) -> Iterator[EventEnvelope]:
    """A revisit (回访) that checks one finding and finds it fixed."""
    stream = em.stream(f"visit-{visit_id}", school_where(s), correlation=o.correlation)
    insp = inspector(o.inspector_id)
    day = (when + timedelta(hours=8)).date()
    finding_id = em.short("finding", visit_id, o.item_code)
    yield stream.emit(
        v.VisitPlanned(
            visit_id=visit_id,
            kind=v.VisitKind.follow_up,
            school_id=s.school_id,
            planned_on=day,
            announced=True,
            lead_inspector_id=o.inspector_id,
            team=[o.inspector_id],
            item_assignments=[],
            checklist_id=ROUTINE.checklist_id,
            checklist_version=1,
            items=[v.PlannedItem(code=o.item_code, title=o.item_title)],
            follows_up=[o.finding_id] if o.finding_id else [],
            purpose="回访核查整改情况",
        ),
        when - timedelta(hours=2),
        insp,
    )
    yield stream.emit(
        v.InspectorSignedIn(
            visit_id=visit_id,
            inspector_id=o.inspector_id,
            signed_in_at=when - timedelta(hours=1),
            location=d.Location(latitude=s.latitude, longitude=s.longitude),
            distance_m=5.0,
            radius_m=500.0,
            flagged=False,
        ),
        when - timedelta(hours=1),
        insp,
    )
    yield stream.emit(
        v.FindingRecorded(
            visit_id=visit_id,
            finding_id=finding_id,
            item_code=o.item_code,
            item_title=o.item_title,
            inspector_id=o.inspector_id,
            verdict=v.Verdict.fine,
            notes="整改到位",
            methods=[v.Method.campus_walk],
            checks_finding_id=o.finding_id,
        ),
        when - timedelta(minutes=40),
        insp,
    )
    yield stream.emit(
        v.FeedbackIssued(
            visit_id=visit_id,
            school_id=s.school_id,
            highlights=[],
            problems=[],
            summary="回访无新问题",
        ),
        when - timedelta(minutes=30),
        insp,
    )  # fmt: skip
    yield stream.emit(
        v.FeedbackAcknowledged(
            visit_id=visit_id,
            school_id=s.school_id,
            signed_by=principal(s).user_id,
            signer_name=f"{s.name[-3:]}校长",
            problems=[],
        ),
        when - timedelta(minutes=20),
        principal(s),
    )
    yield stream.emit(
        v.VisitClosed(
            visit_id=visit_id,
            school_id=s.school_id,
            kind=v.VisitKind.follow_up,
            findings=1,
            highlights=0,
            problems=0,
            summary="回访记录已归档",
        ),
        when - timedelta(minutes=10),
        insp,
    )


# -- self-inspection --------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    report_id: str
    month: str
    filed_on: date
    deadline: date
    problems: list[si.SelfInspectionProblem]


def _report(em: Emitter, s: School, m: int) -> Report | None:
    """The school's monthly self-inspection report for month ``m`` (or none filed)."""
    rng = random.Random(f"{em.province.size.seed}/self/{s.school_id}/{m}")
    if rng.random() >= 0.95:
        return None
    start = month_start(em.province.size, m)
    nxt = start + timedelta(days=month_days(start))
    deadline = nxt + timedelta(days=4)
    filed_on = nxt + timedelta(
        days=rng.randint(0, 3) if rng.random() >= 0.12 else rng.randint(5, 9)
    )
    problems = []
    if rng.random() < 0.4:
        for n in range(1, rng.randint(1, 2) + 1):
            item = rng.choice(_SELF_ITEMS)
            problems.append(
                si.SelfInspectionProblem(
                    problem_no=n,
                    item_code=item,
                    description=f"自查发现{si.ITEM_TITLES[item.value]}方面问题",
                    measures="已制定整改措施",
                    planned_completion_on=nxt + timedelta(days=20),
                    safety_hazard=item is si.SelfInspectionItem.safety and rng.random() < 0.5,
                )
            )
    return Report(f"{s.school_id}-{month_label(start)}", month_label(start), filed_on, deadline,
                  problems)  # fmt: skip


def _self_inspection(em: Emitter, s: School, m: int) -> Iterator[EventEnvelope]:
    r = _report(em, s, m)
    if r is None or at(r.filed_on, 10) >= em.end:
        return
    stream = em.stream(f"self-inspection-{r.report_id}", school_where(s))
    yield stream.emit(
        si.SelfInspectionFiled(
            report_id=r.report_id,
            school_id=s.school_id,
            zone_id=s.zone_id,
            month=r.month,
            filed_by=principal(s).user_id,
            no_problems=not r.problems,
            problems=r.problems,
            deadline=r.deadline,
            late=r.filed_on > r.deadline,
        ),
        at(r.filed_on, 10),
        principal(s),
    )
    if int(em.uid("revise", r.report_id).hex[:4], 16) % 100 < 5 and r.problems:
        yield stream.emit(
            si.SelfInspectionRevised(
                report_id=r.report_id,
                revision=2,
                revised_by=principal(s).user_id,
                no_problems=False,
                problems=r.problems,
                reason="补充整改措施",
            ),
            at(r.filed_on, 15),
            principal(s),
        )


def _consolidations(
    em: Emitter,
    zone_id: str,
    city: str,
    county: str | None,
    leader: str | None,
    schools: list[School],
    m: int,
) -> Iterator[EventEnvelope]:
    """Two weekly consolidations of month ``m``'s reports, in the next month."""
    if not schools:
        return
    start = month_start(em.province.size, m)
    nxt = start + timedelta(days=month_days(start))
    reports = [(s, _report(em, s, m)) for s in schools]
    tracked_before: set[str] = set()
    where = Jurisdiction(
        province=PROVINCE, city=city, county=county, zone=zone_id if county else None
    )
    by = leader or f"office-{county or city}"
    actor = inspector(by) if leader else Actor(user_id=by, role="county_office")
    for day in (nxt + timedelta(days=6), nxt + timedelta(days=13)):
        iso = day.isocalendar()
        monday = day - timedelta(days=iso.weekday - 1)
        sunday = monday + timedelta(days=6)
        when = at(sunday, 17)
        if when >= em.end:
            return
        week = f"{iso.year:04d}-W{iso.week:02d}"
        covered, unfiled, tracked = [], [], []
        by_item: Counter[str] = Counter()
        hazards = 0
        for s, r in reports:
            if r is None or r.filed_on > sunday:
                due = r.deadline if r else nxt + timedelta(days=4)
                unfiled.append(
                    si.UnfiledReport(
                        school_id=s.school_id,
                        month=month_label(start),
                        status="missing" if sunday > due else "not_due",
                    )
                )
                continue
            n_hazards = sum(1 for p in r.problems if p.safety_hazard)
            hazards += n_hazards
            by_item.update(p.item_code.value for p in r.problems)
            covered.append(
                si.CoveredReport(
                    report_id=r.report_id,
                    school_id=s.school_id,
                    month=r.month,
                    revision=1,
                    late=r.filed_on > r.deadline,
                    no_problems=not r.problems,
                    problems=len(r.problems),
                    safety_hazards=n_hazards,
                )
            )
            if r.report_id in tracked_before:
                continue
            tracked_before.add(r.report_id)
            for p in r.problems:
                if p.safety_hazard:
                    tracked.append(
                        (
                            s,
                            si.TrackedProblem(
                                issue_id=issue_id_for(
                                    "self_inspection", r.report_id, str(p.problem_no)
                                ),
                                report_id=r.report_id,
                                school_id=s.school_id,
                                problem_no=p.problem_no,
                                item_code=p.item_code,
                                description=p.description,
                                measures=p.measures,
                                planned_completion_on=p.planned_completion_on,
                                safety_hazard=True,
                                responsible_inspector_id=current_inspector(em, s, m) or by,
                            ),
                        )
                    )  # fmt: skip
        consolidation_id = f"{zone_id}-{week}"
        stream = em.stream(f"self-inspection-zone-{consolidation_id}", where)
        event = stream.emit(
            si.SelfInspectionConsolidated(
                consolidation_id=consolidation_id,
                zone_id=zone_id,
                week=week,
                week_starts_on=monday,
                week_ends_on=sunday,
                months=[month_label(start)],
                consolidated_by=by,
                reports=covered,
                unfiled=unfiled,
                problems=sum(c.problems for c in covered),
                safety_hazards=hazards,
                problems_by_item=dict(sorted(by_item.items())),
                tracked=[t for _, t in tracked],
            ),
            when,
            actor,
        )
        yield event
        for s, t in tracked:
            rng = random.Random(f"{em.province.size.seed}/tracked/{t.issue_id}")
            yield from _issue(
                em,
                s,
                rng,
                IssueStart(
                    issue_id=t.issue_id,
                    source=iss.IssueSource.self_inspection,
                    visit_id=None,
                    finding_id=None,
                    source_ref=t.report_id,
                    item_code=t.item_code.value,
                    item_title=si.ITEM_TITLES[t.item_code.value],
                    description=t.description,
                    requirement=t.measures,
                    severity=v.Severity.serious,
                    major_kind=v.MajorKind.safety_hazard,
                    deadline=t.planned_completion_on,
                    inspector_id=t.responsible_inspector_id,
                    opened_at=when + timedelta(seconds=2),
                    causation=str(event.event_id),
                    correlation=event.correlation_id,
                ),
            )


# -- complaints -----------------------------------------------------------------------------


def _sealed(complaint_id: str, text: str) -> cp.SealedText:
    """Complaint free text as the issues service writes it (AES-256-GCM, v2 contracts).

    The simulator derives the key and the nonce from the complaint id and the text, so
    a seed still gives the same bytes; the service itself draws both at random.
    """
    secret = hashlib.sha256(f"sim-key:{complaint_id}".encode()).digest()
    nonce = hashlib.sha256(f"sim-nonce:{complaint_id}:{text}".encode()).digest()[:12]
    aad = f"complaint:{complaint_id}".encode()
    ciphertext = AESGCM(secret).encrypt(nonce, text.encode("utf-8"), aad)
    return cp.SealedText(
        scheme=cp.SEALED_SCHEME,
        key_id=f"{complaint_id}.sim",
        nonce=base64.b64encode(nonce).decode(),
        ciphertext=base64.b64encode(ciphertext).decode(),
    )


def _complaint(
    em: Emitter, s: School, rng: random.Random, start: date, listed: str | None
) -> Iterator[EventEnvelope]:
    complaint_id = em.short("complaint", s.school_id, start.isoformat())
    stream = em.stream(f"complaint-{complaint_id}", school_where(s))
    office, _ = office_of(s)
    received = start + timedelta(days=rng.randint(0, month_days(start) - 1))
    t = at(received, 10)
    category = rng.choice(list(cp.ComplaintCategory))
    yield stream.emit(
        cp.ComplaintReceived(
            complaint_id=complaint_id,
            tracking_no=f"TS{received:%Y%m%d}{s.index:05d}",
            school_id=s.school_id,
            school_name=s.name,
            channel=rng.choice(list(cp.ComplaintChannel)),
            category=category,
            subject=_sealed(complaint_id, "家长反映问题"),
            content=_sealed(complaint_id, "家长反映学校相关问题，请核实处理"),
            anonymous=rng.random() < 0.3,
            has_contact=rng.random() < 0.7,
            received_by="public",
            received_on=received,
            answer_due_on=received + timedelta(days=15),
        ),
        t,
        Actor(user_id="public", role="public"),
    )
    handler = inspector(listed) if listed else office
    yield stream.emit(
        cp.ComplaintRouted(
            complaint_id=complaint_id,
            to_inspector_ids=[listed] if listed else [],
            to_county_office=listed is None,
            unlisted=listed is None,
            routed_by="svc-issues",
        ),
        t + timedelta(seconds=1),
        SYSTEM_ISSUES,
    )
    steps: list[tuple[int, EventPayload, Actor]] = []
    if rng.random() < 0.08:
        rejected = cp.ComplaintRejected(
            complaint_id=complaint_id,
            rejected_by=handler.user_id,
            reason=_sealed(complaint_id, "不属于教育督导受理范围"),
        )
        steps.append((1, rejected, handler))
    else:
        outcome = rng.choices(list(cp.VerificationOutcome), (40, 20, 40))[0]
        accepted = cp.ComplaintAccepted(
            complaint_id=complaint_id, accepted_by=handler.user_id, as_office=listed is None
        )
        verified_event = cp.ComplaintVerified(
            complaint_id=complaint_id,
            verified_by=handler.user_id,
            outcome=outcome,
            findings=_sealed(complaint_id, "经实地核实"),
        )
        steps += [(1, accepted, handler), (4, verified_event, handler)]
    for gap, payload, who in steps:
        t += timedelta(days=gap)
        if t >= em.end:
            return
        last = stream.emit(payload, t, who)
        yield last
    if isinstance(steps[-1][1], cp.ComplaintRejected):
        return
    verified = steps[-1][1]
    found = verified.outcome if isinstance(verified, cp.ComplaintVerified) else None
    if found is cp.VerificationOutcome.substantiated and rng.random() < 0.5:
        issue_id = issue_id_for("complaint", complaint_id)
        opened = stream.emit(
            cp.ComplaintIssueOpened(
                complaint_id=complaint_id, issue_id=issue_id, opened_by=office.user_id
            ),
            t + timedelta(hours=2),
            office,
        )
        yield opened
        yield from _issue(
            em,
            s,
            rng,
            IssueStart(
                issue_id=issue_id,
                source=iss.IssueSource.complaint,
                visit_id=None,
                finding_id=None,
                source_ref=complaint_id,
                item_code=category.value,
                item_title="举报投诉问题",
                description="经核实的举报投诉问题",
                requirement="限期整改并答复",
                severity=v.Severity.general,
                major_kind=None,
                deadline=(t + timedelta(days=30)).date(),
                inspector_id=listed or office.user_id,
                opened_at=t + timedelta(hours=2, seconds=1),
                causation=str(opened.event_id),
                correlation=opened.correlation_id,
            ),
        )
    t += timedelta(days=3)
    if t >= em.end:
        return
    yield stream.emit(
        cp.ComplaintAnswered(
            complaint_id=complaint_id,
            answered_by=handler.user_id,
            answer=_sealed(complaint_id, "已核实处理并答复"),
            method=cp.AnswerMethod.phone,
            answered_on=t.date(),
        ),
        t,
        handler,
    )
    t += timedelta(days=1)
    if t >= em.end:
        return
    yield stream.emit(
        cp.ComplaintClosed(complaint_id=complaint_id, closed_by=office.user_id), t, office
    )


# -- totals -------------------------------------------------------------------------------


@dataclass
class Totals:
    """What a run produced: counts per type and a digest of every event's bytes."""

    events: int = 0
    nbytes: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    by_topic: Counter[str] = field(default_factory=Counter)
    _hash: Any = field(default_factory=hashlib.sha256)

    def add(self, event: EventEnvelope, raw: bytes) -> None:
        self.events += 1
        self.nbytes += len(raw)
        self.by_type[event.event_type] += 1
        self.by_topic[registry.topic_for(event.event_type)] += 1
        self._hash.update(raw)

    @property
    def digest(self) -> str:
        return str(self._hash.hexdigest())


def totals(size: Size) -> Totals:
    """Count and digest a whole simulated period (streams it; nothing is kept)."""
    out = Totals()
    for event in simulate(size):
        out.add(event, event.to_bytes())
    return out
