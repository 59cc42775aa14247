"""The rebuild of the reporting read models through HTTP and the real Kafka and
MongoDB-wire server: a county's autumn (tests/reporting_scenario.py) is replayed into a
new generation while the current one keeps answering; held before the switch, every
document of the new collections equals the incrementally maintained one; after the
switch reads come from the new generation, the old one is gone, and the live runner
goes on from the new generation's positions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from uuid import uuid4

from pymongo.asynchronous.database import AsyncDatabase

from services.reporting.bootstrap import create_app, projections
from services.reporting.settings import ReportingSettings
from shared.auth import Role
from shared.projection import ReadModels, collection_name
from shared.rebuild import RebuildRecord
from shared.runtime import Runtime
from shared.workingset import MARKS
from tests.conftest import Infra, Mint, eventually, serve
from tests.e2e.test_reporting_rollups import AUTUMN, new_place, publish
from tests.reporting_scenario import Log, Place, at, autumn, school

NAMES = [p.name for p in projections()]


async def generation(db: AsyncDatabase[dict[str, Any]], gen: int) -> dict[str, list[Any]]:
    """Every document of every collection of the reporting projections' generation."""
    found: dict[str, list[Any]] = {}
    for p in projections():
        for name in (*p.collections, MARKS):
            coll = db[collection_name(p.name, gen, name)]
            found[f"{p.name}/{name}"] = [doc async for doc in coll.find({}).sort("_id", 1)]
    return found


async def nothing_held(record: RebuildRecord) -> None:
    return None


def new_school(place: Place) -> Log:
    log = Log()
    registered = school(place, "A").model_copy(
        update={"school_id": place.sid("E"), "name": "学校E"}
    )
    where = place.school("A").model_copy(update={"school": place.sid("E")})
    log.add(f"school-{place.sid('E')}", registered, where, at("2026-10-20"))
    return log


