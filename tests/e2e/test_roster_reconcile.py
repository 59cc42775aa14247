"""Re-importing a roster through HTTP: the import reconciles with the event store.

An office keeps one workbook all year and uploads it again with new schools, corrected
details, coordinates, or after Excel re-saved it. The visits service runs in-process
against the real Kafka broker and MongoDB-wire server.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI
from openpyxl import Workbook

from deploy.local import demo
from services.visits.bootstrap import create_app
from services.visits.directory.roster.format import COLUMNS, to_sheets
from services.visits.settings import VisitsSettings
from shared.auth import Role
from tests.conftest import Infra, Mint, eventually, serve
from tests.factories import CITY, PROVINCE, new_county
from tests.rosters import roster_csv, roster_xlsx, standard_roster, upload

App = tuple[httpx.AsyncClient, FastAPI]
SCHOOL_AT = {"latitude": 31.4676, "longitude": 104.7320}
NEAR = {"latitude": 31.4680, "longitude": 104.7325}  # about 60 m away
FAR = {"latitude": 31.4776, "longitude": 104.7320}  # about 1.1 km away


@pytest.fixture
async def visits(settings_for: Callable[..., Any]) -> AsyncIterator[App]:
    app = create_app(settings_for(VisitsSettings))
    async with serve(app) as client:
        yield client, app


def office_of(auth_header: Mint, county: str) -> dict[str, str]:
    return auth_header(Role.county_office, province=PROVINCE, city=CITY, county=county)


def streams(county: str) -> list[str]:
    return [
        *(f"zone-{county}-z{n}" for n in (1, 2)),
        *(f"inspector-{county}-insp-{n}" for n in (1, 2, 3)),
        *(f"school-{county}-s{n}" for n in range(1, 13)),
    ]


async def versions(app: FastAPI, county: str) -> dict[str, int]:
    store = app.state.runtime.store
    return {s: await store.version(s) for s in streams(county)}


async def post(
    client: httpx.AsyncClient, data: bytes, office: dict[str, str], name: str, query: str = ""
) -> httpx.Response:
    return await client.post(f"/directory/imports{query}", files=upload(data, name), headers=office)


async def imported(client: httpx.AsyncClient, auth_header: Mint) -> tuple[str, dict[str, str]]:
    """A new county with the standard roster imported, and its office's headers."""
    county = new_county()
    office = office_of(auth_header, county)
    assert (await post(client, roster_xlsx(county), office, "r.xlsx")).status_code == 201
    return county, office


async def test_the_same_roster_again_writes_nothing(visits: App, auth_header: Mint) -> None:
    client, app = visits
    county = new_county()
    office = office_of(auth_header, county)
    first = await post(client, roster_xlsx(county), office, "r.xlsx")
    assert first.status_code == 201, first.text
    before = await versions(app, county)

    same_bytes = await post(client, roster_xlsx(county), office, "r.xlsx")
    assert same_bytes.json()["status"] == "already_imported"
    as_csv = await post(client, roster_csv(county), office, "r.csv")
    assert as_csv.status_code == 200, as_csv.text
    body = as_csv.json()
    assert body["status"] == "unchanged" and body["written"] == 0
    assert body["diff"]["unchanged"] == {"zones": 2, "inspectors": 3, "schools": 10, "listings": 9}
    assert body["diff"]["changed"] == [] and body["diff"]["absent"] == []
    assert await versions(app, county) == before
    assert await app.state.runtime.store.version(f"roster-import-{body['import_id']}") == 0


def resaved(entries: dict[str, Any]) -> bytes:
    """A roster as Excel saves it again: numbers as floats, dates as dates, trailing
    spaces, rows in another order."""
    sheets = to_sheets(**entries)
    book = Workbook()
    book.remove(book.worksheets[0])
    for kind, rows in sheets.items():
        sheet = book.create_sheet(kind)
        names = [c.name for c in COLUMNS[kind]]
        sheet.append(names)
        for values in reversed(rows):
            cells: list[object] = []
            for name in names:
                value = values.get(name)
                if name == "挂牌日期" and isinstance(value, str):
                    value = datetime.fromisoformat(value)
                elif name == "电话" and isinstance(value, str):
                    value = float(value)
                elif name in ("经度", "纬度") and isinstance(value, float):
                    value += 1e-11  # binary floating-point noise
                elif isinstance(value, str):
                    value = value + "  "
                cells.append(value)
            sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_a_roster_excel_saved_again_is_unchanged(visits: App, auth_header: Mint) -> None:
    client, app = visits
    county = new_county()
    office = office_of(auth_header, county)
    base = standard_roster(county)
    for n, i in enumerate(base["inspectors"]):
        i["phone"] = f"1380000000{n}"  # mobile numbers: Excel turns them into numbers
    base["schools"][0].update(SCHOOL_AT)
    data = roster_xlsx(county, inspectors=base["inspectors"], schools=base["schools"])
    first = await post(client, data, office, "r.xlsx")
    assert first.status_code == 201, first.text
    before = await versions(app, county)

    again = await post(client, resaved(base), office, "r.xlsx")
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "unchanged", again.json()["diff"]
    assert await versions(app, county) == before


