"""A school's monthly report (月自查问题报告单): filed once, revised by new events.

Problems keep their number for the report's life; a revision names the numbers it keeps,
new problems get new numbers, dropped numbers are never reused; a problem the zone took
up for tracking can no longer be changed or dropped by a revision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.issues.self_inspection.domain.calendar import month_start, next_month_start
from shared.commands import IllegalStep, InvalidField
from shared.contracts.self_inspection import (
    SelfInspectionFiled,
    SelfInspectionItem,
    SelfInspectionProblem,
    SelfInspectionRevised,
)
from shared.deadlines import local_day
from shared.events import EventPayload
from shared.params import PlausibleDate
from shared.steps import Steps

MAX_PLAN_AHEAD = timedelta(days=2 * 366)
"""A planned completion date may lie at most about two years after the report's month."""


def report_id(school_id: str, month: str) -> str:
    return f"{school_id}-{month}"


def stream_id(report: str) -> str:
    return f"self-inspection-{report}"


class ProblemFacts(BaseModel):
    """A problem as the school writes it, stated once: the request body of a filed problem
    and, numbered, the ``SelfInspectionProblem`` of the events (its texts trimmed). The
    bounds are the request's; the domain's rules are :func:`file_report`'s."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_code: SelfInspectionItem
    description: str = Field(min_length=2, max_length=1000, description="问题描述")
    measures: str = Field(min_length=2, max_length=1000, description="整改措施（已采取或拟采取）")
    planned_completion_on: PlausibleDate = Field(description="完成时限")
    safety_hazard: bool = Field(default=False, description="是否安全隐患")

    def numbered(self, number: int) -> SelfInspectionProblem:
        stated: dict[str, Any] = {name: getattr(self, name) for name in ProblemFacts.model_fields}
        stated.update(description=self.description.strip(), measures=self.measures.strip())
        return SelfInspectionProblem(problem_no=number, **stated)


class ProblemIn(ProblemFacts):
    """A problem in a revision: ``problem_no`` names a kept one; omitted for a new one."""

    problem_no: int | None = Field(
        default=None,
        ge=1,
        le=10_000,
        description="the number of a kept problem; omit for a new one",
    )


@dataclass(frozen=True)
class Report:
    """A school's report for one month, as decisions (and summaries) need it."""

    filed: bool = False
    report_id: str = ""
    school_id: str = ""
    zone_id: str | None = None
    month: str = ""
    revision: int = 0
    no_problems: bool = False
    problems: tuple[SelfInspectionProblem, ...] = ()
    late: bool = False
    deadline: date | None = None
    next_no: int = 1
    """The number the next new problem gets (numbers are never reused)."""

    @property
    def safety_hazards(self) -> int:
        return sum(1 for p in self.problems if p.safety_hazard)

    def problem(self, number: int) -> SelfInspectionProblem | None:
        return next((p for p in self.problems if p.problem_no == number), None)


REPORTS: Steps[Report] = Steps(Report, "a self-inspection report")


@dataclass(frozen=True)
class FileReport:
    school_id: str
    zone_id: str | None
    month: str
    filed_by: str
    problems: tuple[ProblemFacts, ...]
    no_problems: bool
    now: datetime
    deadline: date
    note: str = ""


@dataclass(frozen=True)
class ReviseReport:
    report_id: str
    revised_by: str
    problems: tuple[ProblemIn, ...]
    no_problems: bool
    reason: str
    tracked: frozenset[int] = frozenset()
    """Numbers of the report's problems that rectification issues track already."""


def _check_problems(month: str, problems: Sequence[ProblemFacts], no_problems: bool) -> None:
    if no_problems and problems:
        raise InvalidField(
            "body.problems",
            "已声明本月未发现问题，不能同时列出问题 (no_problems with a problem list)",
        )
    if not no_problems and not problems:
        raise InvalidField(
            "body.problems",
            "须列出自查发现的问题，或明确声明本月未发现问题 "
            "(list the problems, or set no_problems)",
        )
    earliest = month_start(month)
    latest = next_month_start(month) + MAX_PLAN_AHEAD
    for n, p in enumerate(problems):
        where = f"body.problems.{n}"
        if not p.description.strip():
            raise InvalidField(f"{where}.description", "须写明问题 (description is empty)")
        if not p.measures.strip():
            raise InvalidField(f"{where}.measures", "须写明整改措施 (measures are empty)")
        if not earliest <= p.planned_completion_on <= latest:
            raise InvalidField(
                f"{where}.planned_completion_on",
                f"完成时限 {p.planned_completion_on} 须在 {earliest} 至 {latest} 之间 "
                "(planned completion date out of range)",
            )


