"""The visit lifecycle end to end through HTTP, against the real Kafka and MongoDB-wire server.

A county office imports its roster (2 zones, 10 schools, 3 inspectors); an inspector
files a monthly plan and takes a routine visit through all five steps, including a
dispute; two inspectors take a comprehensive visit that the zone leader merges. Every
step must be on Kafka, in order for its stream. Permissions and bad input are checked
on the way.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from pypdf import PdfReader

from services.visits.bootstrap import create_app
from services.visits.settings import VisitsSettings
from shared import topics
from shared.auth import Role
from tests.conftest import Infra, Mint, eventually, ok, serve
from tests.factories import CITY, PROVINCE, days_ahead, new_county
from tests.rosters import roster_xlsx, upload
from tests.visit_driver import problem

DAY = date(2026, 11, 16)  # after the roster's listings start (2026-09-01)
# Deadlines are checked against today: counted from the run's day, never past.
FIRST_DEADLINE, AMENDED_DEADLINE = days_ahead(30), days_ahead(61)
SCHOOL_AT = {"latitude": 31.4676, "longitude": 104.7320}
NEAR = {"latitude": 31.4680, "longitude": 104.7325}
FAR = {"latitude": 31.5676, "longitude": 104.7320}


@dataclass
class County:
    client: httpx.AsyncClient
    code: str
    office: dict[str, str]
    mint: Mint

    def inspector(self, n: int, *extra: Role) -> dict[str, str]:
        return self.as_user(f"{self.code}-insp-{n}", Role.inspector, *extra)

    def principal(self, school: int) -> dict[str, str]:
        return self.as_user(
            f"principal-{self.code}-{school}",
            Role.principal,
            zone=f"{self.code}-z{1 if school <= 5 else 2}",
            school=f"{self.code}-s{school}",
        )

    def as_user(self, user_id: str, *roles: Role, **deeper: str) -> dict[str, str]:
        headers: dict[str, str] = self.mint(
            *roles, user_id=user_id, province=PROVINCE, city=CITY, county=self.code, **deeper
        )
        return headers

    def school(self, n: int) -> str:
        return f"{self.code}-s{n}"


@pytest.fixture
async def county(settings_for: Callable[..., Any], auth_header: Mint) -> AsyncIterator[County]:
    code = new_county()
    office = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=code)
    async with serve(create_app(settings_for(VisitsSettings))) as client:
        r = await client.post(
            f"/directory/imports?county={code}", files=upload(roster_xlsx(code)), headers=office
        )
        assert r.status_code == 201, r.text
        c = County(client, code, office, auth_header)
        for n in (1, 2):
            await _locate(c, n)
        yield c


async def _locate(c: County, n: int) -> None:
    async def version() -> int | None:
        r = await c.client.get(f"/schools/{c.school(n)}", headers=c.office)
        return r.json()["version"] if r.status_code == 200 else None

    for _ in range(20):  # the read model may not show the listings' versions yet
        current = await eventually(version)
        r = await c.client.patch(
            f"/schools/{c.school(n)}",
            json={"reason": "补录学校坐标", "location": SCHOOL_AT},
            headers={**c.office, "If-Match": f'"{current}"'},
        )
        if r.status_code not in (409, 412):  # stale If-Match, or a lost race
            break
        await asyncio.sleep(0.2)
    assert r.status_code == 200, r.text

    async def located() -> bool:
        r = await c.client.get(f"/schools/{c.school(n)}", headers=c.office)
        return r.status_code == 200 and r.json().get("location") is not None

    await eventually(located)


def _problem(item: str, notes: str, **extra: Any) -> dict[str, Any]:
    return problem(item, notes, FIRST_DEADLINE, **extra)


async def _visit(c: County, visit_id: str, headers: dict[str, str], stage: str) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        r = await c.client.get(f"/visits/{visit_id}", headers=headers)
        if r.status_code != 200 or r.json()["stage"] != stage:
            return None
        assert r.headers["ETag"] == f'"{r.json()["version"]}"'  # for the next If-Match
        return dict(r.json())

    doc: dict[str, Any] = await eventually(reached)
    return doc


async def _events_on_kafka(infra: Infra, streams: set[str]) -> dict[str, list[dict[str, Any]]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=infra.kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        topic = f"{infra.topic_prefix}{topics.VISITS}"
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not parts:
            await consumer._client.force_metadata_update()
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        found: dict[str, list[dict[str, Any]]] = {s: [] for s in streams}

        async def behind() -> bool:
            return any([await consumer.position(p) < ends[p] for p in parts])

        while await behind():
            batch = await consumer.getmany(timeout_ms=1000)
            for messages in batch.values():
                for m in messages:
                    event = json.loads(m.value)
                    if event["subject"] in streams:
                        found[event["subject"]].append(event)
        return found
    finally:
        await consumer.stop()


async def test_a_routine_visit_through_the_five_steps_with_a_dispute(
    county: County, infra: Infra
) -> None:
    c = county
    insp1 = c.inspector(1)
    school = c.school(1)

    # Not listed at school 1 (inspector 3 is listed at 7–9): may not plan there.
    stranger = c.inspector(3)
    plan = {"school_id": school, "planned_on": DAY.isoformat(), "purpose": "月度随访督导"}
    assert (await c.client.post("/visits", json=plan, headers=stranger)).status_code == 403

    # Step 1: the monthly plan is filed (备案) with the county office, then the visit planned.
    filing = {
        "month": DAY.isoformat()[:7],
        "entries": [{"school_id": school, "planned_on": DAY.isoformat(), "kind": "routine"}],
        "note": "本月随访计划",
    }
    filed = await ok(await c.client.post("/plans", json=filing, headers=insp1), 201)

    async def office_sees_plan() -> dict[str, Any] | None:
        r = await c.client.get(f"/plans/{filed['plan_id']}", headers=c.office)
        return r.json() if r.status_code == 200 else None

    report = await eventually(office_sees_plan)
    # Listed at s1–s3, planned only s1: the office sees the two schools left out.
    missing = {f["school_id"] for f in report["findings"] if f["rule"] == "listed_school_days"}
    assert missing == {c.school(2), c.school(3)}
    planned = await ok(
        await c.client.post("/visits", json={**plan, "plan_id": filed["plan_id"]}, headers=insp1),
        201,
    )
    vid = planned["visit_id"]

    # Step 2: on site. Only team members sign in; a far sign-in is flagged, not refused.
    r = await c.client.post(f"/visits/{vid}/sign-in", json={"location": NEAR}, headers=stranger)
    assert r.status_code == 403
    stale = {**insp1, "If-Match": '"7"'}  # every step honours If-Match (the visit is at 1)
    r = await c.client.post(f"/visits/{vid}/sign-in", json={"location": FAR}, headers=stale)
    assert r.status_code == 412 and r.json()["current_version"] == 1
    signed = await c.client.post(f"/visits/{vid}/sign-in", json={"location": FAR}, headers=insp1)
    await ok(signed)
    again = await c.client.post(f"/visits/{vid}/sign-in", json={"location": NEAR}, headers=insp1)
    assert again.status_code == 409 and "已签到" in again.json()["message"]

    photo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 4096
    sha = hashlib.sha256(photo).hexdigest()
    ev = await ok(
        await c.client.post(
            "/evidence",
            data={"school_id": school, "visit_id": vid, "sha256": sha},
            files={"file": ("消防通道.png", photo, "image/png")},
            headers=insp1,
        ),
        201,
    )
    evidence = {k: ev[k] for k in ("evidence_id", "sha256", "size", "media_type")}
    forged = {**evidence, "sha256": "0" * 64}
    bad = await c.client.post(
        f"/visits/{vid}/findings",
        json=_problem("safety", "消防通道堵塞", evidence=[forged]),
        headers=insp1,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.evidence.0"
    no_requirement = await c.client.post(
        f"/visits/{vid}/findings",
        json={**_problem("safety", "x"), "requirement": None},
        headers=insp1,
    )
    assert no_requirement.status_code == 409

    await ok(
        await c.client.post(
            f"/visits/{vid}/findings",
            json={
                "item_code": "administration",
                "verdict": "highlight",
                "notes": "校务公开栏内容完整",
                "methods": ["document_review"],
            },
            headers=insp1,
        ),
        201,
    )
    major = await ok(
        await c.client.post(
            f"/visits/{vid}/findings",
            json=_problem(
                "safety",
                "消防通道堵塞",
                severity="major",
                major_kind="safety_hazard",
                evidence=[evidence],
            ),
            headers=insp1,
        ),
        201,
    )
    second = await ok(
        await c.client.post(
            f"/visits/{vid}/findings", json=_problem("learning_load", "作业量偏大"), headers=insp1
        ),
        201,
    )
    stale_fix = await c.client.patch(
        f"/visits/{vid}/findings/{second['finding_id']}",
        json={"reason": "补充", "notes": "三年级作业量偏大"},
        headers={**insp1, "If-Match": '"1"'},
    )
    assert stale_fix.status_code == 412
    await ok(
        await c.client.patch(
            f"/visits/{vid}/findings/{second['finding_id']}",
            json={"reason": "补充", "notes": "三年级作业量偏大"},
            headers={**insp1, "If-Match": f'"{second["version"]}"'},
        )
    )

    # Step 3: the feedback list; the principal disputes point 2; the inspector amends it.
    await ok(
        await c.client.post(f"/visits/{vid}/feedback", json={"summary": "总体良好"}, headers=insp1)
    )
    other_principal = c.principal(2)
    r = await c.client.post(
        f"/visits/{vid}/disputes",
        json={"points": [{"point_no": 2, "reason": "已调整"}]},
        headers=other_principal,
    )
    assert r.status_code == 403
    await ok(
        await c.client.post(
            f"/visits/{vid}/disputes",
            json={"points": [{"point_no": 2, "reason": "作业已按规定控制在一小时内"}]},
            headers=c.principal(1),
        )
    )
    await ok(
        await c.client.post(
            f"/visits/{vid}/dispute-resolution",
            json={
                "resolutions": [
                    {
                        "point_no": 2,
                        "outcome": "amended",
                        "note": "经核实部分属实，延长期限",
                        "deadline": AMENDED_DEADLINE,
                    }
                ]
            },
            headers=insp1,
        )
    )
    # the principal signs the resolved list; only a signed list is closed
    await ok(
        await c.client.post(
            f"/visits/{vid}/acknowledgement", json={"signer_name": "张校长"}, headers=c.principal(1)
        )
    )
    await ok(await c.client.post(f"/visits/{vid}/close", json={"summary": "办结"}, headers=insp1))

    doc = await _visit(c, vid, c.principal(1), "closed")
    assert doc["sign_ins"][0]["flagged"] is True
    assert doc["sign_ins"][0]["distance_m"] > 10_000
    assert [p["deadline"] for p in doc["agreed_problems"]] == [FIRST_DEADLINE, AMENDED_DEADLINE]
    assert doc["agreed_problems"][0]["finding_id"] == major["finding_id"]
    assert doc["agreed_problems"][0]["major_kind"] == "safety_hazard"

    # Another school's principal cannot see it; the timeline has every step.
    assert (await c.client.get(f"/visits/{vid}", headers=c.principal(2))).status_code == 403
    timeline = await ok(await c.client.get(f"/visits/{vid}/timeline", headers=c.office))
    types = [e["type"].rsplit(".", 1)[1] for e in timeline]
    assert types == [
        "visit_planned",
        "inspector_signed_in",
        "finding_recorded",
        "finding_recorded",
        "finding_recorded",
        "finding_corrected",
        "feedback_issued",
        "feedback_disputed",
        "dispute_resolved",
        "feedback_acknowledged",
        "visit_closed",
    ]

    # The documents users know, in Chinese.
    for name, words in (("record.pdf", "消防通道堵塞"), ("feedback.pdf", "整改要求")):
        r = await c.client.get(f"/visits/{vid}/{name}", headers=c.office)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"

        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
        assert words in text.replace(" ", "").replace("\n", "")

    # Every step is on Kafka, in order for its stream.
    async def on_kafka() -> list[dict[str, Any]] | None:
        events = (await _events_on_kafka(infra, {f"visit-{vid}"}))[f"visit-{vid}"]
        return events if len(events) == len(timeline) else None

    events = await eventually(on_kafka)
    assert [e["streamversion"] for e in events] == list(range(1, len(timeline) + 1))
    assert [e["type"] for e in events] == [e["type"] for e in timeline]


async def test_a_comprehensive_visit_by_two_inspectors_merged_by_the_zone_leader(
    county: County, infra: Infra
) -> None:
    c = county
    leader = c.inspector(1, Role.zone_leader)  # inspector 1 leads zone 1
    member = c.inspector(2)
    plan = {
        "kind": "comprehensive",
        "school_id": c.school(2),
        "planned_on": DAY.isoformat(),
        "purpose": "学期综合督导",
        "team": [f"{c.code}-insp-1", f"{c.code}-insp-2"],
        "item_codes": ["administration", "enrolment", "safety"],
        "assignments": {
            "administration": f"{c.code}-insp-1",
            "enrolment": f"{c.code}-insp-2",
            "safety": f"{c.code}-insp-2",
        },
        "announced": False,
    }
    # an unknown id in the body is 422 naming the field: an assignee outside the team, a school
    stranger = {**plan["assignments"], "safety": f"{c.code}-insp-9"}  # type: ignore[dict-item]
    for wrong, named in (
        ({"assignments": stranger}, "body.assignments.safety"),
        ({"school_id": f"{c.code}-s-none"}, "body.school_id"),
    ):
        r = await c.client.post("/visits", json={**plan, **wrong}, headers=leader)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == named, r.text
    vid = (await ok(await c.client.post("/visits", json=plan, headers=leader), 201))["visit_id"]

    # Unannounced: the school does not see it before the inspectors arrive.
    async def planned() -> bool:
        r = await c.client.get(f"/visits/{vid}", headers=c.office)
        return r.status_code == 200

    await eventually(planned)
    assert (await c.client.get(f"/visits/{vid}", headers=c.principal(2))).status_code == 404

    for who in (leader, member):
        await ok(
            await c.client.post(f"/visits/{vid}/sign-in", json={"location": NEAR}, headers=who)
        )
    wrong_item = await c.client.post(
        f"/visits/{vid}/findings",
        json={
            "item_code": "administration",
            "verdict": "fine",
            "notes": "",
            "methods": ["interview"],
        },
        headers=member,
    )
    assert wrong_item.status_code == 409  # item 1 is the leader's
    await ok(
        await c.client.post(
            f"/visits/{vid}/findings",
            json={
                "item_code": "administration",
                "verdict": "fine",
                "notes": "制度齐全",
                "methods": ["interview"],
            },
            headers=leader,
        ),
        201,
    )
    await ok(
        await c.client.post(
            f"/visits/{vid}/findings", json=_problem("enrolment", "收费公示不全"), headers=member
        ),
        201,
    )
    early = await c.client.post(f"/visits/{vid}/merge", json={"summary": "x"}, headers=leader)
    assert early.status_code == 409 and "safety" in early.json()["message"]
    await ok(
        await c.client.post(
            f"/visits/{vid}/findings",
            json={
                "item_code": "safety",
                "verdict": "highlight",
                "notes": "安全演练扎实",
                "methods": ["campus_walk"],
            },
            headers=member,
        ),
        201,
    )
    assert (
        await c.client.post(f"/visits/{vid}/merge", json={"summary": "x"}, headers=member)
    ).status_code == 403
    await ok(
        await c.client.post(f"/visits/{vid}/merge", json={"summary": "汇总报告"}, headers=leader)
    )
    await ok(
        await c.client.post(f"/visits/{vid}/feedback", json={"summary": "综合意见"}, headers=leader)
    )
    await ok(
        await c.client.post(
            f"/visits/{vid}/acknowledgement", json={"signer_name": "刘校长"}, headers=c.principal(2)
        )
    )
    await ok(await c.client.post(f"/visits/{vid}/close", json={"summary": "办结"}, headers=leader))
    doc = await _visit(c, vid, c.principal(2), "closed")
    assert doc["merge"]["merged_by"] == f"{c.code}-insp-1"
    assert len(doc["agreed_problems"]) == 1
    assert doc["agreed_problems"][0]["inspector_id"] == f"{c.code}-insp-2"

    async def on_kafka() -> list[dict[str, Any]] | None:
        events = (await _events_on_kafka(infra, {f"visit-{vid}"}))[f"visit-{vid}"]
        return events if len(events) == 10 else None

    events = await eventually(on_kafka)
    assert [e["streamversion"] for e in events] == list(range(1, 11))

    # The visits read model rebuilt from offset 0 equals the live one for this visit.
    province = c.mint(Role.province_office, province=PROVINCE)
    assert (
        await c.client.post("/admin/projections/visits_visits/rebuild", headers=c.office)
    ).status_code == 403
    rebuilt = await ok(
        await c.client.post("/admin/projections/visits_visits/rebuild", headers=province)
    )
    generation = rebuilt["active_generation"]
    assert generation == 2
    rebuilt_doc = await ok(await c.client.get(f"/visits/{vid}", headers=c.office))
    assert rebuilt_doc == doc


async def test_bad_requests_get_clear_errors(county: County) -> None:
    c = county
    insp1 = c.inspector(1)
    r = await c.client.post(
        "/visits",
        json={"school_id": c.school(1), "planned_on": "not-a-date", "purpose": "x"},
        headers=insp1,
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} >= {"body.planned_on", "body.purpose"}
    r = await c.client.post(
        "/visits",
        json={"school_id": "nope-school", "planned_on": DAY.isoformat(), "purpose": "随访"},
        headers=insp1,
    )
    assert r.status_code == 422  # an unknown id in the body names its field
    assert [e["field"] for e in r.json()["errors"]] == ["body.school_id"]
    r = await c.client.post(
        "/visits",
        json={
            "school_id": c.school(1),
            "planned_on": DAY.isoformat(),
            "purpose": "随访",
            "item_codes": ["99"],
        },
        headers=insp1,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.item_codes.0"
    assert (await c.client.get("/visits/nope", headers=c.office)).status_code == 404
    other = c.mint(Role.county_office, province=PROVINCE, city=CITY, county=new_county())
    vid = (
        await ok(
            await c.client.post(
                "/visits",
                json={"school_id": c.school(1), "planned_on": DAY.isoformat(), "purpose": "随访"},
                headers=insp1,
            ),
            201,
        )
    )["visit_id"]
    r = await c.client.post(f"/visits/{vid}/cancel", json={"reason": "临时调整"}, headers=other)
    assert r.status_code == 403
    assert (
        await c.client.post(f"/visits/{vid}/close", json={"summary": "x"}, headers=insp1)
    ).status_code == 409


async def test_an_office_plans_with_its_lead_and_evidence_labels_name_visits_of_the_school(
    county: County,
) -> None:
    c = county
    plan = {"school_id": c.school(1), "planned_on": DAY.isoformat(), "purpose": "专项抽查"}
    r = await c.client.post("/visits", json=plan, headers=c.office)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.team", r.text
    assert r.json()["message"].startswith("督导室安排督导须指明")
    lead = f"{c.code}-insp-1"
    for bad in ("ghost-insp", f"{c.code}-insp-2"):  # unknown; not the team's
        body = {**plan, "team": [lead], "lead_inspector_id": bad}
        r = await c.client.post("/visits", json=body, headers=c.office)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "body.lead_inspector_id"
    planned = await c.client.post(
        "/visits", json={**plan, "lead_inspector_id": lead}, headers=c.office
    )
    vid = (await ok(planned, 201))["visit_id"]
    shown = await _visit(c, vid, c.office, "planned")
    assert (shown["team"], shown["lead_inspector_id"]) == ([lead], lead)

    photo = b"\x89PNG\r\n\x1a\n" + hashlib.sha256(c.code.encode()).digest() * 64
    sha = hashlib.sha256(photo).hexdigest()

    async def send(school: str, visit_id: str) -> httpx.Response:
        return await c.client.post(
            "/evidence",
            data={"school_id": school, "visit_id": visit_id, "sha256": sha},
            files={"file": ("校门.png", photo, "image/png")},
            headers=c.office,
        )

    for school, visit_id in ((c.school(1), "ghost-visit"), (c.school(2), vid)):
        r = await send(school, visit_id)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.visit_id", r.text
    r = await send("ghost-school", vid)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.school_id", r.text
    first = await ok(await send(c.school(1), vid), 201)
    assert first["visit_id"] == vid
    again = await ok(await send(c.school(1), vid), 200)
    assert (again["evidence_id"], again["created"]) == (first["evidence_id"], False)
    other = await ok(
        await c.client.post("/visits", json={**plan, "team": [lead]}, headers=c.office), 201
    )
    r = await send(c.school(1), other["visit_id"])
    assert r.status_code == 409 and first["evidence_id"] in r.json()["message"], r.text
