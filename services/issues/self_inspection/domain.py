"""Monthly self-inspection reports (月自查问题报告单) and their weekly zone consolidation.

Pure: calendar arithmetic (ISO weeks, months, filing deadlines), the report aggregate
(file once, revise by new events) and the zone-week consolidation aggregate (record
once, amend explicitly). ``decide`` functions raise :class:`~shared.commands.IllegalStep`
(HTTP 409) or :class:`~shared.commands.InvalidField` (HTTP 422, naming the field); the
time enters through the commands (``now``, ``today``), never read here.

Rules, as decided for the product (see docs/self-inspection.md):

* one report per school and month; it may be filed from the month's first day on; a
  report filed after the month's deadline (the ``due_day``-th of the next month, China
  time) is accepted and flagged ``late``;
* either problems are listed or "no problems found" is declared explicitly, not both;
* problems keep their number for the report's life; a revision names the numbers it
  keeps, new problems get new numbers, dropped numbers are never reused;
* a problem the zone took up for tracking (an issue exists for it) can no longer be
  changed or dropped by a revision: it is handled in the issue;
* a zone's week is consolidated once; a later change is an explicit amendment with a
  reason; tracking a problem twice is a no-op.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from services.issues.rectification.domain import local_day
from shared.commands import IllegalStep, InvalidField
from shared.contracts.self_inspection import (
    CoveredReport,
    SelfInspectionConsolidated,
    SelfInspectionConsolidationAmended,
    SelfInspectionFiled,
    SelfInspectionItem,
    SelfInspectionProblem,
    SelfInspectionRevised,
    TrackedProblem,
    UnfiledReport,
)
from shared.events import EventPayload

MAX_PLAN_AHEAD = timedelta(days=2 * 366)
"""A planned completion date may lie at most about two years after the report's month."""

# ---------------------------------------------------------------- calendar


@dataclass(frozen=True, order=True)
class Week:
    """An ISO week (Monday to Sunday), e.g. ``2026-W48``."""

    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def starts_on(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def ends_on(self) -> date:
        return self.starts_on + timedelta(days=6)

    @property
    def months(self) -> tuple[str, ...]:
        """The months the week touches (one, or two when it spans a month's end)."""
        return tuple(sorted({month_of(self.starts_on), month_of(self.ends_on)}))


_WEEK = re.compile(r"^([0-9]{4})-W([0-9]{2})$")
_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")


def parse_week(text: str) -> Week:
    """``2026-W48`` → :class:`Week`; ``ValueError`` for a malformed or non-existent week."""
    found = _WEEK.match(text)
    if found is None:
        raise ValueError(f"{text!r} is not an ISO week like 2026-W48")
    year, number = int(found[1]), int(found[2])
    date.fromisocalendar(year, number, 1)  # raises ValueError for W00, W54, W53 of short years
    return Week(year, number)


def week_of(day: date) -> Week:
    iso = day.isocalendar()
    return Week(iso.year, iso.week)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_start(month: str) -> date:
    found = _MONTH.match(month)
    if found is None:
        raise ValueError(f"{month!r} is not a month like 2026-11")
    return date(int(found[1]), int(found[2]), 1)


def next_month_start(month: str) -> date:
    first = month_start(month)
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def filing_deadline(month: str, due_day: int) -> date:
    """The last day to file ``month``'s report on time: the ``due_day``-th of the next month
    (clamped to that month's length)."""
    following = next_month_start(month)
    last = next_month_start(month_of(following)) - timedelta(days=1)
    return following.replace(day=max(1, min(due_day, last.day)))


def report_id(school_id: str, month: str) -> str:
    return f"{school_id}-{month}"


def stream_id(report: str) -> str:
    return f"self-inspection-{report}"


def consolidation_id(zone_id: str, week: Week) -> str:
    return f"{zone_id}-{week.label}"


def consolidation_stream_id(zone_id: str, week: Week) -> str:
    return f"self-inspection-zone-{consolidation_id(zone_id, week)}"


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class ProblemIn:
    """A problem as the school writes it; ``problem_no`` names a kept one in a revision."""

    item_code: SelfInspectionItem
    description: str
    measures: str
    planned_completion_on: date
    safety_hazard: bool
    problem_no: int | None = None


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


@dataclass(frozen=True)
class FileReport:
    school_id: str
    zone_id: str | None
    month: str
    filed_by: str
    problems: tuple[ProblemIn, ...]
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


def _check_problems(month: str, problems: Sequence[ProblemIn], no_problems: bool) -> None:
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


def _problem(p: ProblemIn, number: int) -> SelfInspectionProblem:
    return SelfInspectionProblem(
        problem_no=number,
        item_code=p.item_code,
        description=p.description.strip(),
        measures=p.measures.strip(),
        planned_completion_on=p.planned_completion_on,
        safety_hazard=p.safety_hazard,
    )


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
        if p.problem_no is not None:
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
            problems=[_problem(p, n) for n, p in enumerate(cmd.problems, start=1)],
            note=cmd.note.strip(),
            deadline=cmd.deadline,
            late=today > cmd.deadline,
        )
    ]


