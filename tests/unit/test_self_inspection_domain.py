"""Monthly self-inspection: calendar arithmetic, filing, revision and weekly consolidation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.issues.self_inspection import domain as si
from services.issues.self_inspection.domain import (
    Consolidate,
    Consolidation,
    FileReport,
    ProblemIn,
    Report,
    ReviseReport,
    TrackRequest,
    Week,
)
from shared.commands import IllegalStep, InvalidField
from shared.contracts.self_inspection import (
    SelfInspectionConsolidated,
    SelfInspectionConsolidationAmended,
    SelfInspectionFiled,
    SelfInspectionItem,
    SelfInspectionRevised,
)
from shared.events import EventPayload

DUE = 5


def at(day: date, hour: int = 10) -> datetime:
    """``hour`` o'clock China time on ``day``."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


def problem(
    item: str = "safety", planned: date = date(2026, 12, 20), hazard: bool = False, **extra: object
) -> ProblemIn:
    return ProblemIn(
        item_code=SelfInspectionItem(item),
        description=f"{item} 问题",
        measures="立即整改",
        planned_completion_on=planned,
        safety_hazard=hazard,
        **extra,
    )


def filing(*problems: ProblemIn, now: date = date(2026, 12, 3), **extra: object) -> FileReport:
    values: dict[str, object] = {
        "school_id": "s1",
        "zone_id": "z1",
        "month": "2026-11",
        "filed_by": "principal-1",
        "problems": problems,
        "no_problems": not problems,
        "now": at(now),
        "deadline": si.filing_deadline("2026-11", DUE),
    }
    values.update(extra)
    return FileReport(**values)  # type: ignore[arg-type]


def fold(events: list[EventPayload], state: Report | None = None) -> Report:
    for e in events:
        state = si.evolve(state or Report(), e)
    assert state is not None
    return state


def filed(*problems: ProblemIn) -> Report:
    return fold(si.file_report(Report(), filing(*problems)))


# ---------------------------------------------------------------- calendar


def test_weeks_parse_and_name_their_days_and_months() -> None:
    week = si.parse_week("2026-W49")
    assert (week.starts_on, week.ends_on) == (date(2026, 11, 30), date(2026, 12, 6))
    assert week.months == ("2026-11", "2026-12")
    assert si.parse_week("2026-W48").months == ("2026-11",)
    # ISO week 1 of 2027 starts in 2026; 2026 has 53 weeks, 2027 only 52
    assert si.parse_week("2027-W01").months == ("2027-01",)
    assert si.parse_week("2026-W53").starts_on == date(2026, 12, 28)
    for bad in ("2027-W53", "2026-W00", "2026-W54", "2026-48", "2026W48", ""):
        with pytest.raises(ValueError):
            si.parse_week(bad)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_every_day_lies_in_its_week_and_its_month_is_touched(day: date) -> None:
    week = si.week_of(day)
    assert week.starts_on <= day <= week.ends_on
    assert week.starts_on.weekday() == 0
    assert si.month_of(day) in week.months
    assert si.parse_week(week.label) == week
    assert 1 <= len(week.months) <= 2


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 1)), st.integers(1, 28))
def test_the_deadline_is_the_due_day_of_the_following_month(day: date, due: int) -> None:
    month = si.month_of(day)
    deadline = si.filing_deadline(month, due)
    assert deadline.day == due
    assert deadline > day
    assert si.month_of(deadline) == si.month_of(si.next_month_start(month))


def test_deadlines_roll_over_the_year() -> None:
    assert si.filing_deadline("2026-12", 5) == date(2027, 1, 5)
    assert si.filing_deadline("2026-01", 31) == date(2026, 2, 28)


# ---------------------------------------------------------------- filing


