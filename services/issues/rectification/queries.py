"""Reading issues: lists by school, zone and county with filters, one issue, its timeline.

Lists and documents come from the ``issues_issues`` read model, always narrowed to the
caller's jurisdiction (a principal sees their school's issues, a zone leader their
zone's, an office its area). The timeline is the issue's stream itself, so it is
complete the moment a command is accepted; its ``cause`` names the visit finding,
complaint or self-inspection report, the id of the event that caused the issue, and for
a visit finding the visit's steps that led to it (``issues_visit_origins``).
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from services.issues.rectification import domain as i
from services.issues.rectification.view import VIEW, as_dict
from services.issues.rectification.visit_origins import VIEW as ORIGINS
from services.issues.rectification.visit_origins import origin_of
from shared.auth import CurrentPrincipal, ensure_sees, scope_filter
from shared.contracts.issues import IssueSource
from shared.contracts.visits import Severity
from shared.http import timeline_entry
from shared.jurisdiction import Jurisdiction
from shared.params import Skip
from shared.projection import ReadModels
from shared.service import RuntimeDep

router = APIRouter(prefix="/issues", tags=["issues"])

ID = r"^[0-9A-Za-z_-]{1,80}$"
COUNTY = r"^[0-9]{6}$"
MAX_PAGE = 500


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


async def _issues(runtime: Any) -> Any:
    return await ReadModels(runtime.db, VIEW).collection("issues")


def where_of(doc: dict[str, Any]) -> Jurisdiction:
    county = doc.get("county")
    return Jurisdiction(
        province=doc["province"],
        city=doc.get("city"),
        county=county,
        zone=doc.get("zone") if county else None,
        school=doc["school_id"],
    )


@router.get("")
async def list_issues(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    school_id: Annotated[str | None, Query(pattern=ID)] = None,
    zone: Annotated[str | None, Query(pattern=ID)] = None,
    county: Annotated[str | None, Query(pattern=COUNTY)] = None,
    stage: Annotated[i.Stage | None, Query()] = None,
    open: Annotated[bool | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    severity: Annotated[Severity | None, Query()] = None,
    overdue: Annotated[bool | None, Query()] = None,
    safety: Annotated[bool | None, Query()] = None,
    source: Annotated[IssueSource | None, Query()] = None,
    inspector: Annotated[str | None, Query(pattern=ID)] = None,
    visit_id: Annotated[str | None, Query(pattern=ID)] = None,
    notice: Annotated[NoticeFilter | None, Query()] = None,
    escalation: Annotated[EscalationFilter | None, Query()] = None,
    due_within_days: Annotated[int | None, Query(ge=0, le=366)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Skip = 0,
) -> dict[str, Any]:
    """整改问题清单 — issues in your jurisdiction, filtered; newest deadline pressure first.

    ``due_within_days=N``: open issues whose deadline is within N days and not yet
    passed (即将到期). ``overdue=true``: open issues whose current deadline was crossed.
    ``notice``: issued / received / receipt_pending / none (整改通知书);
    ``escalation``: open / escalated / received / answered / none (上报).
    """
    query = scope_filter(principal, school_id=school_id, zone=zone, county=county)
    filters = {
        "stage": stage.value if stage else None,
        "item_code": category,
        "severity": severity.value if severity else None,
        "source": source.value if source else None,
        "responsible_inspector_id": inspector,
        "visit_id": visit_id,
    }
    query.update({k: v for k, v in filters.items() if v is not None})
    if notice is not None:
        query.update(NOTICE_QUERIES[notice])
    if escalation is not None:
        query.update(ESCALATION_QUERIES[escalation])
    for flag, value in (("open", open), ("overdue", overdue), ("safety", safety)):
        if value is not None:
            query[flag] = value
    if due_within_days is not None:
        today = i.local_day(runtime.clock())
        query["open"] = True
        query["deadline"] = {
            "$gte": today.isoformat(),
            "$lte": (today + timedelta(days=due_within_days)).isoformat(),
        }
    coll = await _issues(runtime)
    total = await coll.count_documents(query)
    cursor = coll.find(query).sort([("deadline", 1), ("_id", 1)]).skip(offset).limit(limit)
    items = [as_dict(doc) async for doc in cursor]
    return {"total": total, "offset": offset, "limit": limit, "items": items}


@router.get("/{issue_id}")
async def get_issue(issue_id: str, principal: CurrentPrincipal, runtime: RuntimeDep) -> Any:
    """一个整改问题 — the issue with its plan, progress, verification, escalation, notice."""
    coll = await _issues(runtime)
    doc = await coll.find_one({"_id": issue_id})
    if doc is None:
        raise HTTPException(404, f"整改问题 {issue_id} 不存在 (unknown issue)")
    ensure_sees(principal, where_of(doc))
    return as_dict(doc)


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


@router.get("/{issue_id}/timeline")
async def timeline(
    issue_id: str, principal: CurrentPrincipal, runtime: RuntimeDep
) -> dict[str, Any]:
    """整改全过程 — every event of the issue, in order, with who, when and why."""
    events = await runtime.store.load(i.stream_id(issue_id))
    if not events:
        raise HTTPException(404, f"整改问题 {issue_id} 不存在 (unknown issue)")
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
