"""Authorization holes of issue 9, through HTTP on the real Kafka and MongoDB-wire server.

Two counties, each with the standard roster (2 zones, 10 schools, 3 inspectors):
a command may name only ids of the caller's own jurisdiction (403 otherwise, 404/422
for unknown ids), checked before the state machine (no 409 for another county's id); a
token without a role reads nothing; the overdue sweep is the operators'; one zone rule
for reads (zones never narrow a read).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from services.issues.bootstrap import create_app as issues_app
from services.issues.settings import IssuesSettings
from services.visits.bootstrap import create_app as visits_app
from services.visits.settings import VisitsSettings
from shared.auth import Role
from tests.conftest import Mint, eventually, ok, serve
from tests.factories import CITY, PROVINCE, new_county, school_body
from tests.rosters import roster_xlsx, upload
from tests.visit_driver import DAY, Platform, acknowledged_visit, problem

CAMPAIGN = {
    "theme": "food_safety",
    "title": "秋季学期食品安全专项督导",
    "checklist_id": "routine",
    "checklist_version": 1,
    "starts_on": "2026-11-01",
    "ends_on": "2026-11-30",
}


@dataclass
class Two:
    a: Platform
    b: Platform
    issues: httpx.AsyncClient
    mint: Mint


@pytest.fixture
async def two(settings_for: Callable[..., Any], auth_header: Mint) -> AsyncIterator[Two]:
    async with AsyncExitStack() as stack:
        visits = await stack.enter_async_context(serve(visits_app(settings_for(VisitsSettings))))
        app = issues_app(settings_for(IssuesSettings, overdue_sweep_seconds=3600))
        issues = await stack.enter_async_context(serve(app))
        a, b = (Platform(visits, new_county(), auth_header) for _ in range(2))
        for county in (a, b):
            r = await visits.post(
                f"/directory/imports?county={county.code}",
                files=upload(roster_xlsx(county.code)),
                headers=county.office,
            )
            assert r.status_code == 201, r.text

        async def directory_arrived() -> bool:
            return await app.state.directory_lookup.school(a.school(1)) is not None

        await eventually(directory_arrived)
        yield Two(a, b, issues, auth_header)


async def _campaign(p: Platform, campaign_id: str) -> None:
    body = {**CAMPAIGN, "campaign_id": campaign_id, "zone_ids": [p.zone(1)]}
    await ok(await p.visits.post("/campaigns", json=body, headers=p.office), 201)

    async def projected() -> bool:
        r = await p.visits.get(f"/campaigns/{campaign_id}", headers=p.office)
        return r.status_code == 200

    await eventually(projected)


async def test_a_campaign_targets_only_existing_zones_of_its_own_county(two: Two) -> None:
    a, b = two.a, two.b
    r = await a.visits.post(
        "/campaigns", json={**CAMPAIGN, "zone_ids": [b.zone(1)]}, headers=a.office
    )
    assert r.status_code == 403, r.text
    r = await a.visits.post(
        "/campaigns", json={**CAMPAIGN, "zone_ids": ["ghost-zone"]}, headers=a.office
    )
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["body.zone_ids.0"]

    cid = f"c-{a.code}-food"
    await _campaign(a, cid)
    amend = {"reason": "扩大范围", "zone_ids": [a.zone(1), b.zone(2)]}
    r = await a.visits.post(f"/campaigns/{cid}/amend", json=amend, headers=a.office)
    assert r.status_code == 403, r.text

    # a visit under a campaign lies inside the campaign's office
    special = {"kind": "special", "planned_on": DAY.isoformat(), "purpose": "食品安全专项督导"}
    theirs = {**special, "school_id": b.school(1), "campaign_id": cid}
    r = await b.visits.post("/visits", json=theirs, headers=b.inspector(1))
    assert r.status_code == 403, r.text
    mine = {**special, "school_id": a.school(1), "campaign_id": cid}
    await ok(await a.visits.post("/visits", json=mine, headers=a.inspector(1)), 201)
    r = await b.visits.get(f"/campaigns/{cid}/progress", headers=b.office)
    assert r.status_code == 403


async def test_a_visit_under_a_closed_campaign_is_409_not_unknown(two: Two) -> None:
    a = two.a
    cid = f"c-{a.code}-closed"
    await _campaign(a, cid)
    special = {"kind": "special", "planned_on": DAY.isoformat(), "purpose": "食品安全专项督导"}
    plan = {**special, "school_id": a.school(1), "campaign_id": cid}
    await ok(await a.visits.post(f"/campaigns/{cid}/close", json={}, headers=a.office))
    r = await a.visits.post("/visits", json=plan, headers=a.inspector(1))
    assert r.status_code == 409 and "已结束" in r.json()["message"], r.text  # was 422 不存在
    ghost = {**plan, "campaign_id": f"c-{a.code}-ghost"}
    r = await a.visits.post("/visits", json=ghost, headers=a.inspector(1))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.campaign_id"


async def test_a_page_of_visits_is_full_while_visible_visits_remain(two: Two) -> None:
    """The school does not see unannounced visits before the inspectors arrive; a page
    is cut after that rule, so hidden visits never leave the school's page short."""
    a = two.a
    later = (DAY + timedelta(days=1)).isoformat()
    plan = {"school_id": a.school(1), "purpose": "随访督导"}
    for announced, day in ((False, later), (False, later), (True, DAY.isoformat())):
        body = {**plan, "planned_on": day, "announced": announced}
        await ok(await a.visits.post("/visits", json=body, headers=a.inspector(1)), 201)

    async def all_projected() -> bool:
        r = await a.visits.get(f"/visits?school_id={a.school(1)}", headers=a.office)
        return r.status_code == 200 and r.json()["total"] == 3

    await eventually(all_projected)
    r = await a.visits.get("/visits?limit=1", headers=a.principal(1))
    assert r.status_code == 200, r.text
    shown = [(v["announced"], v["planned_on"]) for v in r.json()["items"]]
    assert shown == [(True, DAY.isoformat())] and r.json()["total"] == 1
    for old_or_new in ("skip", "offset"):
        r = await a.visits.get(f"/visits?limit=1&{old_or_new}=1", headers=a.principal(1))
        assert r.json() == {"total": 1, "offset": 1, "limit": 1, "items": []}
    r = await a.visits.get("/visits?limit=2", headers=a.office)
    assert [v["planned_on"] for v in r.json()["items"]] == [later, later]


