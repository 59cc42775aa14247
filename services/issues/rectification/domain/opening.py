"""Opening an issue: for an agreed problem of a visit's feedback list, a complaint found
true or a self-inspection report's problem."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from services.issues.rectification.domain.state import Issue, Stage
from services.issues.rectification.domain.steps import decides, evolves
from shared.commands import IllegalStep
from shared.contracts.issues import IssueOpened, IssueSource
from shared.contracts.visits import AgreedProblem, MajorKind, Severity
from shared.events import EventPayload


@dataclass(frozen=True)
class OpenIssue:
    """The fields of :class:`~shared.contracts.issues.IssueOpened`, which it becomes as is."""

    issue_id: str
    source: IssueSource
    school_id: str
    item_code: str
    item_title: str
    description: str
    requirement: str
    severity: Severity
    deadline: date
    responsible_inspector_id: str
    major_kind: MajorKind | None = None
    visit_id: str | None = None
    finding_id: str | None = None
    source_ref: str | None = None


def open_from_agreed(
    issue_id: str, visit_id: str, school_id: str, problem: AgreedProblem
) -> OpenIssue:
    """The command that opens the issue for one agreed problem of a visit's feedback list."""
    return OpenIssue(
        issue_id=issue_id,
        source=IssueSource.visit_finding,
        school_id=school_id,
        item_code=problem.item_code,
        item_title=problem.item_title,
        description=problem.description,
        requirement=problem.requirement,
        severity=problem.severity,
        major_kind=problem.major_kind,
        deadline=problem.deadline,
        responsible_inspector_id=problem.inspector_id,
        visit_id=visit_id,
        finding_id=problem.finding_id,
    )


@decides(OpenIssue)
def open_issue(state: Issue, cmd: OpenIssue) -> list[EventPayload]:
    if state.stage != Stage.none:
        raise IllegalStep(f"整改问题 {cmd.issue_id} 已存在 (issue already exists)")
    if not cmd.description.strip() or not cmd.requirement.strip():
        raise IllegalStep("须写明问题和整改要求 (description and requirement are required)")
    if (cmd.severity == Severity.major) != (cmd.major_kind is not None):
        raise IllegalStep(
            "重大问题须注明类别（违法违规或安全隐患），其他问题不注明 "
            "(major_kind is required for, and only for, a major problem)"
        )
    if cmd.source == IssueSource.visit_finding:
        if not cmd.visit_id or not cmd.finding_id:
            raise IllegalStep("督导发现的问题须注明督导和记录 (visit_id and finding_id required)")
    elif not cmd.source_ref:
        raise IllegalStep("须注明问题来源（投诉或自查报告） (source_ref required)")
    return [IssueOpened(**asdict(cmd))]


@evolves(IssueOpened)
def opened(state: Issue, event: IssueOpened) -> Issue:
    return Issue(
        stage=Stage.open,
        issue_id=event.issue_id,
        source=event.source,
        school_id=event.school_id,
        severity=event.severity,
        major_kind=event.major_kind,
        deadline=event.deadline,
        responsible_inspector_id=event.responsible_inspector_id,
    )
