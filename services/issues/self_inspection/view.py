"""Read model of monthly self-inspection reports and weekly zone consolidations.

Projection ``issues_self_inspections``, folded from ``duxue.issues.events``:

``reports``         one per report (``_id`` = report id ``<school_id>-<YYYY-MM>``):
                    ``report_id, school_id, zone_id, province, city, county, month,
                    deadline, late, status`` (``filed``|``late``), ``no_problems,
                    problems`` (current, each with ``problem_no``), ``problem_count,
                    safety_hazards, by_item`` ({item code: count}), ``revision, note,
                    filed_at, filed_by, revised_at, history`` (one entry per event, with
                    the problems as they were), ``tracked`` ([{problem_no, issue_id,
                    consolidation_id, week, at}]), ``version`` (the stream's, for If-Match).
``consolidations``  one per zone and ISO week (``_id`` = ``<zone_id>-<week>``): the latest
                    summary (``reports, unfiled, problems, safety_hazards,
                    problems_by_item``), ``tracked`` (every problem taken up so far),
                    ``amendments, history, province, city, county, version``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from services.issues.self_inspection.domain import Report
from shared import topics
from shared.contracts.self_inspection import (
    SelfInspectionConsolidated,
    SelfInspectionConsolidationAmended,
    SelfInspectionFiled,
    SelfInspectionProblem,
    SelfInspectionRevised,
)
from shared.envelope import EventEnvelope
from shared.events import EventPayload
from shared.projection import Doc, DocRef, View

VIEW = "issues_self_inspections"
_REPORT = (SelfInspectionFiled, SelfInspectionRevised)
_CONSOLIDATION = (SelfInspectionConsolidated, SelfInspectionConsolidationAmended)


def _problems(doc: Doc, problems: list[SelfInspectionProblem], no_problems: bool) -> None:
    dumped = [p.model_dump(mode="json") for p in problems]
    by_item = Counter(p["item_code"] for p in dumped)
    doc.update(
        no_problems=no_problems,
        problems=dumped,
        problem_count=len(dumped),
        safety_hazards=sum(1 for p in problems if p.safety_hazard),
        by_item=dict(sorted(by_item.items())),
    )


def report_from_doc(doc: Doc) -> Report:
    """The report's state as summaries need it, from its read-model document."""
    problems = tuple(SelfInspectionProblem.model_validate(p) for p in doc["problems"])
    return Report(
        filed=True,
        report_id=doc["report_id"],
        school_id=doc["school_id"],
        zone_id=doc.get("zone_id"),
        month=doc["month"],
        revision=int(doc["revision"]),
        no_problems=bool(doc["no_problems"]),
        problems=problems,
        late=bool(doc["late"]),
        deadline=date.fromisoformat(doc["deadline"]),
    )


class SelfInspectionView:
    name = VIEW
    topics: tuple[str, ...] = (topics.ISSUES,)
    handles = frozenset(c.event_type for c in (*_REPORT, *_CONSOLIDATION))
    collections: tuple[str, ...] = ("reports", "consolidations")

    def keys(self, event: EventEnvelope, payload: EventPayload) -> Iterable[DocRef]:
        if isinstance(payload, _REPORT):
            return [DocRef("reports", payload.report_id)]
        if isinstance(payload, _CONSOLIDATION):
            reports = {DocRef("reports", t.report_id) for t in payload.tracked}
            return [DocRef("consolidations", payload.consolidation_id), *sorted(reports)]
        return []

    def apply(self, event: EventEnvelope, payload: EventPayload, view: View) -> None:
        if isinstance(payload, _REPORT):
            _report(event, payload, view)
        elif isinstance(payload, _CONSOLIDATION):
            _consolidation(event, payload, view)


def _report(
    event: EventEnvelope, payload: SelfInspectionFiled | SelfInspectionRevised, view: View
) -> None:
    ref = DocRef("reports", payload.report_id)
    at = event.occurred_at.isoformat()
    doc: Doc
    if isinstance(payload, SelfInspectionFiled):
        where = event.jurisdiction
        doc = {
            "report_id": payload.report_id,
            "school_id": payload.school_id,
            "zone_id": payload.zone_id,
            "province": where.province,
            "city": where.city,
            "county": where.county,
            "month": payload.month,
            "deadline": payload.deadline.isoformat(),
            "late": payload.late,
            "status": "late" if payload.late else "filed",
            "revision": 1,
            "note": payload.note,
            "filed_at": at,
            "filed_by": payload.filed_by,
            "revised_at": None,
            "history": [],
            "tracked": [],
        }
        entry: Doc = {"event": "filed", "revision": 1, "reason": "", "late": payload.late}
    else:
        current = view.get(ref)
        if current is None:
            raise ValueError(f"revision of unknown report {payload.report_id}")
        doc = {**current, "revision": payload.revision, "revised_at": at}
        entry = {"event": "revised", "revision": payload.revision, "reason": payload.reason}
    _problems(doc, payload.problems, payload.no_problems)
    by = event.actor.user_id
    entry.update(at=at, by=by, no_problems=payload.no_problems, problems=doc["problems"])
    doc["history"] = [*doc["history"], entry]
    doc["version"] = event.stream_version
    doc["updated_at"] = at
    view.put(ref, doc)


def _consolidation(
    event: EventEnvelope,
    payload: SelfInspectionConsolidated | SelfInspectionConsolidationAmended,
    view: View,
) -> None:
    ref = DocRef("consolidations", payload.consolidation_id)
    at = event.occurred_at.isoformat()
    current = view.get(ref) or {"history": [], "tracked": []}
    amendment = getattr(payload, "amendment", 0)
    tracked = [
        {**t.model_dump(mode="json"), "week": payload.week, "at": at} for t in payload.tracked
    ]
    where = event.jurisdiction
    doc: Doc = {
        **payload.model_dump(mode="json", exclude={"tracked", "amendment", "reason"}),
        "province": where.province,
        "city": where.city,
        "county": where.county,
        "amendments": amendment,
        "consolidated_at": current.get("consolidated_at", at),
        "updated_at": at,
        "tracked": [*current["tracked"], *tracked],
        "history": [
            *current["history"],
            {
                "event": "amended" if amendment else "consolidated",
                "amendment": amendment,
                "at": at,
                "by": payload.consolidated_by,
                "reason": getattr(payload, "reason", ""),
                "note": payload.note,
                "tracked": [t.issue_id for t in payload.tracked],
            },
        ],
        "version": event.stream_version,
    }
    view.put(ref, doc)
    for t in payload.tracked:
        report_ref = DocRef("reports", t.report_id)
        report = view.get(report_ref)
        if report is None:
            continue
        mark = {
            "problem_no": t.problem_no,
            "issue_id": t.issue_id,
            "consolidation_id": payload.consolidation_id,
            "week": payload.week,
            "at": at,
        }
        kept = [m for m in report["tracked"] if m["problem_no"] != t.problem_no]
        view.put(report_ref, {**report, "tracked": sorted([*kept, mark], key=_by_no)})


def _by_no(mark: Doc) -> Any:
    return mark["problem_no"]
