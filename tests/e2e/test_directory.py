"""The directory end to end through HTTP: roster imports, listings, gaps, the public plate.

The visits service runs in-process with its real lifespan against the real Kafka broker
and MongoDB-wire server; reads go through its ``visits_directory`` projection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.visits.bootstrap import create_app
from services.visits.directory.domain.school import RegisterSchool
from services.visits.directory.service import Written
from services.visits.settings import VisitsSettings
from shared.auth import Principal, Role, TokenIssuer
from shared.directory.lookup import ReadModelDirectory
from shared.jurisdiction import Jurisdiction
from tests.conftest import Mint, eventually, serve
from tests.factories import CITY, PROVINCE, new_county, school_body
from tests.rosters import roster_csv, roster_xlsx, standard_roster, upload

MAX_BYTES = 64 * 1024
ON = date(2026, 10, 1)

App = tuple[httpx.AsyncClient, FastAPI]


@pytest.fixture
async def visits(settings_for: Callable[..., Any]) -> AsyncIterator[App]:
    app = create_app(settings_for(VisitsSettings, roster_max_bytes=MAX_BYTES, public_rate_burst=5))
    async with serve(app) as client:
        yield client, app


def office_of(auth_header: Mint, county: str) -> dict[str, str]:
    return auth_header(Role.county_office, province=PROVINCE, city=CITY, county=county)


def token_for(issuer: TokenIssuer, user_id: str, role: Role, **where: str) -> dict[str, str]:
    principal = Principal(
        user_id=user_id, name=user_id, roles=frozenset({role}), jurisdiction=Jurisdiction(**where)
    )
    token = issuer.mint(principal, datetime.now(UTC), timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


async def imported(client: httpx.AsyncClient, county: str, headers: dict[str, str]) -> None:
    r = await client.post("/directory/imports", files=upload(roster_xlsx(county)), headers=headers)
    assert r.status_code == 201, r.text

    await settled(client, county, headers)


async def settled(client: httpx.AsyncClient, county: str, headers: dict[str, str]) -> None:
    """Wait until the read model holds the whole standard roster."""

    async def visible() -> bool:
        schools = await client.get(f"/schools?county={county}", headers=headers)
        listings = await client.get(f"/listings?county={county}", headers=headers)
        zones = await client.get(f"/zones?county={county}", headers=headers)
        inspectors = await client.get(f"/inspectors?county={county}", headers=headers)
        counts = [r.json()["total"] for r in (schools, listings, zones, inspectors)]
        return counts == [10, 9, 2, 3]

    await eventually(visible)


async def test_an_xlsx_roster_fills_a_county(
    visits: App, auth_header: Mint, issuer: TokenIssuer
) -> None:
    client, app = visits
    county = new_county()
    office = office_of(auth_header, county)
    data = roster_xlsx(county)

    dry = await client.post("/directory/imports?dry_run=true", files=upload(data), headers=office)
    assert dry.status_code == 200, dry.text
    assert dry.json()["status"] == "validated"
    store = app.state.runtime.store
    assert await store.version(f"school-{county}-s1") == 0

    r = await client.post("/directory/imports", files=upload(data), headers=office)
    assert r.status_code == 201, r.text
    summary = r.json()
    assert summary["counts"] == {"zones": 2, "inspectors": 3, "schools": 10, "listings": 9}
    assert summary["written"] == 24 and summary["skipped"] == 0
    assert await store.version(f"school-{county}-s1") == 2

    again = await client.post("/directory/imports", files=upload(data), headers=office)
    assert again.status_code == 200
    assert again.json()["status"] == "already_imported"
    assert again.json()["import_id"] == summary["import_id"]
    assert await store.version(f"school-{county}-s1") == 2

    await settled(client, county, office)
    r = await client.get(f"/directory/gaps?county={county}&on={ON}", headers=office)
    found = r.json()
    assert r.status_code == 200 and found["schools"] == 10
    assert [s["school_id"] for s in found["schools_without_listing"]] == [f"{county}-s10"]
    assert found["zones_without_leader"] == [] and found["schools_without_zone"] == []
    before = await client.get(f"/directory/gaps?county={county}&on=2026-08-31", headers=office)
    assert len(before.json()["schools_without_listing"]) == 10

    zones = (await client.get(f"/zones?county={county}", headers=office)).json()["items"]
    assert [(z["zone_id"], z["leader_id"]) for z in zones] == [
        (f"{county}-z1", f"{county}-insp-1"),
        (f"{county}-z2", f"{county}-insp-3"),
    ]
    inspectors = (await client.get("/inspectors", headers=office)).json()["items"]
    assert {i["employment"] for i in inspectors} == {"full_time", "part_time"}

    lookup = ReadModelDirectory(app.state.runtime.db, "visits_directory")
    assert await lookup.listed_inspectors(f"{county}-s1", ON) == [f"{county}-insp-1"]
    assert await lookup.listed_inspectors(f"{county}-s1", date(2026, 8, 1)) == []
    assert await lookup.zone_leader(f"{county}-z2") == f"{county}-insp-3"
    school = await lookup.school(f"{county}-s7")
    assert school is not None and school.jurisdiction.zone == f"{county}-z2"
    inspector = await lookup.inspector(f"{county}-insp-2")
    assert inspector is not None and inspector.jurisdiction.county == county
    assert await lookup.school("nobody") is None and await lookup.inspector("nobody") is None

    me = token_for(
        issuer, f"{county}-insp-1", Role.inspector, province=PROVINCE, city=CITY, county=county
    )
    mine = await client.get(f"/inspectors/{county}-insp-1/listings?active_on={ON}", headers=me)
    listed = sorted(x["school_id"] for x in mine.json()["items"])
    assert listed == [f"{county}-s{n}" for n in (1, 2, 3)]


async def test_the_plate_is_public_and_rate_limited(visits: App, auth_header: Mint) -> None:
    client, _ = visits
    county = new_county()
    office = office_of(auth_header, county)
    body = standard_roster(county, starts_on=date.today() - timedelta(days=1))
    r = await client.post(
        "/directory/imports", files=upload(roster_xlsx(county, **body)), headers=office
    )
    assert r.status_code == 201, r.text

    async def listed() -> bool:  # wait on an authenticated read: the plate is rate-limited
        r = await client.get(f"/schools/{county}-s4/listings", headers=office)
        return r.status_code == 200 and bool(r.json()["active"])

    await eventually(listed)
    r = await client.get(f"/public/schools/{county}-s4/plate")
    assert r.status_code == 200, r.text
    shown = r.json()
    [person] = shown["inspectors"]
    assert person["name"] == "李督学" and person["employment_label"] == "兼职督学"
    assert person["phone"] == "0816-2220000" and person["duties"] == "每月至少一次随访"
    assert shown["complaints_url"] == f"/public/schools/{county}-s4/complaints"
    assert (await client.get("/public/schools/nobody/plate")).status_code == 404
    statuses = [(await client.get("/public/schools/nobody/plate")).status_code for _ in range(6)]
    assert 429 in statuses
    limited = await client.get("/public/schools/nobody/plate")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert "请求过于频繁" in limited.json()["message"]


async def test_a_csv_roster_in_another_county_and_jurisdiction(
    visits: App, auth_header: Mint
) -> None:
    client, _ = visits
    here, there = new_county(), new_county()
    mine, theirs = office_of(auth_header, here), office_of(auth_header, there)
    r = await client.post(
        "/directory/imports",
        files=upload(roster_csv(there), "roster.csv"),
        headers=theirs,
    )
    assert r.status_code == 201, r.text
    assert r.json()["counts"]["listings"] == 9

    async def visible() -> bool:
        r = await client.get(f"/zones/{there}-z1", headers=theirs)
        return r.status_code == 200

    await eventually(visible)
    assert (await client.get(f"/zones/{there}-z1", headers=mine)).status_code == 403
    assert (await client.get(f"/directory/gaps?county={there}", headers=mine)).status_code == 403
    assert (await client.get(f"/zones?county={there}", headers=mine)).status_code == 403
    r = await client.post(
        f"/directory/imports?county={there}", files=upload(roster_xlsx(there)), headers=mine
    )
    assert r.status_code == 403
    end = {"ends_on": "2026-12-31", "reason": "调整"}
    assert (
        await client.post(f"/listings/{there}-s1-L1/end", json=end, headers=mine)
    ).status_code == 403

    principal = auth_header(
        Role.principal, province=PROVINCE, city=CITY, county=there, school=f"{there}-s1"
    )

    async def history() -> dict[str, Any] | None:
        r = await client.get(f"/schools/{there}-s1/listings", headers=principal)
        body = r.json()
        return (
            body
            if r.status_code == 200 and body["active"] and body["active"][0]["inspector"]
            else None
        )

    own = await eventually(history)
    assert own["active"][0]["inspector"]["name"] == "张督学"
    assert (await client.get(f"/schools/{there}-s2/listings", headers=principal)).status_code == 403
    assert (await client.get("/zones/nobody", headers=theirs)).status_code == 404
    assert (await client.get("/listings/nobody-L1", headers=theirs)).status_code == 404


async def test_a_bad_roster_imports_nothing_and_lists_every_error(
    visits: App, auth_header: Mint
) -> None:
    client, app = visits
    county = new_county()
    office = office_of(auth_header, county)
    taken, elsewhere = f"{county}-taken", new_county()
    theirs = office_of(auth_header, elsewhere)
    r = await client.post("/schools", json=school_body(taken, elsewhere), headers=theirs)
    assert r.status_code == 201
    good = standard_roster(county)
    schools = [
        *good["schools"][:8],
        {**good["schools"][8], "kind": "城堡"},  # row 10: unknown school kind
        {**good["schools"][9], "name": None},  # row 11: missing name
        {**good["schools"][0], "name": "重复"},  # row 12: duplicate id of row 2
        {**good["schools"][1], "school_id": taken},  # row 13: registered in another county
        {**good["schools"][2], "school_id": f"{county}-s99", "zone_id": "nowhere"},  # row 14
    ]
    zones = [{**good["zones"][0], "leader_id": "ghost"}, good["zones"][1]]  # row 2: unknown leader
    listings = [
        *good["listings"][:8],
        {**good["listings"][8], "starts_on": "2026-13-01"},  # row 10: bad date
        {"inspector_id": f"{county}-insp-1", "school_id": "elsewhere", "starts_on": "2026-09-01"},
    ]
    inspectors = [*good["inspectors"][:2], {**good["inspectors"][2], "employment": "临时"}]
    data = roster_xlsx(county, zones, schools, inspectors, listings)
    r = await client.post("/directory/imports", files=upload(data), headers=office)
    assert r.status_code == 422, r.text
    assert "未导入任何数据" in r.json()["message"]
    got = {(e["sheet"], e["row"], e["column"]) for e in r.json()["errors"]}
    assert got == {
        ("责任区", 2, "组长督学编号"),
        ("督学", 4, "专兼职"),
        ("学校", 10, "学校类型"),
        ("学校", 11, "学校名称"),
        ("学校", 12, "学校编号"),
        ("学校", 13, "学校编号"),
        ("学校", 14, "责任区编号"),
        ("挂牌", 10, "挂牌日期"),
        ("挂牌", 11, "学校编号"),
    }
    assert all(e["message"] for e in r.json()["errors"])
    store = app.state.runtime.store
    for stream in (f"zone-{county}-z2", f"inspector-{county}-insp-1", f"school-{county}-s1"):
        assert await store.version(stream) == 0

    bad_csv = "类型,学校编号\n食堂,x1\n".encode()
    r = await client.post("/directory/imports", files=upload(bad_csv, "r.csv"), headers=office)
    assert r.status_code == 422
    assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [(2, "类型")]
    binary = upload(b"\xd0\xcf\x11\xe0" + bytes(100), "old.xls")
    r = await client.post("/directory/imports", files=binary, headers=office)
    assert r.status_code == 415 and r.json()["error"] == "unsupported_media_type"
    huge = upload(b"x" * (MAX_BYTES + 1), "big.csv")
    r = await client.post("/directory/imports", files=huge, headers=office)
    assert r.status_code == 413 and "上限" in r.json()["message"]
    no_file = await client.post("/directory/imports", data={"x": "1"}, headers=office)
    assert no_file.status_code == 422
    assert [e["field"] for e in no_file.json()["errors"]] == ["body.file"]
    province = auth_header(Role.province_office, province=PROVINCE)
    r = await client.post("/directory/imports", files=upload(bad_csv, "r.csv"), headers=province)
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["query.county"]


async def test_listing_history_corrections_and_stale_versions(
    visits: App, auth_header: Mint
) -> None:
    client, _ = visits
    county = new_county()
    office = office_of(auth_header, county)
    await imported(client, county, office)
    s10, insp2 = f"{county}-s10", f"{county}-insp-2"

    new = {"school_id": s10, "inspector_id": insp2, "starts_on": "2026-09-01", "duties": "随访"}
    r = await client.post("/listings", json=new, headers=office)
    assert r.status_code == 201, r.text
    assert r.json() == {"listing_id": f"{s10}-L1", "version": 1} and r.headers["ETag"] == '"1"'
    overlap = await client.post(
        "/listings", json={**new, "starts_on": "2027-01-01"}, headers=office
    )
    assert overlap.status_code == 409 and "重叠" in overlap.json()["message"]
    ghost = await client.post("/listings", json={**new, "inspector_id": "ghost"}, headers=office)
    assert ghost.status_code == 422 and "未登记" in ghost.json()["message"]
    assert ghost.json()["errors"][0]["field"] == "body.inspector_id"
    nowhere = await client.post("/listings", json={**new, "school_id": "nowhere"}, headers=office)
    assert nowhere.status_code == 422  # an unknown id in the body, not the path
    assert nowhere.json()["errors"][0]["field"] == "body.school_id"

    lid = f"{s10}-L1"
    fix = {"reason": "职责调整", "duties": "随访与专项督导"}
    r = await client.patch(f"/listings/{lid}", json=fix, headers={**office, "If-Match": '"1"'})
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'
    stale = await client.patch(f"/listings/{lid}", json=fix, headers={**office, "If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json()["current_version"] == 2
    early = {"ends_on": "2026-08-01", "reason": "调离"}
    r = await client.post(f"/listings/{lid}/end", json=early, headers=office)
    assert r.status_code == 409 and "早于" in r.json()["message"]
    end = {"ends_on": "2026-12-31", "reason": "调离"}
    r = await client.post(f"/listings/{lid}/end", json=end, headers={**office, "If-Match": '"2"'})
    assert r.status_code == 200 and r.json()["version"] == 3
    assert (await client.post(f"/listings/{lid}/end", json=end, headers=office)).status_code == 409
    later = await client.post(
        "/listings", json={**new, "starts_on": "2027-01-01", "duties": None}, headers=office
    )
    assert later.status_code == 201 and later.json()["listing_id"] == f"{s10}-L2"
    missing = await client.post("/listings/nowhere-L9/end", json=end, headers=office)
    assert missing.status_code == 404

    async def history() -> dict[str, Any] | None:
        r = await client.get(f"/schools/{s10}/listings", headers=office)
        body = r.json()
        return body if body["ended"] and body["active"] else None

    seen = await eventually(history)
    [ended] = seen["ended"]
    assert ended["ends_on"] == "2026-12-31" and ended["end_reason"] == "调离"
    assert ended["duties"] == "随访与专项督导"
    assert [h["event"] for h in ended["history"]] == [
        "inspector_listed",
        "listing_corrected",
        "listing_ended",
    ]
    assert seen["active"][0]["listing_id"] == f"{s10}-L2"
    gaps = (await client.get(f"/directory/gaps?county={county}&on={ON}", headers=office)).json()
    assert gaps["schools_without_listing"] == []


async def test_zone_and_inspector_corrections(visits: App, auth_header: Mint) -> None:
    client, _ = visits
    county = new_county()
    office = office_of(auth_header, county)
    await imported(client, county, office)
    z2 = f"{county}-z2"
    clear = {"reason": "组长退休", "leader_id": None}
    r = await client.patch(f"/zones/{z2}", json=clear, headers={**office, "If-Match": '"1"'})
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'
    stale = await client.patch(
        f"/zones/{z2}",
        json={"reason": "更名", "name": "二区"},
        headers={**office, "If-Match": '"1"'},
    )
    assert stale.status_code == 412
    ghost = await client.patch(
        f"/zones/{z2}", json={"reason": "新组长", "leader_id": "ghost"}, headers=office
    )
    assert ghost.status_code == 422, ghost.text
    assert ghost.json()["errors"][0]["field"] == "body.leader_id"
    assert (
        await client.patch("/zones/nowhere", json={"reason": "更名", "name": "x"}, headers=office)
    ).status_code == 404
    r = await client.patch(
        f"/inspectors/{county}-insp-1",
        json={"reason": "换号", "phone": "13800000000"},
        headers={**office, "If-Match": '"1"'},
    )
    assert r.status_code == 200
    move = {"zone_id": z2, "reason": "学区调整"}
    r = await client.post(f"/schools/{county}-s1/zone", json=move, headers=office)
    assert r.status_code == 200, r.text
    again = await client.post(f"/schools/{county}-s1/zone", json=move, headers=office)
    assert again.status_code == 409
    nowhere = {"zone_id": f"{county}-z-none", "reason": "学区调整"}
    r = await client.post(f"/schools/{county}-s1/zone", json=nowhere, headers=office)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.zone_id", r.text

    async def settled() -> dict[str, Any] | None:
        r = await client.get(f"/directory/gaps?county={county}&on={ON}", headers=office)
        body = r.json()
        return body if body["zones_without_leader"] else None

    gaps = await eventually(settled)
    assert [z["zone_id"] for z in gaps["zones_without_leader"]] == [z2]
    zone = (await client.get(f"/zones/{z2}", headers=office)).json()
    assert zone["leader_id"] is None and [h["event"] for h in zone["history"]] == [
        "zone_established",
        "zone_leader_changed",
    ]

    async def moved() -> bool:
        r = await client.get(f"/schools/{county}-s1", headers=office)
        return bool(r.json()["zone_id"] == z2)

    await eventually(moved)

    async def corrected() -> dict[str, Any] | None:
        r = await client.get(f"/inspectors/{county}-insp-1", headers=office)
        return r.json() if r.json()["version"] == 2 else None

    person = await eventually(corrected)
    assert person["phone"] == "13800000000"


async def test_divisions_name_the_tree(visits: App, auth_header: Mint) -> None:
    client, _ = visits
    province = auth_header(Role.province_office, province=PROVINCE)
    city = auth_header(Role.city_office, province=PROVINCE, city=CITY)
    orphan = {"code": "510704", "name": "游仙区", "level": "county"}
    r = await client.post("/divisions", json=orphan, headers=city)
    assert r.status_code == 422 and "上级区划" in r.json()["message"]
    assert r.json()["errors"][0]["field"] == "body.code"
    for body in (
        {"code": PROVINCE, "name": "四川省", "level": "province"},
        {"code": CITY, "name": "绵阳市", "level": "city"},
    ):
        assert (await client.post("/divisions", json=body, headers=province)).status_code == 201
    assert (await client.post("/divisions", json=orphan, headers=city)).status_code == 201
    wrong = {"code": "510700", "name": "绵阳", "level": "county"}
    assert (await client.post("/divisions", json=wrong, headers=province)).status_code == 409
    other_city = {"code": "510600", "name": "德阳市", "level": "city"}
    assert (await client.post("/divisions", json=other_city, headers=city)).status_code == 403

    async def named() -> list[dict[str, Any]] | None:
        r = await client.get(f"/divisions?parent_code={CITY}", headers=city)
        return r.json()["items"] or None

    [county] = await eventually(named)
    assert county["name"] == "游仙区" and county["parent_code"] == CITY


async def test_an_interrupted_import_resumes_when_posted_again(
    visits: App, auth_header: Mint, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, app = visits
    county = new_county()
    office = office_of(auth_header, county)
    directory = app.state.directory
    real = directory.handle
    schools = 0

    async def crash_on_third_school(
        entry_id: str, command: Any, *args: Any, **kwargs: Any
    ) -> Written:
        nonlocal schools
        if isinstance(command, RegisterSchool):
            schools += 1
            if schools == 3:
                raise RuntimeError("simulated crash mid-import")
        written: Written = await real(entry_id, command, *args, **kwargs)
        return written

    monkeypatch.setattr(directory, "handle", crash_on_third_school)
    data = roster_xlsx(county)
    with pytest.raises(RuntimeError, match="simulated crash"):  # the in-process ASGI client
        await client.post("/directory/imports", files=upload(data), headers=office)
    store = app.state.runtime.store
    assert await store.version(f"school-{county}-s2") == 1
    assert await store.version(f"school-{county}-s3") == 0

    monkeypatch.setattr(directory, "handle", real)
    r = await client.post("/directory/imports", files=upload(data), headers=office)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "resumed"
    assert (body["written"], body["skipped"]) == (17, 7)  # 3 inspectors, 2 zones, 2 schools
    assert await store.version(f"school-{county}-s3") == 2
    assert await store.version(f"school-{county}-s1") == 2  # listed once, not twice