async def test_a_rebuild_replays_into_new_collections_and_switches(
    infra: Infra, settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    place = new_place()
    # its own topics: the scenario's inspector (insp-1) is in every place that other
    # tests publish, and a replay of one id registered in two counties (which the
    # directory never lets happen) would depend on the order across partitions
    infra = replace(infra, topic_prefix=f"{infra.topic_prefix}reb{uuid4().hex[:8]}.")
    county = auth_header(
        Role.county_office, province=place.province, city=place.city, county=place.county
    )
    province = auth_header(Role.province_office, province=place.province)
    app = create_app(settings_for(ReportingSettings, kafka_topic_prefix=infra.topic_prefix))

    async with serve(app) as api:
        runtime: Runtime = app.state.runtime
        written = await publish(infra, autumn(place))

        async def county_figures() -> dict[str, Any]:
            r = await api.get(
                f"/reports/units/county/{place.county}", params=AUTUMN, headers=county
            )
            assert r.status_code == 200, r.text
            return dict(r.json())

        async def settled() -> bool:
            r = await api.get(
                f"/reports/units/county/{place.county}", params=AUTUMN, headers=county
            )
            if r.status_code == 404:  # the county's first roll-up documents are not in yet
                return False
            assert r.status_code == 200, r.text
            zones = [c["figures"] for c in r.json()["children"]]
            visits = sum(int(z["visits"]) for z in zones)
            closed = sum(int(z["issues_closed"]) for z in zones)
            return visits == 4 and closed == 3

        async def stored_all_published() -> bool:
            # every projection has stored what was published to the topics it reads: the
            # figures read next no longer change (the counts alone can settle earlier)
            for name in NAMES:
                runner = runtime.projections[name].runner
                if runner is None:
                    return False
                for key, offset in written.items():
                    topic = key.rsplit(":", 1)[0]
                    if topic in runner.topics and runner.stored_positions.get(key, 0) < offset:
                        return False
            return True

        await eventually(settled, within=60)
        await eventually(stored_all_published, within=60)
        before = await county_figures()

        # hold the rebuild once every new generation is prepared
        held, release = asyncio.Event(), asyncio.Event()

        async def hold(record: RebuildRecord) -> None:
            held.set()
            await release.wait()

        app.state.rebuilds.before_switch = hold
        r = await api.post("/reports/rebuilds", headers=county)
        assert r.status_code == 403
        r = await api.post("/reports/rebuilds", headers=province)
        assert r.status_code == 202, r.text
        started = r.json()
        assert started["state"] == "preparing"
        url = f"/reports/rebuilds/{started['id']}"
        await asyncio.wait_for(held.wait(), timeout=60)

        # prepared, not switched: the replay reached every captured end offset
        r = await api.get(url, headers=province)
        status = r.json()
        assert status["state"] == "replaying" and status["progress"] == 1.0, status
        assert status["events_replayed"] >= status["events_target"] > 0
        assert status["events_per_second"] > 0
        by_name = {p["projection"]: p for p in status["projections"]}
        assert set(by_name) == set(NAMES)
        assert {(p["previous_generation"], p["generation"]) for p in by_name.values()} == {(1, 2)}
        rollup_topics = {t["topic"] for t in by_name["reporting_rollups"]["topics"]}
        assert {
            "duxue.directory.events",
            "duxue.visits.events",
            "duxue.issues.events",
        } <= rollup_topics
        # reads keep answering from the current generation; a second rebuild waits its turn
        assert await county_figures() == before
        r = await api.post("/reports/rebuilds", headers=province)
        assert r.status_code == 409, r.text

        # the live runners have stored everything up to the targets: compare document for document
        ends = {
            (p["projection"], f"{infra.topic_prefix}{t['topic']}:{n}"): offset
            for p in status["projections"]
            for t in p["topics"]
            for n, offset in t["end_offsets"].items()
        }

        def live_caught_up() -> bool:
            for (name, key), offset in ends.items():
                runner = runtime.projections[name].runner
                if runner is None or runner.stored_positions.get(key, 0) < offset:
                    return False
            return True

        async def caught_up() -> bool:
            return live_caught_up()

        await eventually(caught_up, within=60)
        live, rebuilt = await generation(runtime.db, 1), await generation(runtime.db, 2)
        assert sum(len(docs) for docs in live.values()) > 0
        for name, docs in live.items():
            assert rebuilt[name] == docs, name

        # switch: reads go to the new generation, the old one is dropped
        release.set()

        async def switched() -> dict[str, Any] | None:
            r = await api.get(url, headers=province)
            return r.json() if r.json()["state"] == "switched" else None

        done = await eventually(switched, within=60)
        assert done["switched_at"] is not None and done["finished_at"] is not None
        assert done["error"] is None
        for name in NAMES:
            assert await ReadModels(runtime.db, name).active_generation() == 2
        left = await runtime.db.list_collection_names()
        assert not [c for c in left if c.startswith(tuple(f"rm_{n}_g1_" for n in NAMES))]
        assert await county_figures() == before

        # the live runner goes on from the new generation's stored positions
        await publish(infra, new_school(place).events)

        async def four_schools() -> bool:
            return bool((await county_figures())["figures"]["schools"] == 4)

        await eventually(four_schools, within=60)
        months = await ReadModels(runtime.db, "reporting_rollups").collection("months")
        assert months.name == collection_name("reporting_rollups", 2, "months")

        # a finished rebuild lets the next one start, into the generation after
        app.state.rebuilds.before_switch = nothing_held
        r = await api.post("/reports/rebuilds", headers=province)
        assert r.status_code == 202, r.text
        url = f"/reports/rebuilds/{r.json()['id']}"
        again = await eventually(switched, within=60)
        assert {(p["previous_generation"], p["generation"]) for p in again["projections"]} == {
            (2, 3)
        }
        assert (await county_figures())["figures"]["schools"] == 4

        # unknown ids and other roles are refused
        r = await api.get(
            "/reports/rebuilds/00000000-0000-0000-0000-000000000000", headers=province
        )
        assert r.status_code == 404
        r = await api.get(url, headers=county)
        assert r.status_code == 403
        metrics = (await api.get("/metrics")).text
        assert 'duxue_rebuild_events_replayed_total{projection="reporting_rollups"' in metrics
        assert 'duxue_rebuild_progress_ratio{projection="reporting_rollups"} 1.0' in metrics


async def test_a_failed_rebuild_drops_its_generation_and_the_current_one_serves_on(
    infra: Infra, settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    place = new_place()
    county = auth_header(
        Role.county_office, province=place.province, city=place.city, county=place.county
    )
    province = auth_header(Role.province_office, province=place.province)
    app = create_app(settings_for(ReportingSettings))

    async with serve(app) as api:
        runtime: Runtime = app.state.runtime
        await publish(infra, autumn(place))

        async def schools() -> int:
            r = await api.get(
                f"/reports/units/county/{place.county}", params=AUTUMN, headers=county
            )
            return int(r.json()["figures"]["schools"]) if r.status_code == 200 else 0

        async def three() -> bool:
            return await schools() == 3

        await eventually(three, within=60)

        async def broken(record: RebuildRecord) -> None:
            raise RuntimeError("存储不可用")

        app.state.rebuilds.before_switch = broken
        r = await api.post("/reports/rebuilds", headers=province)
        assert r.status_code == 202, r.text
        url = f"/reports/rebuilds/{r.json()['id']}"

        async def failed() -> dict[str, Any] | None:
            found = (await api.get(url, headers=province)).json()
            return found if found["state"] == "failed" else None

        record = await eventually(failed, within=60)
        assert "存储不可用" in record["error"] and record["switched_at"] is None
        left = await runtime.db.list_collection_names()
        assert not [c for c in left if c.startswith(tuple(f"rm_{n}_g2_" for n in NAMES))]
        for name in NAMES:
            assert await ReadModels(runtime.db, name).active_generation() == 1
        # the live runner goes on in generation 1, and the next rebuild may start
        await publish(infra, new_school(place).events)

        async def four() -> bool:
            return await schools() == 4

        await eventually(four, within=60)
        app.state.rebuilds.before_switch = nothing_held
        r = await api.post("/reports/rebuilds", headers=province)
        assert r.status_code == 202, r.text
        url = f"/reports/rebuilds/{r.json()['id']}"

        async def switched() -> bool:
            return bool((await api.get(url, headers=province)).json()["state"] == "switched")

        await eventually(switched, within=60)
        assert await schools() == 4
        assert await ReadModels(runtime.db, "reporting_rollups").active_generation() == 2
