"""Property tests of the visit state machine (pure domain, no I/O).

Hypothesis drives random sequences of commands — mostly plausible ones, from a small
universe of ids so that sequences reach the late stages — through ``decide``/``evolve``.
After every accepted command the state must satisfy the lifecycle's invariants, and
replaying the events emitted so far (also after a JSON round trip, as a consumer would
see them) must rebuild exactly the same state.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.visits.visit import domain as v
from shared.commands import IllegalStep, InvalidField, NotFound
from shared.contracts.directory import Location
from shared.contracts.visits import (
    DisputeOutcome,
    FeedbackAcknowledged,
    MajorKind,
    Method,
    Severity,
    Verdict,
    VisitKind,
)
from shared.events import EventPayload

SCHOOL = Location(latitude=31.47, longitude=104.75)
NEAR = Location(latitude=31.4705, longitude=104.7502)
FAR = Location(latitude=31.60, longitude=104.75)
INSPECTORS = ("a", "b", "c")
ITEMS = (("i1", "校务管理"), ("i2", "招生收费"), ("i3", "校园安全"))
DAY = date(2026, 10, 12)
ROUTINE_PLAN = v.PlanVisit(
    visit_id="v1",
    kind=VisitKind.routine,
    school_id="s1",
    planned_on=DAY,
    announced=True,
    lead_inspector_id="a",
    team=("a",),
    items=ITEMS,
    checklist_id="routine",
    checklist_version=1,
    purpose="月度随访",
)

ALLOWED = {
    (v.Stage.none, v.Stage.planned),
    (v.Stage.planned, v.Stage.planned),
    (v.Stage.planned, v.Stage.cancelled),
    (v.Stage.planned, v.Stage.on_site),
    (v.Stage.on_site, v.Stage.on_site),
    (v.Stage.on_site, v.Stage.feedback_issued),
    (v.Stage.feedback_issued, v.Stage.acknowledged),
    (v.Stage.feedback_issued, v.Stage.disputed),
    (v.Stage.disputed, v.Stage.dispute_resolved),
    (v.Stage.dispute_resolved, v.Stage.acknowledged),
    (v.Stage.acknowledged, v.Stage.closed),
}

inspector = st.sampled_from(INSPECTORS)
item_code = st.sampled_from([c for c, _ in ITEMS])
severity = st.sampled_from(Severity)
text = st.sampled_from(["情况良好", "存在问题", "需整改", ""])


@st.composite
def plans(draw: st.DrawFn) -> v.PlanVisit:
    kind = draw(st.sampled_from(VisitKind))
    team = tuple(draw(st.lists(inspector, min_size=1, max_size=3, unique=True)))
    lead = draw(st.sampled_from([*team, "z"]))
    assignments: tuple[tuple[str, str], ...] = ()
    if kind == VisitKind.comprehensive or draw(st.booleans()):
        assignments = tuple((code, draw(st.sampled_from(team))) for code, _ in ITEMS)
    return v.PlanVisit(
        visit_id="v1",
        kind=kind,
        school_id="s1",
        planned_on=DAY,
        announced=draw(st.booleans()),
        lead_inspector_id=lead,
        team=team,
        items=ITEMS,
        checklist_id="routine",
        checklist_version=1,
        purpose="月度随访",
        assignments=assignments,
        campaign_id=draw(st.sampled_from([None, "camp-1"])),
        follows_up=tuple(draw(st.lists(st.just("old-f"), max_size=1))),
    )


def facts(**fields: Any) -> v.FindingFacts:
    """Facts as a command brings them, unbounded: the request's bounds are the body's
    (tested through HTTP); these tests reach the domain's own rules (``check_facts``)."""
    return v.FindingFacts.model_construct(**fields)


@st.composite
def findings(draw: st.DrawFn) -> v.RecordFinding:
    verdict = draw(st.sampled_from(Verdict))
    problem = verdict == Verdict.problem and draw(st.integers(0, 9)) > 0
    sev = draw(severity) if problem else None
    return v.RecordFinding(
        finding_id=draw(st.sampled_from(["f1", "f2", "f3", "f4"])),
        inspector_id=draw(inspector),
        facts=facts(
            item_code=draw(item_code),
            verdict=verdict,
            notes=draw(text),
            methods=tuple(draw(st.lists(st.sampled_from(Method), max_size=2, unique=True))),
            severity=sev,
            major_kind=draw(st.sampled_from(MajorKind)) if sev == Severity.major else None,
            requirement="限期整改" if problem else None,
            proposed_deadline=date(2026, 11, 30) if problem else None,
        ),
    )


