"""An assessment formula's versions: pure decide and evolve.

One stream per office and target (:meth:`.offices.Office.stream_id`) holds every
version of the office's formula for the target (:class:`AssessmentFormulaChanged`) and
which one is active (:class:`AssessmentFormulaActivated`). A change validates the
indicators against the target's catalogue (422 naming the field) and makes the next
version, a new generation of scores; the very first version is active at once, later
ones wait to be activated.
``If-Match`` names the formula's latest version (0 before the first).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.reporting.assessments.domain.indicators import CATALOGUE
from services.reporting.assessments.domain.offices import Office
from shared.commands import FieldProblem, IllegalStep, NotFound
from shared.contracts.assessments import (
    AssessmentFormulaActivated,
    AssessmentFormulaChanged,
    IndicatorWeight,
)
from shared.events import EventPayload
from shared.eventstore import StalePrecondition

WEIGHT_SUM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class ChangeFormula:
    office: Office
    target: str
    indicators: tuple[IndicatorWeight, ...]
    note: str | None
    expected: int | None
    """The latest version the office has seen (``If-Match``), ``None``: not checked."""


@dataclass(frozen=True)
class ActivateFormula:
    office: Office
    target: str
    version: int | None
    """The version to activate; ``None``: the latest."""
    expected: int | None


@dataclass(frozen=True)
class Formulas:
    """Every version of one target's formula, and the active one."""

    versions: tuple[tuple[IndicatorWeight, ...], ...] = ()
    active: int | None = None

    @property
    def latest(self) -> int:
        return len(self.versions)

    def formula(self, version: int) -> tuple[IndicatorWeight, ...]:
        if self.latest == 0:
            raise NotFound("尚未设定考核方案 (no formula yet)")
        if not 1 <= version <= self.latest:
            raise NotFound(f"考核方案没有第 {version} 版 (unknown formula version)")
        return self.versions[version - 1]


def evolve(state: Formulas, event: EventPayload) -> Formulas:
    match event:
        case AssessmentFormulaChanged():
            return Formulas((*state.versions, event.indicators), state.active)
        case AssessmentFormulaActivated():
            return Formulas(state.versions, event.version)
    raise TypeError(f"a formula stream holds no {event.event_type}")


def validate(target: str, indicators: tuple[IndicatorWeight, ...]) -> None:
    """Every indicator known for the target and named once; the weights sum to 1."""
    known = CATALOGUE[target]
    seen: set[str] = set()
    for i, item in enumerate(indicators):
        field = f"body.indicators.{i}.indicator"
        if item.indicator not in known:
            names = "、".join(known)
            raise FieldProblem(
                field, f"未知的考核指标 {item.indicator}（可选：{names}） (unknown indicator)"
            )
        if item.indicator in seen:
            raise FieldProblem(field, f"考核指标 {item.indicator} 重复 (indicator given twice)")
        seen.add(item.indicator)
    total = sum(item.weight for item in indicators)
    if abs(total - 1) > WEIGHT_SUM_TOLERANCE:
        raise FieldProblem(
            "body.indicators", f"各指标权重之和须为 1（现为 {total:g}） (weights must sum to 1)"
        )


def _check(stream: str, expected: int | None, state: Formulas) -> None:
    if expected is not None and expected != state.latest:
        raise StalePrecondition(stream, expected, state.latest)


def decide_change(state: Formulas, command: ChangeFormula) -> list[EventPayload]:
    office, target, version = command.office, command.target, state.latest + 1
    _check(office.stream_id(target), command.expected, state)
    validate(target, command.indicators)
    events: list[EventPayload] = [
        AssessmentFormulaChanged(
            **office.fields(),
            target=target,
            version=version,
            indicators=command.indicators,
            note=command.note,
        )
    ]
    if state.active is None:
        events.append(AssessmentFormulaActivated(**office.fields(), target=target, version=version))
    return events


def decide_activate(state: Formulas, command: ActivateFormula) -> list[EventPayload]:
    _check(command.office.stream_id(command.target), command.expected, state)
    version = command.version or state.latest
    state.formula(version)  # 404 when unknown (or none yet)
    if version == state.active:
        raise IllegalStep(f"考核方案第 {version} 版已在使用 (already active)")
    activated = AssessmentFormulaActivated(
        **command.office.fields(), target=command.target, version=version
    )
    return [activated]
