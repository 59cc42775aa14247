"""A county's autumn, worked out by hand, for the roll-up tests (docs/reporting.md tells
the same story).

County ``K`` of city ``C`` in province ``P``: zone ``Z1`` holds schools ``A`` and ``B``,
zone ``Z2`` school ``D``; all three registered in August 2026 (the county is named
测试县, the city 测试市, the zones 第一责任区 and 第二责任区).

* visits (first sign-in decides the month): A routine 09-03 (a team member signs in too,
  counted once) and routine 10-05; B routine 09-10; D special 10-12;
* issues: I1 at A (safety, major) opened 09-03, due 09-20, verified 09-15 (12 days,
  on time), reopened 10-08 due 10-25, verified 10-18 (45 days from opening, on time);
  I2 at B (canteen, general) opened 09-10, due 09-30, overdue 10-01, verified 10-10
  (30 days, late); I3 at A (teaching, general) opened 10-05, due 10-31, still open;
* inspector ``insp-1`` (county K) is listed at A, B and D from 08-01 and signs in on every
  visit; ``insp-2`` signs in on A's first visit with them;
* complaints: Q1 at D received 09-20, due 10-05, substantiated 09-25, answered 10-03
  (on time); Q2 at B received 10-02, due 10-17, unsubstantiated 10-08, answered 10-20
  (late);
* D's special visit is under campaign ``camp-<county>`` (专项督导);
* self-inspection reports (月自查): A files September's on 10-03 (due 10-05, on time) and
  October's on 11-02 (due 11-05); B files September's on 10-08 (late); D files none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from uuid import NAMESPACE_URL, uuid5

from shared.contracts.complaints import (
    AnswerMethod,
    ComplaintAnswered,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintReceived,
    ComplaintVerified,
    LegacyText,
    VerificationOutcome,
)
from shared.contracts.directory import (
    DivisionLevel,
    DivisionRegistered,
    Employment,
    InspectorListed,
    InspectorRegistered,
    SchoolKind,
    SchoolRegistered,
    ZoneEstablished,
    ZoneLevel,
)
from shared.contracts.issues import (
    IssueOpened,
    IssueOverdue,
    IssueReopened,
    IssueSource,
    IssueVerified,
)
from shared.contracts.self_inspection import SelfInspectionFiled
from shared.contracts.visits import InspectorSignedIn, Severity, VisitKind, VisitPlanned
from shared.envelope import Actor, EventEnvelope
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction

CHINA = timezone(timedelta(hours=8))
TEXT = LegacyText(scheme="plain/v0", text="测试")


@dataclass(frozen=True)
class Place:
    province: str
    city: str
    county: str

    def school(self, school: str) -> Jurisdiction:
        zone = {"A": "Z1", "B": "Z1", "D": "Z2"}[school]
        return Jurisdiction(
            province=self.province,
            city=self.city,
            county=self.county,
            zone=self.zone(zone),
            school=self.sid(school),
        )

    def sid(self, school: str) -> str:
        return f"{self.county}-{school}"

    def zone(self, zone: str) -> str:
        return f"{self.county}-{zone}"


def at(day: str, hour: int = 9) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), CHINA)


class Log:
    """Events in the order they happened, with stream versions counted per stream."""

    def __init__(self) -> None:
        self.events: list[EventEnvelope] = []
        self._versions: dict[str, int] = {}

    def add(self, stream: str, payload: EventPayload, where: Jurisdiction, when: datetime) -> None:
        version = self._versions.get(stream, 0) + 1
        self._versions[stream] = version
        self.events.append(
            EventEnvelope(
                event_id=uuid5(NAMESPACE_URL, f"{stream}@{version}"),
                event_type=payload.event_type,
                schema_version=payload.schema_version,
                source="/duxue/tests",
                stream_id=stream,
                stream_version=version,
                partition_key=where.school or stream,
                occurred_at=when.astimezone(UTC),
                recorded_at=when.astimezone(UTC),
                actor=Actor(user_id="tester", role="county_office"),
                jurisdiction=where,
                correlation_id="scenario",
                payload=payload.model_dump(mode="json"),
            )
        )


def school(place: Place, s: str) -> SchoolRegistered:
    return SchoolRegistered(
        school_id=place.sid(s),
        name=f"学校{s}",
        kind=SchoolKind.primary,
        province=place.province,
        city=place.city,
        county=place.county,
        zone_id=place.school(s).zone,
        address="地址",
        city_direct=False,
        principal_name=None,
        location=None,
    )


def visit(
    log: Log,
    place: Place,
    vid: str,
    s: str,
    kind: VisitKind,
    day: str,
    team: int,
    campaign: str | None = None,
) -> None:
    where, stream = place.school(s), f"visit-{place.county}-{vid}"
    planned = VisitPlanned(
        visit_id=stream,
        kind=kind,
        school_id=place.sid(s),
        planned_on=date.fromisoformat(day),
        announced=True,
        lead_inspector_id="insp-1",
        team=[],
        item_assignments=[],
        checklist_id="routine",
        checklist_version=1,
        items=[],
        campaign_id=campaign,
        purpose="督导",
    )
    log.add(stream, planned, where, at(day, 7))
    for n in range(team):
        signed = InspectorSignedIn(
            visit_id=stream,
            inspector_id=f"insp-{n + 1}",
            signed_in_at=at(day, 9 + n),
            location=None,
            distance_m=None,
            radius_m=500,
            flagged=True,
        )
        log.add(stream, signed, where, at(day, 9 + n))


def issue(place: Place, iid: str, s: str, item: str, sev: Severity, due: str) -> IssueOpened:
    return IssueOpened(
        issue_id=f"issue-{place.county}-{iid}",
        source=IssueSource.visit_finding,
        school_id=place.sid(s),
        item_code=item,
        item_title=item,
        description="问题",
        requirement="整改",
        severity=sev,
        deadline=date.fromisoformat(due),
        responsible_inspector_id="insp-1",
    )


def autumn(place: Place) -> list[EventEnvelope]:
    log = Log()
    names(log, place)
    for s in ("A", "B", "D"):
        log.add(f"school-{place.sid(s)}", school(place, s), place.school(s), at("2026-08-20"))
    inspector(log, place)
    visit(log, place, "v1", "A", VisitKind.routine, "2026-09-03", team=2)
    i1, i2 = f"issue-{place.county}-I1", f"issue-{place.county}-I2"
    i3 = f"issue-{place.county}-I3"
    a, b, d = place.school("A"), place.school("B"), place.school("D")
    log.add(
        i1, issue(place, "I1", "A", "safety", Severity.major, "2026-09-20"), a, at("2026-09-03", 15)
    )
    visit(log, place, "v2", "B", VisitKind.routine, "2026-09-10", team=1)
    log.add(
        i2,
        issue(place, "I2", "B", "canteen", Severity.general, "2026-09-30"),
        b,
        at("2026-09-10", 15),
    )
    log.add(
        i1, IssueVerified(issue_id=i1, verified_by="insp-1", note="已整改"), a, at("2026-09-15")
    )
    q1, q2 = f"complaint-{place.county}-Q1", f"complaint-{place.county}-Q2"
    log.add(q1, received(q1, place, "D", "2026-09-20", "2026-10-05"), d, at("2026-09-20"))
    log.add(q1, verified(q1, VerificationOutcome.substantiated), d, at("2026-09-25"))
    overdue = IssueOverdue(issue_id=i2, deadline=date(2026, 9, 30), detected_at=at("2026-10-01", 1))
    log.add(i2, overdue, b, at("2026-10-01", 1))
    log.add(q2, received(q2, place, "B", "2026-10-02", "2026-10-17"), b, at("2026-10-02"))
    log.add(q1, answered(q1, "2026-10-03"), d, at("2026-10-03"))
    visit(log, place, "v3", "A", VisitKind.routine, "2026-10-05", team=1)
    log.add(
        i3,
        issue(place, "I3", "A", "teaching", Severity.general, "2026-10-31"),
        a,
        at("2026-10-05", 15),
    )
    reopened = IssueReopened(
        issue_id=i1, reopened_by="insp-1", reason="反弹", deadline=date(2026, 10, 25)
    )
    log.add(i1, reopened, a, at("2026-10-08"))
    log.add(q2, verified(q2, VerificationOutcome.unsubstantiated), b, at("2026-10-08"))
    log.add(
        i2, IssueVerified(issue_id=i2, verified_by="insp-1", note="已整改"), b, at("2026-10-10")
    )
    campaign = f"camp-{place.county}"
    visit(log, place, "v4", "D", VisitKind.special, "2026-10-12", team=1, campaign=campaign)
    log.add(
        i1, IssueVerified(issue_id=i1, verified_by="insp-1", note="已整改"), a, at("2026-10-18")
    )
    log.add(q2, answered(q2, "2026-10-20"), b, at("2026-10-20"))
    self_inspection(log, place, "A", "2026-09", "2026-10-03")
    self_inspection(log, place, "B", "2026-09", "2026-10-08")
    self_inspection(log, place, "A", "2026-10", "2026-11-02")
    return log.events


def self_inspection(log: Log, place: Place, s: str, month: str, filed_on: str) -> None:
    """A school's monthly self-inspection report, due on the 5th of the next month."""
    year, number = int(month[:4]), int(month[5:])
    due = date(year + number // 12, number % 12 + 1, 5)
    report = f"{place.sid(s)}-{month}"
    filed = SelfInspectionFiled(
        report_id=report,
        school_id=place.sid(s),
        zone_id=place.school(s).zone,
        month=month,
        filed_by=f"principal-{s}",
        no_problems=True,
        problems=[],
        deadline=due,
        late=date.fromisoformat(filed_on) > due,
    )
    log.add(f"self-inspection-{report}", filed, place.school(s), at(filed_on))


def names(log: Log, place: Place) -> None:
    """The county, city and zones as the directory names them."""
    county = Jurisdiction(province=place.province, city=place.city, county=place.county)
    for code, name, level, parent in (
        (place.city, "测试市", DivisionLevel.city, place.province),
        (place.county, "测试县", DivisionLevel.county, place.city),
    ):
        division = DivisionRegistered(code=code, name=name, level=level, parent_code=parent)
        log.add(f"division-{code}", division, county, at("2026-08-01"))
    for zone, name in (("Z1", "第一责任区"), ("Z2", "第二责任区")):
        established = ZoneEstablished(
            zone_id=place.zone(zone),
            name=name,
            level=ZoneLevel.county,
            province=place.province,
            city=place.city,
            county=place.county,
            leader_id=None,
            bureau_liaison=None,
        )
        log.add(f"zone-{place.zone(zone)}", established, county, at("2026-08-01"))


def inspector(log: Log, place: Place) -> None:
    county = Jurisdiction(province=place.province, city=place.city, county=place.county)
    registered = InspectorRegistered(
        inspector_id="insp-1",
        name="督学",
        employment=Employment.full_time,
        phone="13800000000",
        email=None,
        title=None,
        duties=None,
        province=place.province,
        city=place.city,
        county=place.county,
    )
    log.add(f"inspector-{place.county}-insp-1", registered, county, at("2026-08-01"))
    for s in ("A", "B", "D"):
        listing = f"listing-{place.sid(s)}"
        listed = InspectorListed(
            listing_id=listing,
            school_id=place.sid(s),
            inspector_id="insp-1",
            starts_on=date(2026, 8, 1),
            duties=None,
        )
        log.add(listing, listed, place.school(s), at("2026-08-01"))


def received(cid: str, place: Place, s: str, on: str, due: str) -> ComplaintReceived:
    return ComplaintReceived(
        complaint_id=cid,
        tracking_no=cid,
        school_id=place.sid(s),
        school_name=f"学校{s}",
        channel=ComplaintChannel.phone,
        category=ComplaintCategory.teaching,
        subject=TEXT,
        content=TEXT,
        anonymous=True,
        has_contact=False,
        received_by="office",
        received_on=date.fromisoformat(on),
        answer_due_on=date.fromisoformat(due),
    )


def verified(cid: str, outcome: VerificationOutcome) -> ComplaintVerified:
    return ComplaintVerified(complaint_id=cid, verified_by="insp-1", outcome=outcome, findings=TEXT)


def answered(cid: str, on: str) -> ComplaintAnswered:
    return ComplaintAnswered(
        complaint_id=cid,
        answered_by="insp-1",
        answer=TEXT,
        method=AnswerMethod.phone,
        answered_on=date.fromisoformat(on),
    )
