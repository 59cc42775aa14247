"""Changing and activating assessment formulas, and ranking under them.

Change / activate: authorize the province office (403), load the formula's stream,
decide (412 on a stale ``If-Match``, 422 on a bad indicator or weights, 404 on an
unknown version) and append; the outbox relay publishes the events. Rankings: find the
``within`` unit (404), authorize the reader (403), load the formulas (a handful of
events), score the candidates read from the precomputed documents under the version
asked for (default: the active one), beside the active one when another is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from services.reporting.access import OFFICES, READERS, where
from services.reporting.assessments.domain import formula as f
from services.reporting.assessments.domain.indicators import CATALOGUE
from services.reporting.assessments.domain.scoring import Candidate, ranking
from services.reporting.rollups.domain.periods import Period
from shared.auth import Principal, Role, ensure_role, ensure_sees
from shared.commands import CallerContext, FieldProblem, StreamHandler
from shared.contracts.assessments import (
    AssessmentFormulaActivated,
    AssessmentFormulaChanged,
    IndicatorWeight,
)
from shared.envelope import EventEnvelope
from shared.events import EventPayload, registry
from shared.jurisdiction import Jurisdiction
from shared.runtime import Runtime

RANKING_READERS: dict[str, tuple[Role, ...]] = {
    "school": OFFICES,
    "zone": READERS,
    "inspector": (Role.county_office, Role.city_office, Role.province_office),
}
"""Who reads a target's rankings (inside their jurisdiction): a school's and an
inspector's figures are for offices, zones' also for integrators (the aggregates)."""
WITHIN_LEVELS: dict[str, tuple[str, ...]] = {
    "school": ("province", "city", "county", "zone"),
    "zone": ("province", "city", "county"),
    "inspector": ("province", "city", "county"),
}


def formula_streams(runtime: Runtime) -> StreamHandler[f.Formulas]:
    """The formulas' streams in the runtime's event store."""
    return StreamHandler[f.Formulas](
        runtime.store,
        registry,
        source="/duxue/reporting",
        initial=f.Formulas(),
        evolve=f.evolve,
        new_id=runtime.new_id,
        on_append=runtime.relay.notify,
        service=runtime.service,
    )


class CandidateSource(Protocol):
    """What rankings need of the read models (``assessments.queries.Candidates``)."""

    async def unit(self, level: str, code: str) -> dict[str, Any]: ...

    async def candidates(
        self, target: str, within: Mapping[str, Any], period: Period
    ) -> list[Candidate]: ...


def default_within(principal: Principal) -> tuple[str, str]:
    """The caller's own place: their county, else their city, else their province."""
    mine = principal.jurisdiction
    if mine.county is not None:
        return "county", mine.county
    if mine.city is not None:
        return "city", mine.city
    return "province", mine.province


class AssessmentService:
    def __init__(self, streams: StreamHandler[f.Formulas], source: CandidateSource) -> None:
        self._streams = streams
        self._source = source

    async def change(
        self,
        caller: CallerContext,
        target: str,
        province: str,
        indicators: tuple[IndicatorWeight, ...],
        note: str | None,
        expected: int | None,
    ) -> dict[str, Any]:
        """Write the next version of the target's formula: the formulas after it."""
        command = f.ChangeFormula(province, target, indicators, note, expected)
        return await self._write(caller, province, target, lambda s: f.decide_change(s, command))

    async def activate(
        self,
        caller: CallerContext,
        target: str,
        province: str,
        version: int | None,
        expected: int | None,
    ) -> dict[str, Any]:
        """Switch the target's rankings to ``version`` (``None``: the latest)."""
        command = f.ActivateFormula(province, target, version, expected)
        return await self._write(caller, province, target, lambda s: f.decide_activate(s, command))

    async def _write(
        self,
        caller: CallerContext,
        province: str,
        target: str,
        decide: Callable[[f.Formulas], list[EventPayload]],
    ) -> dict[str, Any]:
        ensure_role(caller.principal, Role.province_office)
        place = Jurisdiction(province=province)
        ensure_sees(caller.principal, place)
        stream = f.stream_id(province, target)
        loaded = await self._streams.load(stream)
        events = decide(loaded.state)
        await self._streams.append(stream, loaded.version, events, caller.ctx, place)
        return await self._formulas(province, target)

    async def formulas(self, principal: Principal, target: str, province: str) -> dict[str, Any]:
        """Every version of the target's formula, which one is active, and the catalogue."""
        ensure_role(principal, *READERS)
        ensure_sees(principal, Jurisdiction(province=province))
        return await self._formulas(province, target)

    async def _formulas(self, province: str, target: str) -> dict[str, Any]:
        loaded, events = await self._streams.load_with_events(f.stream_id(province, target))
        return _formulas_answer(province, target, loaded.state, events)

    async def rankings(
        self,
        principal: Principal,
        target: str,
        period: Period,
        within: tuple[str, str] | None,
        version: int | None,
    ) -> dict[str, Any]:
        """The target's candidates inside ``within`` ranked under ``version`` (default:
        the active one), with their scores under the active version beside."""
        level, code = within or default_within(principal)
        if level not in WITHIN_LEVELS[target]:
            allowed = "、".join(WITHIN_LEVELS[target])
            raise FieldProblem("query.within", f"排名范围的层级须为 {allowed} 之一")
        unit = await self._source.unit(level, code)
        ensure_role(principal, *RANKING_READERS[target])
        ensure_sees(principal, where(unit))
        state = (await self._streams.load(f.stream_id(unit["province"], target))).state
        active = state.active or 0
        chosen = version or active
        formula = state.formula(chosen)
        beside = state.formula(active) if chosen != active else None
        candidates = await self._source.candidates(target, unit, period)
        return {
            "target": target,
            "within": unit,
            "period": {"label": period.label, "first": period.first, "last": period.last},
            "version": chosen,
            "active_version": state.active,
            "formula": list(formula),
            "rows": ranking(target, formula, candidates, beside),
        }


def _formulas_answer(
    province: str, target: str, state: f.Formulas, events: list[EventEnvelope]
) -> dict[str, Any]:
    versions: list[dict[str, Any]] = []
    activated: dict[int, Any] = {}
    for event in events:
        payload = registry.parse(event)
        if isinstance(payload, AssessmentFormulaChanged):
            versions.append(
                {
                    "version": payload.version,
                    "indicators": list(payload.indicators),
                    "note": payload.note,
                    "changed_at": event.recorded_at,
                    "changed_by": event.actor.user_id,
                }
            )
        elif isinstance(payload, AssessmentFormulaActivated):
            activated[payload.version] = event.recorded_at
    for row in versions:
        row["last_activated_at"] = activated.get(row["version"])
    return {
        "province": province,
        "target": target,
        "latest_version": state.latest,
        "active_version": state.active,
        "versions": versions,
        "catalogue": [
            {"indicator": i.name, "label": i.label, "lower_is_better": i.lower_is_better}
            for i in CATALOGUE[target].values()
        ],
    }
