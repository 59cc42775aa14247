"""One slice end to end: visits registers schools → Kafka → reporting counts them.

Both services run in-process with their real lifespans against the real Kafka broker
and MongoDB-wire server; they share nothing but the topic.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from services.reporting.bootstrap import create_app as reporting_app
from services.reporting.settings import ReportingSettings
from services.visits.bootstrap import create_app as visits_app
from services.visits.settings import VisitsSettings
from shared.auth import Role
from tests.conftest import Mint, eventually, serve
from tests.factories import CITY, PROVINCE, new_county, school_body


@pytest.fixture
async def apps(
    settings_for: Callable[..., Any],
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with (
        serve(visits_app(settings_for(VisitsSettings))) as visits,
        serve(reporting_app(settings_for(ReportingSettings))) as reporting,
    ):
        yield visits, reporting


async def test_registered_schools_are_counted_per_county(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient], auth_header: Mint
) -> None:
    visits, reporting = apps
    county = new_county()
    office = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=county)
    for i, kind in enumerate(["primary", "primary", "junior", "kindergarten"]):
        r = await visits.post(
            "/schools", json=school_body(f"{county}-s{i}", county, kind), headers=office
        )
        assert r.status_code == 201, r.text
        assert r.headers["ETag"] == '"1"'

    async def counted() -> dict[str, Any] | None:
        r = await reporting.get(f"/reports/counties/{county}/schools", headers=office)
        return r.json() if r.status_code == 200 and r.json()["schools"] == 4 else None

    unit = await eventually(counted)
    assert unit["by_kind"] == {"primary": 2, "junior": 1, "kindergarten": 1}

    city_office = auth_header(Role.city_office, province=PROVINCE, city=CITY)
    r = await reporting.get("/reports/schools-per-county", headers=city_office)
    assert county in {u["county"] for u in r.json()}

    async def listed() -> dict[str, Any] | None:
        r = await visits.get(f"/schools/{county}-s2", headers=office)
        return r.json() if r.status_code == 200 else None

    school = await eventually(listed)
    assert school["kind"] == "junior" and school["version"] == 1


async def test_a_correction_needs_the_current_version(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient], auth_header: Mint
) -> None:
    visits, reporting = apps
    county = new_county()
    office = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=county)
    sid = f"{county}-fix"
    assert (await visits.post("/schools", json=school_body(sid, county), headers=office)).is_success
    fix = {"reason": "学校改制", "kind": "nine_year"}
    r = await visits.patch(f"/schools/{sid}", json=fix, headers={**office, "If-Match": '"1"'})
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'
    stale = await visits.patch(f"/schools/{sid}", json=fix, headers={**office, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2

    async def moved() -> bool:
        r = await reporting.get(f"/reports/counties/{county}/schools", headers=office)
        return r.status_code == 200 and r.json()["by_kind"] == {"nine_year": 1}

    await eventually(moved)


async def test_errors_are_clear_and_never_500(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient], auth_header: Mint
) -> None:
    visits, reporting = apps
    county, neighbour = new_county(), new_county()
    office = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=county)
    inspector = auth_header(Role.inspector, province=PROVINCE, city=CITY, county=county)

    r = await visits.post("/schools", json=school_body("x1", county, kind="castle"), headers=office)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["body.kind"]

    assert (await visits.post("/schools", json=school_body("x2", county))).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert (await visits.get("/schools", headers=bad)).status_code == 401

    other = school_body(f"{neighbour}-s", neighbour)
    assert (await visits.post("/schools", json=other, headers=office)).status_code == 403
    assert (
        await visits.post("/schools", json=school_body("x3", county), headers=inspector)
    ).status_code == 403

    r = await visits.patch(
        "/schools/nobody-here", json={"reason": "更正", "name": "新名"}, headers=office
    )
    assert r.status_code == 404
    assert (await visits.get("/schools/nobody-here", headers=office)).status_code == 404
    assert (
        await reporting.get("/reports/counties/000000/schools", headers=office)
    ).status_code == 404

    sid = f"{county}-dup"
    assert (
        await visits.post("/schools", json=school_body(sid, county), headers=office)
    ).status_code == 201
    again = await visits.post("/schools", json=school_body(sid, county), headers=office)
    assert again.status_code == 409 and "已登记" in again.json()["message"]

    neighbour_office = auth_header(
        Role.county_office, province=PROVINCE, city=CITY, county=neighbour
    )

    async def visible() -> bool:
        r = await visits.get(f"/schools/{sid}", headers=office)
        return r.status_code == 200

    await eventually(visible)
    assert (await visits.get(f"/schools/{sid}", headers=neighbour_office)).status_code == 403
    r = await reporting.get(f"/reports/counties/{county}/schools", headers=neighbour_office)
    assert r.status_code in (403, 404)


async def test_health_readiness_metrics_and_catalogue(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    for client in apps:
        assert (await client.get("/healthz")).status_code == 200

        async def ready_now(client: httpx.AsyncClient = client) -> httpx.Response | None:
            r = await client.get("/readyz")  # a loaded machine may time a ping out once
            return r if r.status_code == 200 else None

        ready = await eventually(ready_now, within=30)
        assert ready.json()["checks"] == {"mongodb": "ok", "kafka": "ok", "projections": "ok"}
        assert "duxue_http_request_seconds" in (await client.get("/metrics")).text
        catalogue = (await client.get("/events/catalogue")).json()
        assert catalogue["envelope"]["$id"] == "urn:duxue:schema:envelope:1"
        assert "partitionkey" in catalogue["envelope"]["required"]
        types = {e["type"] for e in catalogue["events"]}
        assert "cn.duxue.directory.school_registered" in types


async def test_a_rebuild_from_offset_zero_equals_the_live_read_model(
    settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    county = new_county()
    office = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=county)
    province = auth_header(Role.province_office, province=PROVINCE)
    app = reporting_app(settings_for(ReportingSettings))
    async with serve(visits_app(settings_for(VisitsSettings))) as visits, serve(app) as reporting:
        for i, kind in enumerate(["primary", "senior", "primary"]):
            body = school_body(f"{county}-r{i}", county, kind)
            assert (await visits.post("/schools", json=body, headers=office)).status_code == 201
        fix = {"reason": "改制", "kind": "junior"}
        r = await visits.patch(f"/schools/{county}-r0", json=fix, headers=office)
        assert r.status_code == 200

        async def caught_up() -> bool:
            r = await reporting.get(f"/reports/counties/{county}/schools", headers=office)
            return r.status_code == 200 and r.json()["by_kind"].get("junior") == 1

        await eventually(caught_up)
        assert (
            await reporting.post("/admin/projections/school_counts/rebuild", headers=office)
        ).status_code == 403
        r = await reporting.post("/admin/projections/school_counts/rebuild", headers=province)
        assert r.status_code == 200 and r.json()["active_generation"] == 2

        db = app.state.runtime.db
        for collection in ("units", "schools", "_marks"):
            live = await db[f"rm_school_counts_g1_{collection}"].find().sort("_id").to_list()
            rebuilt = await db[f"rm_school_counts_g2_{collection}"].find().sort("_id").to_list()
            assert rebuilt == live and live
        r = await reporting.get(f"/reports/counties/{county}/schools", headers=office)
        assert r.json()["by_kind"] == {"junior": 1, "senior": 1, "primary": 1}
        assert (
            await reporting.post("/admin/projections/nope/rebuild", headers=province)
        ).status_code == 404