@st.composite
def corrections(draw: st.DrawFn) -> v.CorrectFinding:
    return v.CorrectFinding(
        finding_id=draw(st.sampled_from(["f1", "f2", "f3"])),
        inspector_id=draw(inspector),
        reason="更正",
        verdict=draw(st.sampled_from([None, *Verdict])),
        notes=draw(st.sampled_from([None, "补充说明"])),
        severity=draw(st.sampled_from([None, *Severity])),
        requirement=draw(st.sampled_from([None, "立即整改"])),
        proposed_deadline=draw(st.sampled_from([None, date(2026, 12, 15)])),
        withdrawn=draw(st.integers(0, 5)) == 0,
    )


@st.composite
def resolutions(draw: st.DrawFn) -> v.ResolveDispute:
    points = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3, unique=True))
    return v.ResolveDispute(
        by=draw(inspector),
        resolutions=tuple(
            v.Resolution(
                point_no=n,
                outcome=draw(st.sampled_from(DisputeOutcome)),
                note="经核实",
                requirement=draw(st.sampled_from([None, "修改后的要求"])),
                severity=draw(st.sampled_from([None, Severity.minor])),
            )
            for n in points
        ),
    )


commands = st.one_of(
    plans(),
    st.builds(
        v.RescheduleVisit, planned_on=st.sampled_from([DAY, date(2026, 10, 20)]), reason=text
    ),
    st.builds(v.CancelVisit, reason=text),
    st.builds(
        v.SignIn,
        inspector_id=inspector,
        at=st.just(datetime(2026, 10, 12, 8, 30, tzinfo=UTC)),
        location=st.sampled_from([None, NEAR, FAR]),
        school_location=st.sampled_from([None, SCHOOL]),
        radius_m=st.just(500.0),
    ),
    findings(),
    findings(),
    findings(),
    corrections(),
    st.builds(v.MergeFindings, by=inspector, by_zone_leader=st.booleans(), summary=text),
    st.builds(v.IssueFeedback, by=inspector, summary=text),
    st.builds(v.Acknowledge, by=st.just("principal"), signer_name=st.just("王校长")),
    st.builds(
        v.Dispute,
        by=st.just("principal"),
        points=st.lists(
            st.tuples(st.integers(1, 3), st.just("已整改")), max_size=3, unique_by=lambda p: p[0]
        ).map(tuple),
    ),
    resolutions(),
    st.builds(v.CloseVisit, by=inspector, summary=text),
)