def test_a_report_is_filed_once_numbered_and_flagged_late_after_the_deadline() -> None:
    [event] = si.file_report(Report(), filing(problem(), problem("canteen_hygiene", hazard=True)))
    assert isinstance(event, SelfInspectionFiled)
    assert event.report_id == "s1-2026-11" and not event.late
    assert [p.problem_no for p in event.problems] == [1, 2]
    state = fold([event])
    assert state.next_no == 3 and state.safety_hazards == 1
    with pytest.raises(IllegalStep, match="已报送"):
        si.file_report(state, filing(problem()))
    # the deadline day itself (China time, late evening) is still on time; the day after is late
    on_time = si.file_report(Report(), filing(problem(), now=date(2026, 12, 5)))
    assert not on_time[0].late  # type: ignore[attr-defined]
    evening = filing(problem(), now=date(2026, 12, 5))
    evening = FileReport(**{**evening.__dict__, "now": at(date(2026, 12, 5), 23)})
    assert not si.file_report(Report(), evening)[0].late  # type: ignore[attr-defined]
    [late] = si.file_report(Report(), filing(problem(), now=date(2026, 12, 6)))
    assert isinstance(late, SelfInspectionFiled) and late.late


def test_no_problems_is_an_explicit_declaration() -> None:
    [event] = si.file_report(Report(), filing())
    assert isinstance(event, SelfInspectionFiled) and event.no_problems and event.problems == []
    with pytest.raises(InvalidField) as bare:
        si.file_report(Report(), filing(no_problems=False))
    assert bare.value.field == "body.problems"
    with pytest.raises(InvalidField) as both:
        si.file_report(Report(), filing(problem(), no_problems=True))
    assert both.value.field == "body.problems"


@pytest.mark.parametrize(
    ("cmd", "field"),
    [
        (filing(problem(), month="2027-01"), "body.month"),
        (filing(problem(planned=date(2026, 10, 31))), "body.problems.0.planned_completion_on"),
        (
            filing(problem(), problem(planned=date(2029, 1, 1))),
            "body.problems.1.planned_completion_on",
        ),
        (filing(problem(problem_no=1)), "body.problems.0.problem_no"),
        (
            filing(
                ProblemIn.model_construct(
                    item_code=SelfInspectionItem.other,
                    description="  ",
                    measures="x",
                    planned_completion_on=date(2026, 12, 1),
                    safety_hazard=False,
                )
            ),
            "body.problems.0.description",
        ),
    ],
)
def test_bad_filings_name_the_field(cmd: FileReport, field: str) -> None:
    with pytest.raises(InvalidField) as problem_raised:
        si.file_report(Report(), cmd)
    assert problem_raised.value.field == field


def test_the_current_month_may_be_filed_early() -> None:
    [event] = si.file_report(
        Report(), filing(problem(), month="2026-12", deadline=date(2027, 1, 5))
    )
    assert isinstance(event, SelfInspectionFiled) and not event.late


# ---------------------------------------------------------------- revision


def revision(*problems: ProblemIn, tracked: frozenset[int] = frozenset()) -> ReviseReport:
    return ReviseReport(
        report_id="s1-2026-11",
        revised_by="principal-1",
        problems=problems,
        no_problems=not problems,
        reason="补充自查发现",
        tracked=tracked,
    )


def test_a_revision_keeps_numbers_gives_new_ones_and_never_reuses_dropped_ones() -> None:
    state = filed(problem("safety"), problem("canteen_hygiene"))
    # keep 2 (changed), drop 1, add one new
    events = si.revise_report(
        state, revision(problem("canteen_hygiene", hazard=True, problem_no=2), problem("ethos"))
    )
    [event] = events
    assert isinstance(event, SelfInspectionRevised) and event.revision == 2
    assert [p.problem_no for p in event.problems] == [2, 3]
    state = fold(events, state)
    assert state.next_no == 4 and state.problem(1) is None and state.safety_hazards == 1
    # dropping everything then adding: the new problem is 4, not 1
    empty = fold(si.revise_report(state, revision()), state)
    assert empty.no_problems and empty.problems == ()
    [again] = si.revise_report(empty, revision(problem("safety")))
    assert [p.problem_no for p in again.problems] == [4]  # type: ignore[attr-defined]


