"""Reading issues: lists by school, zone and county with filters, one issue, its timeline.

Lists and documents come from the ``issues_issues`` read model, always narrowed to the
caller's jurisdiction by the one scoping filter (:func:`shared.auth.scope_filter`: a
principal sees their school's issues, a zone leader their zone's, an office its area);
filters apply before paging. The timeline is the issue's stream itself, so it is
complete the moment a command is accepted; its ``cause`` names the visit finding,
complaint or self-inspection report, the id of the event that caused the issue, and for
a visit finding the visit's steps that led to it (``issues_visit_origins``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from services.issues.rectification import domain as i
from services.issues.rectification.service import UnknownIssue
from services.issues.rectification.view import VIEW, as_dict
from services.issues.rectification.visit_origins import VIEW as ORIGINS
from services.issues.rectification.visit_origins import origin_of
from shared.auth import Principal, ensure_sees, scope_filter
from shared.contracts.issues import IssueSource
from shared.contracts.visits import Severity
from shared.freshness import Freshness
from shared.http import timeline_entry
from shared.jurisdiction import Jurisdiction
from shared.paging import Paging, find_page
from shared.projection import ReadModels
from shared.runtime import Runtime


class NoticeFilter(StrEnum):
    """``issued``: a 《督导整改通知书》 was issued (``received`` / ``receipt_pending``: and
    the school's receipt is / is not recorded); ``none``: no notice."""

    issued = "issued"
    received = "received"
    receipt_pending = "receipt_pending"
    none = "none"


class EscalationFilter(StrEnum):
    """``open``: escalated (上报) and not answered yet (``escalated`` or ``received``);
    ``answered``; ``none``: never escalated."""

    open = "open"
    escalated = "escalated"
    received = "received"
    answered = "answered"
    none = "none"


ISSUED: dict[str, Any] = {"notice": {"$ne": None}}
NOTICE_QUERIES: dict[NoticeFilter, dict[str, Any]] = {
    NoticeFilter.issued: ISSUED,
    NoticeFilter.received: {**ISSUED, "notice.received_on": {"$ne": None}},
    NoticeFilter.receipt_pending: {**ISSUED, "notice.received_on": None},
    NoticeFilter.none: {"notice": None},
}
ESCALATION_QUERIES: dict[EscalationFilter, dict[str, Any]] = {
    EscalationFilter.open: {"escalation.status": {"$in": ["escalated", "received"]}},
    EscalationFilter.escalated: {"escalation.status": "escalated"},
    EscalationFilter.received: {"escalation.status": "received"},
    EscalationFilter.answered: {"escalation.status": "answered"},
    EscalationFilter.none: {"escalation": None},
}


@dataclass(frozen=True)
class IssueFilter:
    """What a list of issues may be narrowed by (``None``: not asked)."""

    school_id: str | None = None
    zone: str | None = None
    county: str | None = None
    stage: i.Stage | None = None
    open: bool | None = None
    category: str | None = None
    severity: Severity | None = None
    overdue: bool | None = None
    safety: bool | None = None
    source: IssueSource | None = None
    inspector: str | None = None
    visit_id: str | None = None
    notice: NoticeFilter | None = None
    escalation: EscalationFilter | None = None
    due_within_days: int | None = None


def issue_query(principal: Principal, wanted: IssueFilter, today: date) -> dict[str, Any]:
    """The read-model filter: the caller's jurisdiction, narrowed by ``wanted``."""
    query = scope_filter(
        principal, school_id=wanted.school_id, zone=wanted.zone, county=wanted.county
    )
    filters = {
        "stage": wanted.stage.value if wanted.stage else None,
        "item_code": wanted.category,
        "severity": wanted.severity.value if wanted.severity else None,
        "source": wanted.source.value if wanted.source else None,
        "responsible_inspector_id": wanted.inspector,
        "visit_id": wanted.visit_id,
    }
    query.update({k: v for k, v in filters.items() if v is not None})
    if wanted.notice is not None:
        query.update(NOTICE_QUERIES[wanted.notice])
    if wanted.escalation is not None:
        query.update(ESCALATION_QUERIES[wanted.escalation])
    for flag, value in (
        ("open", wanted.open),
        ("overdue", wanted.overdue),
        ("safety", wanted.safety),
    ):
        if value is not None:
            query[flag] = value
    if wanted.due_within_days is not None:
        query["open"] = True
        query["deadline"] = {
            "$gte": today.isoformat(),
            "$lte": (today + timedelta(days=wanted.due_within_days)).isoformat(),
        }
    return query


def where_of(doc: dict[str, Any]) -> Jurisdiction:
    county = doc.get("county")
    return Jurisdiction(
        province=doc["province"],
        city=doc.get("city"),
        county=county,
        zone=doc.get("zone") if county else None,
        school=doc["school_id"],
    )


class IssueQueries:
    """Reads of the issues' read model (and, for the timeline, of the stream)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def _issues(self) -> Any:
        return await ReadModels(self._runtime.db, VIEW).collection("issues")

    def today(self) -> date:
        return i.local_day(self._runtime.clock())

    async def page(
        self, principal: Principal, wanted: IssueFilter, paging: Paging
    ) -> tuple[int, list[dict[str, Any]]]:
        """``(total, items)``: the matching issues, newest deadline pressure first."""
        query = issue_query(principal, wanted, self.today())
        coll = await self._issues()
        return await find_page(coll, query, [("deadline", 1), ("_id", 1)], paging)

    async def one(
        self, principal: Principal, issue_id: str, fresh: Freshness | None = None
    ) -> dict[str, Any]:
        """The issue if the caller may see it, once it shows ``fresh``'s version."""
        coll = await self._issues()
        if fresh is not None:
            await fresh.at_least(coll, {"_id": issue_id}, i.stream_id(issue_id))
        doc = await coll.find_one({"_id": issue_id})
        if doc is None:
            raise UnknownIssue(issue_id)
        ensure_sees(principal, where_of(doc))
        return as_dict(doc)

    async def timeline(self, principal: Principal, issue_id: str) -> dict[str, Any]:
        runtime = self._runtime
        events = await runtime.store.load(i.stream_id(issue_id))
        if not events:
            raise UnknownIssue(issue_id)
        ensure_sees(principal, events[0].jurisdiction)
        first = events[0]
        cause = {**cause_of(first.payload), "caused_by_event": first.causation_id}
        if cause.get("visit_id"):
            visits = await ReadModels(runtime.db, ORIGINS).collection("visits")
            found = await visits.find_one({"_id": cause["visit_id"]})
            cause["origin"] = origin_of(found, str(cause.get("finding_id")))
        elif cause.get("ref") and cause["kind"] in SOURCE_STREAMS:
            source = await runtime.store.load(SOURCE_STREAMS[cause["kind"]] + str(cause["ref"]))
            cause["origin"] = [
                {
                    "event": e.event_type.rsplit(".", 1)[-1],
                    "at": e.occurred_at.isoformat(),
                    "by": e.actor.user_id,
                    "event_id": str(e.event_id),
                }
                for e in source
            ]
        return {
            "issue_id": issue_id,
            "cause": cause,
            "events": [timeline_entry(e) for e in events],
        }


SOURCE_STREAMS = {
    IssueSource.complaint: "complaint-",
    IssueSource.self_inspection: "self-inspection-",
}
"""The stream of the complaint or report an issue came from, by its ``source_ref``."""


def cause_of(opened: dict[str, Any]) -> dict[str, Any]:
    """What caused the issue, as ids the other services answer for."""
    source = opened.get("source")
    if source == IssueSource.visit_finding:
        return {
            "kind": source,
            "visit_id": opened.get("visit_id"),
            "finding_id": opened.get("finding_id"),
            "label": "督导发现问题",
        }
    label = "举报投诉" if source == IssueSource.complaint else "学校月自查"
    return {"kind": source, "ref": opened.get("source_ref"), "label": label}