def revise_report(state: Report, cmd: ReviseReport) -> list[EventPayload]:
    if not state.filed:
        raise IllegalStep(f"自查报告 {cmd.report_id} 尚未报送 (report not filed)")
    if not cmd.reason.strip():
        raise InvalidField("body.reason", "须说明修订原因 (reason is empty)")
    _check_problems(state.month, cmd.problems, cmd.no_problems)
    kept: set[int] = set()
    new_no = state.next_no
    problems: list[SelfInspectionProblem] = []
    for n, p in enumerate(cmd.problems):
        if p.problem_no is None:
            problems.append(_problem(p, new_no))
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
        problems.append(_problem(p, p.problem_no))
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


def evolve(state: Report, event: EventPayload) -> Report:
    if isinstance(event, SelfInspectionFiled):
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
    if isinstance(event, SelfInspectionRevised):
        return replace(
            state,
            revision=event.revision,
            no_problems=event.no_problems,
            problems=tuple(event.problems),
            next_no=_next_no(state.next_no, event.problems),
        )
    raise ValueError(f"a self-inspection report stream cannot hold {event.event_type}")


def replay(events: Sequence[EventPayload]) -> Report:
    state = Report()
    for e in events:
        state = evolve(state, e)
    return state


# ---------------------------------------------------------------- a zone's week


@dataclass(frozen=True)
class SchoolMonth:
    """One school's report status for one month of the week."""

    school_id: str
    month: str
    status: str
    """``filed`` (on time), ``late``, ``missing`` (deadline passed) or ``not_due``."""
    report: Report | None = None


@dataclass(frozen=True)
class ZoneWeek:
    """What a zone's schools reported for the months a week touches."""

    week: Week
    rows: tuple[SchoolMonth, ...]

    @property
    def reports(self) -> tuple[Report, ...]:
        return tuple(r.report for r in self.rows if r.report is not None)

    def covered(self) -> list[CoveredReport]:
        return [
            CoveredReport(
                report_id=r.report_id,
                school_id=r.school_id,
                month=r.month,
                revision=r.revision,
                late=r.late,
                no_problems=r.no_problems,
                problems=len(r.problems),
                safety_hazards=r.safety_hazards,
            )
            for r in self.reports
        ]

    def unfiled(self) -> list[UnfiledReport]:
        return [
            UnfiledReport(school_id=r.school_id, month=r.month, status=r.status)
            for r in self.rows
            if r.report is None
        ]

    def problems_by_item(self) -> dict[str, int]:
        counts = Counter(p.item_code.value for r in self.reports for p in r.problems)
        return dict(sorted(counts.items()))

    @property
    def problems(self) -> int:
        return sum(len(r.problems) for r in self.reports)

    @property
    def safety_hazards(self) -> int:
        return sum(r.safety_hazards for r in self.reports)

    def status_counts(self) -> dict[str, int]:
        counts = Counter(r.status for r in self.rows)
        return {s: counts.get(s, 0) for s in ("filed", "late", "missing", "not_due")}


def summarize(
    week: Week,
    school_ids: Sequence[str],
    reports: Mapping[str, Report],
    today: date,
    due_day: int,
) -> ZoneWeek:
    """Each school's status for each month the week touches; ``reports`` by report id."""
    rows: list[SchoolMonth] = []
    for school in sorted(set(school_ids)):
        for month in week.months:
            report = reports.get(report_id(school, month))
            if report is not None and report.filed:
                status = "late" if report.late else "filed"
            else:
                report = None
                status = "missing" if today > filing_deadline(month, due_day) else "not_due"
            rows.append(SchoolMonth(school, month, status, report))
    return ZoneWeek(week, tuple(rows))


@dataclass(frozen=True)
class Consolidation:
    recorded: bool = False
    zone_id: str = ""
    week: str = ""
    amendments: int = 0
    tracked: frozenset[tuple[str, int]] = frozenset()
    """``(report_id, problem_no)`` of every problem this consolidation took up."""


@dataclass(frozen=True)
class TrackRequest:
    report_id: str
    problem_no: int
    issue_id: str
    """The id the issue gets (derived from the report and problem, by the caller)."""