def test_bad_revisions() -> None:
    state = filed(problem("safety"), problem("canteen_hygiene"))
    with pytest.raises(IllegalStep, match="尚未报送"):
        si.revise_report(Report(), revision(problem()))
    with pytest.raises(InvalidField) as unknown:
        si.revise_report(state, revision(problem(problem_no=9)))
    assert unknown.value.field == "body.problems.0.problem_no"
    with pytest.raises(InvalidField) as repeated:
        si.revise_report(state, revision(problem(problem_no=1), problem(problem_no=1)))
    assert repeated.value.field == "body.problems.1.problem_no"
    same = revision(problem("safety", problem_no=1), problem("canteen_hygiene", problem_no=2))
    with pytest.raises(IllegalStep, match="nothing changed"):
        si.revise_report(state, same)
    with pytest.raises(InvalidField) as no_reason:
        si.revise_report(state, ReviseReport("s1-2026-11", "p", (), True, " "))
    assert no_reason.value.field == "body.reason"


def test_a_tracked_problem_cannot_be_changed_or_dropped_by_a_revision() -> None:
    state = filed(problem("safety"), problem("canteen_hygiene"))
    tracked = frozenset({1})
    with pytest.raises(IllegalStep, match="跟踪整改"):
        si.revise_report(state, revision(problem("canteen_hygiene", problem_no=2), tracked=tracked))
    with pytest.raises(IllegalStep, match="跟踪整改"):
        changed = problem("safety", planned=date(2026, 12, 31), problem_no=1)
        si.revise_report(state, revision(changed, tracked=tracked))
    # the untracked one may change while the tracked one stays as it was
    kept = problem("safety", problem_no=1)
    [event] = si.revise_report(state, revision(kept, problem("ethos"), tracked=tracked))
    assert [p.problem_no for p in event.problems] == [1, 3]  # type: ignore[attr-defined]


# ---------------------------------------------------------------- a zone's week

W49 = si.parse_week("2026-W49")


def reports() -> dict[str, Report]:
    on_time = fold(si.file_report(Report(), filing(problem("safety", hazard=True), problem())))
    late_cmd = filing(problem("canteen_hygiene"), now=date(2026, 12, 6), school_id="s2")
    late = fold(si.file_report(Report(), late_cmd))
    return {on_time.report_id: on_time, late.report_id: late}


def test_a_week_summary_shows_filed_late_missing_and_not_due() -> None:
    summary = si.summarize(W49, ["s3", "s1", "s2"], reports(), date(2026, 12, 7), DUE)
    status = {(r.school_id, r.month): r.status for r in summary.rows}
    assert status == {
        ("s1", "2026-11"): "filed",
        ("s2", "2026-11"): "late",
        ("s3", "2026-11"): "missing",
        ("s1", "2026-12"): "not_due",
        ("s2", "2026-12"): "not_due",
        ("s3", "2026-12"): "not_due",
    }
    assert summary.status_counts() == {"filed": 1, "late": 1, "missing": 1, "not_due": 3}
    assert summary.problems == 3 and summary.safety_hazards == 1
    assert summary.problems_by_item() == {"canteen_hygiene": 1, "safety": 2}
    # before the deadline nothing is missing yet
    early = si.summarize(W49, ["s3"], {}, date(2026, 12, 5), DUE)
    assert {r.status for r in early.rows} == {"not_due"}


def consolidation(**extra: object) -> Consolidate:
    values: dict[str, object] = {
        "zone_id": "z1",
        "summary": si.summarize(W49, ["s1", "s2", "s3"], reports(), date(2026, 12, 7), DUE),
        "by": "leader",
        "today": date(2026, 12, 7),
        "tracks": (TrackRequest("s1-2026-11", 1, "issue-a"),),
        "inspectors": {"s1": "insp-1", "s2": "insp-1"},
    }
    values.update(extra)
    return Consolidate(**values)  # type: ignore[arg-type]


