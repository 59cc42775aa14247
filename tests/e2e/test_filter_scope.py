"""A list filter naming a school or zone outside the caller's jurisdiction is 403, not an
empty list; a principal may not filter complaints by what the school never learns.

Two counties of one city are imported into the visits app (real Kafka, real FerretDB);
the issues app folds the directory. The office of the first county names the second
county's school (and zone) in the filters of both services' lists.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
import pytest

from services.issues.bootstrap import create_app as issues_app
from services.issues.settings import IssuesSettings
from services.visits.bootstrap import create_app as visits_app
from services.visits.settings import VisitsSettings
from shared.auth import Role
from tests.conftest import Infra, Mint, eventually, ok, serve
from tests.rosters import roster_xlsx, upload


@dataclass
class Two:
    visits: httpx.AsyncClient
    issues: httpx.AsyncClient
    mine: str
    other: str
    mint: Mint

    def office(self, county: str) -> dict[str, str]:
        return self.mint(
            Role.county_office,
            user_id=f"office-{county}",
            province=county[:2] + "0000",
            city=county[:4] + "00",
            county=county,
        )

    def principal(self, n: int) -> dict[str, str]:
        c = self.mine
        return self.mint(
            Role.principal,
            user_id=f"principal-{c}-{n}",
            province=c[:2] + "0000",
            city=c[:4] + "00",
            county=c,
            zone=f"{c}-z1",
            school=f"{c}-s{n}",
        )


@pytest.fixture
async def two(
    settings_for: Callable[..., Any], auth_header: Mint, infra: Infra
) -> AsyncIterator[Two]:
    city = f"{random.randint(11, 65)}{random.randint(1, 99):02d}"
    mine, other = f"{city}83", f"{city}85"
    topics = {"kafka_topic_prefix": f"{infra.topic_prefix}fscope{uuid4().hex[:6]}."}
    async with (
        serve(vapp := visits_app(settings_for(VisitsSettings, **topics))) as visits,
        serve(app := issues_app(settings_for(IssuesSettings, **topics))) as issues,
    ):
        world = Two(visits, issues, mine, other, auth_header)
        for county in (mine, other):
            r = await visits.post(
                f"/directory/imports?county={county}",
                files=upload(roster_xlsx(county)),
                headers=world.office(county),
            )
            assert r.status_code == 201, r.text
        lookups = (app.state.directory_lookup, vapp.state.directory_lookup)

        async def folded() -> bool:
            for lookup in lookups:
                for county in (mine, other):
                    if await lookup.school(f"{county}-s1") is None:
                        return False
                    if await lookup.zone_place(f"{county}-z1") is None:
                        return False
                    if await lookup.inspector(f"{county}-insp-1") is None:
                        return False
            return True

        await eventually(folded)
        yield world


async def test_a_filter_outside_the_jurisdiction_is_403(two: Two) -> None:
    theirs, own = f"{two.other}-s1", f"{two.mine}-s1"
    office = two.office(two.mine)
    issues_routes = (
        ("/issues", "school_id"),
        ("/complaints", "school_id"),
        ("/complaints/summary", "school_id"),
        ("/hazards", "school"),
        ("/self-inspections", "school"),
    )
    visits_routes = (("/listings", "school_id"), ("/visits", "school_id"))
    for client, routes in ((two.issues, issues_routes), (two.visits, visits_routes)):
        for path, name in routes:
            r = await client.get(path, params={name: theirs}, headers=office)
            assert r.status_code == 403, (path, r.text)
            assert "管辖范围" in r.text
            await ok(await client.get(path, params={name: own}, headers=office))
            # an unknown school names nothing to refuse: the list is empty
            await ok(await client.get(path, params={name: "no-such-school"}, headers=office))
    for path in ("/issues", "/self-inspections"):
        r = await two.issues.get(path, params={"zone": f"{two.other}-z1"}, headers=office)
        assert r.status_code == 403, (path, r.text)
        await ok(await two.issues.get(path, params={"zone": f"{two.mine}-z1"}, headers=office))
    inspector_routes = (
        (two.visits, "/visits", "inspector_id"),
        (two.visits, "/listings", "inspector_id"),
        (two.issues, "/issues", "inspector"),
    )
    for client, path, name in inspector_routes:  # another county's inspector, as a school
        r = await client.get(path, params={name: f"{two.other}-insp-1"}, headers=office)
        assert r.status_code == 403, (path, r.text)
        mine = {name: f"{two.mine}-insp-1"}
        await ok(await client.get(path, params=mine, headers=office))
    mine = {"inspector_id": f"{two.mine}-insp-1"}  # the county's inspector, to its principal
    await ok(await two.visits.get("/visits", params=mine, headers=two.principal(1)))
    listings = await ok(
        await two.visits.get("/listings", params={"school_id": f"{two.mine}-s4"}, headers=office)
    )
    assert listings["items"]
    assert {d["school_id"] for d in listings["items"]} == {f"{two.mine}-s4"}


async def test_a_principal_may_not_filter_complaints_by_channel_or_handler(two: Two) -> None:
    principal = two.principal(1)
    for params in ({"channel": "qr_code"}, {"handler_id": f"{two.mine}-insp-1"}):
        r = await two.issues.get("/complaints", params=params, headers=principal)
        assert r.status_code == 403, (params, r.text)
        assert "承办人" in r.text
        # the office handles complaints: the same filters are its to use
        await ok(await two.issues.get("/complaints", params=params, headers=two.office(two.mine)))
    facts = await ok(
        await two.issues.get("/complaints", params={"category": "learning_load"}, headers=principal)
    )
    assert facts["total"] == 0