def guided(state: v.Visit) -> st.SearchStrategy[v.Command]:
    """Mostly a plausible next step for the current stage, sometimes anything at all."""
    team = st.sampled_from(state.team) if state.team else inspector
    lead = st.just(state.merged_by or state.lead_inspector_id or "a")
    signed = st.sampled_from(state.signed_in) if state.signed_in else inspector
    plausible: st.SearchStrategy[v.Command]
    match state.stage:
        case v.Stage.none:
            plausible = plans().map(
                lambda p: v.PlanVisit(
                    **{
                        **p.__dict__,
                        "campaign_id": "camp-1" if p.kind == VisitKind.special else None,
                        "follows_up": ("old-f",) if p.kind == VisitKind.follow_up else (),
                    }
                )
            )
        case v.Stage.planned:
            plausible = st.builds(
                v.SignIn,
                inspector_id=team,
                at=st.just(datetime(2026, 10, 12, 8, 30, tzinfo=UTC)),
                location=st.sampled_from([None, NEAR, FAR]),
                school_location=st.just(SCHOOL),
                radius_m=st.just(500.0),
            )
        case v.Stage.on_site:
            assigned = dict(state.assignments)
            recorded = {f.facts.item_code for f in state.findings}
            fresh_item = next((c for c, _ in ITEMS if c not in recorded), None)
            unsigned = [m for m in state.team if m not in state.signed_in]
            team = st.sampled_from(unsigned) if unsigned else team
            findings_now = findings().flatmap(
                lambda f: signed.map(
                    lambda who: v.RecordFinding(
                        finding_id=f"f{len(state.findings) + 1}",
                        inspector_id=assigned.get(fresh_item or f.facts.item_code, who),
                        facts=f.facts.model_copy(
                            update={
                                "item_code": fresh_item or f.facts.item_code,
                                "methods": f.facts.methods or (Method.campus_walk,),
                            }
                        ),
                    )
                )
            )
            plausible = st.one_of(
                *[findings_now] * 3,
                st.builds(
                    v.SignIn,
                    team,
                    st.just(datetime(2026, 10, 12, 9, tzinfo=UTC)),
                    st.just(NEAR),
                    st.just(SCHOOL),
                    st.just(500.0),
                ),
                corrections().flatmap(
                    lambda c: signed.map(
                        lambda who: v.CorrectFinding(**{**c.__dict__, "inspector_id": who})
                    )
                ),
                st.builds(
                    v.MergeFindings,
                    by=st.just("leader"),
                    by_zone_leader=st.just(True),
                    summary=text,
                ),
                st.builds(v.IssueFeedback, by=lead, summary=text),
            )
        case v.Stage.dispute_resolved:
            plausible = st.builds(
                v.Acknowledge, by=st.just("principal"), signer_name=st.just("王校长")
            )
        case v.Stage.feedback_issued:
            numbers = [p.point_no for p in state.feedback] or [1]
            plausible = st.one_of(
                st.builds(v.Acknowledge, by=st.just("principal"), signer_name=st.just("王校长")),
                st.lists(st.sampled_from(numbers), min_size=1, unique=True).map(
                    lambda ns: v.Dispute("principal", tuple((n, "申辩理由") for n in ns))
                ),
            )
        case v.Stage.disputed:
            plausible = resolutions().map(
                lambda r: v.ResolveDispute(
                    by=state.lead_inspector_id,
                    resolutions=tuple(
                        v.Resolution(**{**x.__dict__, "point_no": n})
                        for x, n in zip(r.resolutions * 3, state.disputed_points, strict=False)
                    ),
                )
            )
        case _:
            plausible = st.builds(v.CloseVisit, by=lead, summary=text)
    return st.one_of(*[plausible] * 6, commands)


def check_invariants(state: v.Visit) -> None:
    assert set(state.signed_in) <= set(state.team)
    assert len(set(state.signed_in)) == len(state.signed_in)
    ids = [f.finding_id for f in state.findings]
    assert len(set(ids)) == len(ids)
    for f in state.findings:
        assert f.inspector_id in state.signed_in
        assert f.facts.item_code in dict(state.items)
        assigned = dict(state.assignments).get(f.facts.item_code)
        assert assigned in (None, f.inspector_id)
        if f.withdrawn:
            continue
        if f.facts.verdict == Verdict.problem:
            assert f.facts.severity and f.facts.requirement and f.facts.proposed_deadline
            assert (f.facts.severity == Severity.major) == (f.facts.major_kind is not None)
        else:
            assert f.facts.severity is None and f.facts.major_kind is None
    late = {
        v.Stage.feedback_issued,
        v.Stage.acknowledged,
        v.Stage.disputed,
        v.Stage.dispute_resolved,
        v.Stage.closed,
    }
    if state.stage in late:
        assert state.standing_findings
        assert [p.point_no for p in state.feedback] == list(range(1, len(state.feedback) + 1))
        if state.kind == VisitKind.comprehensive:
            assert state.merged
    else:
        assert not state.feedback and not state.agreed
    if state.stage == v.Stage.acknowledged and not state.disputed_points:
        assert [a.finding_id for a in state.agreed] == [p.finding_id for p in state.feedback]
    if state.stage in (v.Stage.dispute_resolved, v.Stage.acknowledged, v.Stage.closed):
        issued = {p.point_no for p in state.feedback}
        assert {a.point_no for a in state.agreed} <= issued
    if state.kind == VisitKind.comprehensive and state.stage != v.Stage.none:
        assert len(state.team) >= 2
        assert {c for c, _ in state.assignments} == {c for c, _ in state.items}
    if state.kind == VisitKind.special and state.stage != v.Stage.none:
        assert state.campaign_id is not None