async def test_another_countys_ids_are_403_before_any_state_check(two: Two) -> None:
    a, b = two.a, two.b
    cid = f"c-{b.code}-safety"
    await _campaign(b, cid)
    taken = {**CAMPAIGN, "campaign_id": cid, "zone_ids": [a.zone(1)]}
    r = await a.visits.post("/campaigns", json=taken, headers=a.office)
    assert r.status_code == 403, r.text  # was 409 已下达: told that the id exists
    r = await a.visits.post(f"/campaigns/{cid}/close", json={}, headers=a.office)
    assert r.status_code == 403
    entry = {"school_id": a.school(1), "planned_on": DAY.isoformat(), "kind": "special"}
    filing = {"month": DAY.isoformat()[:7], "entries": [{**entry, "campaign_id": cid}]}
    r = await a.visits.post("/plans", json=filing, headers=a.inspector(1))
    assert r.status_code == 403, r.text  # a monthly plan under another county's campaign

    vid = f"v-{b.code}-1"
    plan = {"planned_on": DAY.isoformat(), "purpose": "随访督导", "visit_id": vid}
    theirs = {**plan, "school_id": b.school(1)}
    await ok(await b.visits.post("/visits", json=theirs, headers=b.inspector(1)), 201)
    mine = {**plan, "school_id": a.school(1)}
    r = await a.visits.post("/visits", json=mine, headers=a.inspector(1))
    assert r.status_code == 403, r.text  # was 409 已存在

    school = school_body(f"{a.code}-s77", a.code, zone_id=b.zone(1))
    r = await a.visits.post("/schools", json=school, headers=a.office)
    assert r.status_code == 403, r.text  # a school placed in another county's zone
    r = await a.visits.post("/schools", json={**school, "zone_id": "ghost"}, headers=a.office)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["body.zone_id"]
    taken = school_body(b.school(1), a.code)
    r = await a.visits.post("/schools", json=taken, headers=a.office)
    assert r.status_code == 403, r.text  # was 409 已登记
    listing = {"school_id": a.school(10), "inspector_id": b.inspector_id(1)}
    listing["starts_on"] = "2026-11-01"
    r = await a.visits.post("/listings", json=listing, headers=a.office)
    assert r.status_code == 403, r.text  # was 409 "belongs to another county"
    zone = {"zone_id": f"{a.code}-z9", "name": "第九责任区", "province": PROVINCE, "city": CITY}
    led = {**zone, "county": a.code, "leader_id": b.inspector_id(1)}
    r = await a.visits.post("/zones", json=led, headers=a.office)
    assert r.status_code == 403, r.text  # was 409 "the leader belongs to another county"
    move = {"zone_id": b.zone(1), "reason": "调整责任区"}
    r = await a.visits.post(f"/schools/{a.school(1)}/zone", json=move, headers=a.office)
    assert r.status_code == 403, r.text  # was 409 "the zone is elsewhere"

    team = {**plan, "visit_id": None, "school_id": a.school(1), "team": [b.inspector_id(1)]}
    r = await a.visits.post("/visits", json=team, headers=a.office)
    assert r.status_code == 403, r.text  # another county's inspector on the team


