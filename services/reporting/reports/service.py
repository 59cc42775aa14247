"""Publishing a unit's monthly report, and reading its versions.

Publish: find the unit (404), authorize the office (403), compute the unit's figures for
the month from the roll-up, decide (409 before the month has ended) and append on the
unit-month's stream; the outbox relay publishes the event. Reads fold nothing: each
version *is* one event of the stream, read back from the event store in order.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from services.reporting.access import authorize, authorize_publish, where
from services.reporting.reports.domain import report as r
from services.reporting.rollups.domain.periods import Period, month_period
from shared.auth import Principal
from shared.commands import CallerContext, NotFound, StreamHandler
from shared.contracts.reporting import Figures, MonthlyReportPublished
from shared.envelope import EventEnvelope
from shared.events import registry
from shared.runtime import Runtime


def report_streams(runtime: Runtime) -> StreamHandler[r.Report]:
    """The monthly reports' streams in the runtime's event store."""
    return runtime.stream_handler("/duxue/reporting", r.Report(), r.evolve)


class UnitFigures(Protocol):
    """What publishing needs of the roll-up (``rollups.queries.Rollups`` in the service)."""

    async def unit(self, level: str, code: str) -> dict[str, Any]: ...

    async def figures(
        self, units: list[str], period: Period, known_on: date | None = None
    ) -> dict[str, dict[str, Any]]: ...


class ReportService:
    def __init__(self, streams: StreamHandler[r.Report], rollups: UnitFigures) -> None:
        self._streams = streams
        self._rollups = rollups

    async def publish(
        self,
        caller: CallerContext,
        level: str,
        code: str,
        month: str,
        note: str | None,
        expected: int | None,
    ) -> dict[str, Any]:
        """Publish (or re-issue) the unit's report for ``month``: the new version."""
        unit = await self._rollups.unit(level, code)
        authorize_publish(caller.principal, unit)
        found = await self._rollups.figures([unit["unit"]], month_period(month))
        figures = Figures.model_validate(found[unit["unit"]])
        stream = r.stream_id(level, code, month)
        loaded = await self._streams.load(stream)
        self._streams.check_expected(stream, expected, loaded.version)
        command = r.PublishMonthlyReport(level, code, month, figures, caller.ctx.now, note)
        events = r.decide(loaded.state, command)
        await self._streams.append(stream, loaded.version, events, caller.ctx, where(unit))
        versions = await self._versions(stream)
        return _version(unit, versions, len(versions))

    async def versions(
        self,
        principal: Principal,
        level: str,
        code: str,
        month: str,
        known_at: datetime | None = None,
    ) -> dict[str, Any]:
        """Every version of the unit's report for ``month`` (none yet: an empty list);
        with ``known_at``, only those published by then."""
        unit = await self._readable(principal, level, code)
        versions = await self._versions(r.stream_id(level, code, month))
        if known_at is not None:
            versions = [v for v in versions if v.recorded_at <= known_at]
        rows = [_summary(v, _payload(v)) for v in versions]
        return {"unit": unit, "month": month, "versions": rows}

    async def version(
        self, principal: Principal, level: str, code: str, month: str, version: int
    ) -> dict[str, Any]:
        """One version with what changed against the version before it (404 unknown)."""
        unit = await self._readable(principal, level, code)
        versions = await self._versions(r.stream_id(level, code, month))
        if not 1 <= version <= len(versions):
            raise NotFound(f"{month} 的月报没有第 {version} 版 (unknown version)")
        return _version(unit, versions, version)

    async def known_at(
        self, principal: Principal, level: str, code: str, month: str, at: datetime
    ) -> dict[str, Any]:
        """The version in force at ``at``: the last one published by then (404: none)."""
        unit = await self._readable(principal, level, code)
        versions = await self._versions(r.stream_id(level, code, month))
        known = [v for v in versions if v.recorded_at <= at]
        if not known:
            raise NotFound(f"{at.isoformat()} 时 {month} 的月报尚未发布 (not published by then)")
        return _version(unit, versions, len(known))

    async def _readable(self, principal: Principal, level: str, code: str) -> dict[str, Any]:
        unit = await self._rollups.unit(level, code)
        authorize(principal, level, unit)
        return unit

    async def _versions(self, stream: str) -> list[EventEnvelope]:
        _, events = await self._streams.load_with_events(stream)
        return events


def _payload(event: EventEnvelope) -> MonthlyReportPublished:
    payload = registry.parse(event)
    assert isinstance(payload, MonthlyReportPublished)
    return payload


def _summary(event: EventEnvelope, payload: MonthlyReportPublished) -> dict[str, Any]:
    return {
        "version": payload.version,
        "published_at": event.recorded_at,
        "published_by": event.actor.user_id,
        "note": payload.note,
    }


def _version(unit: dict[str, Any], versions: list[EventEnvelope], n: int) -> dict[str, Any]:
    current = _payload(versions[n - 1])
    before = _payload(versions[n - 2]).figures if n > 1 else None
    return {
        "unit": unit,
        "month": current.month,
        **_summary(versions[n - 1], current),
        "figures": current.figures,
        "previous_version": n - 1 if n > 1 else None,
        "changes": r.changes(before, current.figures),
    }
