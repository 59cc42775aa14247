"""The hazard register's fold: status through the lifecycle, order-independent numbering.

The number (from the ``hazard`` number book) and the issue's events travel on different
streams, hence possibly different partitions: wherever the ``NumberAssigned`` event lands
among the issue's events, the document must come out the same — that is what makes a
rebuild equal the live read model.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from services.issues.hazards.register import HazardRegister, is_hazard
from shared.contracts import issues as ev
from shared.contracts.registers import NumberAssigned, NumberKind
from shared.contracts.visits import MajorKind, Severity
from shared.envelope import EventEnvelope
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction
from tests.factories import envelope
from tests.fakes import fold_projection

WHERE = Jurisdiction(province="510000", city="510700", county="510704", zone="z1", school="s1")
OFFICE = Jurisdiction(province="510000", city="510700", county="510704")
T0 = datetime(2026, 10, 12, 17, 0, tzinfo=UTC)  # 2026-10-13 01:00 in China


def opened(issue_id: str = "i1", **changes: Any) -> ev.IssueOpened:
    values: dict[str, Any] = {
        "issue_id": issue_id,
        "source": ev.IssueSource.visit_finding,
        "visit_id": "v1",
        "finding_id": "f1",
        "school_id": "s1",
        "item_code": "safety",
        "item_title": "校园及周边安全",
        "description": "消防通道堵塞",
        "requirement": "立即清理",
        "severity": Severity.major,
        "major_kind": MajorKind.safety_hazard,
        "deadline": date(2026, 10, 30),
        "responsible_inspector_id": "insp-1",
        **changes,
    }
    return ev.IssueOpened(**values)


def lifecycle(issue_id: str = "i1") -> list[EventPayload]:
    step = ev.PlanStep(description="清理", owner="总务处", due_on=date(2026, 10, 20))
    return [
        opened(issue_id),
        ev.RectificationNoticeIssued(
            issue_id=issue_id,
            notice_no="游教督整〔2026〕1号",
            issued_by="office",
            issued_on=date(2026, 10, 14),
            deadline=date(2026, 10, 25),
        ),
        ev.RectificationPlanSubmitted(
            issue_id=issue_id, submitted_by="p", steps=[step], timetable=False, revision=1
        ),
        ev.ProgressReported(issue_id=issue_id, reported_by="p", note="已清理"),
        ev.SubmittedForVerification(issue_id=issue_id, submitted_by="p", note="请验收"),
        ev.IssueVerified(issue_id=issue_id, verified_by="insp-1", note="通过"),
    ]


def number(issue_id: str = "i1", kind: NumberKind = NumberKind.hazard) -> NumberAssigned:
    return NumberAssigned(
        kind=kind,
        office="510704",
        year=2026,
        seq=4,
        number="游隐〔2026〕004号",
        subject_id=issue_id,
    )


def fold(events: list[tuple[EventEnvelope, EventPayload]]) -> dict[str, Any]:
    docs = fold_projection(HazardRegister(), events)
    return {ref.id: doc for ref, doc in docs.items() if doc is not None}


def issue_stream(payloads: list[EventPayload]) -> list[tuple[EventEnvelope, EventPayload]]:
    return [
        (envelope(p, "issue-i1", n, WHERE, at=T0 + timedelta(days=n)), p)
        for n, p in enumerate(payloads, start=1)
    ]


def numbered() -> tuple[EventEnvelope, EventPayload]:
    p = number()
    return envelope(p, "number-book-hazard-510704-2026", 4, OFFICE), p


@given(st.integers(min_value=0, max_value=6))
def test_the_number_lands_anywhere_and_the_document_is_the_same(at: int) -> None:
    stream = issue_stream(lifecycle())
    first = fold([numbered(), *stream])
    moved = fold([*stream[:at], numbered(), *stream[at:]])
    assert moved == first
    doc = first["i1"]
    assert (doc["hazard_no"], doc["seq"], doc["year"]) == ("游隐〔2026〕004号", 4, 2026)
    assert (doc["status"], doc["status_label"]) == ("closed", "已消号")
    assert doc["verified_by"] == "insp-1" and doc["verified_on"] == "2026-10-19"
    assert doc["opened_on"] == "2026-10-14"  # the China day of T0 + 1 day
    assert doc["notice_no"] == "游教督整〔2026〕1号" and doc["deadline"] == "2026-10-25"
    assert (doc["county"], doc["school_id"], doc["version"]) == ("510704", "s1", 6)


def test_status_follows_the_lifecycle_and_overdue() -> None:
    events = lifecycle()
    labels = []
    for n in range(1, len(events) + 1):
        labels.append(fold(issue_stream(events[:n]))["i1"]["status_label"])
    assert labels == ["待整改", "待整改", "整改中", "整改中", "待验收", "已消号"]
    late = [
        *events[:3],
        ev.IssueOverdue(issue_id="i1", deadline=date(2026, 10, 25), detected_at=T0),
    ]
    doc = fold(issue_stream(late))["i1"]
    assert (doc["status"], doc["status_label"]) == ("overdue", "逾期")
    reopened = [
        *events,
        ev.IssueReopened(issue_id="i1", reopened_by="x", reason="反弹", deadline=date(2026, 12, 1)),
    ]
    doc = fold(issue_stream(reopened))["i1"]
    assert doc["status_label"] == "待整改" and doc["verified_on"] is None
    assert doc["reopened_times"] == 1


def test_only_safety_issues_and_hazard_numbers_enter_the_register() -> None:
    general = opened(severity=Severity.general, major_kind=None, item_code="canteen_hygiene")
    assert not is_hazard(general)
    assert is_hazard(opened(severity=Severity.general, major_kind=None))  # item 安全
    assert is_hazard(opened(item_code="canteen_hygiene"))  # major safety hazard
    notice_no = number(kind=NumberKind.notice)
    docs = fold(
        [
            *issue_stream([general, *lifecycle()[2:]]),
            (envelope(notice_no, "number-book-notice-510704-2026", 1, OFFICE), notice_no),
        ]
    )
    assert docs == {}