def round_trip(events: list[EventPayload]) -> list[EventPayload]:
    return [type(e).model_validate_json(e.model_dump_json()) for e in events]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_no_command_sequence_reaches_an_illegal_state(data: st.DataObject) -> None:
    state = v.Visit()
    log: list[EventPayload] = []
    for _ in range(data.draw(st.integers(0, 60), label="steps")):
        cmd = data.draw(guided(state))
        before = state
        try:
            events = v.decide(state, cmd)
        except (IllegalStep, InvalidField, NotFound):  # refused: 409, 422 or 404
            continue
        assert events, "an accepted command emits at least one event"
        for event in events:
            state = v.evolve(state, event)
        log.extend(events)
        assert (before.stage, state.stage) in ALLOWED
        check_invariants(state)
        assert v.replay(log) == state
        assert v.replay(round_trip(log)) == state


def test_the_five_steps_with_a_dispute() -> None:
    state = v.Visit()
    log: list[EventPayload] = []

    def run(cmd: v.Command) -> None:
        nonlocal state
        events = v.decide(state, cmd)
        log.extend(events)
        for event in events:
            state = v.evolve(state, event)

    run(ROUTINE_PLAN)
    run(v.SignIn("a", datetime(2026, 10, 12, 8, 0, tzinfo=UTC), FAR, SCHOOL, 500))
    signed = log[-1]
    assert getattr(signed, "flagged", False) and getattr(signed, "distance_m", 0) > 10_000
    highlight = facts(
        item_code="i1",
        verdict=Verdict.highlight,
        notes="制度健全",
        methods=(Method.document_review,),
    )
    run(v.RecordFinding("f1", "a", highlight))
    for fid, item in (("f2", "i2"), ("f3", "i3")):
        run(
            v.RecordFinding(
                fid,
                "a",
                facts(
                    item_code=item,
                    verdict=Verdict.problem,
                    notes="问题描述",
                    methods=(Method.campus_walk,),
                    severity=Severity.general,
                    requirement="限期整改",
                    proposed_deadline=date(2026, 11, 30),
                ),
            )
        )
    run(v.IssueFeedback("a", "总体良好"))
    assert [p.point_no for p in state.feedback] == [1, 2]
    run(v.Dispute("principal", ((2, "已于当日整改"),)))
    run(
        v.ResolveDispute(
            "a", (v.Resolution(2, DisputeOutcome.withdrawn, "现场核实已整改，撤回该项"),)
        )
    )
    assert [p.finding_id for p in state.agreed] == ["f2"]
    with pytest.raises(IllegalStep, match="不能办结"):
        v.decide(state, v.CloseVisit("a", "办结"))  # the list is not signed yet
    run(v.Acknowledge("principal", "王校长"))  # the principal signs the resolved list
    signed = log[-1]
    assert isinstance(signed, FeedbackAcknowledged)
    assert [p.finding_id for p in signed.problems] == ["f2"]
    run(v.CloseVisit("a", "办结"))
    assert state.stage == v.Stage.closed
    assert v.replay(log) == state


def test_illegal_steps_say_why_in_chinese() -> None:
    planned = v.replay(v.plan(v.Visit(), ROUTINE_PLAN))
    for cmd, words in (
        (v.IssueFeedback("a", ""), "不能出具反馈清单"),
        (v.SignIn("b", datetime(2026, 10, 12, tzinfo=UTC), None, None, 500), "不是本次督导"),
        (v.CloseVisit("a", ""), "不能办结"),
    ):
        try:
            v.decide(planned, cmd)
        except IllegalStep as exc:
            assert words in str(exc)
        else:
            raise AssertionError(f"{cmd} was accepted")


def test_distance_is_haversine() -> None:
    # one minute of latitude is one nautical mile, 1852 m (±0.5 %)
    d = v.distance_m(
        Location(latitude=30, longitude=104), Location(latitude=30 + 1 / 60, longitude=104)
    )
    assert abs(d - 1852) < 10
