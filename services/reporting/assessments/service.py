"""Changing and activating assessment formulas, and ranking under them.

Change / activate: the caller's own office (a county, city or province office; or the
one named, 404 when unknown), authorized as that office (403 for any other caller),
load the office's formula stream, decide (412 on a stale ``If-Match``, 422 on a bad
indicator or weights, 404 on an unknown version) and append; the outbox relay
publishes the events. Rankings: find the ``within`` unit (404), authorize the reader
(403), load the formulas of the nearest office that has one (county, city, province: a
handful of events each), score the candidates read from the precomputed documents
under the version asked for (default: the active one), beside the active one when
another is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from services.reporting.access import OFFICES, READERS, where
from services.reporting.assessments.domain import formula as f
from services.reporting.assessments.domain.indicators import CATALOGUE
from services.reporting.assessments.domain.offices import Office, nearest_first, of_unit
from services.reporting.assessments.domain.scoring import Candidate, ranking
from services.reporting.rollups.domain.periods import Period
from shared.auth import Principal, Role, ensure_role, ensure_sees, sees
from shared.commands import CallerContext, FieldProblem, Forbidden, StreamHandler
from shared.contracts.assessments import (
    AssessmentFormulaActivated,
    AssessmentFormulaChanged,
    IndicatorWeight,
)
from shared.envelope import EventEnvelope
from shared.events import EventPayload, registry
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


OFFICE_ROLES = {
    "province": Role.province_office,
    "city": Role.city_office,
    "county": Role.county_office,
}
"""Who keeps an office's formula: that office, for its own jurisdiction only."""


def own_office(principal: Principal, province: str | None = None) -> Office:
    """The caller's office: their county's for a county office, their city's for a city
    office, else their province's (``province`` names one for an admin)."""
    mine = principal.jurisdiction
    if principal.roles & {Role.county_office} and mine.county and mine.city:
        return Office(mine.province, mine.city, mine.county)
    if principal.roles & {Role.city_office} and mine.city:
        return Office(mine.province, mine.city)
    return Office(province or mine.province)


def formula_streams(runtime: Runtime) -> StreamHandler[f.Formulas]:
    """The formulas' streams in the runtime's event store."""
    return runtime.stream_handler("/duxue/reporting", f.Formulas(), f.evolve)


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

    async def office(self, level: str, code: str) -> Office:
        """The office of a province, city or county (404 when the roll-ups know no such
        unit; a province is taken as named)."""
        if level == "province":
            return Office(code)
        return of_unit(level, await self._source.unit(level, code))

    async def change(
        self,
        caller: CallerContext,
        target: str,
        office: Office,
        indicators: tuple[IndicatorWeight, ...],
        note: str | None,
        expected: int | None,
    ) -> dict[str, Any]:
        """Write the next version of the office's formula: the formulas after it."""
        command = f.ChangeFormula(office, target, indicators, note, expected)
        return await self._write(caller, office, target, lambda s: f.decide_change(s, command))

    async def activate(
        self,
        caller: CallerContext,
        target: str,
        office: Office,
        version: int | None,
        expected: int | None,
    ) -> dict[str, Any]:
        """Switch the office's rankings to ``version`` (``None``: the latest)."""
        command = f.ActivateFormula(office, target, version, expected)
        return await self._write(caller, office, target, lambda s: f.decide_activate(s, command))

    async def _write(
        self,
        caller: CallerContext,
        office: Office,
        target: str,
        decide: Callable[[f.Formulas], list[EventPayload]],
    ) -> dict[str, Any]:
        ensure_role(caller.principal, OFFICE_ROLES[office.level])
        ensure_sees(caller.principal, office.place)
        stream = office.stream_id(target)
        loaded = await self._streams.load(stream)
        events = decide(loaded.state)
        await self._streams.append(stream, loaded.version, events, caller.ctx, office.place)
        return await self._formulas(office, target)

    async def formulas(self, principal: Principal, target: str, office: Office) -> dict[str, Any]:
        """Every version of the office's formula, which one is active, and the catalogue:
        for readers inside the office's jurisdiction and those under the office."""
        ensure_role(principal, *READERS)
        if not (sees(principal, office.place) or office.place.contains(principal.jurisdiction)):
            raise Forbidden("无权查看该督导室的考核方案 (outside your jurisdiction)")
        return await self._formulas(office, target)

    async def _formulas(self, office: Office, target: str) -> dict[str, Any]:
        loaded, events = await self._streams.load_with_events(office.stream_id(target))
        return _formulas_answer(office, target, loaded.state, events)

    async def _nearest(self, unit: Mapping[str, Any], target: str) -> tuple[Office, f.Formulas]:
        """The formulas of the nearest office above ``unit`` that has one (else the
        province's, none yet)."""
        offices = nearest_first(unit)
        for office in offices:
            state = (await self._streams.load(office.stream_id(target))).state
            if state.latest:
                return office, state
        return offices[-1], f.Formulas()

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
            raise FieldProblem(
                "query.within",
                f"排名范围的层级须为 {allowed} 之一 (within must be one of these levels)",
            )
        unit = await self._source.unit(level, code)
        ensure_role(principal, *RANKING_READERS[target])
        ensure_sees(principal, where(unit))
        office, state = await self._nearest(unit, target)
        active = state.active or 0
        chosen = version or active
        formula = state.formula(chosen)
        beside = state.formula(active) if chosen != active else None
        candidates = await self._source.candidates(target, unit, period)
        return {
            "target": target,
            "within": unit,
            "office": office.public(),
            "period": {"label": period.label, "first": period.first, "last": period.last},
            "version": chosen,
            "active_version": state.active,
            "formula": list(formula),
            "rows": ranking(target, formula, candidates, beside),
        }


def _formulas_answer(
    office: Office, target: str, state: f.Formulas, events: list[EventEnvelope]
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
        "province": office.province,
        "office": office.public(),
        "target": target,
        "latest_version": state.latest,
        "active_version": state.active,
        "versions": versions,
        "catalogue": [
            {"indicator": i.name, "label": i.label, "lower_is_better": i.lower_is_better}
            for i in CATALOGUE[target].values()
        ],
    }
