"""Checklists, campaigns and monthly plans end to end: HTTP → event store → Kafka → read
models, on the real broker and MongoDB-wire server.

The visit lifecycle's HTTP API is not here yet, so visit events are appended with the
service's own event store (the same path the lifecycle will take) and reach the
campaign and plan read models through Kafka like any other event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.visits.bootstrap import create_app
from services.visits.settings import VisitsSettings
from services.visits.visit.checklist_lookup import ReadModelChecklists
from shared.auth import Role
from shared.commands import CommandContext, StreamHandler
from shared.contracts.visits import (
    InspectorSignedIn,
    PlannedItem,
    VisitClosed,
    VisitKind,
    VisitPlanned,
)
from shared.envelope import Actor
from shared.events import EventPayload, registry
from shared.jurisdiction import Jurisdiction
from shared.runtime import Runtime
from tests.conftest import Mint, eventually, serve
from tests.factories import CITY, PROVINCE, new_county, school_body

MONTH = "2026-09"


@pytest.fixture
async def app(settings_for: Callable[..., Any]) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    application = create_app(settings_for(VisitsSettings))
    async with serve(application) as client:
        yield application, client


async def _register(
    client: httpx.AsyncClient, office: dict[str, str], *ids: str, zone_id: str | None = None
) -> None:
    for school_id in ids:
        county = school_id.split("-")[0]
        body = school_body(school_id, county, zone_id=zone_id)
        r = await client.post("/schools", json=body, headers=office)
        assert r.status_code == 201, r.text


async def _append_visit(
    runtime: Runtime, visit_id: str, school_id: str, *events: EventPayload, zone: str | None = None
) -> None:
    """What the visit lifecycle does: append to ``visit-<id>`` in the event store, at the
    school's place (as the directory registered it: county from the id, ``zone``)."""
    handler = StreamHandler[None](
        runtime.store,
        registry,
        "/duxue/visits",
        None,
        lambda s, e: s,
        runtime.new_id,
        runtime.relay.notify,
        runtime.service,
    )
    stream = f"visit-{visit_id}"
    loaded = await handler.load(stream)
    ctx = CommandContext(
        actor=Actor(user_id="insp", role="inspector"), now=runtime.clock(), correlation_id="t"
    )
    county = school_id.split("-")[0]
    where = Jurisdiction(province=PROVINCE, city=CITY, county=county, zone=zone, school=school_id)
    await handler.append(stream, loaded.version, list(events), ctx, where)


def _planned(visit_id: str, school_id: str, inspector: str, campaign: str | None) -> VisitPlanned:
    return VisitPlanned(
        visit_id=visit_id,
        kind=VisitKind.special if campaign else VisitKind.routine,
        school_id=school_id,
        planned_on=date(2026, 9, 10),
        announced=True,
        lead_inspector_id=inspector,
        team=[inspector],
        item_assignments=[],
        checklist_id="routine",
        checklist_version=2,
        items=[PlannedItem(code="canteen_hygiene", title="食堂卫生")],
        campaign_id=campaign,
        purpose="食品安全专项督导",
    )


def _closed(visit_id: str, school_id: str, campaign: str | None) -> VisitClosed:
    kind = VisitKind.special if campaign else VisitKind.routine
    return VisitClosed(
        visit_id=visit_id,
        school_id=school_id,
        kind=kind,
        campaign_id=campaign,
        findings=8,
        highlights=1,
        problems=1,
        summary="食堂留样记录不全",
    )


def _fields(r: httpx.Response) -> list[str]:
    assert r.status_code == 422, r.text
    return [e["field"] for e in r.json()["errors"]]


