"""The issue's events are written byte for byte as before the domain was split into steps.

``fixtures/issue_events_golden.json`` was written by the one-``match`` domain (issue 11,
before the split): two representative lifecycles — a major visit finding through notice,
plan, progress, extension, escalation, rejection, verification, reopening and overdue;
a complaint's issue through a timetable and a denied extension — each event as the
command handler serialises it (``model_dump(mode="json")``) and as JSON text. A change
here is a change of a published contract.

Regenerate (only on purpose): ``python -m tests.unit.test_issue_events_golden``.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from services.issues.rectification import domain as i
from shared.contracts.issues import IssueSource
from shared.contracts.visits import AgreedProblem, EvidenceRef, MajorKind, Severity
from shared.events import EventPayload

FIXTURE = Path(__file__).parent / "fixtures" / "issue_events_golden.json"
PHOTO = EvidenceRef(evidence_id="e1", sha256="a" * 64, size=1024, media_type="image/jpeg")
DOC = EvidenceRef(evidence_id="e2", sha256="b" * 64, size=2048, media_type="application/pdf")


def _run(commands: list[Any]) -> list[EventPayload]:
    state = i.Issue()
    written: list[EventPayload] = []
    for cmd in commands:
        events = i.decide(state, cmd)
        for event in events:
            state = i.evolve(state, event)
        written.extend(events)
    assert i.replay(written) == state
    return written


def major_finding() -> list[EventPayload]:
    problem = AgreedProblem(
        point_no=1,
        finding_id="f1",
        item_code="safety",
        item_title="校园安全",
        description="消防通道堵塞",
        requirement="立即清理并建立巡查制度",
        severity=Severity.major,
        major_kind=MajorKind.safety_hazard,
        deadline=date(2026, 11, 30),
        inspector_id="i1",
    )
    return _run(
        [
            i.open_from_agreed("iss1", "v1", "s1", problem),
            i.IssueNotice(
                by="i1",
                notice_no="海督改〔2026〕1号",
                issued_on=date(2026, 11, 2),
                deadline=date(2026, 11, 20),
                note="限期整改",
            ),
            i.RecordNoticeReceipt(by="i1", received_by="王校长", received_on=date(2026, 11, 3)),
            i.SubmitPlan(
                by="p1",
                plan=i.PlanFacts.of(
                    ("清理通道", "总务处", date(2026, 11, 5)),
                    ("巡查制度", "校办", date(2026, 11, 19)),
                ),
            ),
            i.ReportProgress(by="p1", progress=i.ProgressFacts.of("通道已清理", PHOTO, DOC)),
            i.RequestExtension(
                by="p1", extension=i.ExtensionFacts.of(date(2026, 12, 15), "制度需教代会通过")
            ),
            i.ApproveExtension(by="i1", note="同意"),
            i.Escalate(by="i1", escalation=i.EscalationFacts.of("县消防大队", "需消防部门复核")),
            i.RecordEscalationReceipt(received_by="李队长", note="已收"),
            i.RecordEscalationAnswer(answered_by="李队长", answer="12月上旬复核"),
            i.SubmitForVerification(by="p1", note="已完成"),
            i.RejectVerification(by="i1", reason="制度未公示", on_visit_id="v2"),
            i.ReportProgress(by="p1", progress=i.ProgressFacts.of("制度已公示")),
            i.SubmitForVerification(by="p1", note="已公示"),
            i.Verify(by="i1", note="验收通过", on_visit_id="v3"),
            i.Reopen(by="i1", reason="通道再次堵塞", deadline=date(2027, 1, 10)),
            i.MarkOverdue(now=datetime(2027, 1, 11, 3, 0, tzinfo=UTC)),
            i.MarkOverdue(now=datetime(2027, 1, 12, 3, 0, tzinfo=UTC)),
        ]
    )


def complaint_timetable() -> list[EventPayload]:
    return _run(
        [
            i.OpenIssue(
                issue_id="iss2",
                source=IssueSource.complaint,
                school_id="s2",
                item_code="fees",
                item_title="规范收费",
                description="违规收取资料费",
                requirement="退还费用",
                severity=Severity.general,
                deadline=date(2026, 12, 1),
                responsible_inspector_id="i2",
                source_ref="c1",
            ),
            i.SubmitPlan(
                by="p2",
                plan=i.PlanFacts.of(
                    ("统计名单", "财务", date(2026, 11, 10)),
                    ("退费", "财务", date(2027, 1, 5)),
                    timetable=True,
                ),
            ),
            i.RequestExtension(by="p2", extension=i.ExtensionFacts.of(date(2027, 1, 10), "跨学期")),
            i.DenyExtension(by="i2", reason="期限足够"),
            i.SubmitPlan(by="p2", plan=i.PlanFacts.of(("退费", "财务", date(2026, 11, 30)))),
        ]
    )


def written() -> dict[str, list[dict[str, Any]]]:
    return {
        name: [
            {
                "event_type": e.event_type,
                "payload": e.model_dump(mode="json"),
                "json": e.model_dump_json(),
            }
            for e in story()
        ]
        for name, story in (("major_finding", major_finding), ("complaint", complaint_timetable))
    }


def test_the_events_are_written_as_before() -> None:
    before = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert written() == before


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(written(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