async def test_a_visit_names_only_a_filed_plan_of_its_own_team(two: Two) -> None:
    a, b = two.a, two.b
    month = DAY.isoformat()[:7]
    entry = {"school_id": b.school(1), "planned_on": DAY.isoformat(), "kind": "routine"}
    filing = {"month": month, "entries": [entry], "note": "本月计划"}
    filed = await ok(await b.visits.post("/plans", json=filing, headers=b.inspector(1)), 201)
    plan = {"planned_on": DAY.isoformat(), "purpose": "随访督导", "school_id": a.school(1)}
    theirs = {**plan, "plan_id": filed["plan_id"]}
    r = await a.visits.post("/visits", json=theirs, headers=a.inspector(1))
    assert r.status_code == 403, r.text
    r = await a.visits.post("/visits", json={**plan, "plan_id": "ghost"}, headers=a.inspector(1))
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["body.plan_id"]
    own = {**plan, "school_id": b.school(1), "plan_id": filed["plan_id"]}
    await ok(await b.visits.post("/visits", json=own, headers=b.inspector(1)), 201)


async def test_a_token_without_a_role_reads_nothing(two: Two) -> None:
    a = two.a
    nobody = two.mint(province=PROVINCE, city=CITY, county=a.code)
    for client, path in (
        (a.visits, "/schools"),
        (a.visits, f"/schools/{a.school(1)}"),
        (a.visits, "/visits"),
        (two.issues, "/issues"),
        (two.issues, "/hazards"),
        (two.issues, "/complaints"),
    ):
        r = await client.get(path, headers=nobody)
        assert r.status_code == 403, (path, r.text)
    assert (await a.visits.get("/schools", headers=a.office)).status_code == 200


async def test_the_overdue_sweep_is_for_platform_operators_only(two: Two) -> None:
    r = await two.issues.post("/admin/overdue-sweep", headers=two.a.office)
    assert r.status_code == 403, r.text
    admin = two.mint(Role.admin, province=PROVINCE)
    await ok(await two.issues.post("/admin/overdue-sweep", headers=admin))


async def test_zones_never_narrow_a_read(two: Two) -> None:
    a = two.a
    vid, _ = await acknowledged_visit(a, 1, 1, [problem("canteen_hygiene", "留样记录不全")])

    async def opened() -> list[dict[str, Any]] | None:
        r = await two.issues.get(f"/issues?visit_id={vid}", headers=a.office)
        items: list[dict[str, Any]] = r.json()["items"] if r.status_code == 200 else []
        return items or None

    issue_id = (await eventually(opened))[0]["issue_id"]
    other_zone = a.as_user(a.inspector_id(3), Role.inspector, zone=a.zone(6))
    for client, path in (
        (two.issues, f"/issues/{issue_id}"),
        (two.issues, f"/issues/{issue_id}/timeline"),
        (a.visits, f"/visits/{vid}"),
        (a.visits, f"/visits/{vid}/timeline"),
    ):
        r = await client.get(path, headers=other_zone)
        assert r.status_code == 200, (path, r.text)
    listed = await ok(await two.issues.get(f"/issues?visit_id={vid}", headers=other_zone))
    assert [i["issue_id"] for i in listed["items"]] == [issue_id]
    r = await a.visits.get(f"/visits?school_id={a.school(1)}", headers=other_zone)
    assert [v["visit_id"] for v in r.json()["items"]] == [vid]
    # reading is not acting: a role that may not record a receipt is 403 before any fact
    receipt = {"received_by": "李主任", "received_on": DAY.isoformat()}
    path = f"/issues/{issue_id}/notice/receipt"
    r = await two.issues.post(path, json=receipt, headers=other_zone)
    assert r.status_code == 403, r.text  # was 404: "no notice yet"
    # a principal stays on their school; another county stays out
    r = await two.issues.get(f"/issues/{issue_id}", headers=a.principal(2))
    assert r.status_code == 403
    r = await two.issues.get(f"/issues/{issue_id}", headers=two.b.office)
    assert r.status_code == 403