async def test_checklists_as_data_and_a_campaign_with_its_progress(
    app: tuple[FastAPI, httpx.AsyncClient], auth_header: Mint
) -> None:
    application, client = app
    county, neighbour = new_county(), new_county()
    office = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=county)
    other = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=neighbour)
    province = auth_header(Role.province_office, province=PROVINCE)
    s1, s2, s3, far = f"{county}-s1", f"{county}-s2", f"{county}-s3", f"{neighbour}-s1"
    zone = {"zone_id": "zone-1", "name": "第一责任区", "province": PROVINCE, "city": CITY}
    r = await client.post("/zones", json={**zone, "county": county}, headers=office)
    assert r.status_code == 201, r.text
    await _register(client, office, s1, s2, s3, zone_id="zone-1")
    await _register(client, other, far)
    # a client-chosen id another county holds is 403 (not a 409 telling it exists)
    r = await client.post("/zones", json={**zone, "county": neighbour}, headers=other)
    assert r.status_code == 403, r.text
    person = {
        "inspector_id": f"{county}-i9",
        "name": "李督学",
        "employment": "part_time",
        "phone": "13800000000",
        "province": PROVINCE,
        "city": CITY,
    }
    r = await client.post("/inspectors", json={**person, "county": county}, headers=office)
    assert r.status_code == 201, r.text
    r = await client.post("/inspectors", json={**person, "county": neighbour}, headers=other)
    assert r.status_code == 403, r.text
    r = await client.post("/inspectors", json={**person, "county": county}, headers=office)
    assert r.status_code == 409, r.text

    # the default routine template is there at start-up, with the eight items
    lookup = ReadModelChecklists(application.state.runtime.db)
    facts = await lookup.checklist("routine", None)
    assert facts is not None and facts.version == 1 and len(facts.items) == 8

    async def routine(version: int) -> dict[str, Any] | None:
        r = await client.get("/checklists/routine", headers=office)
        ok = r.status_code == 200 and r.json()["latest_version"] == version
        # the template and its version document are two documents of one batch
        return r.json() if ok and r.json()["items"] else None

    template = await eventually(lambda: routine(1))
    assert await application.state.checklists.seed_defaults(datetime.now(UTC)) is False
    assert template["owner_scope"] == "platform" and len(template["items"]) == 8
    assert template["items"][0]["title"] == "校务管理和制度执行"

    # a province adds the ninth item as version 2, in one call; a county may not
    ninth = {"include_policy_item": True, "note": "本省增加第九项"}
    r = await client.post("/checklists/routine/versions", json=ninth, headers=office)
    assert r.status_code == 403
    r = await client.post("/checklists/routine/versions", json=ninth, headers=province)
    assert r.status_code == 201 and r.json() == {"checklist_id": "routine", "version": 2}
    assert r.headers["ETag"] == '"2"'
    assert r.headers["Location"] == "/checklists/routine/versions/2"
    again = await client.post("/checklists/routine/versions", json=ninth, headers=province)
    assert again.status_code == 409
    assert _fields(
        await client.post("/checklists/routine/versions", json={}, headers=province)
    ) == ["body.items"]
    template = await eventually(lambda: routine(2))
    assert len(template["items"]) == 9 and template["items"][0]["code"] == "education_policy"
    v1 = await client.get("/checklists/routine/versions/1", headers=office)
    assert len(v1.json()["items"]) == 8
    assert (await client.get("/checklists/routine/versions/9", headers=office)).status_code == 404
    facts = await lookup.checklist("routine", None)
    assert facts is not None and facts.version == 2 and facts.items[0].code == "education_policy"

    # a county office issues a campaign on version 2, targeting its zone and a school
    cid = f"{county}-food"
    campaign = {
        "campaign_id": cid,
        "theme": "food_safety",
        "title": "秋季学期食品安全专项督导",
        "checklist_id": "routine",
        "checklist_version": 2,
        "starts_on": "2026-09-01",
        "ends_on": "2026-09-30",
        "zone_ids": ["zone-1"],
        "school_ids": [s1],
    }
    bad: list[tuple[dict[str, Any], str]] = [
        ({"checklist_version": 7}, "body.checklist_version"),
        ({"checklist_id": "nope"}, "body.checklist_id"),
        ({"theme": "castle"}, "body.theme"),
        ({"ends_on": "2026-08-01"}, "body.ends_on"),
        ({"school_ids": ["ghost-school"]}, "body.school_ids.0"),
    ]
    for change, field in bad:
        r = await client.post("/campaigns", json={**campaign, **change}, headers=office)
        assert _fields(r) == [field], change
    r = await client.post("/campaigns", json={**campaign, "school_ids": [far]}, headers=office)
    assert r.status_code == 403
    inspector = auth_header(Role.inspector, province=PROVINCE, city=CITY, county=county)
    assert (await client.post("/campaigns", json=campaign, headers=inspector)).status_code == 403
    r = await client.post("/campaigns", json=campaign, headers=office)
    assert r.status_code == 201 and r.headers["ETag"] == '"1"'
    assert (await client.post("/campaigns", json=campaign, headers=office)).status_code == 409

    amend = {"reason": "国庆假期顺延", "ends_on": "2026-10-15"}
    r = await client.post(f"/campaigns/{cid}/amend", json=amend, headers=other)
    assert r.status_code == 403
    r = await client.post(
        f"/campaigns/{cid}/amend", json=amend, headers={**office, "If-Match": '"1"'}
    )
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'
    stale = {**amend, "ends_on": "2026-10-20"}
    r = await client.post(
        f"/campaigns/{cid}/amend", json=stale, headers={**office, "If-Match": '"1"'}
    )
    assert r.status_code == 412 and r.json()["current_version"] == 2
    assert (
        await client.post("/campaigns/nope-x/amend", json=amend, headers=office)
    ).status_code == 404
    assert (await client.get("/campaigns/nope-x", headers=office)).status_code == 404

    async def progress(visited: int) -> dict[str, Any] | None:
        r = await client.get(f"/campaigns/{cid}/progress", headers=office)
        ok = r.status_code == 200 and r.json()["visited"] == visited
        amended = ok and r.json()["ends_on"] == "2026-10-15"  # the amendment is projected too
        return r.json() if amended else None

    before = await eventually(lambda: progress(0))
    assert before["targets"] == 3 and before["planned"] == 0 and before["ends_on"] == "2026-10-15"
    assert (await client.get(f"/campaigns/{cid}/progress", headers=other)).status_code == 403
    listed = await client.get("/campaigns", headers=inspector)
    assert [c["campaign_id"] for c in listed.json()["items"]] == [cid]
    assert (await client.get("/campaigns", headers=other)).json()["items"] == []

    # visits under the campaign arrive as events: progress moves
    runtime = application.state.runtime
    first, second = f"{cid}-v1", f"{cid}-v2"
    await _append_visit(runtime, first, s2, _planned(first, s2, "insp", cid), zone="zone-1")
    await _append_visit(runtime, first, s2, _closed(first, s2, cid), zone="zone-1")
    await _append_visit(runtime, second, s1, _planned(second, s1, "insp", cid), zone="zone-1")

    async def both_projected() -> dict[str, Any] | None:  # v1 closed and v2 planned
        found = await progress(1)
        schools = {s["school_id"]: s for s in (found or {}).get("schools", [])}
        return found if schools.get(s1, {}).get("planned") else None

    after = await eventually(both_projected)
    by_school = {s["school_id"]: s for s in after["schools"]}
    assert by_school[s2]["visited"] and by_school[s1]["planned"] and not by_school[s1]["visited"]
    assert not by_school[s3]["planned"]
    assert (after["targets"], after["planned"], after["percent_visited"]) == (3, 2, 33.3)

    facts_c = await lookup.campaign(cid)
    assert facts_c is not None and facts_c.checklist_version == 2
    assert facts_c.ends_on == date(2026, 10, 15) and facts_c.school_ids == (s1,)
    r = await client.post(f"/campaigns/{cid}/close", json={"summary": "完成"}, headers=office)
    assert r.status_code == 200
    assert (
        await client.post(f"/campaigns/{cid}/close", json={}, headers=office)
    ).status_code == 409

    async def closed() -> bool:
        return await lookup.campaign(cid) is None

    await eventually(closed)

    # a county's own template: only offices inside its scope retire it
    own: dict[str, Any] = {
        "checklist_id": f"{county}-canteen",
        "title": "食堂专项检查表",
        "items": [
            {
                "code": "sample",
                "title": "食品留样",
                "guidance": "留样48小时",
                "methods": ["campus_walk"],
            }
        ],
    }
    created = await client.post("/checklists", json=own, headers=office)
    assert created.status_code == 201 and created.headers["ETag"] == '"1"'
    assert (await client.post("/checklists", json=own, headers=office)).status_code == 409
    assert (await client.post("/checklists", json=own, headers=other)).status_code == 403
    dup = {**own, "checklist_id": f"{county}-x", "items": own["items"] * 2}
    assert _fields(await client.post("/checklists", json=dup, headers=office)) == ["body.items"]
    retire = {"reason": "并入常规督导"}
    path = f"/checklists/{county}-canteen/retire"
    assert (await client.post(path, json=retire, headers=other)).status_code == 403
    behind = await client.post(path, json=retire, headers={**office, "If-Match": '"2"'})
    assert behind.status_code == 412
    retired = await client.post(path, json=retire, headers={**office, "If-Match": '"1"'})
    assert retired.status_code == 200, retired.text
    assert retired.json()["version"] == 2 and retired.headers["ETag"] == '"2"'  # the stream's
    assert (await client.post(path, json=retire, headers=office)).status_code == 409

    async def retired_read() -> httpx.Response | None:
        r = await client.get(f"/checklists/{county}-canteen", headers=office)
        return r if r.status_code == 200 and r.json()["retired"] else None

    assert (await eventually(retired_read)).headers["ETag"] == '"2"'
    assert (
        await client.post("/checklists/nope/retire", json=retire, headers=office)
    ).status_code == 404
    on_retired = {**campaign, "campaign_id": f"{county}-c2", "checklist_id": f"{county}-canteen"}
    on_retired["checklist_version"] = 1
    r = await client.post("/campaigns", json=on_retired, headers=office)
    assert _fields(r) == ["body.checklist_id"]


