"""The roll-ups read what the services really publish: a county's roster imported into
the visits service, one visit signed with two problems, the issues service opening two
issues — and the county's figures for this month, over HTTP, say so."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

from services.issues.bootstrap import create_app as issues_app
from services.issues.settings import IssuesSettings
from services.reporting.bootstrap import create_app as reporting_app
from services.reporting.settings import ReportingSettings
from services.visits.bootstrap import create_app as visits_app
from services.visits.settings import VisitsSettings
from tests.conftest import Mint, eventually, serve
from tests.factories import months_ahead, new_county, today
from tests.rosters import roster_xlsx, upload
from tests.visit_driver import Platform, acknowledged_visit, problem


async def test_a_visit_and_its_issues_reach_the_county_figures(
    settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    code = new_county()
    async with AsyncExitStack() as stack:
        visits = await stack.enter_async_context(serve(visits_app(settings_for(VisitsSettings))))
        await stack.enter_async_context(serve(issues_app(settings_for(IssuesSettings))))
        reports = await stack.enter_async_context(
            serve(reporting_app(settings_for(ReportingSettings)))
        )
        p = Platform(visits, code, auth_header)
        r = await visits.post(
            f"/directory/imports?county={code}", files=upload(roster_xlsx(code)), headers=p.office
        )
        assert r.status_code == 201, r.text
        await acknowledged_visit(
            p,
            school=1,
            inspector=1,
            problems=[
                problem("safety", "消防通道堵塞", severity="major", major_kind="safety_hazard"),
                problem("learning_load", "三年级作业量偏大"),
            ],
        )
        month = months_ahead(0)

        async def county() -> dict[str, Any] | None:
            r = await reports.get(
                f"/reports/units/county/{code}", params={"month": month}, headers=p.office
            )
            if r.status_code != 200:
                return None
            body: dict[str, Any] = r.json()
            f = body["figures"]
            # a flush writes in chunks: wait until both zones (written last) hold all of it
            children = [c["figures"] for c in body["children"]]
            opened = sum(c["issues_opened"] for c in children)
            schools = sum(c["schools"] for c in children)
            done = f["issues_opened"] == 2 == opened and f["schools"] == 10 == schools
            return body if done and len(children) == 2 else None

        body = await eventually(county, within=60)
        f = body["figures"]
        assert (f["visits_by_kind"], f["schools_visited"], f["coverage"]) == (
            {"routine": 1},
            1,
            0.1,
        )
        assert f["problems"] == {"safety": {"major": 1}, "learning_load": {"general": 1}}
        assert (f["issues_open_at_end"], f["issues_closed"], f["rectification_rate"]) == (2, 0, 0.0)
        zones = {c["unit"]["code"]: c["figures"] for c in body["children"]}
        assert zones[p.zone(1)]["issues_opened"] == 2
        assert zones[p.zone(6)]["issues_opened"] == 0

        r = await reports.get(
            f"/reports/units/school/{p.school(1)}", params={"month": month}, headers=p.principal(1)
        )
        assert r.status_code == 200, r.text
        assert r.json()["months"][0]["last_visit_on"] == today().isoformat()

        async def inspector() -> dict[str, Any] | None:
            r = await reports.get(
                f"/reports/inspectors/{p.inspector_id(1)}",
                params={"month": month},
                headers=p.inspector(1),
            )
            return r.json() if r.status_code == 200 and r.json()["visits"] == 1 else None

        mine = await eventually(inspector, within=30)
        assert mine["level"] == "county"
        assert mine["months"] == [
            {
                "month": month,
                "visits": 1,
                "days_on_site": 1,
                "required": 4,
                "meets": False,
                "counties_without_visit": None,
                "city_direct_visits": None,
            }
        ]