@dataclass(frozen=True)
class Consolidate:
    zone_id: str
    summary: ZoneWeek
    by: str
    today: date
    tracks: tuple[TrackRequest, ...] = ()
    inspectors: Mapping[str, str] = field(default_factory=dict)
    """The responsible inspector of each school with a tracked problem."""
    already_tracked: frozenset[tuple[str, int]] = frozenset()
    """Problems an issue tracks already (from an earlier week, or a crash's retry)."""
    note: str = ""
    amendment: bool = False
    reason: str = ""


def _tracked(cmd: Consolidate, state: Consolidation) -> list[TrackedProblem]:
    by_id = {r.report_id: r for r in cmd.summary.reports}
    seen: set[tuple[str, int]] = set()
    tracked: list[TrackedProblem] = []
    for n, t in enumerate(cmd.tracks):
        where = f"body.track.{n}"
        report = by_id.get(t.report_id)
        if report is None:
            raise InvalidField(
                f"{where}.report_id",
                f"自查报告 {t.report_id} 不在本周汇总范围内 (report not covered by this week)",
            )
        problem = report.problem(t.problem_no)
        if problem is None:
            raise InvalidField(
                f"{where}.problem_no",
                f"报告 {t.report_id} 中没有序号为 {t.problem_no} 的问题 (no such problem)",
            )
        key = (t.report_id, t.problem_no)
        if key in seen:
            raise InvalidField(where, f"问题 {t.report_id}#{t.problem_no} 重复 (repeated)")
        seen.add(key)
        if key in state.tracked or key in cmd.already_tracked:
            continue
        inspector = cmd.inspectors.get(report.school_id)
        if not inspector:
            raise IllegalStep(
                f"学校 {report.school_id} 没有挂牌督学，责任区也没有组长，无人负责跟踪 "
                "(no listed inspector and no zone leader to track it)"
            )
        tracked.append(
            TrackedProblem(
                issue_id=t.issue_id,
                report_id=t.report_id,
                school_id=report.school_id,
                problem_no=t.problem_no,
                item_code=problem.item_code,
                description=problem.description,
                measures=problem.measures,
                planned_completion_on=problem.planned_completion_on,
                safety_hazard=problem.safety_hazard,
                responsible_inspector_id=inspector,
            )
        )
    return tracked


def consolidate(state: Consolidation, cmd: Consolidate) -> list[EventPayload]:
    week = cmd.summary.week
    if cmd.amendment and not state.recorded:
        raise IllegalStep(
            f"责任区 {cmd.zone_id} {week.label} 尚未汇总，不能补充汇总 "
            "(nothing to amend: the week is not consolidated)"
        )
    if not cmd.amendment and state.recorded:
        raise IllegalStep(
            f"责任区 {cmd.zone_id} {week.label} 已汇总；如需更正请提交补充汇总 "
            "(already consolidated; send an amendment)"
        )
    if cmd.amendment and not cmd.reason.strip():
        raise InvalidField("body.reason", "补充汇总须说明原因 (an amendment needs a reason)")
    if week.starts_on > cmd.today:
        raise InvalidField("body.week", f"{week.label} 尚未开始，不能汇总 (the week has not begun)")
    summary = cmd.summary
    facts = {
        "consolidation_id": consolidation_id(cmd.zone_id, week),
        "zone_id": cmd.zone_id,
        "week": week.label,
        "week_starts_on": week.starts_on,
        "week_ends_on": week.ends_on,
        "months": list(week.months),
        "consolidated_by": cmd.by,
        "note": cmd.note.strip(),
        "reports": summary.covered(),
        "unfiled": summary.unfiled(),
        "problems": summary.problems,
        "safety_hazards": summary.safety_hazards,
        "problems_by_item": summary.problems_by_item(),
        "tracked": _tracked(cmd, state),
    }
    if cmd.amendment:
        return [
            SelfInspectionConsolidationAmended(
                **facts, amendment=state.amendments + 1, reason=cmd.reason.strip()
            )
        ]
    return [SelfInspectionConsolidated(**facts)]


def evolve_consolidation(state: Consolidation, event: EventPayload) -> Consolidation:
    if isinstance(event, SelfInspectionConsolidated | SelfInspectionConsolidationAmended):
        return Consolidation(
            recorded=True,
            zone_id=event.zone_id,
            week=event.week,
            amendments=getattr(event, "amendment", 0),
            tracked=state.tracked | {(t.report_id, t.problem_no) for t in event.tracked},
        )
    raise ValueError(f"a consolidation stream cannot hold {event.event_type}")