async def test_new_schools_and_a_changed_one_write_exactly_those_events(
    visits: App, auth_header: Mint
) -> None:
    client, app = visits
    county, office = await imported(client, auth_header)
    before = await versions(app, county)
    base = standard_roster(county)
    schools = [dict(s) for s in base["schools"]]
    schools[2]["name"] = "测试第3学校（更名）"
    schools += [
        {**schools[0], "school_id": f"{county}-s{n}", "name": f"新学校{n}"} for n in (11, 12)
    ]
    data = roster_xlsx(county, schools=schools)

    dry = await post(client, data, office, "r2.xlsx", "?dry_run=true")
    assert dry.status_code == 200, dry.text
    diff = dry.json()["diff"]
    assert diff["new"] == {
        "zones": [],
        "inspectors": [],
        "schools": [f"{county}-s11", f"{county}-s12"],
        "listings": [],
    }
    assert diff["changed"] == [
        {
            "kind": "school",
            "id": f"{county}-s3",
            "sheet": "学校",
            "row": 4,
            "fields": {"name": {"before": "测试第3学校", "after": "测试第3学校（更名）"}},
        }
    ]
    assert diff["unchanged"] == {"zones": 2, "inspectors": 3, "schools": 9, "listings": 9}
    assert await versions(app, county) == before

    r = await post(client, data, office, "r2.xlsx")
    assert r.status_code == 201, r.text
    assert r.json()["diff"] == diff and r.json()["written"] == 3
    expected = {
        **before,
        f"school-{county}-s3": before[f"school-{county}-s3"] + 1,
        f"school-{county}-s11": 1,
        f"school-{county}-s12": 1,
    }
    assert await versions(app, county) == expected
    events = await app.state.runtime.store.load(f"school-{county}-s3")
    assert events[-1].event_type == "cn.duxue.directory.school_details_corrected"
    assert events[-1].payload["name"] == "测试第3学校（更名）"
    assert events[-1].correlation_id == f"import-{r.json()['import_id']}"


async def test_listings_absent_from_the_file_end_only_when_asked(
    visits: App, auth_header: Mint
) -> None:
    client, app = visits
    county, office = await imported(client, auth_header)
    base = standard_roster(county)
    listings = [dict(x) for x in base["listings"][1:]]  # s1's listing is gone
    listings[0]["duties"] = "每两周一次随访"  # s2's listing changes its duties
    data = roster_xlsx(county, listings=listings)
    store = app.state.runtime.store
    s1 = await store.version(f"school-{county}-s1")

    kept = await post(client, data, office, "r.xlsx")
    assert kept.status_code == 201, kept.text
    diff = kept.json()["diff"]
    gone = {
        "listing_id": f"{county}-s1-L1",
        "school_id": f"{county}-s1",
        "inspector_id": f"{county}-insp-1",
        "starts_on": "2026-09-01",
    }
    assert diff["absent"] == [gone] and diff["ended"] == []
    assert [(c["kind"], c["id"], list(c["fields"])) for c in diff["changed"]] == [
        ("listing", f"{county}-s2-L1", ["duties"])
    ]
    assert await store.version(f"school-{county}-s1") == s1
    last = (await store.load(f"school-{county}-s2"))[-1]
    assert last.event_type == "cn.duxue.directory.listing_corrected"

    query = "?end_missing=true&ends_on=2026-12-31"
    ended = await post(client, data, office, "r.xlsx", query)
    assert ended.status_code == 201, ended.text
    assert ended.json()["diff"]["ended"] == [{**gone, "ends_on": "2026-12-31"}]
    assert ended.json()["written"] == 1
    last = (await store.load(f"school-{county}-s1"))[-1]
    assert last.event_type == "cn.duxue.directory.listing_ended"
    assert last.payload["ends_on"] == "2026-12-31"
    again = await post(client, data, office, "r.xlsx", "?end_missing=true")
    assert again.json()["status"] == "already_imported"


async def _plan(client: httpx.AsyncClient, school_id: str, insp: dict[str, str]) -> str:
    plan = {"school_id": school_id, "planned_on": "2026-11-16", "purpose": "随访督导"}
    r = await client.post("/visits", json=plan, headers=insp)
    assert r.status_code == 201, r.text
    return str(r.json()["visit_id"])


async def _signed_in(client: httpx.AsyncClient, vid: str, who: dict[str, str]) -> dict[str, Any]:
    async def seen() -> dict[str, Any] | None:
        r = await client.get(f"/visits/{vid}", headers=who)
        signs = r.json().get("sign_ins", []) if r.status_code == 200 else []
        return signs[0] if signs else None

    found: dict[str, Any] = await eventually(seen)
    return found


