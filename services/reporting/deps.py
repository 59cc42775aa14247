"""Typed dependencies of the reporting routes (one place)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Query, Request

from services.reporting.inspectors.queries import Inspectors
from services.reporting.reports.service import ReportService
from services.reporting.rollups.domain.periods import Period, PeriodError, choose, month_key
from services.reporting.rollups.queries import Live, Rollups
from services.reporting.rollups.view import NAME as ROLLUPS
from services.reporting.settings import ReportingSettings
from shared.deadlines import local_day
from shared.params import PlausibleMonth
from shared.projection import ProjectionRunner
from shared.runtime import Runtime


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def live_rollups(runtime: Runtime) -> Live:
    """The roll-up projection's runner in this process (its memory answers reads)."""

    def runner() -> ProjectionRunner | None:
        live = runtime.projections.get(ROLLUPS)
        return live.runner if live is not None else None

    return runner


def get_rollups(request: Request) -> Rollups:
    runtime = _runtime(request)
    return Rollups(runtime.db, live_rollups(runtime))


def get_inspectors(request: Request) -> Inspectors:
    return Inspectors(_runtime(request).db)


def get_reports(request: Request) -> ReportService:
    reports: ReportService = request.app.state.reports
    return reports


def get_period(
    request: Request,
    month: Annotated[PlausibleMonth | None, Query(description="月份 YYYY-MM")] = None,
    term: Annotated[
        str | None,
        Query(pattern=r"^[0-9]{4}-(spring|autumn)$", description="学期 YYYY-spring / YYYY-autumn"),
    ] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="年份")] = None,
    first: Annotated[PlausibleMonth | None, Query(alias="from", description="起始月份")] = None,
    last: Annotated[PlausibleMonth | None, Query(alias="to", description="结束月份")] = None,
) -> Period:
    """The period a roll-up is asked for (422 naming the parameter when it does not fit)."""
    settings: ReportingSettings = _runtime(request).settings  # type: ignore[assignment]
    period = choose(
        month=month,
        term=term,
        year=year,
        first=first,
        last=last,
        max_months=settings.max_range_months,
    )
    if period.first > month_key(local_day(datetime.now(UTC))):
        given = "month" if month else "term" if term else "year" if year else "from"
        raise PeriodError(f"query.{given}", "统计期间尚未开始 (the period has not begun)")
    return period


RollupsDep = Annotated[Rollups, Depends(get_rollups)]
InspectorsDep = Annotated[Inspectors, Depends(get_inspectors)]
PeriodDep = Annotated[Period, Depends(get_period)]
ReportsDep = Annotated[ReportService, Depends(get_reports)]
