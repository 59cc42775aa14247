"""Step 2, on site: record one finding per checklist item, correct or withdraw it before
the feedback list is issued (a new event, never an edit)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from services.visits.visit.domain.facts import FindingFacts, event_fields
from services.visits.visit.domain.state import Finding, Stage, Visit, require_stage
from services.visits.visit.domain.steps import decides, evolves
from shared.commands import IllegalStep, InvalidField, NotFound
from shared.contracts.visits import (
    EvidenceRef,
    FindingCorrected,
    FindingRecorded,
    MajorKind,
    Method,
    Severity,
    Verdict,
)
from shared.events import EventPayload


@dataclass(frozen=True)
class RecordFinding:
    finding_id: str
    inspector_id: str
    facts: FindingFacts


@dataclass(frozen=True)
class CorrectFinding:
    finding_id: str
    inspector_id: str
    reason: str
    verdict: Verdict | None = None
    notes: str | None = None
    methods: tuple[Method, ...] | None = None
    severity: Severity | None = None
    major_kind: MajorKind | None = None
    requirement: str | None = None
    proposed_deadline: date | None = None
    evidence: tuple[EvidenceRef, ...] | None = None
    withdrawn: bool = False


DERIVED = ("severity", "major_kind", "requirement", "proposed_deadline")
"""What a correction may change beside the verdict, notes and methods."""
STATED = ("reason", "verdict", "notes", "methods", *DERIVED)
"""What a correction states, as the command brings it."""


def check_facts(facts: FindingFacts) -> None:
    """The domain's rules for what a finding states (409 with the reason)."""
    if not facts.methods:
        raise IllegalStep("须注明督导方式 (name at least one method)")
    if facts.verdict == Verdict.problem:
        if facts.severity is None or not facts.requirement or facts.proposed_deadline is None:
            raise IllegalStep(
                "问题须注明严重程度、整改要求和整改期限 "
                "(a problem needs severity, requirement and deadline)"
            )
        if (facts.severity == Severity.major) != (facts.major_kind is not None):
            raise IllegalStep(
                "重大问题须注明类别（违法违规或安全隐患），其他问题不注明 "
                "(major_kind is required for, and only for, a major problem)"
            )
    elif (
        facts.severity is not None
        or facts.major_kind is not None
        or facts.requirement
        or facts.proposed_deadline
    ):
        raise IllegalStep(
            "只有问题才有严重程度、整改要求和期限 (only a problem has severity and requirement)"
        )


@decides(RecordFinding)
def record_finding(state: Visit, cmd: RecordFinding) -> list[EventPayload]:
    facts = cmd.facts
    require_stage(state, Stage.on_site, doing="记录督导情况")
    if cmd.inspector_id not in state.signed_in:
        raise IllegalStep("请先签到再记录 (sign in before recording)")
    title = state.item_title(facts.item_code)
    if title is None:
        raise InvalidField(
            "body.item_code", f"事项 {facts.item_code} 不在本次督导清单中 (item not on this visit)"
        )
    assigned = dict(state.assignments).get(facts.item_code)
    if assigned is not None and assigned != cmd.inspector_id:
        raise IllegalStep(f"事项 {facts.item_code} 已分工给其他督学 (item assigned to another)")
    if state.finding(cmd.finding_id) is not None:
        raise IllegalStep(f"记录 {cmd.finding_id} 已存在 (finding id already used)")
    if state.merged:
        raise IllegalStep("督导报告已汇总，不能再记录 (findings already merged)")
    check_facts(facts)
    return [
        FindingRecorded(
            visit_id=state.visit_id,
            finding_id=cmd.finding_id,
            item_title=title,
            inspector_id=cmd.inspector_id,
            **event_fields(facts),
        )
    ]


@decides(CorrectFinding)
def correct_finding(state: Visit, cmd: CorrectFinding) -> list[EventPayload]:
    require_stage(state, Stage.on_site, doing="更正记录")
    current = state.finding(cmd.finding_id)
    if current is None or current.withdrawn:
        raise NotFound(f"记录 {cmd.finding_id} 不存在 (no such finding)")
    if current.inspector_id != cmd.inspector_id:
        raise IllegalStep("只能更正自己的记录 (only the recording inspector may correct it)")
    if state.merged:
        raise IllegalStep("督导报告已汇总，不能再更正 (findings already merged)")
    # What the finding would become: the same fold that replays use.
    stated = {name: getattr(cmd, name) for name in STATED}
    requested = FindingCorrected(visit_id=state.visit_id, finding_id=cmd.finding_id, **stated)
    after, before = corrected(current, requested).facts, current.facts
    if not cmd.withdrawn:
        check_facts(after)
        if after == before and cmd.evidence is None:
            raise IllegalStep("没有需要更正的内容 (nothing to correct)")
    # The event names a derived field only where the correction changes it.
    update: dict[str, Any] = {
        name: getattr(after, name) if getattr(after, name) != getattr(before, name) else None
        for name in DERIVED
    }
    update["evidence"] = list(cmd.evidence) if cmd.evidence is not None else None
    update["withdrawn"] = cmd.withdrawn
    return [requested.model_copy(update=update)]


def corrected(current: Finding, e: FindingCorrected) -> Finding:
    """A finding after a correction (also what :func:`correct_finding` checks before)."""
    was = current.facts
    problem = (e.verdict or was.verdict) == Verdict.problem
    severity = (e.severity or was.severity) if problem else None
    update = {
        "verdict": e.verdict or was.verdict,
        "notes": e.notes if e.notes is not None else was.notes,
        "methods": tuple(e.methods) if e.methods is not None else was.methods,
        "severity": severity,
        "major_kind": (e.major_kind or was.major_kind) if severity == Severity.major else None,
        "requirement": (e.requirement or was.requirement) if problem else None,
        "proposed_deadline": (e.proposed_deadline or was.proposed_deadline) if problem else None,
        "evidence": tuple(e.evidence) if e.evidence is not None else was.evidence,
    }
    return replace(current, facts=was.model_copy(update=update), withdrawn=e.withdrawn)


@evolves(FindingRecorded)
def recorded(state: Visit, event: FindingRecorded) -> Visit:
    finding = Finding(
        finding_id=event.finding_id,
        item_title=event.item_title,
        inspector_id=event.inspector_id,
        facts=FindingFacts.of(event),
    )
    return replace(state, findings=(*state.findings, finding))


@evolves(FindingCorrected)
def finding_corrected(state: Visit, event: FindingCorrected) -> Visit:
    findings = tuple(
        corrected(f, event) if f.finding_id == event.finding_id else f for f in state.findings
    )
    return replace(state, findings=findings)