async def test_monthly_plans_are_filed_revised_acknowledged_and_checked(
    app: tuple[FastAPI, httpx.AsyncClient], auth_header: Mint
) -> None:
    application, client = app
    county, neighbour = new_county(), new_county()
    office = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=county)
    other = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=neighbour)
    inspector = auth_header(Role.inspector, province=PROVINCE, city=CITY, county=county)
    colleague = auth_header(Role.inspector, province=PROVINCE, city=CITY, county=county)
    s1, s2, s3, far = f"{county}-s1", f"{county}-s2", f"{county}-s3", f"{neighbour}-s1"
    await _register(client, office, s1, s2, s3)
    await _register(client, other, far)

    def entry(school: str, day: int, **extra: Any) -> dict[str, Any]:
        return {"school_id": school, "planned_on": f"{MONTH}-{day:02d}", "kind": "routine", **extra}

    filing = {"month": MONTH, "entries": [entry(s1, 3), entry(s2, 10)], "note": "九月计划"}
    bad: list[tuple[dict[str, Any], str]] = [
        ({"entries": [entry(s1, 3) | {"planned_on": "2026-10-01"}]}, "body.entries.0.planned_on"),
        ({"entries": [entry("ghost-school", 3)]}, "body.entries.0.school_id"),
        ({"entries": [entry(s1, 3, kind="special")]}, "body.entries.0.campaign_id"),
        ({"month": "2026-13"}, "body.month"),
    ]
    for change, field in bad:
        r = await client.post("/plans", json={**filing, **change}, headers=inspector)
        assert _fields(r) == [field], change
    r = await client.post("/plans", json={**filing, "entries": [entry(far, 3)]}, headers=inspector)
    assert r.status_code == 403
    assert (await client.post("/plans", json=filing, headers=office)).status_code == 403
    r = await client.post("/plans", json={**filing, "inspector_id": "someone"}, headers=inspector)
    assert r.status_code == 403

    r = await client.post("/plans", json=filing, headers=inspector)
    assert r.status_code == 201, r.text
    plan_id = r.json()["plan_id"]
    inspector_id = plan_id.removesuffix(f"-{MONTH}")
    assert (await client.post("/plans", json=filing, headers=inspector)).status_code == 409

    async def plans(status: str) -> list[dict[str, Any]] | None:
        r = await client.get(f"/plans?county={county}&month={MONTH}", headers=office)
        ok = r.status_code == 200 and [p["status"] for p in r.json()["items"]] == [status]
        return r.json()["items"] if ok else None

    [filed] = await eventually(lambda: plans("filed"))
    assert [f["message"] for f in filed["findings"]] == ["本月计划督导 2 次，少于规定的 4 次"]
    assert filed["rules"]["source"] == "default"
    assert filed["visits_done"]["signed_in"] == 0
    assert filed["rules_not_checked"] == []  # the listed-school rule is checked too

    # the inspector revises (a new event); nobody else may
    revision = {
        "entries": [entry(s1, 3), entry(s2, 10), entry(s3, 17), entry(s1, 24)],
        "reason": "补足每月4次",
    }
    path = f"/plans/{plan_id}/revisions"
    assert (await client.post(path, json=revision, headers=colleague)).status_code == 403
    r = await client.post(path, json=revision, headers={**inspector, "If-Match": '"1"'})
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'
    r = await client.post(path, json=revision, headers={**inspector, "If-Match": '"1"'})
    assert r.status_code == 412
    assert (
        await client.post(f"/plans/nobody-{MONTH}/revisions", json=revision, headers=inspector)
    ).status_code == 404

    # the county office acknowledges (备案确认); a neighbour may not
    ack = f"/plans/{plan_id}/acknowledgement"
    assert (await client.post(ack, json={}, headers=other)).status_code == 403
    assert (await client.post(ack, json={}, headers=inspector)).status_code == 403
    r = await client.post(ack, json={"comment": "同意备案"}, headers=office)
    assert r.status_code == 200 and r.headers["ETag"] == '"3"'
    assert (await client.post(ack, json={}, headers=office)).status_code == 409
    assert (
        await client.post(f"/plans/nobody-{MONTH}/acknowledgement", json={}, headers=office)
    ).status_code == 404

    [acknowledged] = await eventually(lambda: plans("acknowledged"))
    assert acknowledged["revision"] == 2 and acknowledged["findings"] == []
    assert acknowledged["acknowledged"]["comment"] == "同意备案"
    assert [f["message"] for f in acknowledged["done_findings"]] == [
        "本月已督导 0 次，少于规定的 4 次"
    ]

    # the county sets stricter rules; the plan is checked against them
    rules = {
        "listed_school_days_per_month": 1,
        "county_inspector_visits_per_month": 5,
        "school_visits_per_year": 1,
        "city_inspector_visits_per_county_per_month": 1,
        "city_inspector_city_direct_visits_per_month": 2,
        "reason": "本县加密督导",
    }
    assert (await client.put("/frequency-rules", json=rules, headers=inspector)).status_code == 403
    first = await client.put("/frequency-rules", json=rules, headers=office)
    assert first.status_code == 200 and first.headers["ETag"] == '"1"'
    assert (await client.put("/frequency-rules", json=rules, headers=office)).status_code == 409
    # If-Match is honoured: a stale version is 412, the current one is taken
    looser = {**rules, "city_inspector_city_direct_visits_per_month": 3}  # not this plan's
    stale = await client.put("/frequency-rules", json=looser, headers={**office, "If-Match": '"0"'})
    assert stale.status_code == 412, stale.text
    current = await client.put(
        "/frequency-rules", json=looser, headers={**office, "If-Match": '"1"'}
    )
    assert current.status_code == 200 and current.headers["ETag"] == '"2"'

    async def stricter() -> dict[str, Any] | None:
        r = await client.get(f"/plans/{plan_id}", headers=office)
        ok = r.status_code == 200 and r.json()["rules"]["county_inspector_visits_per_month"] == 5
        return r.json() if ok else None

    checked = await eventually(stricter)
    assert [f["message"] for f in checked["findings"]] == ["本月计划督导 4 次，少于规定的 5 次"]
    assert (
        (await client.get("/frequency-rules", headers=inspector))
        .json()["source"]
        .endswith(f"county:{county}")
    )

    # visits done arrive as events and are counted for the inspector
    runtime = application.state.runtime
    vid = f"{plan_id}-v1"
    await _append_visit(runtime, vid, s1, _planned(vid, s1, inspector_id, None))
    await _append_visit(
        runtime,
        vid,
        s1,
        InspectorSignedIn(
            visit_id=vid,
            inspector_id=inspector_id,
            signed_in_at=datetime(2026, 9, 2, 23, 40, tzinfo=UTC),
            location=None,
            distance_m=None,
            radius_m=500,
            flagged=True,
            flag_reason="no location",
        ),
        _closed(vid, s1, None),
    )

    async def done() -> dict[str, Any] | None:
        r = await client.get(f"/plans/{plan_id}", headers=inspector)
        ok = r.status_code == 200 and r.json()["visits_done"]["closed"] == 1
        return r.json() if ok else None

    report = await eventually(done)
    assert report["visits_done"]["days"] == [{"school_id": s1, "on": "2026-09-03"}]
    assert [f["message"] for f in report["done_findings"]] == ["本月已督导 1 次，少于规定的 5 次"]

    # who sees what
    mine = await client.get("/plans", headers=inspector)
    assert [p["plan_id"] for p in mine.json()["items"]] == [plan_id]
    assert (await client.get("/plans", headers=colleague)).json()["items"] == []
    assert (await client.get(f"/plans/{plan_id}", headers=colleague)).status_code == 403
    assert (await client.get(f"/plans/{plan_id}", headers=other)).status_code == 403
    assert (await client.get(f"/plans?county={county}", headers=other)).status_code == 403
    assert (await client.get(f"/plans/nobody-{MONTH}", headers=office)).status_code == 404
    assert (await client.get("/plans?month=2026-9", headers=office)).status_code == 422
