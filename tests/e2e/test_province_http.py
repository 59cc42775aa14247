"""The simulator's HTTP mode drives the real visits and issues write paths end to end.

A slice of a simulated month goes in through the API: the directory of 10 schools as
the offices enter it, a disputed routine visit, a signed one and a comprehensive team
visit, step by step by the users who took them, and the schools' rectification steps on
the issues the issues service opens by itself from the agreed problems. Every call must
be accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from benchmarks.province import Size, simulate
from benchmarks.province.http import calls, drive
from services.issues.bootstrap import create_app as create_issues
from services.issues.settings import IssuesSettings
from services.visits.bootstrap import create_app as create_visits
from services.visits.settings import VisitsSettings
from shared.auth import Principal, TokenIssuer
from shared.contracts.issues import IssueOpened
from shared.contracts.visits import FeedbackAcknowledged, FeedbackDisputed, FindingsMerged
from shared.envelope import EventEnvelope
from shared.events import registry
from tests.conftest import eventually, serve
from tests.factories import days_ahead


async def test_a_simulated_month_goes_through_the_services_http_write_path(
    settings_for: Callable[..., Any], issuer: TokenIssuer
) -> None:
    month = date.fromisoformat(days_ahead(31))  # next month: every deadline lies ahead
    size = Size(schools=10, months=1, seed=3, start_year=month.year, start_month=month.month)
    phases = calls(size, _slice(list(simulate(size))))
    planned = sum(len(s.calls) for phase in phases for s in phase)
    visit_calls = [c for s in phases[-1] for c in s.calls if c.service == "visits"]
    issue_calls = [c for s in phases[-1] for c in s.calls if c.service == "issues"]
    assert len(visit_calls) > 30 and issue_calls, "the month has visits and rectification"
    now = datetime.now(UTC)

    def headers(user: Principal) -> dict[str, str]:
        return {"Authorization": f"Bearer {issuer.mint(user, now, timedelta(hours=1))}"}

    async with (
        serve(create_visits(settings_for(VisitsSettings))) as visits,
        serve(create_issues(settings_for(IssuesSettings))) as issues,
    ):
        report = await drive(
            phases, {"visits": visits, "issues": issues}, headers, concurrency=8, settle_seconds=60
        )
        assert report.errors == [], "\n".join(report.errors)
        assert (report.calls, report.failed) == (planned, 0)
        some_issue = issue_calls[-1].path.split("/")[2]

        async def projected() -> Any:  # the read model trails the last accepted step
            r = await issues.get(f"/issues/{some_issue}", headers=headers(issue_calls[-1].user))
            return r if r.status_code == 200 else None

        shown = await eventually(projected)
        assert shown.json()["issue_id"] == some_issue


def _slice(events: list[EventEnvelope]) -> list[EventEnvelope]:
    """The directory, three visits (disputed then signed, signed with problems, a team
    visit) and the issues opened from them."""
    kinds = {
        FeedbackDisputed.event_type: None,
        FeedbackAcknowledged.event_type: None,
        FindingsMerged.event_type: None,
    }
    for e in events:
        if e.event_type in kinds and kinds[e.event_type] is None:
            if e.event_type == FeedbackAcknowledged.event_type and (
                not e.payload["problems"] or e.payload["visit_id"] in kinds.values()
            ):
                continue  # a signature with problems, of a visit that was not disputed
            kinds[e.event_type] = e.payload["visit_id"]
    visits = {f"visit-{vid}" for vid in kinds.values() if vid}
    assert len(visits) == 3, kinds
    issues = set()
    for e in events:
        payload = registry.parse(e)
        if isinstance(payload, IssueOpened) and f"visit-{payload.visit_id}" in visits:
            issues.add(e.stream_id)
    keep = visits | issues
    return [
        e for e in events if e.stream_id in keep or e.event_type.startswith("cn.duxue.directory")
    ]
