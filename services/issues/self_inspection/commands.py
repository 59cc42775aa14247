"""What callers of the self-inspection service say, and who may say it: the callers'
commands (stated from the request bodies), :data:`PERMISSIONS` keyed by their type, what
the service answers, and the issue a tracked problem opens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.issues.rectification import domain as i
from services.issues.rectification.service import issue_id_for
from services.issues.self_inspection import domain as si
from services.issues.self_inspection.zones import CONSOLIDATORS, ensure_consolidator
from shared.auth import Principal, Role
from shared.commands import Forbidden, InvalidField, NotFound
from shared.contracts.issues import IssueSource
from shared.contracts.self_inspection import (
    ITEM_TITLES,
    SelfInspectionConsolidated,
    SelfInspectionConsolidationAmended,
    TrackedProblem,
)
from shared.contracts.visits import MajorKind, Severity

SOURCE = "self_inspection"
ConsolidationEvent = SelfInspectionConsolidated | SelfInspectionConsolidationAmended

NOT_OWN_SCHOOL_FILE = "只能报送本校的自查报告 (only your own school's report)"
NOT_OWN_SCHOOL_REVISE = "只能修订本校的自查报告 (only your own school's report)"
NOT_ZONE_READER = (
    "只有责任区组长、该责任区的挂牌督学或所属督导室可以查看 "
    "(only the zone's leader, its listed inspectors or its office)"
)


class UnknownReport(NotFound):
    def __init__(self, report_id: str) -> None:
        super().__init__(f"自查报告 {report_id} 不存在 (unknown self-inspection report)")


# ---------------------------------------------------------------- the callers' commands


@dataclass(frozen=True)
class FileReport:
    """The month's report as the principal states it (``handle``'s id: the school's)."""

    month: str
    problems: tuple[si.ProblemFacts, ...]
    no_problems: bool
    note: str = ""


@dataclass(frozen=True)
class ReviseReport:
    problems: tuple[si.ProblemIn, ...]
    no_problems: bool
    reason: str


@dataclass(frozen=True)
class ConsolidateWeek:
    week: str
    tracks: tuple[tuple[str, int], ...] = ()
    """``(report_id, problem_no)`` of each problem taken up for tracking."""
    note: str = ""
    amendment: bool = False
    reason: str = ""


CallerCommand = FileReport | ReviseReport | ConsolidateWeek


@dataclass(frozen=True)
class Permission:
    roles: tuple[Role, ...]
    """Checked first, before anything is loaded."""
    rule: Callable[[Principal, Any], None]
    """Checked on what the command writes to: the school's id, the report, the zone."""


def _own_school(message: str) -> Callable[[Principal, Any], None]:
    def rule(principal: Principal, school_id: str) -> None:
        if principal.jurisdiction.school != school_id:
            raise Forbidden(message)

    return rule


PERMISSIONS: dict[type[CallerCommand], Permission] = {
    FileReport: Permission((Role.principal,), _own_school(NOT_OWN_SCHOOL_FILE)),
    ReviseReport: Permission((Role.principal,), _own_school(NOT_OWN_SCHOOL_REVISE)),
    ConsolidateWeek: Permission(CONSOLIDATORS, ensure_consolidator),
}
"""Who may take each caller's step."""


@dataclass(frozen=True)
class Written:
    """A report written: its new version and its state."""

    version: int
    report: si.Report


@dataclass(frozen=True)
class Consolidated:
    version: int
    event: ConsolidationEvent
    already_tracked: tuple[str, ...]
    """Issue ids asked for that existed already (nothing new written for them)."""


def tracked_issue_id(report_id: str, problem_no: int) -> str:
    return issue_id_for(SOURCE, report_id, str(problem_no))


def open_command(t: TrackedProblem) -> i.OpenIssue:
    """The issue for a tracked problem: a safety hazard is a major problem (hazard register)."""
    return i.OpenIssue(
        issue_id=t.issue_id,
        source=IssueSource.self_inspection,
        school_id=t.school_id,
        item_code=t.item_code.value,
        item_title=ITEM_TITLES[t.item_code.value],
        description=t.description,
        requirement=f"按学校自查报告所列措施整改：{t.measures}",
        severity=Severity.major if t.safety_hazard else Severity.general,
        major_kind=MajorKind.safety_hazard if t.safety_hazard else None,
        deadline=t.planned_completion_on,
        responsible_inspector_id=t.responsible_inspector_id,
        source_ref=t.report_id,
    )


def parse_week(text: str, field: str) -> si.Week:
    """The ISO week ``text`` names (``2026-W48``); 422 naming ``field`` for no such week."""
    try:
        return si.parse_week(text)
    except ValueError:
        raise InvalidField(field, f"{text} 不是有效的 ISO 周 (no such ISO week)") from None
