"""Complaints (举报投诉) end to end through HTTP, against the real Kafka and MongoDB-wire server.

The visits service imports a county roster (its directory events reach the issues
service's own directory copy through Kafka). A parent scans the plate's QR code and
complains about school 1: the complaint is routed to the inspector listed there, who
accepts, verifies it as substantiated, opens the linked rectification issue, answers
and closes it; the parent follows it with the tracking number and query code. The
contact is seen by the handler only. A phone complaint about the unlisted school 10
goes to the county office, flagged, and turns overdue when the clock moves on.
Bad input, unknown ids, the rate limit and the 403s are checked on the way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.issues.bootstrap import create_app as create_issues
from services.issues.complaints.service import CONTACTS
from services.issues.rectification.service import issue_id_for
from services.issues.settings import IssuesSettings
from services.visits.bootstrap import create_app as create_visits
from services.visits.settings import VisitsSettings
from shared.auth import Role
from shared.contracts.issues import IssueSource
from tests.conftest import Infra, Mint, eventually, ok, serve
from tests.factories import CITY, PROVINCE, new_county
from tests.rosters import roster_xlsx, upload

DAY = date(2026, 11, 16)  # the roster's listings start on 2026-09-01


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # 10:00 in China

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    app: FastAPI
    client: httpx.AsyncClient
    clock: Clock
    code: str
    mint: Mint

    def as_user(self, user_id: str, *roles: Role, **where: str) -> dict[str, str]:
        place = {"province": PROVINCE, "city": CITY, "county": self.code, **where}
        headers: dict[str, str] = self.mint(*roles, user_id=user_id, **place)
        return headers

    def inspector(self, n: int) -> dict[str, str]:
        return self.as_user(f"{self.code}-insp-{n}", Role.inspector)

    @property
    def office(self) -> dict[str, str]:
        return self.as_user(f"office-{self.code}", Role.county_office)

    def principal(self, school: int) -> dict[str, str]:
        return self.as_user(
            f"principal-{self.code}-{school}",
            Role.principal,
            zone=f"{self.code}-z{1 if school <= 5 else 2}",
            school=self.school(school),
        )

    def school(self, n: int) -> str:
        return f"{self.code}-s{n}"

    @asynccontextmanager
    async def public(self, ip: str) -> AsyncIterator[httpx.AsyncClient]:
        """A client without a token, from its own IP address (the limit is per IP)."""
        transport = httpx.ASGITransport(app=self.app, client=(ip, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            yield client


@pytest.fixture
async def world(
    settings_for: Callable[..., Any], auth_header: Mint, infra: Infra
) -> AsyncIterator[World]:
    code = new_county()
    # Topics of their own: the linked issue must not reach other tests' issue read models
    # (their overdue sweeps would find an issue their event store does not hold).
    topics = {"kafka_topic_prefix": f"{infra.topic_prefix}complaints."}
    office = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=code)
    clock = Clock()
    issues = create_issues(
        settings_for(
            IssuesSettings,
            complaint_answer_days=15,
            complaint_rate_burst=6,
            complaint_rate_per_minute=1,
            complaint_max_body_bytes=4096,
            **topics,
        )
    )
    async with (
        serve(create_visits(settings_for(VisitsSettings, **topics))) as visits,
        serve(issues) as client,
    ):
        r = await visits.post(
            f"/directory/imports?county={code}", files=upload(roster_xlsx(code)), headers=office
        )
        assert r.status_code == 201, r.text
        issues.state.runtime.clock = clock  # time moves with the test, never by sleeping
        lookup = issues.state.directory_lookup

        async def directory_arrived() -> bool:
            return bool(
                await lookup.listed_inspectors(f"{code}-s1", DAY)
                and await lookup.school(f"{code}-s10")
            )

        await eventually(directory_arrived)
        yield World(issues, client, clock, code, auth_header)


def form(school_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "school_id": school_id,
        "category": "learning_load",
        "subject": "三年级作业过多",
        "content": "三年级每天书面作业超过两个小时，孩子经常写到晚上十点以后。",
        "contact": {"name": "王女士", "phone": "13800138000", "address": "测试路1号"},
        **extra,
    }


def fields(r: httpx.Response) -> set[str]:
    return {e["field"] for e in r.json().get("errors", [])}


async def test_complaints_through_http_and_kafka(world: World) -> None:
    """One app pair for both stories (starting them is most of the cost)."""
    await a_qr_complaint_is_routed_verified_linked_answered_and_closed(world)
    await bad_input_unknown_ids_rate_limit_and_roles(world)


async def a_qr_complaint_is_routed_verified_linked_answered_and_closed(w: World) -> None:
    s1 = w.school(1)
    insp1, insp3 = w.inspector(1), w.inspector(3)  # inspector 1 is listed at s1–s3

    # The parent scans the plate's QR code: no token, a tracking number and query code.
    async with w.public("10.0.0.1") as parent:
        filed = await ok(await parent.post(f"/public/schools/{s1}/complaints", json=form(s1)), 201)
        assert filed["answer_due_on"] == "2026-12-01"
        no, code = filed["tracking_no"], filed["query_code"]
        status = await ok(await parent.get(f"/public/complaints/{no}", params={"code": code}))
        assert status["status"] == "routed" and status["answer"] is None

    # It is routed to the listed inspector; the office finds it in the list.
    async def listed() -> dict[str, Any] | None:
        r = await w.client.get("/complaints", params={"school_id": s1}, headers=w.office)
        rows = r.json()["items"] if r.status_code == 200 else []
        found = [d for d in rows if d["tracking_no"] == no]
        return found[0] if found else None

    row = await eventually(listed)
    cid = row["complaint_id"]
    assert row["channel"] == "qr_code" and row["status"] == "routed"
    assert row["routed_to"] == [f"{w.code}-insp-1"] and not row["unlisted"]
    assert row["contact"]["phone"] == "13800138000"  # the county office handles the case

    seen = await ok(await w.client.get(f"/complaints/{cid}", headers=insp1))
    assert seen["handler"] and seen["contact"] == {
        "name": "王女士",
        "phone": "13800138000",
        "email": None,
        "address": "测试路1号",
    }
    assert [e["type"].rsplit(".", 1)[1] for e in seen["timeline"]] == [
        "complaint_received",
        "complaint_routed",
    ]
    assert seen["timeline"][0]["actor"] == {"user_id": "public", "role": "public"}
    assert seen["timeline"][1]["payload"]["routed_by"] == "svc-issues"

    # Personal data: never in an event; hidden from the school, other inspectors, the city.
    for e in seen["timeline"]:
        assert "13800138000" not in str(e["payload"]) and "王女士" not in str(e["payload"])
    contacts = w.app.state.runtime.db[CONTACTS]
    assert (await contacts.find_one({"_id": cid}))["phone"] == "13800138000"
    city = w.mint(Role.city_office, user_id="city-1", province=PROVINCE, city=CITY)
    integrator = w.as_user("bi-1", Role.integrator)
    other = w.mint(Role.county_office, province=PROVINCE, city=CITY, county=new_county())
    # Not verified yet: the school sees nothing; other inspectors, the city, an integrator
    # and another county never do (404, as for an unknown id). docs/complaints.md.
    for outsider in (w.principal(1), insp3, city, integrator, other):
        assert (await w.client.get(f"/complaints/{cid}", headers=outsider)).status_code == 404
    assert (await ok(await w.client.get("/complaints", headers=w.principal(1))))["items"] == []
    r = await w.client.get("/complaints", params={"county": w.code}, headers=other)
    assert r.status_code == 403
    assert (await w.client.get("/complaints", headers=city)).status_code == 403

    # Only the handler acts: another inspector and the principal do not even see it (404).
    note = {"note": "已受理"}
    assert (
        await w.client.post(f"/complaints/{cid}/accept", json=note, headers=insp3)
    ).status_code == 404
    r = await w.client.post(f"/complaints/{cid}/accept", json=note, headers=w.principal(1))
    assert r.status_code == 404
    stale = {**insp1, "If-Match": '"1"'}
    assert (
        await w.client.post(f"/complaints/{cid}/accept", json=note, headers=stale)
    ).status_code == 412
    r = await w.client.post(
        f"/complaints/{cid}/accept", json=note, headers={**insp1, "If-Match": '"2"'}
    )
    assert (await ok(r))["status"] == "accepted" and r.headers["ETag"] == '"3"'
    # the read model waits for the version the step answered (read your own writes)
    r = await w.client.get(f"/complaints/{cid}", params={"min_version": 3}, headers=insp1)
    assert (await ok(r))["status"] == "accepted" and r.headers["ETag"] == '"3"'

    issue_body = {
        "description": "三年级书面作业时长超标",
        "requirement": "按规定控制书面作业总量，两周内报送整改材料",
        "severity": "general",
        "deadline": "2026-12-15",
    }
    r = await w.client.post(
        f"/complaints/{cid}/issue", json={**issue_body, "severity": "major"}, headers=insp1
    )
    assert r.status_code == 422 and fields(r) == {"body.major_kind"}
    early = await w.client.post(f"/complaints/{cid}/issue", json=issue_body, headers=insp1)
    assert early.status_code == 409 and "不能立项整改" in early.json()["message"]
    verified = {
        "outcome": "substantiated",
        "findings": "随堂抽查作业记录，情况属实",
    }
    await ok(await w.client.post(f"/complaints/{cid}/verify", json=verified, headers=insp1))

    # The substantiated complaint opens the linked issue, once.
    r = await w.client.post(f"/complaints/{cid}/issue", json=issue_body, headers=insp1)
    opened = await ok(r, 201)
    assert opened["issue_id"] == issue_id_for("complaint", cid)
    # received, routed, accepted, verified, then ComplaintIssueOpened: version 5
    assert opened["version"] == 5 and r.headers["ETag"] == '"5"'
    r = await w.client.post(
        f"/complaints/{cid}/issue", json=issue_body, headers={**insp1, "If-Match": '"5"'}
    )
    again = await ok(r)
    assert again == {**opened, "created": False} and r.headers["ETag"] == '"5"'
    issue = await w.app.state.issues.load(opened["issue_id"])
    assert issue.state.source == IssueSource.complaint and issue.state.school_id == s1
    assert issue.state.responsible_inspector_id == f"{w.code}-insp-1"
    assert issue.jurisdiction.county == w.code

    answer = {"answer": "经核实情况属实，已责令学校整改并控制作业总量。", "method": "phone"}
    await ok(await w.client.post(f"/complaints/{cid}/answer", json=answer, headers=insp1))
    await ok(await w.client.post(f"/complaints/{cid}/close", json={}, headers=insp1))
    closed = await ok(await w.client.get(f"/complaints/{cid}", headers=insp1))
    assert closed["status"] == "closed" and closed["issue_id"] == opened["issue_id"]
    assert closed["answer"]["answered_on"] == DAY.isoformat() and not closed["answer_overdue"]
    steps = closed["timeline"]
    assert [e["version"] for e in steps] == list(range(1, 8))
    assert all(e["correlation_id"] for e in steps)
    assert {e["actor"]["user_id"] for e in steps[2:]} == {f"{w.code}-insp-1"}

    # Verified: the school's principal sees the facts, never the words nor who complained.
    school_side = await ok(await w.client.get(f"/complaints/{cid}", headers=w.principal(1)))
    assert school_side["status"] == "closed" and school_side["issue_id"] == opened["issue_id"]
    assert school_side["verification"]["outcome"] == "substantiated"
    for hidden in ("anonymous", "has_contact", "contact", "timeline", "content", "subject"):
        assert hidden not in school_side
    assert "findings" not in school_side["verification"]

    async def school_lists_it() -> list[dict[str, Any]] | None:
        r = await w.client.get("/complaints", headers=w.principal(1))
        found: list[dict[str, Any]] = r.json()["items"] if r.status_code == 200 else []
        return found if found and found[0]["status"] == "closed" else None

    mine = await eventually(school_lists_it)
    assert [d["complaint_id"] for d in mine] == [cid] and "contact" not in mine[0]
    assert (await ok(await w.client.get("/complaints", headers=w.principal(2))))["items"] == []

    # The parent reads the answer; nothing internal, and only with the right code.
    async with w.public("10.0.0.2") as parent:
        status = await ok(await parent.get(f"/public/complaints/{no}", params={"code": code}))
        assert status["status"] == "closed" and status["answer"]["answer"] == answer["answer"]
        assert "属实" not in str({k: v for k, v in status.items() if k != "answer"})
        assert "findings" not in str(status) and "routed" not in str(status)
        wrong = await parent.get(f"/public/complaints/{no}", params={"code": "AAAAAAAA"})
        assert wrong.status_code == 404

    # A phone complaint about the unlisted school 10: the county office, flagged 未挂牌.
    s10 = w.school(10)
    staff = {**form(s10, channel="phone", anonymous=True), "contact": None}
    taken = await ok(await w.client.post("/complaints", json=staff, headers=w.office), 201)
    assert taken["unlisted"] and taken["routed_to"] == []
    w.clock.now += timedelta(days=16)  # the answer's last day (12-01) has passed

    async def overdue() -> list[dict[str, Any]] | None:
        # (until the read model has caught up with both: the answered one and the new one)
        r = await w.client.get("/complaints", params={"answer_overdue": "true"}, headers=w.office)
        found = r.json()["items"] if r.status_code == 200 else []
        return found if [d["complaint_id"] for d in found] == [taken["complaint_id"]] else None

    late = await eventually(overdue)
    assert [d["complaint_id"] for d in late] == [taken["complaint_id"]]
    assert late[0]["answer_overdue"] and late[0]["unlisted"]
    r = await w.client.get("/complaints", params={"answer_overdue": "false"}, headers=w.office)
    assert [d["complaint_id"] for d in (await ok(r))["items"]] == [cid]


async def bad_input_unknown_ids_rate_limit_and_roles(w: World) -> None:
    s1 = w.school(1)
    async with w.public("10.0.1.1") as anyone:
        r = await anyone.post("/public/complaints", json=form("nowhere-s1"))
        assert r.status_code == 422 and fields(r) == {"body.school_id"}
        bad = form(s1, contact={"phone": "12345"}, category="food", extra=1)
        r = await anyone.post("/public/complaints", json=bad)
        assert r.status_code == 422
        assert fields(r) == {"body.contact.phone", "body.category", "body.extra"}
        r = await anyone.post("/public/complaints", json=form(s1, anonymous=True))
        assert r.status_code == 422 and fields(r) == {"body.contact"}
        r = await anyone.post("/public/complaints", json=form(s1, content="很" * 5000))
        assert r.status_code == 413
        r = await anyone.post(
            "/public/complaints", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 422 and fields(r) == {"body"}
        deep = b"[" * 2000 + b"]" * 2000  # nesting beyond the JSON parser's recursion
        r = await anyone.post("/public/complaints", content=deep)
        assert r.status_code == 422 and fields(r) == {"body"}
        r = await anyone.get("/public/complaints/TS20261116000000", params={"code": "ABCDEFGH"})
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert "请求过于频繁" in r.json()["message"]
    async with w.public("10.0.1.2") as neighbour:  # the limit is per IP
        r = await neighbour.post(f"/public/schools/{s1}/complaints", json=form(w.school(2)))
        assert r.status_code == 422 and fields(r) == {"body.school_id"}
        r = await neighbour.get("/public/complaints/TS20261116000000", params={"code": "ABCDEFGH"})
        assert r.status_code == 404
        r = await neighbour.get("/public/complaints/TS20261116000000", params={"code": "short"})
        assert r.status_code == 422 and fields(r) == {"query.code"}

    # Staff intake: roles and jurisdiction.
    staff = form(s1, channel="letter")
    r = await w.client.post("/complaints", json=staff, headers=w.principal(1))
    assert r.status_code == 403
    stranger = w.mint(Role.inspector, province=PROVINCE, city=CITY, county=new_county())
    assert (await w.client.post("/complaints", json=staff, headers=stranger)).status_code == 403
    r = await w.client.post("/complaints", json={**staff, "channel": "fax"}, headers=w.office)
    assert r.status_code == 422 and fields(r) == {"body.channel"}
    assert (await w.client.post("/complaints", json=staff)).status_code == 401

    # Unknown and malformed ids; re-routing is the county office's, to its own inspectors.
    assert (await w.client.get(f"/complaints/{'0' * 32}", headers=w.office)).status_code == 404
    assert (await w.client.get("/complaints/nope", headers=w.office)).status_code == 422
    taken = await ok(await w.client.post("/complaints", json=staff, headers=w.inspector(1)), 201)
    cid = taken["complaint_id"]
    assert taken["routed_to"] == [f"{w.code}-insp-1"]
    move = {"inspector_ids": [f"{w.code}-insp-2"], "reason": "原责任督学回避"}
    r = await w.client.post(f"/complaints/{cid}/reroute", json=move, headers=w.inspector(1))
    assert r.status_code == 403
    r = await w.client.post(
        f"/complaints/{cid}/reroute",
        json={**move, "inspector_ids": ["someone-else"]},
        headers=w.office,
    )
    assert r.status_code == 422 and fields(r) == {"body.inspector_ids.0"}
    await ok(await w.client.post(f"/complaints/{cid}/reroute", json=move, headers=w.office))
    # the former inspector lost the case (and its contact); the new one has it
    former = await ok(await w.client.get(f"/complaints/{cid}", headers=w.inspector(1)))
    assert not former["handler"] and "contact" not in former
    now_handles = await ok(await w.client.get(f"/complaints/{cid}", headers=w.inspector(2)))
    assert now_handles["handler"] and now_handles["contact"]["phone"] == "13800138000"
    reject = {"reason": "不属于教育督导受理范围"}
    r = await w.client.post(f"/complaints/{cid}/reject", json=reject, headers=w.inspector(1))
    assert r.status_code == 403
    await ok(await w.client.post(f"/complaints/{cid}/reject", json=reject, headers=w.inspector(2)))
    r = await w.client.post(f"/complaints/{cid}/accept", json={}, headers=w.inspector(2))
    assert r.status_code == 409 and "不予受理" in r.json()["message"]
    async with w.public("10.0.1.3") as parent:
        r = await parent.get(
            f"/public/complaints/{taken['tracking_no']}", params={"code": taken["query_code"]}
        )
        assert (await ok(r))["answer"]["answer"].startswith("不予受理")
