"""The complaint visibility rule: :func:`list_query` on the real MongoDB-wire server selects
exactly the read-model documents :func:`access` shows, for every kind of caller."""

from __future__ import annotations

import itertools
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.issues.complaints.access import Case, Seen, access, list_query
from services.issues.complaints.domain import Status
from shared.auth import Principal, Role, scope_filter
from shared.jurisdiction import Jurisdiction

P, CITY = "510000", "510700"
COUNTIES = ("100001", "100002")
LED = {"a": ["100001-z1"], "b": [], "c": ["100002-z1"]}


def who(user_id: str, *roles: Role, **where: str) -> Principal:
    place = {"province": P, "city": CITY, **where}
    return Principal(
        user_id=user_id, name="x", roles=frozenset(roles), jurisdiction=Jurisdiction(**place)
    )


CALLERS = {
    "a": who("a", Role.inspector, county="100001"),
    "b": who("b", Role.inspector, Role.zone_leader, county="100001"),
    "c": who("c", Role.zone_leader, county="100002"),
    "office1": who("office1", Role.county_office, county="100001"),
    "city": who("city", Role.city_office),
    "principal": who("p", Role.principal, county="100001", zone="100001-z1", school="100001-s1"),
    "integrator": who("bi", Role.integrator, county="100001"),
    "admin": who("admin", Role.admin),
}


def documents() -> list[dict[str, Any]]:
    docs = []
    combos = itertools.product(
        COUNTIES,
        ("z1", "z2"),
        ("s1", "s2"),
        (Status.routed, Status.accepted, Status.verified, Status.closed, Status.rejected),
        ((), ("a",), ("b", "c"), ("office1",)),
    )
    for n, (county, zone, school, status, routed) in enumerate(combos):
        accepted = routed[0] if routed and status != Status.routed else None
        docs.append(
            {
                "_id": str(n),
                "complaint_id": str(n),
                "province": P,
                "city": CITY,
                "county": county,
                "zone_id": f"{county}-{zone}",
                "school_id": f"{county}-{school}",
                "status": status.value,
                "routed_to": list(routed) if routed != ("office1",) else [],
                "accepted_by": accepted,
            }
        )
    return docs


async def test_the_list_filter_is_the_rule(db: AsyncDatabase[dict[str, Any]]) -> None:
    docs = documents()
    await db["complaints"].insert_many(docs)
    for name, principal in CALLERS.items():
        led = LED.get(name, [])
        shown = {d["_id"] for d in docs if access(principal, Case.of_doc(d), led).visible}
        alternatives = list_query(principal, led)
        if not alternatives:
            assert shown == set(), name
            continue
        query = {**scope_filter(principal), "$or": alternatives}
        found = {d["_id"] async for d in db["complaints"].find(query)}
        assert found == shown, name


def test_the_rule() -> None:
    where = Jurisdiction(province=P, city=CITY, county="100001", zone="100001-z1", school="s1")
    case = Case(where, "s1", Status.routed, ("a",), None)
    school = who("p", Role.principal, county="100001", zone="100001-z1", school="s1")
    assert access(CALLERS["a"], case).seen == Seen.handler
    assert access(CALLERS["b"], case).seen == Seen.none  # another inspector
    assert access(CALLERS["b"], case, ["100001-z1"]).seen == Seen.zone_leader
    assert access(CALLERS["c"], case, ["100001-z1"]).seen == Seen.none  # another county
    assert access(CALLERS["office1"], case).directs
    assert not access(CALLERS["city"], case).visible
    assert not access(CALLERS["admin"], case).visible  # roles are literal
    assert not access(CALLERS["integrator"], case).visible
    assert access(school, case).seen == Seen.none  # not verified yet
    verified = Case(where, "s1", Status.verified, ("a",), "a")
    assert access(school, verified).seen == Seen.school
    rerouted = Case(where, "s1", Status.routed, ("b",), None)
    assert not access(CALLERS["a"], rerouted).visible  # a former handler