def test_a_week_is_consolidated_once_with_its_tracked_problems() -> None:
    [event] = si.consolidate(Consolidation(), consolidation(note="本周汇总"))
    assert isinstance(event, SelfInspectionConsolidated)
    assert event.consolidation_id == "z1-2026-W49" and event.months == ["2026-11", "2026-12"]
    assert {r.report_id for r in event.reports} == {"s1-2026-11", "s2-2026-11"}
    assert [(u.school_id, u.month, u.status) for u in event.unfiled if u.month == "2026-11"] == [
        ("s3", "2026-11", "missing")
    ]
    [tracked] = event.tracked
    assert (tracked.issue_id, tracked.problem_no, tracked.responsible_inspector_id) == (
        "issue-a",
        1,
        "insp-1",
    )
    assert tracked.safety_hazard and tracked.planned_completion_on == date(2026, 12, 20)
    state = si.evolve_consolidation(Consolidation(), event)
    assert state.tracked == {("s1-2026-11", 1)}
    with pytest.raises(IllegalStep, match="已汇总"):
        si.consolidate(state, consolidation())
    # an amendment needs a reason, adds the new tracking only, and counts
    with pytest.raises(InvalidField) as no_reason:
        si.consolidate(state, consolidation(amendment=True))
    assert no_reason.value.field == "body.reason"
    more = (TrackRequest("s1-2026-11", 1, "issue-a"), TrackRequest("s2-2026-11", 1, "issue-b"))
    [amended] = si.consolidate(state, consolidation(amendment=True, reason="补充", tracks=more))
    assert isinstance(amended, SelfInspectionConsolidationAmended) and amended.amendment == 1
    assert [t.issue_id for t in amended.tracked] == ["issue-b"]
    state = si.evolve_consolidation(state, amended)
    assert state.amendments == 1 and len(state.tracked) == 2


def test_bad_consolidations() -> None:
    with pytest.raises(IllegalStep, match="尚未汇总"):
        si.consolidate(Consolidation(), consolidation(amendment=True, reason="x"))
    with pytest.raises(InvalidField) as future:
        si.consolidate(Consolidation(), consolidation(today=date(2026, 11, 29)))
    assert future.value.field == "body.week"
    cases = [
        ((TrackRequest("s3-2026-11", 1, "x"),), "body.track.0.report_id"),
        ((TrackRequest("s1-2026-11", 7, "x"),), "body.track.0.problem_no"),
        ((TrackRequest("s1-2026-11", 1, "x"), TrackRequest("s1-2026-11", 1, "x")), "body.track.1"),
    ]
    for tracks, field in cases:
        with pytest.raises(InvalidField) as bad:
            si.consolidate(Consolidation(), consolidation(tracks=tracks))
        assert bad.value.field == field
    with pytest.raises(IllegalStep, match="无人负责"):
        si.consolidate(Consolidation(), consolidation(inspectors={}))


def test_a_problem_tracked_already_is_not_tracked_twice() -> None:
    cmd = consolidation(already_tracked=frozenset({("s1-2026-11", 1)}), inspectors={})
    [event] = si.consolidate(Consolidation(), cmd)
    assert event.tracked == []  # type: ignore[attr-defined]


def test_the_current_week_may_be_consolidated_before_it_ends() -> None:
    week = Week(2026, 49)
    today = week.starts_on + timedelta(days=4)
    summary = si.summarize(week, ["s1"], {}, today, DUE)
    cmd = consolidation(summary=summary, today=today, tracks=())
    [event] = si.consolidate(Consolidation(), cmd)
    assert isinstance(event, SelfInspectionConsolidated) and event.problems == 0
