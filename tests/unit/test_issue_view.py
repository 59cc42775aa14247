"""The issues read model agrees with the aggregate, whatever legal steps an issue takes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.issues.rectification import domain as i
from services.issues.rectification.view import IssueView, is_safety
from shared.commands import IllegalStep
from shared.contracts.issues import IssueSource
from shared.contracts.visits import MajorKind, Severity
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction
from shared.projection import DocRef
from tests.factories import envelope
from tests.fakes import fold_projection

HERE = Jurisdiction(province="510000", city="510700", county="510704", zone="z1", school="s1")
START = date(2026, 12, 1)

OPEN = i.OpenIssue(
    issue_id="x",
    source=IssueSource.visit_finding,
    school_id="s1",
    item_code="safety",
    item_title="安全",
    description="消防通道堵塞",
    requirement="立即清理",
    severity=Severity.major,
    major_kind=MajorKind.safety_hazard,
    deadline=START,
    responsible_inspector_id="insp-1",
    visit_id="v1",
    finding_id="f1",
)


def _command(kind: str, day: int) -> i.Command:
    later = START + timedelta(days=day)
    moment = datetime(2026, 12, 1, 12, tzinfo=UTC) + timedelta(days=day)
    commands: dict[str, i.Command] = {
        "plan": i.SubmitPlan(by="p", plan=i.PlanFacts.of(("清理", "总务处", later))),
        "progress": i.ReportProgress(by="p", progress=i.ProgressFacts.of("进展")),
        "submit": i.SubmitForVerification(by="p", note="申请验收"),
        "verify": i.Verify(by="insp-1", note="通过"),
        "reject": i.RejectVerification(by="insp-1", reason="未达标"),
        "reopen": i.Reopen(by="insp-1", reason="反弹", deadline=later),
        "extend": i.RequestExtension(by="p", extension=i.ExtensionFacts.of(later, "需要时间")),
        "approve": i.ApproveExtension(by="insp-1", note="同意"),
        "deny": i.DenyExtension(by="insp-1", reason="不同意"),
        "escalate": i.Escalate(by="p", escalation=i.EscalationFacts.of("区政府", "报告")),
        "receipt": i.RecordEscalationReceipt(received_by="区政府办"),
        "answer": i.RecordEscalationAnswer(answered_by="区政府办", answer="已安排"),
        "overdue": i.MarkOverdue(now=moment),
        "notice": i.IssueNotice(
            by="o", notice_no="游教督整〔2026〕1号", issued_on=START, deadline=later
        ),
        "notice_receipt": i.RecordNoticeReceipt(by="o", received_by="张三", received_on=START),
    }
    return commands[kind]


KINDS = st.sampled_from(
    [
        "plan",
        "progress",
        "submit",
        "verify",
        "reject",
        "reopen",
        "extend",
        "approve",
        "deny",
        "escalate",
        "receipt",
        "answer",
        "overdue",
        "notice",
        "notice_receipt",
    ]
)


def _run(steps: list[tuple[str, int]]) -> tuple[i.Issue, dict[str, Any]]:
    state = i.Issue()
    events: list[EventPayload] = []
    for cmd in [OPEN, *(_command(kind, day) for kind, day in steps)]:
        try:
            new = i.decide(state, cmd)
        except IllegalStep:
            continue
        for payload in new:
            state = i.evolve(state, payload)
        events.extend(new)
    pairs = ((envelope(p, "issue-x", n, HERE), p) for n, p in enumerate(events, start=1))
    docs = fold_projection(IssueView(), pairs)
    doc = docs[DocRef("issues", "x")]
    assert doc is not None
    assert doc["version"] == len(events)
    return state, doc


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(KINDS, st.integers(min_value=-3, max_value=60)), max_size=25))
def test_the_read_model_shows_what_the_aggregate_decided(steps: list[tuple[str, int]]) -> None:
    state, doc = _run(steps)
    assert doc["stage"] == state.stage.value
    assert doc["open"] is state.is_open
    assert doc["deadline"] == (state.deadline.isoformat() if state.deadline else None)
    assert doc["overdue"] is state.overdue
    assert doc["overdue_deadlines"] == [d.isoformat() for d in state.overdue_for]
    assert (doc["extension"] is not None) is (state.pending_extension is not None)
    escalation = doc["escalation"]["status"] if doc["escalation"] else "none"
    assert escalation == state.escalation.value
    assert (doc["notice"] or {}).get("notice_no") == state.notice_no
    assert doc["zone"] == "z1" and doc["county"] == "510704"


def test_an_overdue_issue_that_is_closed_is_no_longer_overdue() -> None:
    late = 3
    _, doc = _run([("overdue", late)])
    assert doc["overdue"] is True and doc["overdue_deadlines"] == [START.isoformat()]
    _, doc = _run([("overdue", late), ("plan", -1), ("progress", 5), ("submit", 6), ("verify", 7)])
    assert doc["stage"] == "closed" and doc["overdue"] is False and doc["closed_at"]


def test_safety_means_the_safety_item_or_a_major_hazard() -> None:
    assert is_safety("safety", "general", None)
    assert is_safety("canteen_hygiene", "major", "safety_hazard")
    assert not is_safety("canteen_hygiene", "major", "violation")
    assert not is_safety("ethos", "serious", None)
