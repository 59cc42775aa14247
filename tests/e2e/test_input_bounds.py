"""Numbers and dates past their range answer 422 naming the parameter, never 500 (issue 9,
defect 2), through HTTP on the real Kafka and FerretDB.

pymongo refuses integers past 8 bytes and ``date`` ends at 9999-12-31: every paging
parameter and every date a request brings is bounded by :mod:`shared.params`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from services.issues.bootstrap import create_app as create_issues
from services.issues.settings import IssuesSettings
from services.visits.bootstrap import create_app as create_visits
from services.visits.settings import VisitsSettings
from shared.auth import Role
from tests.conftest import Mint, eventually, serve
from tests.factories import CITY, PROVINCE, new_county
from tests.rosters import roster_xlsx, upload

HUGE = "9223372036854775808"  # 2**63: one past MongoDB's largest integer


def _fields(r: httpx.Response) -> list[str]:
    assert r.status_code == 422, (r.request.url, r.status_code, r.text)
    return [e["field"] for e in r.json()["errors"]]


async def test_paging_and_dates_past_their_range_are_422_naming_them(
    settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    county = new_county()
    zone = f"{county}-z1"
    office = auth_header(
        Role.county_office, user_id=f"office-{county}", province=PROVINCE, city=CITY, county=county
    )
    issues_app = create_issues(settings_for(IssuesSettings))
    async with (
        serve(create_visits(settings_for(VisitsSettings))) as visits,
        serve(issues_app) as issues,
    ):
        r = await visits.post(
            f"/directory/imports?county={county}", files=upload(roster_xlsx(county)), headers=office
        )
        assert r.status_code == 201, r.text

        async def zone_known() -> bool:
            return await issues_app.state.directory_lookup.school(f"{county}-s1") is not None

        await eventually(zone_known)

        old_skip = {
            visits: ("/schools", "/divisions", "/zones", "/inspectors", "/listings", "/visits"),
            issues: ("/hazards", "/complaints"),
        }
        for client, paths in old_skip.items():
            for path in paths:
                assert _fields(await client.get(f"{path}?skip={HUGE}", headers=office)) == [
                    "query.skip"
                ]
        every_list = {
            visits: (*old_skip[visits], "/campaigns", "/checklists", "/plans"),
            issues: (*old_skip[issues], "/issues", "/self-inspections"),
        }
        wrong = {"offset": (HUGE, -1), "limit": (HUGE, 0, 1001)}
        for client, paths in every_list.items():
            for path in paths:
                for name, values in wrong.items():
                    for value in values:
                        r = await client.get(f"{path}?{name}={value}", headers=office)
                        assert _fields(r) == [f"query.{name}"], (path, name, value)
        week = await issues.get(f"/zones/{zone}/self-inspections?week=9999-W52", headers=office)
        assert _fields(week) == ["query.week"]
        assert "2000-01-01" in week.json()["errors"][0]["message"]
        month = await issues.get("/self-inspections?month=9999-12", headers=office)
        assert _fields(month) == ["query.month"]
        long_id = "x" * 5000  # an id a path names is bounded, and never echoed back
        by_path: dict[httpx.AsyncClient, dict[str, tuple[str, ...]]] = {
            visits: {
                "school_id": ("/schools/{}", "/schools/{}/listings", "/public/schools/{}/plate"),
                "visit_id": ("/visits/{}", "/visits/{}/timeline", "/visits/{}/record.pdf"),
                "listing_id": ("/listings/{}",),
                "inspector_id": ("/inspectors/{}",),
                "zone_id": ("/zones/{}",),
                "code": ("/divisions/{}",),
                "evidence_id": ("/evidence/{}", "/evidence/{}/meta"),
                "import_id": ("/directory/imports/{}",),
            },
            issues: {"issue_id": ("/issues/{}", "/issues/{}/timeline")},
        }
        for client, names in by_path.items():
            for name, paths in names.items():
                for path in paths:
                    r = await client.get(path.format(long_id), headers=office)
                    assert _fields(r) == [f"path.{name}"], path
                    assert long_id not in r.text, path

        # implausible days: the year 9999, and 0 (which would be read as 1970-01-01)
        assert _fields(await visits.get("/listings?active_on=0", headers=office)) == [
            "query.active_on"
        ]
        planned = {
            "school_id": f"{county}-s1",
            "planned_on": "9999-12-31",
            "purpose": "经常性督导",
        }
        assert "body.planned_on" in _fields(
            await visits.post("/visits", json=planned, headers=office)
        )
        # a version past any stream's is 422, not a MongoDB overflow
        r = await visits.patch(
            f"/zones/{zone}",
            json={"name": "改名"},
            headers={**office, "If-Match": f'"{HUGE}"'},
        )
        assert r.status_code == 422, r.text
