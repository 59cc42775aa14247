"""What a second attacker's sweep found (after issues 9 and 16), through HTTP on the real
Kafka and MongoDB-wire server."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from services.visits.bootstrap import create_app
from services.visits.directory.roster.format import to_sheets, write_xlsx
from services.visits.settings import VisitsSettings
from shared.auth import Role
from tests.conftest import Mint, eventually, serve

PROVINCE, CITY, COUNTY = "520000", "520100", "520102"


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nested past the JSON parser's recursion limit
        b'{"name": "\xff\xfe"}',  # not UTF-8
    ],
    ids=["too-deep", "not-utf8"],
)
async def test_an_unparseable_json_body_is_422_body_not_400(
    settings_for: Callable[..., Any], auth_header: Mint, body: bytes
) -> None:
    office = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=COUNTY)
    async with serve(create_app(settings_for(VisitsSettings))) as client:
        r = await client.post(
            "/schools", content=body, headers={**office, "Content-Type": "application/json"}
        )
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["body"]


def _roster(county: str, school: str, zone: str, inspector: str) -> bytes:
    return write_xlsx(
        to_sheets(
            zones=[{"zone_id": zone, "name": "第一督学责任区", "leader_id": inspector}],
            inspectors=[
                {
                    "inspector_id": inspector,
                    "name": "测试督学",
                    "employment": "full_time",
                    "phone": "0851-1234567",
                    "title": "责任督学",
                }
            ],
            schools=[
                {
                    "school_id": school,
                    "name": f"{county}测试小学",
                    "kind": "primary",
                    "zone_id": zone,
                    "address": "贵阳市测试路1号",
                    "principal_name": "王校长",
                    **SPOT,
                }
            ],
            listings=[{"inspector_id": inspector, "school_id": school, "starts_on": "2025-09-01"}],
        )
    )


SPOT = {"longitude": 106.7, "latitude": 26.5}


async def test_a_follow_up_names_only_findings_of_earlier_visits_to_its_school(
    settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    """``follows_up`` and ``checks_finding_id`` name findings: one of another county's
    school, or one that was never recorded, is 422 (it was accepted into the log)."""
    run = uuid4().hex[:6]
    today = date.today()
    counties = {"a": "520102", "b": "520103"}
    ids = {k: (f"s-{k}{run}", f"z-{k}{run}", f"i-{k}{run}") for k in counties}
    async with serve(create_app(settings_for(VisitsSettings))) as client:
        province = auth_header(Role.province_office, province=PROVINCE)
        for code, name, level in [
            (PROVINCE, "贵州省", "province"),
            (CITY, "贵阳市", "city"),
            *((c, f"测试区{k}", "county") for k, c in counties.items()),
        ]:
            r = await client.post(
                "/divisions", json={"code": code, "name": name, "level": level}, headers=province
            )
            assert r.status_code in (201, 409), r.text
        heads = {}
        for k, county in counties.items():
            where = {"province": PROVINCE, "city": CITY, "county": county}
            school, zone, inspector = ids[k]
            office = auth_header(Role.county_office, **where)
            r = await client.post(
                "/directory/imports",
                files={"file": ("roster.xlsx", _roster(county, school, zone, inspector))},
                headers=office,
            )
            assert r.status_code == 201, r.text
            heads[k] = auth_header(Role.inspector, user_id=inspector, zone=zone, **where)

        async def visit_with_finding(k: str) -> tuple[str, str]:
            school = ids[k][0]
            body = {"school_id": school, "planned_on": today.isoformat(), "purpose": "月度常规督导"}
            r = await client.post("/visits", json=body, headers=heads[k])
            assert r.status_code == 201, r.text
            visit = r.json()["visit_id"]
            r = await client.post(
                f"/visits/{visit}/sign-in", json={"location": SPOT}, headers=heads[k]
            )
            assert r.status_code == 200, r.text
            finding = {
                "item_code": "safety",
                "verdict": "problem",
                "notes": "消防通道堵塞",
                "methods": ["campus_walk"],
                "severity": "general",
                "requirement": "限期整改",
                "proposed_deadline": (today + timedelta(days=30)).isoformat(),
            }
            r = await client.post(f"/visits/{visit}/findings", json=finding, headers=heads[k])
            assert r.status_code == 201, r.text
            return visit, r.json()["finding_id"]

        their_visit, theirs = await visit_with_finding("b")
        first, mine = await visit_with_finding("a")

        async def theirs_projected() -> bool:
            r = await client.get(f"/visits/{their_visit}", headers=heads["b"])
            return r.status_code == 200 and bool(r.json()["findings"])

        await eventually(theirs_projected)  # refused for its school, not for the lag

        def follow_up(*finding_ids: str) -> dict[str, Any]:
            return {
                "kind": "follow_up",
                "school_id": ids["a"][0],
                "planned_on": today.isoformat(),
                "purpose": "整改复查",
                "follows_up": list(finding_ids),
            }

        async def planned() -> httpx.Response | None:
            r = await client.post("/visits", json=follow_up(mine), headers=heads["a"])
            return r if r.status_code == 201 else None

        revisit = (await eventually(planned)).json()["visit_id"]
        for named in ([theirs], [mine, f"never-{run}"]):
            r = await client.post("/visits", json=follow_up(*named), headers=heads["a"])
            assert r.status_code == 422, r.text
            assert r.json()["errors"][0]["field"] == f"body.follows_up.{len(named) - 1}"

        r = await client.post(
            f"/visits/{revisit}/sign-in", json={"location": SPOT}, headers=heads["a"]
        )
        assert r.status_code == 200, r.text
        check = {
            "item_code": "safety",
            "verdict": "fine",
            "notes": "已整改",
            "methods": ["campus_walk"],
            "checks_finding_id": theirs,
        }
        r = await client.post(f"/visits/{revisit}/findings", json=check, headers=heads["a"])
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "body.checks_finding_id"
        r = await client.post(
            f"/visits/{revisit}/findings",
            json={**check, "checks_finding_id": mine},
            headers=heads["a"],
        )
        assert r.status_code == 201, r.text
        assert first != revisit


async def test_a_roster_with_more_rows_than_the_limit_is_413_before_any_look_up(
    settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    """Every roster row costs an event-store read before anything is written (measured
    ~0.2 s a row under load), so a 5 MiB file of tens of thousands of rows kept the
    database busy for hours: past ``ROSTER_MAX_ROWS`` the upload is 413."""
    run = uuid4().hex[:6]
    where = {"province": PROVINCE, "city": CITY, "county": COUNTY}
    office = auth_header(Role.county_office, **where)
    zone, inspector = f"z-{run}", f"i-{run}"
    sheets = to_sheets(
        zones=[{"zone_id": zone, "name": "第一督学责任区", "leader_id": inspector}],
        inspectors=[
            {"inspector_id": inspector, "name": "测试督学", "employment": "full_time",
             "phone": "0851-1234567", "title": "责任督学"}
        ],
        schools=[
            {"school_id": f"s-{run}-{i}", "name": f"测试小学{i}", "kind": "primary",
             "zone_id": zone, "address": "贵阳市测试路1号", "principal_name": "王校长"}
            for i in range(4)
        ],
    )  # fmt: skip
    fewer = {**sheets, "学校": sheets["学校"][:3]}  # five rows: the limit
    settings = settings_for(VisitsSettings, roster_max_rows=5)
    async with serve(create_app(settings)) as client:
        for rows, expected in ((sheets, 413), (fewer, 200)):
            r = await client.post(
                "/directory/imports?dry_run=true",
                files={"file": ("roster.xlsx", write_xlsx(rows))},
                headers=office,
            )
            assert r.status_code == expected, r.text


async def test_a_workbook_that_unpacks_past_the_limit_is_413_before_it_is_parsed(
    settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    """A decompression bomb: ~70 KiB of XLSX holding a cell of 65 MiB (deflated repeats)
    was unpacked and parsed whole (a 5 MiB one would take gigabytes of memory)."""
    office = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=COUNTY)
    plain = write_xlsx(to_sheets(schools=[{"school_id": "s-bomb", "name": "BOMB"}]))
    packed = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain)) as source,
        zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for info in source.infolist():
            part = source.read(info.filename)
            bomb.writestr(info, part.replace(b">BOMB<", b">" + b"A" * (65 * 1024 * 1024) + b"<"))
    assert len(packed.getvalue()) < 1024 * 1024
    async with serve(create_app(settings_for(VisitsSettings))) as client:
        r = await client.post(
            "/directory/imports?dry_run=true",
            files={"file": ("roster.xlsx", packed.getvalue())},
            headers=office,
        )
    assert r.status_code == 413, r.text[:300]
