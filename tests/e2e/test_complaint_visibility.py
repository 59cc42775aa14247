"""Who sees a complaint: every role on every complaint route, through HTTP, on the real
Kafka and MongoDB-wire server (docs/complaints.md, "Who sees a complaint").

One county (the standard roster: zone 1 = schools 1–5, led by inspector 1; zone 2 =
schools 6–10, led by inspector 3; inspector 2 is listed at schools 4–6). Four
complaints about school 4, all routed to inspector 2 on receipt:

- ``closed``: accepted, verified (substantiated), linked issue, answered, closed — every
  free text filled with a marker that must not reach those who may not read it;
- ``open``: accepted, not yet verified (the school must not see it yet);
- ``erasable``: routed, for the erasure route;
- ``moved``: re-routed by the county office from inspector 2 to inspector 3.

Each (route, role) pair is one test: the expected status, and in any 2xx none of what
that role may not see.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from services.issues.bootstrap import create_app as create_issues
from services.issues.complaints.access import FACTS
from services.issues.settings import IssuesSettings
from services.visits.bootstrap import create_app as create_visits
from services.visits.settings import VisitsSettings
from shared.auth import Role, TokenIssuer
from tests.conftest import Infra, eventually, ok, serve, service_settings
from tests.factories import CITY, PROVINCE, days_ahead, new_county
from tests.rosters import roster_xlsx, upload

SUBJECT = "作业过多主题甲"
CONTENT = "内容标记乙：我是三年级二班王小明的家长，每天作业写到晚上十点以后。"
NOTE = "受理备注丙"
FINDINGS = "核实情况丁：班主任李老师布置作业超量"
ANSWER = "答复内容戊：已责令学校整改"
REASON = "改派理由己：原督学回避"
CONTACT = ("13800138000", "王女士", "测试路1号")
TEXTS = (SUBJECT, CONTENT, NOTE, FINDINGS, ANSWER, REASON)
SCHOOL_NEVER = ("anonymous", "has_contact", "routed_to", "received_by", "timeline", "channel")

ROLES = (
    "handler",
    "zone_leader",
    "other_inspector",
    "county_office",
    "other_county",
    "city_office",
    "province_office",
    "principal",
    "other_principal",
    "integrator",
    "admin",
)
VISIBLE = {
    "closed": {"handler", "zone_leader", "county_office", "principal"},
    "open": {"handler", "zone_leader", "county_office"},
    "erasable": {"handler", "zone_leader", "county_office"},
    # inspector 2 ("handler") lost it; inspector 3 ("other_inspector") handles it now
    "moved": {"other_inspector", "zone_leader", "county_office"},
}
CASES = tuple(VISIBLE)


@dataclass
class World:
    client: httpx.AsyncClient
    code: str
    headers: dict[str, dict[str, str]]
    ids: dict[str, str]
    tracking: dict[str, str]


def _settings(cls: type[Any], infra: Infra, keys: tuple[Path, Path], run: str) -> Any:
    prefix = f"{infra.topic_prefix}visibility."
    return service_settings(cls, infra, keys, run, kafka_topic_prefix=prefix)


def _mint(issuer: TokenIssuer, code: str) -> dict[str, dict[str, str]]:
    from datetime import UTC, datetime, timedelta

    from shared.auth import Principal
    from shared.jurisdiction import Jurisdiction

    def mint(user_id: str, *roles: Role, **where: str | None) -> dict[str, str]:
        place = {"province": PROVINCE, "city": CITY, "county": code, **where}
        principal = Principal(
            user_id=user_id,
            name="测试用户",
            roles=frozenset(roles),
            jurisdiction=Jurisdiction(**{k: v for k, v in place.items() if v is not None}),
        )
        token = issuer.mint(principal, datetime.now(UTC), timedelta(hours=1))
        return {"Authorization": f"Bearer {token}"}

    return {
        "handler": mint(f"{code}-insp-2", Role.inspector),
        "zone_leader": mint(f"{code}-insp-1", Role.zone_leader),
        "other_inspector": mint(f"{code}-insp-3", Role.inspector, Role.zone_leader),
        "county_office": mint(f"office-{code}", Role.county_office),
        "other_county": mint("office-elsewhere", Role.county_office, county=new_county()),
        "city_office": mint("city-1", Role.city_office, county=None),
        "province_office": mint("province-1", Role.province_office, city=None, county=None),
        "principal": mint(
            f"principal-{code}-4", Role.principal, zone=f"{code}-z1", school=f"{code}-s4"
        ),
        "other_principal": mint(
            f"principal-{code}-5", Role.principal, zone=f"{code}-z1", school=f"{code}-s5"
        ),
        "integrator": mint("bi-1", Role.integrator),
        "admin": mint("admin-1", Role.admin, city=None, county=None),
    }


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: tuple[Path, Path], issuer: TokenIssuer) -> AsyncIterator[World]:
    code, run = new_county(), uuid4().hex[:8]
    headers = _mint(issuer, code)
    issues: FastAPI = create_issues(_settings(IssuesSettings, infra, keys, run))
    async with (
        serve(create_visits(_settings(VisitsSettings, infra, keys, run))) as visits,
        serve(issues) as client,
    ):
        office = headers["county_office"]
        r = await visits.post(
            f"/directory/imports?county={code}", files=upload(roster_xlsx(code)), headers=office
        )
        assert r.status_code == 201, r.text
        s4, insp2 = f"{code}-s4", headers["handler"]

        lookup = issues.state.directory_lookup

        async def directory_arrived() -> bool:
            today = issues.state.complaints.today()
            listed = await lookup.listed_inspectors(s4, today)
            return bool(listed and await lookup.zone_leader(f"{code}-z1"))

        await eventually(directory_arrived)
        ids: dict[str, str] = {}
        tracking: dict[str, str] = {}
        body = {
            "school_id": s4,
            "channel": "letter",
            "category": "learning_load",
            "subject": SUBJECT,
            "content": CONTENT,
            "contact": {"name": CONTACT[1], "phone": CONTACT[0], "address": CONTACT[2]},
        }
        for case in CASES:
            taken = await ok(await client.post("/complaints", json=body, headers=office), 201)
            assert taken["routed_to"] == [f"{code}-insp-2"]
            ids[case], tracking[case] = taken["complaint_id"], taken["tracking_no"]

        def at(case: str, step: str) -> str:
            return f"/complaints/{ids[case]}/{step}"

        for case in ("closed", "open"):
            await ok(await client.post(at(case, "accept"), json={"note": NOTE}, headers=insp2))
        verified = {"outcome": "substantiated", "findings": FINDINGS}
        await ok(await client.post(at("closed", "verify"), json=verified, headers=insp2))
        await ok(await client.post(at("closed", "issue"), json=ISSUE, headers=insp2), 201)
        answer = {"answer": ANSWER, "method": "phone"}
        await ok(await client.post(at("closed", "answer"), json=answer, headers=insp2))
        await ok(await client.post(at("closed", "close"), json={"note": NOTE}, headers=insp2))
        move = {"inspector_ids": [f"{code}-insp-3"], "reason": REASON}
        await ok(await client.post(at("moved", "reroute"), json=move, headers=office))

        wanted = {"closed": "closed", "open": "accepted", "erasable": "routed", "moved": "routed"}

        async def caught_up() -> bool:
            r = await client.get("/complaints", headers=office)
            rows = r.json()["items"] if r.is_success else []
            now = {d["complaint_id"]: d["status"] for d in rows}
            ready = all(now.get(ids[c]) == s for c, s in wanted.items())
            moved = [d for d in rows if d["complaint_id"] == ids["moved"]] if ready else []
            return bool(moved) and moved[0]["routed_to"] == [f"{code}-insp-3"]

        await eventually(caught_up)
        yield World(client, code, headers, ids, tracking)


ISSUE = {
    "description": "三年级书面作业时长超标",
    "requirement": "按规定控制书面作业总量",
    "severity": "general",
    "deadline": days_ahead(180),
}

# (route, method, path, body, case, who gets what)
ACTORS = {"handler", "county_office"}
"""Who may take a handling step on a case they handle (else 403 if they see it, 404)."""
STEP_BODIES: dict[str, dict[str, Any]] = {
    "accept": {"note": NOTE},
    "reject": {"reason": REASON},
    "verify": {"outcome": "substantiated", "findings": FINDINGS},
    "issue": ISSUE,
    "answer": {"answer": ANSWER, "method": "phone"},
    "close": {"note": NOTE},
    "reroute": {"inspector_ids": [], "reason": REASON},
    "erasure": {"reason": "complainant_request", "request_ref": "SQ-1"},
}
SUMMARY_READERS = {
    "county_office",
    "other_county",
    "city_office",
    "province_office",
    "integrator",
    "admin",
}
NO_LIST = {"city_office", "province_office", "integrator", "admin"}


def expected(route: str, role: str) -> int:
    kind, _, case = route.partition(":")
    if kind == "get":
        return 200 if role in VISIBLE[case] else 404
    if kind == "list":
        if role in NO_LIST or (case == "school" and role in ("other_principal", "other_county")):
            return 403  # aggregates only / a school outside their own jurisdiction
        return 200
    if kind == "summary":
        return 200 if role in SUMMARY_READERS else 403
    if role not in VISIBLE[case]:
        return 404
    may = {"county_office"} if kind in ("reroute", "erasure") else ACTORS
    if role not in may:
        return 403
    return 200 if kind == "erasure" else 409  # every step is illegal on a closed case


ROUTES = (
    *(f"get:{case}" for case in CASES),
    "list:all",
    "list:school",
    "summary:",
    *(f"{step}:closed" for step in STEP_BODIES if step != "erasure"),
    "erasure:erasable",
)


def _request(w: World, route: str) -> tuple[str, str, dict[str, Any] | None, dict[str, str]]:
    kind, _, case = route.partition(":")
    if kind == "get":
        return "GET", f"/complaints/{w.ids[case]}", None, {}
    if kind == "list":
        return "GET", "/complaints", None, {"school_id": f"{w.code}-s4"} if case == "school" else {}
    if kind == "summary":
        return "GET", "/complaints/summary", None, {}
    return "POST", f"/complaints/{w.ids[case]}/{kind}", STEP_BODIES[kind], {}


def _forbidden(w: World, role: str, route: str) -> tuple[str, ...]:
    """What must not appear in a 2xx answer to ``role`` on ``route``."""
    kind, _, case = route.partition(":")
    if kind not in ("get", "list", "summary"):
        return (*CONTACT, *TEXTS)  # a step answers its id, version and status only
    shown = {c for c in CASES if role in VISIBLE[c]} if kind in ("get", "list") else set()
    if kind == "get":
        shown &= {case}
    hidden = [w.ids[c] for c in CASES if c not in shown]
    hidden += [w.tracking[c] for c in CASES if c not in shown]
    handles = role in ACTORS or (role == "other_inspector" and "moved" in shown)
    if handles and kind != "summary":
        return tuple(hidden)
    if role == "zone_leader" and shown:
        return (*CONTACT, *hidden)
    if role == "principal" and shown:
        return (*CONTACT, *TEXTS, *hidden, *(f'"{k}"' for k in SCHOOL_NEVER))
    return (*CONTACT, *TEXTS, *hidden)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES)
async def test_who_sees_a_complaint(world: World, route: str, role: str) -> None:
    method, path, body, params = _request(world, route)
    r = await world.client.request(
        method, path, json=body, params=params, headers=world.headers[role]
    )
    assert r.status_code == expected(route, role), (route, role, r.text)
    if not r.is_success:
        return
    text = json.dumps(r.json(), ensure_ascii=False)
    for secret in _forbidden(world, role, route):
        assert secret not in text, (route, role, secret)
    kind, _, case = route.partition(":")
    if kind == "list":
        listed = {d["complaint_id"] for d in r.json()["items"]}
        assert {c for c in CASES if world.ids[c] in listed} == {
            c for c in CASES if role in VISIBLE[c]
        }, (route, role)
    if kind in ("get", "list") and role == "principal":
        docs = r.json()["items"] if kind == "list" else [r.json()]
        for doc in docs:
            assert set(doc) <= set(FACTS), set(doc) - set(FACTS)
            assert doc["verification"]["outcome"] == "substantiated"
            assert set(doc["verification"]) == {"outcome", "verified_at"}
    if kind == "get" and role in ACTORS | {"zone_leader"}:
        doc = r.json()
        assert doc["timeline"] and doc["handler"] == (role in ACTORS)
        if role in ACTORS and case == "closed":
            assert (
                doc["contact"]["phone"] == CONTACT[0]
                and doc["verification"]["findings"] == FINDINGS
            )
    if kind == "summary":
        counts = r.json()
        if role in ("county_office", "city_office", "province_office", "integrator"):
            # the test city holds other tests' counties too: at least ours
            assert counts["total"] >= 4 and counts["by_outcome"].get("substantiated", 0) >= 1


async def test_summary_counts_one_county(world: World) -> None:
    r = await world.client.get(
        "/complaints/summary", params={"county": world.code}, headers=world.headers["city_office"]
    )
    counts = await ok(r)
    assert counts["total"] == 4 and counts["erased"] in (0, 1)
    assert counts["by_status"] == {"accepted": 1, "closed": 1, "routed": 2}
    assert counts["by_category"] == {"learning_load": 4}
    assert counts["by_outcome"] == {"not_verified": 3, "substantiated": 1}
    r = await world.client.get(
        "/complaints/summary",
        params={"county": world.code},
        headers=world.headers["other_county"],
    )
    assert r.status_code == 403
