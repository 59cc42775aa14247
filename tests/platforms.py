"""The visits and issues services running side by side on a county imported from the
standard roster, for the end-to-end stories that follow a problem from a visit to its
issue."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from services.issues.bootstrap import create_app as issues_app
from services.issues.settings import IssuesSettings
from services.visits.bootstrap import create_app as visits_app
from services.visits.settings import VisitsSettings
from tests.conftest import Mint, eventually, serve
from tests.factories import new_county
from tests.rosters import roster_xlsx, upload
from tests.visit_driver import Platform

Started = tuple[str, httpx.AsyncClient, httpx.AsyncClient, FastAPI]


@asynccontextmanager
async def imported_county(
    settings_for: Callable[..., Any],
    auth_header: Mint,
    prepare: Callable[[FastAPI], None] = lambda app: None,
) -> AsyncIterator[Started]:
    """A new county's code, the visits client, the issues client and app, once the
    issues service's directory holds the roster's first school. ``prepare`` adjusts the
    issues app before anything reaches it (a test's clock)."""
    code = new_county()
    async with AsyncExitStack() as stack:
        visits = await stack.enter_async_context(serve(visits_app(settings_for(VisitsSettings))))
        app = issues_app(settings_for(IssuesSettings, overdue_sweep_seconds=3600))
        issues = await stack.enter_async_context(serve(app))
        prepare(app)
        county = Platform(visits, code, auth_header)
        r = await visits.post(
            f"/directory/imports?county={code}",
            files=upload(roster_xlsx(code)),
            headers=county.office,
        )
        assert r.status_code == 201, r.text

        async def directory_arrived() -> bool:
            return await app.state.directory_lookup.school(county.school(1)) is not None

        await eventually(directory_arrived)
        yield code, visits, issues, app
