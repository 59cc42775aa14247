"""The self-inspection events are written byte for byte as before the domain was split.

``fixtures/self_inspection_events_golden.json`` was written by the one-module domain
(issue 11, before the split): a report filed late with two problems, revised (one kept,
one dropped, one new), a zone's week consolidated with a tracked problem and amended;
each event as the command handler serialises it (``model_dump(mode="json")``) and as
JSON text. A change here is a change of a published contract.

Regenerate (only on purpose): ``python -m tests.unit.test_self_inspection_events_golden``.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from services.issues.self_inspection import domain as si
from shared.contracts.self_inspection import SelfInspectionItem
from shared.events import EventPayload

FIXTURE = Path(__file__).parent / "fixtures" / "self_inspection_events_golden.json"
DUE = 5


def _problem(item: str, planned: date, hazard: bool, no: int | None = None) -> si.ProblemIn:
    return si.ProblemIn(
        item_code=SelfInspectionItem(item),
        description=f" {item} 问题 ",
        measures="立即整改",
        planned_completion_on=planned,
        safety_hazard=hazard,
        problem_no=no,
    )


def story() -> list[EventPayload]:
    filing = si.FileReport(
        school_id="s1",
        zone_id="z1",
        month="2026-11",
        filed_by="principal-1",
        problems=(
            _problem("safety", date(2026, 12, 20), True),
            _problem("canteen_hygiene", date(2026, 12, 10), False),
        ),
        no_problems=False,
        now=datetime(2026, 12, 6, 2, tzinfo=UTC),
        deadline=si.filing_deadline("2026-11", DUE),
        note=" 本月自查 ",
    )
    filed = si.file_report(si.Report(), filing)
    report = si.replay(filed)
    revised = si.revise_report(
        report,
        si.ReviseReport(
            report_id=report.report_id,
            revised_by="principal-1",
            problems=(
                _problem("safety", date(2026, 12, 20), True, 1),
                _problem("ethos", date(2027, 1, 15), False),
            ),
            no_problems=False,
            reason=" 补充问题 ",
        ),
    )
    for e in revised:
        report = si.evolve(report, e)
    week = si.parse_week("2026-W49")
    summary = si.summarize(week, ["s1", "s2"], {report.report_id: report}, date(2026, 12, 7), DUE)
    first = si.Consolidate(
        zone_id="z1",
        summary=summary,
        by="leader",
        today=date(2026, 12, 7),
        tracks=(si.TrackRequest(report.report_id, 1, "issue-a"),),
        inspectors={"s1": "insp-1"},
        note=" 本周汇总 ",
    )
    consolidated = si.consolidate(si.Consolidation(), first)
    state = si.Consolidation()
    for e in consolidated:
        state = si.evolve_consolidation(state, e)
    amended = si.consolidate(
        state,
        si.Consolidate(
            zone_id="z1",
            summary=summary,
            by="leader",
            today=date(2026, 12, 8),
            tracks=(
                si.TrackRequest(report.report_id, 1, "issue-a"),
                si.TrackRequest(report.report_id, 3, "issue-b"),
            ),
            inspectors={"s1": "insp-1"},
            amendment=True,
            reason=" 补充跟踪 ",
        ),
    )
    return [*filed, *revised, *consolidated, *amended]


def written() -> list[dict[str, Any]]:
    return [
        {
            "event_type": e.event_type,
            "payload": e.model_dump(mode="json"),
            "json": e.model_dump_json(),
        }
        for e in story()
    ]


def test_the_events_are_written_as_before() -> None:
    before = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert written() == before


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(written(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
