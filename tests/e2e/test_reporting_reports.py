"""A county's September report published, a late visit captured offline landing in
September, and the re-issue showing what changed; every version stays readable, the
version known at a past moment is the one published by then, and both versions reach
the reporting topic through the outbox relay."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, TopicPartition

from services.reporting.bootstrap import create_app
from services.reporting.reports.domain.report import CHINA
from services.reporting.settings import ReportingSettings
from shared import topics
from shared.auth import Role
from shared.contracts.visits import VisitKind
from shared.envelope import EventEnvelope
from tests.conftest import Infra, Mint, eventually, serve
from tests.e2e.test_reporting_rollups import new_place, publish
from tests.reporting_scenario import Log, Place, autumn, visit

SEPTEMBER = {"month": "2026-09"}


def late_visit(place: Place) -> list[EventEnvelope]:
    """D visited on 09-25, captured offline and recorded only now."""
    log = Log()
    visit(log, place, "late", "D", VisitKind.routine, "2026-09-25", team=1)
    now = datetime.now(UTC)
    return [e.model_copy(update={"recorded_at": now}) for e in log.events]


async def reporting_events(infra: Infra, stream: str) -> list[dict[str, Any]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=infra.kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        topic = infra.topic_prefix + topics.REPORTING
        await consumer._client.force_metadata_update()
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        found = []
        while any([await consumer.position(p) < ends[p] for p in parts]):
            for messages in (await consumer.getmany(timeout_ms=1000)).values():
                found += [json.loads(m.value) for m in messages]
        return [e for e in found if e["subject"] == stream]
    finally:
        await consumer.stop()


async def test_a_reissue_after_a_late_visit_shows_the_change(
    infra: Infra, settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    # its own topics: the scenario's inspector (insp-1) is in every place, and the roll-up
    # test reads that inspector's figures from the shared topics
    infra = replace(infra, topic_prefix=f"{infra.topic_prefix}rep{uuid4().hex[:8]}.")
    place = new_place()
    county = auth_header(
        Role.county_office, province=place.province, city=place.city, county=place.county
    )
    other = auth_header(Role.county_office, province=place.province, city=place.city, county="1")
    base = f"/reports/units/county/{place.county}/monthly"

    settings = settings_for(ReportingSettings, kafka_topic_prefix=infra.topic_prefix)
    async with serve(create_app(settings)) as api:
        await publish(infra, autumn(place))

        async def zones_hold(visits: int) -> bool:
            """September as the scenario has it, with ``visits`` visits."""
            r = await api.get(
                f"/reports/units/county/{place.county}", params=SEPTEMBER, headers=county
            )
            zones = [z["figures"] for z in r.json()["children"]] if r.status_code == 200 else []
            # every topic's September events, in the zones (a flush writes them last)
            done = {
                "issues_opened": 2,
                "issues_closed": 1,
                "complaints_verified": 1,
                "self_inspections_filed": 2,
            }
            return sum(z["visits"] for z in zones) == visits and all(
                sum(z[k] for z in zones) == v for k, v in done.items()
            )

        await eventually(lambda: zones_hold(2), within=60)

        r = await api.post(f"{base}/2026-09", json={}, headers=county)
        assert r.status_code == 201, r.text
        first = r.json()
        assert (first["version"], first["previous_version"], first["changes"]) == (1, None, [])
        assert r.headers["ETag"] == '"1"'
        f = first["figures"]
        assert (f["schools"], f["schools_visited"], f["coverage"], f["visits"]) == (3, 2, 0.6667, 2)

        # the month in progress, an unknown unit, another county, a stale If-Match
        this_month = datetime.now(CHINA).strftime("%Y-%m")
        r = await api.post(f"{base}/{this_month}", json={}, headers=county)
        assert r.status_code == 409, r.text
        r = await api.post("/reports/units/county/000001/monthly/2026-09", json={}, headers=county)
        assert r.status_code == 404
        r = await api.post(f"{base}/2026-09", json={}, headers=other)
        assert r.status_code == 403
        r = await api.get(f"{base}/2026-09", headers=other)
        assert r.status_code == 403
        r = await api.post(f"{base}/2026-09", json={}, headers={**county, "If-Match": '"0"'})
        assert r.status_code == 412
        r = await api.get(f"{base}/2026-09/versions/2", headers=county)
        assert r.status_code == 404

        # a visit of 09-25 arrives in December: it lands in September
        await publish(infra, late_visit(place))
        await eventually(lambda: zones_hold(3), within=60)

        # as known at the end of yesterday, September still had two visits
        today = datetime.now(CHINA).date()
        for known_on, visits in ((today - timedelta(days=1), 2), (today, 3)):
            params = {**SEPTEMBER, "known_on": known_on.isoformat()}
            r = await api.get(
                f"/reports/units/county/{place.county}", params=params, headers=county
            )
            assert r.json()["figures"]["visits"] == visits, (known_on, r.text)
            assert r.json()["figures"]["schools_visited"] == visits
        params = {**SEPTEMBER, "known_on": "2026-09-05"}  # inside September: A's visit only
        r = await api.get(f"/reports/units/county/{place.county}", params=params, headers=county)
        assert r.status_code == 200 and r.json()["figures"]["visits"] == 1, r.text
        params = {**SEPTEMBER, "known_on": (today + timedelta(days=1)).isoformat()}
        r = await api.get(f"/reports/units/county/{place.county}", params=params, headers=county)
        assert r.status_code == 422 and "query.known_on" in r.text  # not a day to come

        note = {"note": "补录 9 月 25 日督导"}
        r = await api.post(f"{base}/2026-09", json=note, headers={**county, "If-Match": '"1"'})
        assert r.status_code == 201, r.text
        second = r.json()
        assert (second["version"], second["previous_version"]) == (2, 1)
        assert second["note"] == note["note"]
        assert second["changes"] == [
            {"figure": "coverage", "before": 0.6667, "after": 1.0},
            {"figure": "frequency_compliance", "before": 0.6667, "after": 1.0},
            {"figure": "schools_visited", "before": 2, "after": 3},
            {"figure": "schools_visited_every_month", "before": 2, "after": 3},
            {"figure": "visits", "before": 2, "after": 3},
            {"figure": "visits_by_kind.routine", "before": 2, "after": 3},
        ]

        # version 1 is unchanged; the list holds both
        r = await api.get(f"{base}/2026-09/versions/1", headers=county)
        assert r.json()["figures"] == first["figures"]
        r = await api.get(f"{base}/2026-09", headers=county)
        assert [v["version"] for v in r.json()["versions"]] == [1, 2]

        # as known at a past moment: the version published by then
        published = datetime.fromisoformat(first["published_at"])
        r = await api.get(
            f"{base}/2026-09/known-at", params={"at": published.isoformat()}, headers=county
        )
        assert r.json()["version"] == 1 and r.json()["figures"]["visits"] == 2
        earlier = (published - timedelta(seconds=1)).isoformat()
        r = await api.get(f"{base}/2026-09/known-at", params={"at": earlier}, headers=county)
        assert r.status_code == 404
        naive = {"at": "2026-10-01T00:00:00"}
        r = await api.get(f"{base}/2026-09/known-at", params=naive, headers=county)
        assert r.status_code == 422 and "query.at" in r.text

        # both versions leave through the outbox relay, in order
        stream = f"report-county-{place.county}-2026-09"

        async def relayed() -> list[dict[str, Any]] | None:
            found = await reporting_events(infra, stream)
            return found if len(found) == 2 else None

        events = await eventually(relayed, within=30)
        assert [e["data"]["version"] for e in events] == [1, 2]
        assert events[1]["data"]["figures"]["visits"] == 3