async def test_coordinates_from_the_roster_check_the_sign_in(
    visits: App, auth_header: Mint
) -> None:
    client, _ = visits
    county = new_county()
    office = office_of(auth_header, county)
    base = standard_roster(county)
    schools = [dict(s) for s in base["schools"]]
    schools[0].update(SCHOOL_AT)  # s1 has coordinates from the first import
    assert (
        await post(client, roster_xlsx(county, schools=schools), office, "r.xlsx")
    ).status_code == 201
    schools[1].update(SCHOOL_AT)  # s2 gets them when the office uploads the workbook again
    again = await post(client, roster_xlsx(county, schools=schools), office, "r.xlsx")
    assert again.status_code == 201, again.text
    [change] = again.json()["diff"]["changed"]
    assert change["id"] == f"{county}-s2"
    assert change["fields"] == {"location": {"before": None, "after": SCHOOL_AT}}

    insp = auth_header(
        Role.inspector, user_id=f"{county}-insp-1", province=PROVINCE, city=CITY, county=county
    )

    async def ready() -> bool:
        found = []
        for n in (1, 2):
            r = await client.get(f"/schools/{county}-s{n}", headers=office)
            found.append(r.status_code == 200 and r.json().get("location") == SCHOOL_AT)
        r = await client.get(
            f"/inspectors/{county}-insp-1/listings?active_on=2026-11-16", headers=insp
        )
        return all(found) and r.status_code == 200 and r.json()["total"] == 3

    await eventually(ready)
    near = await _plan(client, f"{county}-s1", insp)
    r = await client.post(f"/visits/{near}/sign-in", json={"location": NEAR}, headers=insp)
    assert r.status_code == 200, r.text
    signed = await _signed_in(client, near, insp)
    assert signed["flagged"] is False and signed["distance_m"] < 100

    far = await _plan(client, f"{county}-s2", insp)
    r = await client.post(f"/visits/{far}/sign-in", json={"location": FAR}, headers=insp)
    assert r.status_code == 200, r.text
    signed = await _signed_in(client, far, insp)
    assert signed["flagged"] is True and signed["distance_m"] > 1000


async def test_the_demo_roster_imports_over_an_older_demo(
    settings_for: Callable[..., Any],
    infra: Infra,
    auth_header: Mint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``make run`` on a machine that kept an older demo's data: the roster is reconciled.
    The demo's ids are fixed, so this test has topics of its own."""
    with monkeypatch.context() as older:
        older.setattr(demo, "location_of", lambda n: {})  # the demo before coordinates
        old = demo.roster(demo.COUNTY)
    prefix = f"{infra.topic_prefix}demo{uuid4().hex[:6]}."
    app = create_app(settings_for(VisitsSettings, kafka_topic_prefix=prefix))
    office = office_of(auth_header, demo.COUNTY)
    async with serve(app) as client:
        assert (await post(client, old, office, "demo.xlsx")).status_code == 201
        r = await post(client, demo.roster(demo.COUNTY), office, "demo.xlsx")
        assert r.status_code == 201, r.text
        changed = r.json()["diff"]["changed"]
        assert len(changed) == 10 and {tuple(c["fields"]) for c in changed} == {("location",)}
        again = await post(client, demo.roster(demo.COUNTY), office, "demo.xlsx")
        assert again.json()["status"] == "already_imported"


async def test_inspector_zone_and_school_corrections_use_the_directory_events(
    visits: App, auth_header: Mint
) -> None:
    client, app = visits
    county, office = await imported(client, auth_header)
    base = standard_roster(county)
    inspectors = [dict(i) for i in base["inspectors"]]
    inspectors[1].update(phone="0816-2299999", title=None)  # an empty cell clears nothing
    zones = [dict(z) for z in base["zones"]]
    zones[0]["leader_id"] = f"{county}-insp-2"
    schools = [dict(s) for s in base["schools"]]
    schools[0]["zone_id"] = f"{county}-z2"
    data = roster_xlsx(county, zones=zones, inspectors=inspectors, schools=schools)

    r = await post(client, data, office, "r.xlsx")
    assert r.status_code == 201, r.text
    changed = {(c["kind"], c["id"]): c["fields"] for c in r.json()["diff"]["changed"]}
    assert changed == {
        ("inspector", f"{county}-insp-2"): {
            "phone": {"before": "0816-2220000", "after": "0816-2299999"}
        },
        ("zone", f"{county}-z1"): {
            "leader_id": {"before": f"{county}-insp-1", "after": f"{county}-insp-2"}
        },
        ("school", f"{county}-s1"): {
            "zone_id": {"before": f"{county}-z1", "after": f"{county}-z2"}
        },
    }
    store = app.state.runtime.store

    async def last(stream: str) -> Any:
        return (await store.load(stream))[-1]

    fixed = await last(f"inspector-{county}-insp-2")
    assert fixed.event_type == "cn.duxue.directory.inspector_details_corrected"
    assert fixed.payload["phone"] == "0816-2299999" and fixed.payload["title"] is None
    led = await last(f"zone-{county}-z1")
    assert led.event_type == "cn.duxue.directory.zone_leader_changed"
    assert led.payload["leader_id"] == f"{county}-insp-2"
    moved = await last(f"school-{county}-s1")
    assert moved.event_type == "cn.duxue.directory.school_zone_changed"
    assert moved.jurisdiction.zone == f"{county}-z2"

    again = await post(client, roster_csv(county, zones, schools, inspectors), office, "r.csv")
    assert again.json()["status"] == "unchanged", again.text
