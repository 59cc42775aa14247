"""List filters an office works with, through HTTP on the real Kafka and FerretDB:
complaints by handling inspector, issues by notice and by escalation status.

The visits app imports a county roster (in a province and city of their own, so that
notice numbers are this test's); the issues app folds its directory. Issues are opened
directly through the issue service (the opener reactor is tested elsewhere); every step
after that goes through HTTP. Both apps have topics of their own.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from services.issues.bootstrap import create_app as issues_app
from services.issues.rectification import domain as i
from services.issues.rectification.service import issue_id_for
from services.issues.settings import IssuesSettings
from services.visits.bootstrap import create_app as visits_app
from services.visits.settings import VisitsSettings
from shared.auth import Role
from shared.commands import CommandContext
from shared.contracts.issues import IssueSource
from shared.contracts.visits import MajorKind, Severity
from shared.envelope import Actor
from tests.conftest import Infra, Mint, eventually, ok, serve
from tests.rosters import roster_xlsx, upload


@dataclass
class World:
    issues: httpx.AsyncClient
    app: FastAPI
    code: str
    mint: Mint
    today: date

    def as_user(self, user_id: str, role: Role, **deeper: str) -> dict[str, str]:
        where = {"province": self.code[:2] + "0000", "city": self.code[:4] + "00"}
        headers: dict[str, str] = self.mint(
            role, user_id=user_id, **where, county=self.code, **deeper
        )
        return headers

    @property
    def office(self) -> dict[str, str]:
        return self.as_user(f"office-{self.code}", Role.county_office)

    def inspector(self, n: int) -> dict[str, str]:
        return self.as_user(f"{self.code}-insp-{n}", Role.inspector)

    def principal(self, n: int) -> dict[str, str]:
        zone = f"{self.code}-z{1 if n <= 5 else 2}"
        return self.as_user(
            f"principal-{self.code}-{n}", Role.principal, zone=zone, school=self.school(n)
        )

    def school(self, n: int) -> str:
        return f"{self.code}-s{n}"

    async def open(self, n: int, major: bool) -> str:
        issue_id = issue_id_for("test", uuid4().hex)
        facts = await self.app.state.directory_lookup.school(self.school(n))
        cmd = i.OpenIssue(
            issue_id=issue_id,
            source=IssueSource.visit_finding,
            school_id=self.school(n),
            item_code="safety",
            item_title="校园及周边安全、学生交通安全",
            description=f"第{n}学校消防通道堵塞",
            requirement="立即清理消防通道",
            severity=Severity.major if major else Severity.general,
            major_kind=MajorKind.safety_hazard if major else None,
            deadline=self.today + timedelta(days=30),
            responsible_inspector_id=f"{self.code}-insp-1",
            visit_id="visit-1",
            finding_id=uuid4().hex,
        )
        ctx = CommandContext(Actor(user_id="svc-issues", role="system"), datetime.now(UTC), "e2e")
        assert await self.app.state.issues.open(cmd, ctx, facts.jurisdiction)
        return issue_id


@pytest.fixture
async def world(
    settings_for: Callable[..., Any], auth_header: Mint, infra: Infra
) -> AsyncIterator[World]:
    code = f"{random.randint(11, 65)}{random.randint(1, 99):02d}{random.randint(1, 99):02d}"
    topics = {"kafka_topic_prefix": f"{infra.topic_prefix}filters{uuid4().hex[:6]}."}
    province, city = code[:2] + "0000", code[:4] + "00"
    office = auth_header(Role.county_office, province=province, city=city, county=code)
    async with (
        serve(visits_app(settings_for(VisitsSettings, **topics))) as visits,
        serve(app := issues_app(settings_for(IssuesSettings, **topics))) as issues,
    ):
        r = await visits.post(
            f"/directory/imports?county={code}", files=upload(roster_xlsx(code)), headers=office
        )
        assert r.status_code == 201, r.text
        above = auth_header(Role.province_office, province=province)
        for division in (
            {"code": province, "name": "测试省", "level": "province"},
            {"code": city, "name": "测试市", "level": "city"},
            {"code": code, "name": "游仙区", "level": "county"},
        ):
            r = await visits.post("/divisions", json=division, headers=above)
            assert r.status_code == 201, r.text
        names = app.state.number_books._names
        lookup = app.state.directory_lookup
        today = i.local_day(datetime.now(UTC))

        async def folded() -> bool:
            schools = [await lookup.school(f"{code}-s{n}") for n in (1, 2, 3, 4, 10)]
            listed = await lookup.listed_inspectors(f"{code}-s4", today)
            return all(schools) and bool(listed) and await names.division_name(code) == "游仙区"

        await eventually(folded)
        yield World(issues, app, code, auth_header, today)


async def test_issues_by_notice_and_escalation(world: World) -> None:
    w, c = world, world.issues
    cases = ((1, True), (2, True), (3, False), (4, False), (1, False))
    pending, received, escalated, answered, plain = [await w.open(n, m) for n, m in cases]
    notice = {"deadline": (w.today + timedelta(days=14)).isoformat()}
    for issue_id in (pending, received):
        await ok(await c.post(f"/issues/{issue_id}/notice", json=notice, headers=w.office), 201)
    receipt = {"received_by": "王校长", "received_on": w.today.isoformat()}
    await ok(
        await c.post(f"/issues/{received}/notice/receipt", json=receipt, headers=w.principal(2)),
        201,
    )
    report = {"to_body": "区住建局", "report": "需区住建局统筹解决"}
    await ok(await c.post(f"/issues/{escalated}/escalation", json=report, headers=w.principal(3)))
    await ok(await c.post(f"/issues/{answered}/escalation", json=report, headers=w.principal(4)))
    await ok(
        await c.post(
            f"/issues/{answered}/escalation/answer",
            json={"answered_by": "区住建局", "answer": "已安排维修"},
            headers=w.office,
        )
    )

    async def listed(headers: dict[str, str] | None = None, **params: str) -> set[str]:
        r = await c.get("/issues", params=params, headers=headers or w.office)
        body = await ok(r)
        return {doc["issue_id"] for doc in body["items"]}

    async def settled() -> bool:
        return await listed(escalation="answered") == {answered} and await listed(
            notice="received"
        ) == {received}

    await eventually(settled)
    assert await listed(notice="issued") == {pending, received}
    assert await listed(notice="receipt_pending") == {pending}
    assert await listed(notice="none") == {escalated, answered, plain}
    assert await listed(escalation="open") == {escalated}
    assert await listed(escalation="escalated") == {escalated}
    assert await listed(escalation="none") == {pending, received, plain}
    assert await listed(notice="none", escalation="none") == {plain}
    assert await listed(notice="issued", escalation="open") == set()
    # the one scoping mechanism still narrows: school 1's principal sees school 1 only
    assert await listed(w.principal(1), notice="issued") == {pending}
    assert await listed(w.principal(1), escalation="open") == set()
    r = await c.get("/issues", params={"notice": "sent"}, headers=w.office)
    assert r.status_code == 422 and "notice" in r.text
    r = await c.get("/issues", params={"escalation": "maybe"}, headers=w.office)
    assert r.status_code == 422 and "escalation" in r.text


async def test_complaints_by_handling_inspector(world: World) -> None:
    w, c = world, world.issues

    def form(n: int) -> dict[str, Any]:
        return {
            "school_id": w.school(n),
            "category": "learning_load",
            "subject": "作业过多",
            "content": "每天书面作业超过两个小时，孩子经常写到晚上十点以后。",
            "channel": "phone",
            "anonymous": True,
        }

    at_1, at_4, at_10 = [
        (await ok(await c.post("/complaints", json=form(n), headers=w.office), 201))["complaint_id"]
        for n in (1, 4, 10)
    ]  # routed to inspector 1, inspector 2, and (school 10 is unlisted) the office
    await ok(await c.post(f"/complaints/{at_4}/accept", json={}, headers=w.inspector(2)))

    async def handled(by: str, headers: dict[str, str] | None = None, **more: str) -> set[str]:
        params = {"handler_id": f"{w.code}-insp-{by}", **more}
        found = await ok(await c.get("/complaints", params=params, headers=headers or w.office))
        return {d["complaint_id"] for d in found["items"]}

    async def accepted() -> bool:
        return await handled("2", status="accepted") == {at_4}

    await eventually(accepted)
    assert await handled("1") == {at_1}  # routed to inspector 1, not yet accepted
    assert await handled("2") == {at_4}  # accepted by inspector 2
    assert await handled("3") == set()
    assert await handled("2", answer_overdue="false") == {at_4}  # both filters apply
    # the school never learns who handles a case: not even by a filter's count
    r = await c.get(
        "/complaints", params={"handler_id": f"{w.code}-insp-1"}, headers=w.principal(4)
    )
    assert r.status_code == 403, r.text
    everyone = await ok(await c.get("/complaints", headers=w.office))
    assert {d["complaint_id"] for d in everyone["items"]} == {at_1, at_4, at_10}
    assert everyone["total"] == 3 and everyone["offset"] == 0
    last = await ok(await c.get("/complaints", params={"limit": 2, "offset": 2}, headers=w.office))
    assert last["total"] == 3 and len(last["items"]) == 1  # filters before paging
    old = await ok(await c.get("/complaints", params={"limit": 2, "skip": 2}, headers=w.office))
    assert old == last  # ``skip``: the old name of ``offset``, for one release
    r = await c.get("/complaints", params={"handler_id": "bad id!"}, headers=w.office)
    assert r.status_code == 422 and "handler_id" in r.text
