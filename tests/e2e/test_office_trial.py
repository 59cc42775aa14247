"""Issue 16: what an office, inspectors and a principal tripped on, through HTTP.

The visits and issues services run side by side on the real Kafka and FerretDB, each
with a county of its own (imported roster). Each test is one defect of the issue:

1. a disputed feedback list is signed by the principal once the dispute is resolved,
   and its issues open on that signature, once each;
3. a past deadline is refused everywhere (422 naming the field); a verification names a
   visit of that school or is refused (422);
5. a visit, and a campaign visit, can be planned right after the roster import, even
   with the read models stopped (the checks read the event store).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.issues.rectification.domain import CHINA
from services.visits.bootstrap import create_app as visits_app
from services.visits.settings import VisitsSettings
from shared.projection import ReadModels
from tests.conftest import Mint, eventually, ok, serve
from tests.factories import new_county
from tests.platforms import imported_county
from tests.rosters import roster_xlsx, upload
from tests.visit_driver import DAY, Platform, issues_of, problem


@dataclass
class Both(Platform):
    issues: httpx.AsyncClient
    issues_app: Any


@pytest.fixture
async def both(settings_for: Callable[..., Any], auth_header: Mint) -> AsyncIterator[Both]:
    async with imported_county(settings_for, auth_header) as (code, visits, issues, app):
        yield Both(visits, code, auth_header, issues, app)


def today() -> date:
    return datetime.now(CHINA).date()


def field(r: httpx.Response) -> str:
    assert r.status_code == 422, r.text
    found: str = r.json()["errors"][0]["field"]
    return found


async def plan(p: Platform, school: int, inspector: int, **extra: Any) -> str:
    body = {"school_id": p.school(school), "planned_on": DAY.isoformat(), "purpose": "随访督导"}
    r = await p.visits.post("/visits", json={**body, **extra}, headers=p.inspector(inspector))
    visit_id: str = (await ok(r, 201))["visit_id"]
    return visit_id


async def on_site_with(p: Platform, school: int, problems: list[dict[str, Any]]) -> str:
    """A visit by inspector 1 with the problems recorded and the feedback list issued."""
    insp = p.inspector(1)
    vid = await plan(p, school, 1)
    await ok(await p.visits.post(f"/visits/{vid}/sign-in", json={}, headers=insp))
    for body in problems:
        await ok(await p.visits.post(f"/visits/{vid}/findings", json=body, headers=insp), 201)
    await ok(
        await p.visits.post(f"/visits/{vid}/feedback", json={"summary": "见清单"}, headers=insp)
    )
    return vid


# -- defect 1 ---------------------------------------------------------------------


async def test_a_disputed_list_is_signed_after_resolution_and_opens_its_issues_once(
    both: Both,
) -> None:
    p, insp, principal = both, both.inspector(1), both.principal(1)
    amended = (today() + timedelta(days=45)).isoformat()
    vid = await on_site_with(
        p,
        1,
        [
            problem("learning_load", "三年级书面作业超时", deadline=amended),
            problem("canteen_hygiene", "食堂留样记录不全", deadline=amended),
            problem("safety", "围墙一处破损", deadline=amended),
        ],
    )
    dispute = {
        "points": [{"point_no": 2, "reason": "留样记录已补齐"}, {"point_no": 3, "reason": "已修"}]
    }
    await ok(await p.visits.post(f"/visits/{vid}/disputes", json=dispute, headers=principal))
    later = (today() + timedelta(days=60)).isoformat()
    resolution = {
        "resolutions": [
            {"point_no": 2, "outcome": "amended", "note": "延长期限", "deadline": later},
            {"point_no": 3, "outcome": "withdrawn", "note": "现场核实已修复"},
        ]
    }
    await ok(
        await p.visits.post(f"/visits/{vid}/dispute-resolution", json=resolution, headers=insp)
    )
    early = await p.visits.post(f"/visits/{vid}/close", json={"summary": "办结"}, headers=insp)
    assert early.status_code == 409, early.text  # not signed yet

    # the principal signs the resolved list (this answered 409 before)
    signed = await p.visits.post(
        f"/visits/{vid}/acknowledgement", json={"signer_name": "王校长"}, headers=principal
    )
    assert signed.status_code == 200, signed.text
    again = await p.visits.post(
        f"/visits/{vid}/acknowledgement", json={"signer_name": "王校长"}, headers=principal
    )
    assert again.status_code == 409
    await ok(await p.visits.post(f"/visits/{vid}/close", json={"summary": "办结"}, headers=insp))

    timeline = await ok(await p.visits.get(f"/visits/{vid}/timeline", headers=p.office))
    ack = next(e for e in timeline if e["type"].endswith(".feedback_acknowledged"))
    assert [pr["deadline"] for pr in ack["payload"]["problems"]] == [amended, later]

    # two issues (the withdrawn point opens none), each opened once, by the signature
    found = await issues_of(p.issues, p.office, vid, 2)
    assert sorted(doc["deadline"] for doc in found) == [amended, later]
    for doc in found:
        history = await ok(
            await p.issues.get(f"/issues/{doc['issue_id']}/timeline", headers=p.office)
        )
        assert history["cause"]["caused_by_event"] == ack["event_id"]
        assert [e["version"] for e in history["events"]] == [1]


# -- defect 3 ---------------------------------------------------------------------


async def test_past_deadlines_are_refused_on_findings_disputes_and_issues(both: Both) -> None:
    p, insp = both, both.inspector(1)
    yesterday = (today() - timedelta(days=1)).isoformat()
    vid = await plan(p, 2, 1)
    await ok(await p.visits.post(f"/visits/{vid}/sign-in", json={}, headers=insp))
    past = problem("learning_load", "作业量偏大", deadline=yesterday)
    r = await p.visits.post(f"/visits/{vid}/findings", json=past, headers=insp)
    assert field(r) == "body.proposed_deadline"  # 201 before
    assert "早于今天" in str(r.json())
    fine = problem("learning_load", "作业量偏大", deadline=today().isoformat())
    finding = await ok(await p.visits.post(f"/visits/{vid}/findings", json=fine, headers=insp), 201)
    correction = {"reason": "改期限", "proposed_deadline": yesterday}
    r = await p.visits.patch(
        f"/visits/{vid}/findings/{finding['finding_id']}", json=correction, headers=insp
    )
    assert field(r) == "body.proposed_deadline"
    await ok(
        await p.visits.post(f"/visits/{vid}/feedback", json={"summary": "见清单"}, headers=insp)
    )
    dispute = {"points": [{"point_no": 1, "reason": "期限太短"}]}
    await ok(await p.visits.post(f"/visits/{vid}/disputes", json=dispute, headers=p.principal(2)))
    amend = {
        "resolutions": [
            {"point_no": 1, "outcome": "amended", "note": "改期", "deadline": yesterday}
        ]
    }
    r = await p.visits.post(f"/visits/{vid}/dispute-resolution", json=amend, headers=insp)
    assert field(r) == "body.resolutions.0.deadline"
    amend["resolutions"][0]["deadline"] = (today() + timedelta(days=7)).isoformat()
    await ok(await p.visits.post(f"/visits/{vid}/dispute-resolution", json=amend, headers=insp))
    await ok(
        await p.visits.post(
            f"/visits/{vid}/acknowledgement", json={"signer_name": "李校长"}, headers=p.principal(2)
        )
    )
    [issue] = await issues_of(p.issues, p.office, vid, 1)
    ext = {"new_deadline": yesterday, "reason": "需要更多时间"}
    r = await p.issues.post(
        f"/issues/{issue['issue_id']}/extension", json=ext, headers=p.principal(2)
    )
    assert field(r) == "body.new_deadline"


async def test_a_verification_names_a_visit_of_that_school(both: Both) -> None:
    p, insp, principal = both, both.inspector(1), both.principal(1)
    vid = await on_site_with(p, 1, [problem("learning_load", "作业量偏大")])
    await ok(
        await p.visits.post(
            f"/visits/{vid}/acknowledgement", json={"signer_name": "王校长"}, headers=principal
        )
    )
    [issue] = await issues_of(p.issues, p.office, vid, 1)
    iid = issue["issue_id"]
    step = {"description": "压减作业量", "owner": "教务处", "due_on": today().isoformat()}
    await ok(await p.issues.post(f"/issues/{iid}/plan", json={"steps": [step]}, headers=principal))
    await ok(
        await p.issues.post(f"/issues/{iid}/progress", json={"note": "已压减"}, headers=principal)
    )
    await ok(
        await p.issues.post(
            f"/issues/{iid}/submission", json={"note": "申请验收"}, headers=principal
        )
    )
    revisit = await plan(p, 1, 1)
    elsewhere = await plan(p, 4, 2)  # a visit of another school
    origins = await ReadModels(p.issues_app.state.runtime.db, "issues_visit_origins").collection(
        "visits"
    )

    async def arrived() -> bool:  # both visits have reached the issues service
        return await origins.count_documents({"_id": {"$in": [revisit, elsewhere]}}) == 2

    await eventually(arrived)
    for visit_id, words in (("nope-visit", "不存在"), (elsewhere, "不是对学校")):
        r = await p.issues.post(
            f"/issues/{iid}/verification",
            json={"note": "回访核实", "visit_id": visit_id},
            headers=insp,
        )
        assert field(r) == "body.visit_id" and words in r.json()["message"], r.text
        r = await p.issues.post(
            f"/issues/{iid}/rejection",
            json={"reason": "未达标", "visit_id": visit_id},
            headers=insp,
        )
        assert field(r) == "body.visit_id"
    body = {"note": "回访核实", "visit_id": revisit}
    await ok(await p.issues.post(f"/issues/{iid}/verification", json=body, headers=insp))

    # a complaint's verification too
    complaint = {
        "school_id": p.school(1),
        "channel": "phone",
        "category": "learning_load",
        "subject": "作业过多",
        "content": "三年级每天书面作业超过两个小时，孩子写到很晚。",
        "anonymous": True,
    }
    taken = await ok(await p.issues.post("/complaints", json=complaint, headers=p.office), 201)
    cid = taken["complaint_id"]
    await ok(
        await p.issues.post(f"/complaints/{cid}/accept", json={"note": "受理"}, headers=p.office)
    )
    for visit_id in ("nope-visit", elsewhere):
        verify = {"outcome": "substantiated", "findings": "随堂抽查，属实", "visit_id": visit_id}
        r = await p.issues.post(f"/complaints/{cid}/verify", json=verify, headers=p.office)
        assert field(r) == "body.visit_id"  # 200 before
    verify = {"outcome": "substantiated", "findings": "随堂抽查，属实", "visit_id": revisit}
    await ok(await p.issues.post(f"/complaints/{cid}/verify", json=verify, headers=p.office))


# -- defect 5 ---------------------------------------------------------------------


async def test_a_visit_is_planned_right_after_the_import_with_read_models_stopped(
    settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    code = new_county()
    async with serve(app := visits_app(settings_for(VisitsSettings))) as visits:
        p = Platform(visits, code, auth_header)
        projections = app.state.runtime.projections
        for name in ("visits_directory", "visits_campaigns"):
            await projections[name].stop()  # the read models stand still from here on
        r = await visits.post(
            f"/directory/imports?county={code}", files=upload(roster_xlsx(code)), headers=p.office
        )
        assert r.status_code == 201, r.text
        # the listed inspector plans at once (403 before: not listed, per the read model)
        await plan(p, 1, 1)
        campaign = {
            "campaign_id": f"{code}-food",
            "theme": "food_safety",
            "title": "食品安全专项督导",
            "checklist_id": "routine",
            "checklist_version": 1,
            "starts_on": "2026-11-01",
            "ends_on": "2026-11-30",
            "zone_ids": [],
            "school_ids": [p.school(2)],
        }
        await ok(await visits.post("/campaigns", json=campaign, headers=p.office), 201)
        # a campaign visit at once (422 before: unknown campaign, per the read model)
        await plan(p, 2, 1, kind="special", campaign_id=f"{code}-food")
        r = await visits.post(
            "/visits",
            json={
                "school_id": p.school(3),
                "planned_on": DAY.isoformat(),
                "purpose": "专项督导",
                "kind": "special",
                "campaign_id": f"{code}-food",
            },
            headers=p.inspector(1),
        )
        assert field(r) == "body.school_id"  # still checked: school 3 is not targeted
