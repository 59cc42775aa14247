"""Reading one's own writes through HTTP, on the real Kafka and MongoDB-wire server.

A command answers the version it wrote; the single-resource GET of its read model with
``?min_version=`` that version answers at once with a body at least that version (no
polling by the client): a school, a visit, a campaign, a plan, a checklist (visits), an
issue and a self-inspection report (issues). ``min_version`` out of bounds is 422 naming
it; an unknown id is still 404.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from services.issues.bootstrap import create_app as create_issues
from services.issues.settings import IssuesSettings
from services.visits.bootstrap import create_app as create_visits
from services.visits.settings import VisitsSettings
from tests.conftest import Mint, eventually, ok, serve
from tests.factories import new_county, school_body
from tests.fakes import Clock
from tests.rosters import roster_xlsx, upload
from tests.visit_driver import DAY, Platform, acknowledged_visit, issues_of, problem


async def read_own_write(
    client: httpx.AsyncClient, path: str, written: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    """GET ``path`` at the version the command answered: 200 with that version or later."""
    wanted = written["version"]
    r = await client.get(path, params={"min_version": wanted}, headers=headers)
    assert r.status_code == 200, (path, r.text)
    body: dict[str, Any] = r.json()
    assert body["version"] >= wanted, (path, body["version"], wanted)
    assert int(r.headers["ETag"].strip('"')) == body["version"]
    return body


async def test_a_get_with_min_version_shows_the_write_it_names(
    settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    issues_app = create_issues(settings_for(IssuesSettings))
    async with (
        serve(create_visits(settings_for(VisitsSettings))) as visits,
        serve(issues_app) as issues,
    ):
        p = Platform(visits, new_county(), auth_header)
        imported = await visits.post(
            f"/directory/imports?county={p.code}",
            files=upload(roster_xlsx(p.code)),
            headers=p.office,
        )
        assert imported.status_code == 201, imported.text

        async def directory_arrived() -> bool:
            return await issues_app.state.directory_lookup.school(p.school(1)) is not None

        await eventually(directory_arrived)

        # visits: a new school, then its next version
        school_id = f"{p.code}-s11"
        body = school_body(school_id, p.code, "primary")
        registered = await ok(await visits.post("/schools", json=body, headers=p.office), 201)
        school = await read_own_write(visits, f"/schools/{school_id}", registered, p.office)
        assert school["school_id"] == school_id
        moved = await ok(
            await visits.post(
                f"/schools/{school_id}/zone",
                json={"zone_id": p.zone(1), "reason": "划入第一责任区"},
                headers=p.office,
            )
        )
        assert moved["version"] > registered["version"]
        school = await read_own_write(visits, f"/schools/{school_id}", moved, p.office)
        assert school["zone_id"] == p.zone(1)

        # a visit planned and signed in
        insp = p.inspector(1)
        plan = {"school_id": p.school(1), "planned_on": DAY.isoformat(), "purpose": "随访督导"}
        planned = await ok(await visits.post("/visits", json=plan, headers=insp), 201)
        vid = planned["visit_id"]
        await read_own_write(visits, f"/visits/{vid}", planned, insp)
        signed = await ok(await visits.post(f"/visits/{vid}/sign-in", json={}, headers=insp))
        visit = await read_own_write(visits, f"/visits/{vid}", signed, insp)
        assert visit["stage"] == "on_site"

        # a campaign, a monthly plan
        campaign = {
            "campaign_id": f"{p.code}-food",
            "theme": "food_safety",
            "title": "秋季学期食品安全专项督导",
            "checklist_id": "routine",
            "checklist_version": 1,
            "starts_on": "2026-11-01",
            "ends_on": "2026-11-30",
            "zone_ids": [p.zone(1)],
        }
        issued = await ok(await visits.post("/campaigns", json=campaign, headers=p.office), 201)
        await read_own_write(visits, f"/campaigns/{p.code}-food", issued, p.office)
        entries = [{"school_id": p.school(2), "planned_on": "2026-11-20", "kind": "routine"}]
        filing = {"month": "2026-11", "entries": entries, "note": "十一月计划"}
        filed = await ok(await visits.post("/plans", json=filing, headers=insp), 201)
        plan_doc = await read_own_write(visits, f"/plans/{filed['plan_id']}", filed, insp)
        assert plan_doc["status"] == "filed"

        # issues: an issue opened by the visit, its plan submitted
        vid, _ = await acknowledged_visit(p, 3, 1, [problem("canteen_hygiene", "留样记录不全")])
        [opened] = await issues_of(issues, p.office, vid, 1)
        steps = [{"description": "补齐留样记录", "owner": "总务处", "due_on": "2026-12-20"}]
        submitted = await ok(
            await issues.post(
                f"/issues/{opened['issue_id']}/plan",
                json={"steps": steps, "timetable": False},
                headers=p.principal(3),
            )
        )
        issue = await read_own_write(issues, f"/issues/{opened['issue_id']}", submitted, p.office)
        assert issue["plan"] is not None

        # a self-inspection report (filed in December for November)
        issues_app.state.runtime.clock = Clock(datetime(2026, 12, 3, 2, 0, tzinfo=UTC))
        report = {
            "school_id": p.school(1),
            "month": "2026-11",
            "problems": [
                {
                    "item_code": "safety",
                    "description": "教学楼消防栓压力不足",
                    "measures": "已制定整改措施，落实到人",
                    "planned_completion_on": "2026-12-20",
                    "safety_hazard": True,
                }
            ],
            "note": "本月自查一项问题",
        }
        reported = await ok(
            await issues.post("/self-inspections", json=report, headers=p.principal(1)), 201
        )
        path = f"/self-inspections/{reported['report_id']}"
        await read_own_write(issues, path, reported, p.principal(1))

        # bounds and unknown ids
        for bad in ("0", "-1", "1000000000"):
            r = await visits.get(f"/visits/{vid}", params={"min_version": bad}, headers=insp)
            assert r.status_code == 422, r.text
            assert [e["field"] for e in r.json()["errors"]] == ["query.min_version"]
        r = await visits.get("/visits/nope", params={"min_version": 1}, headers=p.office)
        assert r.status_code == 404
        r = await issues.get("/issues/nope", params={"min_version": 1}, headers=p.office)
        assert r.status_code == 404
