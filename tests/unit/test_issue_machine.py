"""Property tests of the issue (整改) state machine (pure domain, no I/O).

Hypothesis drives random sequences of commands — mostly a plausible next step, sometimes
anything — through ``decide``/``evolve``, with a clock that only moves forward. After
every accepted command the state must satisfy the lifecycle's invariants, and replaying
the events emitted so far (also after a JSON round trip, as a consumer would see them)
must rebuild exactly the same state. Overdue reports are checked against the log: at most
one per deadline, only after that deadline and never for a closed issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.issues.rectification import domain as i
from shared.commands import IllegalStep
from shared.contracts.issues import (
    IssueOverdue,
    IssueSource,
    IssueVerified,
    RectificationNoticeIssued,
)
from shared.contracts.visits import AgreedProblem, EvidenceRef, MajorKind, Severity
from shared.events import EventPayload

DEADLINE = date(2026, 11, 30)
START = datetime(2026, 10, 13, 2, 0, tzinfo=UTC)
PHOTO = EvidenceRef(evidence_id="e1", sha256="a" * 64, size=1024, media_type="image/jpeg")
DOC = EvidenceRef(evidence_id="e2", sha256="b" * 64, size=2048, media_type="application/pdf")

ALLOWED = {
    (i.Stage.none, i.Stage.open),
    (i.Stage.open, i.Stage.plan_submitted),
    (i.Stage.reopened, i.Stage.plan_submitted),
    (i.Stage.plan_submitted, i.Stage.plan_submitted),
    (i.Stage.plan_submitted, i.Stage.in_progress),
    (i.Stage.in_progress, i.Stage.in_progress),
    (i.Stage.in_progress, i.Stage.awaiting_verification),
    (i.Stage.awaiting_verification, i.Stage.closed),
    (i.Stage.awaiting_verification, i.Stage.in_progress),
    (i.Stage.closed, i.Stage.reopened),
}

days = st.integers(-20, 90).map(lambda n: DEADLINE + timedelta(days=n))
who = st.sampled_from(["a", "principal", "office"])
text = st.sampled_from(["已按要求整改", "说明", "", "  "])


@st.composite
def openings(draw: st.DrawFn) -> i.OpenIssue:
    sev = draw(st.sampled_from(Severity))
    major_kind = draw(st.sampled_from(MajorKind)) if sev == Severity.major else None
    if draw(st.integers(0, 9)) == 0:  # sometimes an inconsistent one
        major_kind = draw(st.sampled_from([None, *MajorKind]))
    source = draw(st.sampled_from(IssueSource))
    return i.OpenIssue(
        issue_id="is1",
        source=source,
        school_id="s1",
        item_code="i3",
        item_title="校园安全",
        description="消防通道堆放杂物",
        requirement=draw(st.sampled_from(["立即清理", ""])),
        severity=sev,
        major_kind=major_kind,
        deadline=draw(days),
        responsible_inspector_id="a",
        visit_id="v1" if source == IssueSource.visit_finding else None,
        finding_id="f1" if source == IssueSource.visit_finding else None,
        source_ref=None if source == IssueSource.visit_finding else "ref-1",
    )


@st.composite
def plans(draw: st.DrawFn) -> i.SubmitPlan:
    dues = sorted(draw(st.lists(days, min_size=0, max_size=3)))
    if draw(st.integers(0, 9)) == 0:
        dues.reverse()
    steps = [(f"第{n}步", "总务主任", d) for n, d in enumerate(dues, start=1)]
    return i.SubmitPlan("principal", i.PlanFacts.of(*steps, timetable=draw(st.booleans())))


@dataclass(frozen=True)
class Sweep:
    """Placeholder for ``MarkOverdue(now)``: the clock is the test's, not the strategy's."""


@dataclass(frozen=True)
class ExtendBy:
    """Placeholder for a request to extend the current deadline by ``days``."""

    days: int


Step = i.Command | Sweep | ExtendBy


def concrete(step: Step, state: i.Issue, now: datetime) -> i.Command:
    match step:
        case Sweep():
            return i.MarkOverdue(now)
        case ExtendBy(days=n):
            later = (state.deadline or DEADLINE) + timedelta(days=n)
            return i.RequestExtension("principal", i.ExtensionFacts.of(later, "工程需招标"))
    return step


ANYTHING: st.SearchStrategy[Step] = st.one_of(
    openings(),
    plans(),
    st.builds(
        i.ReportProgress,
        by=who,
        progress=st.builds(
            lambda note, evidence: i.ProgressFacts.of(note, *evidence),
            text,
            st.sampled_from([(), (PHOTO,), (PHOTO, DOC), (PHOTO, PHOTO)]),
        ),
    ),
    st.builds(i.SubmitForVerification, by=who, note=text),
    st.builds(i.Verify, by=who, note=text, on_visit_id=st.sampled_from([None, "v2"])),
    st.builds(i.RejectVerification, by=who, reason=text),
    st.builds(i.Reopen, by=who, reason=text, deadline=days),
    st.builds(i.RequestExtension, by=who, extension=st.builds(i.ExtensionFacts.of, days, text)),
    st.builds(i.ApproveExtension, by=who, note=text),
    st.builds(i.DenyExtension, by=who, reason=text),
    st.builds(
        i.Escalate,
        by=who,
        escalation=st.builds(i.EscalationFacts.of, st.sampled_from(["县住建局", ""]), text),
    ),
    st.builds(i.RecordEscalationReceipt, received_by=st.just("县住建局办公室")),
    st.builds(i.RecordEscalationAnswer, answered_by=st.just("县住建局"), answer=text),
    st.just(Sweep()),
    st.builds(
        i.IssueNotice,
        by=st.just("office"),
        notice_no=st.sampled_from(["游教督整〔2026〕3号", ""]),
        issued_on=st.just(DEADLINE - timedelta(days=30)),
        deadline=days,
    ),
    st.builds(
        i.RecordNoticeReceipt,
        by=st.just("office"),
        received_by=st.just("王校长"),
        received_on=st.just(DEADLINE - timedelta(days=29)),
    ),
)

SIDE: list[st.SearchStrategy[Step]] = [
    st.just(Sweep()),
    st.integers(1, 40).map(ExtendBy),
    st.just(i.ApproveExtension("office", "同意")),
    st.just(i.DenyExtension("office", "理由不充分")),
    st.just(i.Escalate("a", i.EscalationFacts.of("县人民政府", "学校无力自行解决，请求协调"))),
    st.just(i.RecordEscalationReceipt("县政府办")),
    st.just(i.RecordEscalationAnswer("县人民政府", "已安排资金")),
    st.builds(
        i.IssueNotice,
        by=st.just("office"),
        notice_no=st.just("游教督整〔2026〕3号"),
        issued_on=st.just(DEADLINE - timedelta(days=30)),
        deadline=days,
    ),
    st.just(i.RecordNoticeReceipt("office", "王校长", DEADLINE - timedelta(days=29))),
]

PLAUSIBLE: dict[i.Stage, st.SearchStrategy[Step]] = {
    i.Stage.none: openings(),
    i.Stage.open: st.one_of(plans(), *SIDE),
    i.Stage.reopened: st.one_of(plans(), *SIDE),
    i.Stage.plan_submitted: st.one_of(
        st.just(i.ReportProgress("principal", i.ProgressFacts.of("已完成第一步", PHOTO))),
        st.just(i.ReportProgress("principal", i.ProgressFacts.of("已全部完成", PHOTO, DOC))),
        plans(),
        *SIDE,
    ),
    i.Stage.in_progress: st.one_of(
        st.just(i.ReportProgress("principal", i.ProgressFacts.of("已全部完成", PHOTO, DOC))),
        st.just(i.SubmitForVerification("principal", "请验收")),
        plans(),
        *SIDE,
    ),
    i.Stage.awaiting_verification: st.one_of(
        st.just(i.Verify("a", "经回访核实，已整改到位", "v2")),
        st.just(i.RejectVerification("a", "尚未整改到位")),
        *SIDE,
    ),
    i.Stage.closed: st.one_of(
        st.builds(i.Reopen, by=st.just("a"), reason=st.just("问题反弹"), deadline=days),
        st.just(Sweep()),
    ),
}

GUIDED: dict[i.Stage, st.SearchStrategy[Step]] = {
    stage: st.one_of(*[plausible] * 5, ANYTHING) for stage, plausible in PLAUSIBLE.items()
}
"""Mostly a plausible next step for the stage, sometimes anything at all."""


def check_invariants(state: i.Issue) -> None:
    assert state.deadline is not None
    assert (state.severity == Severity.major) == (state.major_kind is not None)
    assert state.notice_no is None or state.major
    assert not state.notice_received or state.notice_no is not None
    assert len(set(state.overdue_for)) == len(state.overdue_for)
    if state.stage == i.Stage.closed:
        assert not state.escalation_pending
        assert state.pending_extension is None
        assert not state.overdue
    if state.stage in (i.Stage.plan_submitted, i.Stage.in_progress, i.Stage.awaiting_verification):
        assert state.plan_revision >= 1
    if state.stage == i.Stage.awaiting_verification:
        assert state.progress_reports >= 1
    if state.escalation != i.Escalation.none:
        assert state.escalated_to


def round_trip(events: list[EventPayload]) -> list[EventPayload]:
    return [type(e).model_validate_json(e.model_dump_json()) for e in events]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_no_command_sequence_reaches_an_illegal_state(data: st.DataObject) -> None:
    state = i.Issue()
    log: list[EventPayload] = []
    now = START
    for _ in range(data.draw(st.integers(0, 60), label="steps")):
        now += timedelta(hours=data.draw(st.sampled_from([0, 1, 24, 24 * 7, 24 * 30])))
        cmd = concrete(data.draw(GUIDED[state.stage]), state, now)
        before = state
        try:
            events = i.decide(state, cmd)
        except IllegalStep:
            continue
        if not events:
            assert isinstance(cmd, i.MarkOverdue), "only the overdue sweep may emit nothing"
            assert (
                not before.is_open
                or before.deadline is None
                or i.local_day(now) <= before.deadline
                or before.deadline in before.overdue_for
            )
            continue
        for event in events:
            if isinstance(event, IssueOverdue):
                assert before.is_open, "never overdue once closed"
                assert event.deadline == before.deadline
                assert i.local_day(event.detected_at) > event.deadline
            state = i.evolve(state, event)
        log.extend(events)
        assert (before.stage, state.stage) in ALLOWED or before.stage == state.stage
        check_invariants(state)
        assert i.replay(log) == state
        assert i.replay(round_trip(log)) == state
    overdue = [e.deadline for e in log if isinstance(e, IssueOverdue)]
    assert len(overdue) == len(set(overdue)), "at most one IssueOverdue per deadline"
    assert sum(isinstance(e, RectificationNoticeIssued) for e in log) <= 1


def run(state: i.Issue, *cmds: i.Command) -> tuple[i.Issue, list[EventPayload]]:
    log: list[EventPayload] = []
    for cmd in cmds:
        events = i.decide(state, cmd)
        log.extend(events)
        for event in events:
            state = i.evolve(state, event)
    return state, log


def opened(severity: Severity = Severity.general, deadline: date = DEADLINE) -> i.Issue:
    problem = AgreedProblem(
        point_no=1,
        finding_id="f1",
        item_code="i3",
        item_title="校园安全",
        description="消防通道堆放杂物",
        requirement="立即清理，建立巡查制度",
        severity=severity,
        major_kind=MajorKind.safety_hazard if severity == Severity.major else None,
        deadline=deadline,
        inspector_id="a",
    )
    state, _ = run(i.Issue(), i.open_from_agreed("is1", "v1", "s1", problem))
    return state


def test_rectified_verified_closed_then_reopened() -> None:
    state, log = run(
        opened(),
        i.SubmitPlan("principal", i.PlanFacts.of(("清理杂物", "总务主任", date(2026, 11, 1)))),
        i.ReportProgress("principal", i.ProgressFacts.of("已清理", PHOTO)),
        i.SubmitForVerification("principal", "请验收"),
        i.RejectVerification("a", "巡查制度未建立"),
        i.ReportProgress("principal", i.ProgressFacts.of("已建立巡查制度", DOC)),
        i.SubmitForVerification("principal", "请验收"),
        i.Verify("a", "回访核实，整改到位", "v2"),
    )
    assert state.stage == i.Stage.closed
    assert isinstance(log[-1], IssueVerified) and log[-1].verified_on_visit_id == "v2"
    state, _ = run(state, i.Reopen("a", "杂物再次堆放", date(2026, 12, 31)))
    assert state.stage == i.Stage.reopened and state.deadline == date(2026, 12, 31)


def test_overdue_once_per_deadline_and_again_after_an_extension_lapses() -> None:
    state = opened()
    on_deadline = datetime(2026, 11, 30, 15, 59, tzinfo=UTC)  # 23:59 in China
    next_day = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 00:00 on 1 December in China
    assert i.decide(state, i.MarkOverdue(on_deadline)) == []
    state, log = run(state, i.MarkOverdue(next_day), i.MarkOverdue(next_day + timedelta(days=3)))
    assert [type(e) for e in log] == [IssueOverdue] and state.overdue
    state, _ = run(
        state,
        i.RequestExtension("principal", i.ExtensionFacts.of(date(2026, 12, 20), "需采购设备")),
        i.ApproveExtension("office", "同意延期"),
    )
    assert state.deadline == date(2026, 12, 20) and not state.overdue
    assert i.decide(state, i.MarkOverdue(datetime(2026, 12, 20, 12, tzinfo=UTC))) == []
    state, log = run(state, i.MarkOverdue(datetime(2026, 12, 21, 12, tzinfo=UTC)))
    assert [e.deadline for e in log if isinstance(e, IssueOverdue)] == [date(2026, 12, 20)]


def test_a_closed_issue_is_never_overdue() -> None:
    state, _ = run(
        opened(),
        i.SubmitPlan("principal", i.PlanFacts.of(("清理杂物", "总务主任", date(2026, 11, 1)))),
        i.ReportProgress("principal", i.ProgressFacts.of("已清理", PHOTO)),
        i.SubmitForVerification("principal", "请验收"),
        i.Verify("a", "整改到位"),
    )
    assert i.decide(state, i.MarkOverdue(datetime(2027, 6, 1, tzinfo=UTC))) == []


def test_an_unanswered_escalation_keeps_the_issue_open() -> None:
    state, _ = run(
        opened(),
        i.Escalate("a", i.EscalationFacts.of("县人民政府", "校舍加固需财政资金，学校无力自行解决")),
        i.SubmitPlan(
            "principal",
            i.PlanFacts.of(
                ("申请资金", "校长", date(2026, 11, 15)),
                ("加固施工", "总务主任", date(2027, 3, 1)),
                timetable=True,
            ),
        ),
        i.ReportProgress("principal", i.ProgressFacts.of("已报送资金申请", DOC)),
        i.SubmitForVerification("principal", "请验收"),
        i.RecordEscalationReceipt("县政府办"),
    )
    with pytest.raises(IllegalStep, match="尚未答复，不能销号"):
        i.decide(state, i.Verify("a", "整改到位"))
    state, _ = run(
        state, i.RecordEscalationAnswer("县人民政府", "已列入预算"), i.Verify("a", "整改到位")
    )
    assert state.stage == i.Stage.closed


def test_notice_only_for_major_problems_and_only_once() -> None:
    notice = i.IssueNotice("office", "游教督整〔2026〕3号", date(2026, 10, 14), date(2026, 10, 31))
    with pytest.raises(IllegalStep, match="只有重大问题才下发"):
        i.decide(opened(Severity.serious), notice)
    receipt = i.RecordNoticeReceipt("office", "王校长", date(2026, 10, 15))
    state, _ = run(opened(Severity.major), notice, receipt)
    assert state.notice_no == "游教督整〔2026〕3号" and state.deadline == date(2026, 10, 31)
    with pytest.raises(IllegalStep, match="已下发整改通知书"):
        i.decide(state, notice)
    with pytest.raises(IllegalStep, match="回执已登记"):
        i.decide(state, i.RecordNoticeReceipt("office", "王校长", date(2026, 10, 16)))


@pytest.mark.parametrize(
    ("cmd", "words"),
    [
        (i.SubmitForVerification("principal", ""), "不能申请验收"),
        (i.Verify("a", ""), "不能验收销号"),
        (i.ReportProgress("principal", i.ProgressFacts.of("进展")), "不能报告整改进展"),
        (i.ApproveExtension("office", ""), "没有待审批的延期申请"),
        (i.RequestExtension("principal", i.ExtensionFacts.of(DEADLINE, "需要时间")), "须晚于"),
        (
            i.SubmitPlan("principal", i.PlanFacts.of(("施工", "总务主任", date(2027, 1, 1)))),
            "限时整改",
        ),
        (i.RecordEscalationAnswer("县政府", "已处理"), "没有待答复的上报"),
        (i.Reopen("a", "反弹", DEADLINE), "不能重新打开"),
    ],
)
def test_illegal_steps_say_why_in_chinese(cmd: i.Command, words: str) -> None:
    with pytest.raises(IllegalStep, match=words):
        i.decide(opened(), cmd)


def test_nothing_happens_to_an_issue_that_does_not_exist() -> None:
    with pytest.raises(IllegalStep, match="不存在"):
        i.decide(i.Issue(issue_id="nope"), i.MarkOverdue(START))
