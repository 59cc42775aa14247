"""Kill the issues service (SIGKILL) while signed feedback lists keep arriving, start it
again: every agreed problem has exactly one issue, none lost, none twice."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from services.issues.rectification import domain as i
from services.issues.settings import IssuesSettings
from services.visits.bootstrap import create_app as visits_app
from services.visits.settings import VisitsSettings
from shared.contracts.issues import IssueOpened
from shared.eventstore import EventStore
from shared.runtime import mongo_client
from tests.conftest import Mint, eventually, serve
from tests.factories import new_county
from tests.processes import free_port, start_service
from tests.rosters import roster_xlsx, upload
from tests.visit_driver import Platform, acknowledged_visit, problem

VISITS = 9  # schools 1–9, each with its listed inspector; two problems each


async def test_issues_service_killed_mid_stream_loses_no_issue(
    settings_for: Callable[..., Any], auth_header: Mint, tmp_path: Path
) -> None:
    code = new_county()
    settings: IssuesSettings = settings_for(IssuesSettings)
    port = free_port()
    log = tmp_path / "issues.log"
    issues = start_service("services.issues", settings, port, log)
    url = f"http://127.0.0.1:{port}/issues?county={code}&limit=500"
    async with (
        serve(visits_app(settings_for(VisitsSettings))) as visits,
        httpx.AsyncClient(timeout=5) as http,
    ):
        p = Platform(visits, code, auth_header)
        r = await visits.post(
            f"/directory/imports?county={code}", files=upload(roster_xlsx(code)), headers=p.office
        )
        assert r.status_code == 201, r.text

        async def opened() -> list[dict[str, Any]]:
            try:
                r = await http.get(url, headers=p.office)
            except httpx.TransportError:
                return []
            items: list[dict[str, Any]] = r.json()["items"] if r.status_code == 200 else []
            return items

        async def visit(n: int) -> None:
            await acknowledged_visit(
                p,
                school=n,
                inspector=(n - 1) // 3 + 1,
                problems=[problem("safety", f"隐患{n}"), problem("ethos", f"校风问题{n}")],
            )

        try:
            for n in range(1, 4):
                await visit(n)
            await eventually(opened, within=60)
            issues.send_signal(signal.SIGKILL)  # no chance to finish what it was doing
            issues.wait(timeout=10)
            for n in range(4, VISITS + 1):
                await visit(n)
                if n == 6:
                    issues = start_service("services.issues", settings, port, log)

            async def all_opened() -> list[dict[str, Any]] | None:
                found = await opened()
                return found if len(found) >= 2 * VISITS else None

            found = await eventually(all_opened, within=90)
            assert len(found) == 2 * VISITS
            # none twice: each issue's stream holds exactly one IssueOpened (the read model
            # is keyed by the issue id, so it could not show a second opening)
            client = mongo_client(settings.mongodb_uri)
            try:
                store = EventStore(client[settings.mongodb_database])
                openings = {
                    doc["issue_id"]: [
                        e.event_type
                        for e in await store.load(i.stream_id(doc["issue_id"]))
                        if e.event_type == IssueOpened.event_type
                    ]
                    for doc in found
                }
            finally:
                await client.close()
            assert all(len(opened) == 1 for opened in openings.values()), openings
            keys = {(doc["visit_id"], doc["finding_id"]) for doc in found}
            assert len(keys) == 2 * VISITS  # one issue per agreed problem
            assert {doc["school_id"] for doc in found} == {p.school(n) for n in range(1, 10)}
        finally:
            issues.terminate()
            issues.wait(timeout=15)
