"""An inspector reads the school cards of the schools they are listed at now, and no
other's (403): a listing that has ended, or a school they were never listed at."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import uuid4

from services.reporting.bootstrap import create_app
from services.reporting.settings import ReportingSettings
from shared.auth import Role
from shared.contracts.directory import InspectorListed, ListingEnded
from tests.conftest import Infra, Mint, eventually, serve
from tests.e2e.test_reporting_rollups import new_place, publish
from tests.reporting_scenario import Log, at, school

OCT = {"month": "2026-10"}
LISTING_EVENTS = {InspectorListed.event_type, ListingEnded.event_type}


async def test_an_inspector_reads_the_cards_of_the_schools_they_are_listed_at(
    infra: Infra, settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    place = new_place()
    inspector = f"insp-{uuid4().hex[:8]}"
    log = Log()
    for s in ("A", "B", "D"):
        log.add(f"school-{place.sid(s)}", school(place, s), place.school(s), at("2026-08-20"))
    for s, ends_on in (("B", date(2026, 9, 30)), ("A", None)):
        listing = f"{place.sid(s)}-L1"
        listed = InspectorListed(
            listing_id=listing,
            school_id=place.sid(s),
            inspector_id=inspector,
            starts_on=date(2026, 8, 20),
            duties=None,
        )
        log.add(listing, listed, place.school(s), at("2026-08-20"))
        if ends_on is not None:
            ended = ListingEnded(
                listing_id=listing,
                school_id=place.sid(s),
                inspector_id=inspector,
                ends_on=ends_on,
                reason="调整",
            )
            log.add(listing, ended, place.school(s), at("2026-09-30"))
    # one partition for the inspector's listings, so B's end is read before A's listing
    events = [
        e.model_copy(update={"partition_key": inspector}) if e.event_type in LISTING_EVENTS else e
        for e in log.events
    ]
    who = auth_header(Role.inspector, user_id=inspector, province=place.province, city=place.city)
    infra = replace(infra, topic_prefix=f"{infra.topic_prefix}card{uuid4().hex[:8]}.")
    settings = settings_for(ReportingSettings, kafka_topic_prefix=infra.topic_prefix)
    async with serve(create_app(settings)) as api:
        await publish(infra, events)

        async def card(s: str) -> int:
            r = await api.get(f"/reports/units/school/{place.sid(s)}", params=OCT, headers=who)
            return r.status_code

        async def listed_at_a() -> bool:
            return await card("A") == 200

        await eventually(listed_at_a, within=60)
        assert await card("B") == 403  # the listing ended on 09-30
        assert await card("D") == 403  # never listed there
        r = await api.get(
            f"/reports/units/school/{place.sid('A')}/months.csv", params=OCT, headers=who
        )
        assert r.status_code == 200, r.text
        r = await api.get(f"/reports/units/county/{place.county}", params=OCT, headers=who)
        assert r.status_code == 403  # a card, not the aggregates
