"""Drive the visits service through HTTP to a signed feedback list (for other services' tests).

A :class:`Platform` holds the visits app (with a county's roster imported) and the
tokens of its people; :func:`acknowledged_visit` takes one visit from plan to the
principal's signature, with the problems given, and returns the visit id and the
finding ids in feedback order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from shared.auth import Role
from tests.conftest import Mint, eventually, ok
from tests.factories import CITY, PROVINCE, days_ahead

DAY = date(2026, 11, 16)  # after the roster's listings start (2026-09-01)


@dataclass
class Platform:
    visits: httpx.AsyncClient
    code: str
    mint: Mint

    def as_user(self, user_id: str, *roles: Role, **deeper: str) -> dict[str, str]:
        headers: dict[str, str] = self.mint(
            *roles, user_id=user_id, province=PROVINCE, city=CITY, county=self.code, **deeper
        )
        return headers

    @property
    def office(self) -> dict[str, str]:
        return self.as_user(f"office-{self.code}", Role.county_office)

    def inspector(self, n: int) -> dict[str, str]:
        return self.as_user(self.inspector_id(n), Role.inspector)

    def inspector_id(self, n: int) -> str:
        return f"{self.code}-insp-{n}"

    def zone(self, school: int) -> str:
        return f"{self.code}-z{1 if school <= 5 else 2}"

    def principal(self, school: int) -> dict[str, str]:
        return self.as_user(
            f"principal-{self.code}-{school}",
            Role.principal,
            zone=self.zone(school),
            school=self.school(school),
        )

    def school(self, n: int) -> str:
        return f"{self.code}-s{n}"


def problem(item: str, notes: str, deadline: str | None = None, **extra: Any) -> dict[str, Any]:
    """A general problem; its deadline defaults to 30 days from the run's day (never past)."""
    return {
        "item_code": item,
        "verdict": "problem",
        "notes": notes,
        "methods": ["campus_walk"],
        "severity": "general",
        "requirement": "立即整改并报送整改材料",
        "proposed_deadline": deadline or days_ahead(30),
        **extra,
    }


async def acknowledged_visit(
    p: Platform, school: int, inspector: int, problems: list[dict[str, Any]]
) -> tuple[str, list[str]]:
    """Plan, sign in, record the problems, issue the feedback list, have it signed."""
    insp = p.inspector(inspector)
    plan = {"school_id": p.school(school), "planned_on": DAY.isoformat(), "purpose": "随访督导"}
    vid = (await ok(await p.visits.post("/visits", json=plan, headers=insp), 201))["visit_id"]
    await ok(await p.visits.post(f"/visits/{vid}/sign-in", json={}, headers=insp))
    findings = []
    for body in problems:
        r = await p.visits.post(f"/visits/{vid}/findings", json=body, headers=insp)
        findings.append((await ok(r, 201))["finding_id"])
    await ok(
        await p.visits.post(f"/visits/{vid}/feedback", json={"summary": "见清单"}, headers=insp)
    )
    await ok(
        await p.visits.post(
            f"/visits/{vid}/acknowledgement",
            json={"signer_name": "王校长"},
            headers=p.principal(school),
        )
    )
    return vid, findings


async def issues_of(
    issues: httpx.AsyncClient, office: dict[str, str], visit_id: str, count: int
) -> list[dict[str, Any]]:
    """The issues a visit opened, once ``count`` of them are in the issues read model."""

    async def opened() -> list[dict[str, Any]] | None:
        r = await issues.get(f"/issues?visit_id={visit_id}", headers=office)
        items: list[dict[str, Any]] = r.json()["items"] if r.status_code == 200 else []
        return items if len(items) == count else None

    found: list[dict[str, Any]] = await eventually(opened)
    return found