@REPORTS.decides(FileReport)
def file_report(state: Report, cmd: FileReport) -> list[EventPayload]:
    if state.filed:
        raise IllegalStep(
            f"{cmd.month} 月自查报告已报送，请提交修订 (already filed; revise it instead)"
        )
    today = local_day(cmd.now)
    if month_start(cmd.month) > today:
        raise InvalidField(
            "body.month", f"不能报送尚未开始的月份 {cmd.month} (the month has not begun)"
        )
    for n, p in enumerate(cmd.problems):
        if isinstance(p, ProblemIn) and p.problem_no is not None:
            raise InvalidField(
                f"body.problems.{n}.problem_no",
                "首次报送由系统编号，不填序号 (numbers are given on filing)",
            )
    _check_problems(cmd.month, cmd.problems, cmd.no_problems)
    return [
        SelfInspectionFiled(
            report_id=report_id(cmd.school_id, cmd.month),
            school_id=cmd.school_id,
            zone_id=cmd.zone_id,
            month=cmd.month,
            filed_by=cmd.filed_by,
            no_problems=cmd.no_problems,
            problems=[p.numbered(n) for n, p in enumerate(cmd.problems, start=1)],
            note=cmd.note.strip(),
            deadline=cmd.deadline,
            late=today > cmd.deadline,
        )
    ]


def _numbered(state: Report, problems: Sequence[ProblemIn]) -> list[SelfInspectionProblem]:
    """The revision's problems with their numbers: kept ones keep theirs, new ones get new."""
    kept: set[int] = set()
    new_no = state.next_no
    numbered: list[SelfInspectionProblem] = []
    for n, p in enumerate(problems):
        if p.problem_no is None:
            numbered.append(p.numbered(new_no))
            new_no += 1
            continue
        if state.problem(p.problem_no) is None:
            raise InvalidField(
                f"body.problems.{n}.problem_no",
                f"报告中没有序号为 {p.problem_no} 的问题 (no such problem in the report)",
            )
        if p.problem_no in kept:
            raise InvalidField(
                f"body.problems.{n}.problem_no",
                f"问题序号 {p.problem_no} 重复 (problem number repeated)",
            )
        kept.add(p.problem_no)
        numbered.append(p.numbered(p.problem_no))
    return numbered


@REPORTS.decides(ReviseReport)
def revise_report(state: Report, cmd: ReviseReport) -> list[EventPayload]:
    if not state.filed:
        raise IllegalStep(f"自查报告 {cmd.report_id} 尚未报送 (report not filed)")
    if not cmd.reason.strip():
        raise InvalidField("body.reason", "须说明修订原因 (reason is empty)")
    _check_problems(state.month, cmd.problems, cmd.no_problems)
    problems = _numbered(state, cmd.problems)
    for number in sorted(cmd.tracked):
        before = state.problem(number)
        after = next((p for p in problems if p.problem_no == number), None)
        if before is not None and after != before:
            raise IllegalStep(
                f"问题 {number} 已由责任区列入跟踪整改，不能修改或删除，请在整改问题中处理 "
                "(a tracked problem is changed in its issue, not in the report)"
            )
    if tuple(problems) == state.problems and cmd.no_problems == state.no_problems:
        raise IllegalStep("修订内容与原报告相同 (nothing changed)")
    return [
        SelfInspectionRevised(
            report_id=cmd.report_id,
            revision=state.revision + 1,
            revised_by=cmd.revised_by,
            no_problems=cmd.no_problems,
            problems=problems,
            reason=cmd.reason.strip(),
        )
    ]


def _next_no(current: int, problems: Sequence[SelfInspectionProblem]) -> int:
    return max([current, *(p.problem_no + 1 for p in problems)])


@REPORTS.evolves(SelfInspectionFiled)
def filed(state: Report, event: SelfInspectionFiled) -> Report:
    return Report(
        filed=True,
        report_id=event.report_id,
        school_id=event.school_id,
        zone_id=event.zone_id,
        month=event.month,
        revision=1,
        no_problems=event.no_problems,
        problems=tuple(event.problems),
        late=event.late,
        deadline=event.deadline,
        next_no=_next_no(1, event.problems),
    )


@REPORTS.evolves(SelfInspectionRevised)
def revised(state: Report, event: SelfInspectionRevised) -> Report:
    return replace(
        state,
        revision=event.revision,
        no_problems=event.no_problems,
        problems=tuple(event.problems),
        next_no=_next_no(state.next_no, event.problems),
    )
