"""The complaint (举报投诉) state machine, its read-model fold and the public form's rules.

Hypothesis drives random command sequences through ``decide``/``evolve``: every accepted
command moves along an allowed transition, the state keeps its invariants, and replaying
the events (also after a JSON round trip) rebuilds the same state. Example tests pin the
zh-CN reasons and the routing on receipt.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from services.issues.complaints import domain as c
from services.issues.complaints.keys import DataKey, Reader
from services.issues.complaints.schemas import PublicComplaintBody
from services.issues.complaints.view import fold
from shared.commands import IllegalStep
from shared.contracts.complaints import (
    AnswerMethod,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintIssueOpened,
    ComplaintReceived,
    ComplaintRouted,
    ErasureReason,
    VerificationOutcome,
)
from shared.envelope import Actor, EventEnvelope
from shared.events import EventPayload, registry
from shared.jurisdiction import Jurisdiction

DAY = date(2026, 11, 16)
KEY = DataKey.new("c1")
S = c.Status
ALLOWED = {
    (S.none, S.routed),
    (S.routed, S.routed),
    (S.accepted, S.routed),
    (S.routed, S.accepted),
    (S.routed, S.rejected),
    (S.accepted, S.verified),
    (S.verified, S.verified),  # linking the issue
    (S.answered, S.answered),  # linking the issue after the answer
    (S.verified, S.answered),
    (S.answered, S.closed),
    *((s, s) for s in S if s != S.none),  # erasing the personal data
}


def receive(listed: tuple[str, ...] = ("insp-1",), **extra: Any) -> c.ReceiveComplaint:
    values: dict[str, Any] = {
        "complaint_id": "c1",
        "tracking_no": "TS20261116000001",
        "school_id": "s1",
        "school_name": "测试第1学校",
        "channel": ComplaintChannel.qr_code,
        "category": ComplaintCategory.learning_load,
        "subject": "作业过多",
        "content": "三年级每天作业超过两小时",
        "anonymous": False,
        "has_contact": True,
        "received_by": "public",
        "received_on": DAY,
        "answer_days": 15,
        "listed_inspector_ids": listed,
        **extra,
    }
    return c.ReceiveComplaint(**values)


def run(*commands: c.Command) -> tuple[c.Complaint, list[EventPayload]]:
    state, log = c.Complaint(), []
    for cmd in commands:
        events = c.decide(state, cmd, KEY.seal)
        log.extend(events)
        for e in events:
            state = c.evolve(state, e)
    return state, log


# ---------------------------------------------------------------- examples


def test_receipt_routes_to_the_listed_inspectors_with_the_due_day() -> None:
    state, log = run(receive(("insp-1", "insp-2", "insp-1")))
    assert [type(e) for e in log] == [ComplaintReceived, ComplaintRouted]
    routed = log[1]
    assert isinstance(routed, ComplaintRouted)
    assert routed.to_inspector_ids == ["insp-1", "insp-2"] and not routed.unlisted
    assert routed.routed_by == c.ROUTER
    assert state.status == S.routed and state.answer_due_on == date(2026, 12, 1)
    assert not c.answer_overdue(state, date(2026, 12, 1))
    assert c.answer_overdue(state, date(2026, 12, 2))


def test_a_school_without_listed_inspector_goes_to_the_county_office_flagged() -> None:
    state, log = run(receive(()))
    routed = log[1]
    assert isinstance(routed, ComplaintRouted)
    assert routed.to_county_office and routed.unlisted and routed.to_inspector_ids == []
    assert routed.reason is None  # routed_by svc-issues and unlisted say why
    assert state.handling_inspector is None


def test_the_whole_way_to_closed_with_a_linked_issue() -> None:
    state, log = run(
        receive(),
        c.Accept(by="insp-1", as_office=False),
        c.Verify(by="insp-1", outcome=VerificationOutcome.substantiated, findings="属实"),
        c.LinkIssue(by="insp-1", issue_id="i1"),
        c.LinkIssue(by="insp-1", issue_id="i1"),  # a repeat adds nothing
        c.Answer(by="insp-1", answer="已责令学校整改", method=AnswerMethod.phone, on=DAY),
        c.Close(by="insp-1"),
    )
    assert state.status == S.closed and state.issue_id == "i1"
    assert sum(isinstance(e, ComplaintIssueOpened) for e in log) == 1
    assert state.handling_inspector == "insp-1"
    assert not c.answer_overdue(state, DAY + timedelta(days=100))


@pytest.mark.parametrize(
    ("commands", "reason"),
    [
        ([c.Verify(by="a", outcome=VerificationOutcome.substantiated, findings="x")], "已转办"),
        ([c.Close(by="a")], "不能办结"),
        ([c.Accept(by="a", as_office=False), c.Accept(by="a", as_office=False)], "不能受理"),
        ([c.Reject(by="a", reason="  ")], "须说明理由"),
        ([c.Reroute(by="o", inspector_ids=("insp-1",), reason="改派")], "无需改派"),
        (
            [
                c.Accept(by="a", as_office=False),
                c.Verify(by="a", outcome=VerificationOutcome.unsubstantiated, findings="不属实"),
                c.LinkIssue(by="a", issue_id="i1"),
            ],
            "不属实",
        ),
        (
            [
                c.Accept(by="a", as_office=False),
                c.Verify(by="a", outcome=VerificationOutcome.substantiated, findings="属实"),
                c.LinkIssue(by="a", issue_id="i1"),
                c.LinkIssue(by="a", issue_id="i2"),
            ],
            "已立项",
        ),
    ],
)
def test_illegal_steps_say_why_in_chinese(commands: list[c.Command], reason: str) -> None:
    with pytest.raises(IllegalStep, match=reason):
        run(receive(), *commands)


def test_anonymous_with_contact_and_a_second_receipt_are_refused() -> None:
    with pytest.raises(IllegalStep, match="匿名"):
        run(receive(anonymous=True, has_contact=True))
    with pytest.raises(IllegalStep, match="已登记"):
        run(receive(), receive())
    with pytest.raises(IllegalStep, match="不存在"):
        run(c.Accept(by="a", as_office=False))


def test_reroute_clears_the_acceptance_and_moves_the_handler() -> None:
    state, _ = run(
        receive(),
        c.Accept(by="insp-1", as_office=False),
        c.Reroute(by="office", inspector_ids=("insp-3",), reason="回避"),
    )
    assert state.status == S.routed and state.routed_to == ("insp-3",)
    assert state.accepted_by is None and state.handling_inspector == "insp-3"


# ---------------------------------------------------------------- properties

who = st.sampled_from(["insp-1", "insp-2", "office"])
text = st.sampled_from(["情况说明", "", "  "])


@st.composite
def commands(draw: st.DrawFn) -> c.Command:
    kind = draw(st.integers(0, 7))
    by = draw(who)
    match kind:
        case 0:
            return receive(
                tuple(draw(st.lists(who, max_size=3))),
                anonymous=draw(st.booleans()),
                has_contact=draw(st.booleans()),
            )
        case 1:
            return c.Reroute(
                by=by, inspector_ids=tuple(draw(st.lists(who, max_size=2))), reason=draw(text)
            )
        case 2:
            return c.Accept(by=by, as_office=draw(st.booleans()))
        case 3:
            return c.Reject(by=by, reason=draw(text))
        case 4:
            return c.Verify(
                by=by, outcome=draw(st.sampled_from(VerificationOutcome)), findings=draw(text)
            )
        case 5:
            return c.LinkIssue(by=by, issue_id=draw(st.sampled_from(["i1", "i2"])))
        case 6:
            days = draw(st.integers(-3, 30))
            return c.Answer(
                by=by, answer=draw(text), method=AnswerMethod.letter, on=DAY + timedelta(days)
            )
        case 7 if draw(st.integers(0, 5)) == 0:
            return c.Erase(
                by="office",
                reason=ErasureReason.complainant_request,
                request_ref=None,
                contact_removed=True,
            )
        case _:
            return c.Close(by=by)


def _round_trip(events: list[EventPayload]) -> list[EventPayload]:
    return [type(e).model_validate_json(e.model_dump_json()) for e in events]


def _invariants(state: c.Complaint) -> None:
    assert state.status != S.none
    assert state.answer_due_on is not None and state.received_on is not None
    assert state.answer_due_on > state.received_on
    assert not (state.anonymous and state.has_contact)
    if state.status in (S.accepted, S.verified, S.answered, S.closed):
        assert state.accepted_by is not None
    if state.status in (S.verified, S.answered, S.closed):
        assert state.outcome is not None
    if state.issue_id is not None:
        assert state.outcome in c.SUBSTANTIATED
    read = Reader(KEY).text
    if state.status in (S.answered, S.closed):
        assert state.answer is not None and read(state.answer.model_dump()).strip()
        assert state.answered_on is not None and state.answered_on >= state.received_on
    if state.status == S.rejected:
        assert state.rejection_reason is not None
        assert read(state.rejection_reason.model_dump()).strip()
    if state.to_county_office:
        assert state.routed_to == ()


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(commands(), max_size=25))
def test_no_sequence_breaks_the_invariants_and_replay_rebuilds_the_state(
    cmds: list[c.Command],
) -> None:
    state, log = run(receive())
    for cmd in cmds:
        before, erased = state.status, state.erased
        try:
            events = c.decide(state, cmd, KEY.seal)
        except IllegalStep as exc:
            assert str(exc) and "(" in str(exc)  # zh-CN with English in parentheses
            continue
        assert not erased, "nothing is decided after the erasure"
        for e in events:
            state = c.evolve(state, e)
        log.extend(events)
        assert (before, state.status) in ALLOWED
        _invariants(state)
    assert c.replay(log) == state
    assert c.replay(_round_trip(log)) == state
    assert sum(isinstance(e, ComplaintIssueOpened) for e in log) <= 1


# ---------------------------------------------------------------- the read-model fold


def _envelopes(payloads: list[EventPayload]) -> list[EventEnvelope]:
    where = Jurisdiction(province="510000", city="510700", county="510704", zone="z1", school="s1")
    start = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)
    return [
        EventEnvelope(
            event_id=uuid4(),
            event_type=p.event_type,
            schema_version=p.schema_version,
            source="/tests",
            stream_id="complaint-c1",
            stream_version=n,
            partition_key="complaint-c1",
            occurred_at=start + timedelta(hours=n),
            recorded_at=start + timedelta(hours=n),
            actor=Actor(user_id="insp-1", role="inspector"),
            jurisdiction=where,
            correlation_id="corr",
            payload=p.model_dump(mode="json"),
        )
        for n, p in enumerate(payloads, start=1)
    ]


def test_the_fold_gives_the_document_the_list_shows() -> None:
    _, log = run(
        receive(),
        c.Accept(by="insp-1", as_office=False),
        c.Verify(
            by="insp-1", outcome=VerificationOutcome.partly_substantiated, findings="部分属实"
        ),
        c.LinkIssue(by="insp-1", issue_id="i1"),
        c.Answer(by="insp-1", answer="已处理", method=AnswerMethod.online, on=DAY),
    )
    doc = fold(_envelopes(log), registry)
    assert doc is not None
    assert doc["status"] == "answered" and doc["issue_id"] == "i1"
    assert doc["county"] == "510704" and doc["zone_id"] == "z1"
    assert doc["routed_to"] == ["insp-1"] and doc["answer_due_on"] == "2026-12-01"
    assert doc["verification"]["outcome"] == "partly_substantiated"
    assert doc["version"] == len(log)
    assert "name" not in doc and "phone" not in doc  # no personal data anywhere


# ---------------------------------------------------------------- the public form


def _form(**extra: Any) -> dict[str, Any]:
    return {
        "school_id": "s1",
        "category": "learning_load",
        "subject": "作业过多",
        "content": "三年级每天作业超过两个小时",
        "contact": {"name": "王女士", "phone": "13800138000"},
        **extra,
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "food"}, ("category",)),
        ({"school_id": "a b"}, ("school_id",)),
        ({"content": "太多"}, ("content",)),
        ({"contact": {"phone": "12345"}}, ("contact", "phone")),
        ({"contact": {"email": "not-an-email"}}, ("contact", "email")),
        ({"contact": {"name": "王女士"}}, ("contact",)),
        ({"anonymous": True}, ("contact",)),
        ({"channel": "phone"}, ("channel",)),
        ({"extra": 1}, ("extra",)),
    ],
)
def test_the_public_form_names_the_wrong_field(
    change: dict[str, Any], field: tuple[str, ...]
) -> None:
    with pytest.raises(ValidationError) as exc:
        PublicComplaintBody.model_validate(_form(**change))
    assert field in [tuple(e["loc"]) for e in exc.value.errors()]


def test_the_public_form_accepts_anonymous_and_landlines() -> None:
    anonymous = PublicComplaintBody.model_validate(_form(anonymous=True, contact=None))
    assert anonymous.contact is None
    landline = PublicComplaintBody.model_validate(_form(contact={"phone": "0816-2221234"}))
    assert landline.contact is not None and landline.contact.phone == "0816-2221234"
