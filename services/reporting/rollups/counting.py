"""The counts one event adds to every unit of its chain, and the per-stream state kept
on the way (a visit's kind, campaign and whether it was counted; an issue's opening day,
deadline and state; a complaint's answer deadline and outcome; the campaigns a school
was visited under). Definitions: docs/reporting.md.
"""

from __future__ import annotations

from datetime import date

from services.reporting.rollups.domain import counts as c
from shared.contracts.complaints import (
    ComplaintAnswered,
    ComplaintReceived,
    ComplaintVerified,
    VerificationOutcome,
)
from shared.contracts.directory import SchoolRegistered
from shared.contracts.issues import (
    DeadlineExtensionApproved,
    IssueEscalated,
    IssueOpened,
    IssueOverdue,
    IssueReopened,
    IssueVerified,
    RectificationNoticeIssued,
)
from shared.contracts.self_inspection import SelfInspectionFiled
from shared.contracts.visits import InspectorSignedIn
from shared.events import EventPayload
from shared.projection import Doc, DocRef, View


def deltas(payload: EventPayload, view: View, day: date, school: str | None) -> c.Counts:
    """The counts an event adds to each unit of its chain (state kept on the way);
    ``school`` is the school of the event's chain, if any."""
    dd = f"{day.day:02d}"
    match payload:
        case SchoolRegistered():
            return {c.REGISTERED: 1}
        case InspectorSignedIn():
            return _visit(view, payload, school)
        case IssueOpened():
            return _issue_opened(view, payload, day)
        case IssueVerified():
            return _issue_closed(view, payload.issue_id, day)
        case IssueReopened():
            issue = _issue(view, payload.issue_id)
            if issue["open"]:
                return {}
            _put_issue(view, payload.issue_id, issue, open=True, deadline=payload.deadline)
            item = issue["item_code"]
            return {
                c.REOPENED: 1,
                c.key(c.OPEN_DELTA, dd): 1,
                c.key(c.ITEM_REOPENED, item): 1,
                c.key(c.ITEM_OPEN, item): 1,
            }
        case IssueOverdue():
            issue = _issue(view, payload.issue_id)
            if not issue["open"] or issue["overdue"]:
                return {}
            _put_issue(view, payload.issue_id, issue, overdue=True)
            return {c.BECAME_OVERDUE: 1, c.key(c.OVERDUE_DELTA, dd): 1}
        case DeadlineExtensionApproved() | RectificationNoticeIssued():
            return _new_deadline(view, payload, dd)
        case IssueEscalated():
            _issue(view, payload.issue_id)
            return {c.ESCALATIONS: 1}
        case SelfInspectionFiled():
            on_time = {} if payload.late else {c.SELF_INSPECTIONS_ON_TIME: 1}
            return {c.SELF_INSPECTIONS_FILED: 1, **on_time}
        case ComplaintReceived() | ComplaintVerified() | ComplaintAnswered():
            return _complaint(view, payload, day)
    raise ValueError(f"unhandled event {payload.event_type}")


def _visit(view: View, payload: InspectorSignedIn, school: str | None) -> c.Counts:
    ref = DocRef("visits", payload.visit_id)
    visit = view.get(ref)
    if visit is None:
        raise ValueError(f"sign-in for unknown visit {payload.visit_id}")
    if visit["counted"]:
        return {}  # a team member's sign-in: the visit is counted once
    view.put(ref, {**visit, "counted": True})
    counts = {c.key(c.VISITS, visit["kind"]): 1}
    campaign = visit.get("campaign_id")
    if campaign and school:
        counts[c.key(c.CAMPAIGN_VISITS, campaign)] = 1
        school_ref = DocRef("schools", school)
        mine = view.get(school_ref) or {"campaigns": []}
        if campaign not in mine["campaigns"]:
            view.put(school_ref, {**mine, "campaigns": [*mine["campaigns"], campaign]})
            counts[c.key(c.CAMPAIGN_SCHOOLS, campaign)] = 1
    return counts


def _complaint(
    view: View, payload: ComplaintReceived | ComplaintVerified | ComplaintAnswered, day: date
) -> c.Counts:
    ref = DocRef("complaints", payload.complaint_id)
    if isinstance(payload, ComplaintReceived):
        view.put(ref, {"answer_due_on": payload.answer_due_on.isoformat(), "status": "received"})
        return {c.COMPLAINTS: 1}
    complaint = view.get(ref)
    if isinstance(payload, ComplaintVerified):
        if complaint is not None:
            view.put(ref, {**complaint, "status": payload.outcome.value})
        if payload.outcome == VerificationOutcome.substantiated:
            return {c.VERIFIED: 1, c.SUBSTANTIATED: 1}
        if payload.outcome == VerificationOutcome.partly_substantiated:
            return {c.VERIFIED: 1, c.PARTLY: 1}
        return {c.VERIFIED: 1}
    on_time = complaint is not None and day.isoformat() <= complaint["answer_due_on"]
    if complaint is not None:
        view.put(ref, {**complaint, "answered_on": day.isoformat()})
    return {c.ANSWERED: 1, **({c.ANSWERED_ON_TIME: 1} if on_time else {})}


def _issue(view: View, issue_id: str) -> Doc:
    issue = view.get(DocRef("issues", issue_id))
    if issue is None:
        raise ValueError(f"event for unknown issue {issue_id}")
    return issue


def _put_issue(view: View, issue_id: str, issue: Doc, **changes: object) -> None:
    doc = {**issue, **changes}
    if isinstance(doc.get("deadline"), date):
        doc["deadline"] = doc["deadline"].isoformat()
    if changes.get("open") is True:
        doc["overdue"] = False
    view.put(DocRef("issues", issue_id), doc)


def _issue_opened(view: View, payload: IssueOpened, day: date) -> c.Counts:
    if view.get(DocRef("issues", payload.issue_id)) is not None:
        raise ValueError(f"issue {payload.issue_id} opened twice")
    doc = {
        "opened_on": day.isoformat(),
        "open": True,
        "overdue": False,
        "item_code": payload.item_code,
        "item_title": payload.item_title,
        "severity": payload.severity.value,
    }
    _put_issue(view, payload.issue_id, doc, deadline=payload.deadline)
    return {
        c.OPENED: 1,
        c.key(c.PROBLEM, payload.item_code, payload.severity.value): 1,
        c.key(c.OPEN_DELTA, f"{day.day:02d}"): 1,
        c.key(c.ITEM_OPEN, payload.item_code): 1,
    }


def _issue_closed(view: View, issue_id: str, day: date) -> c.Counts:
    issue = _issue(view, issue_id)
    if not issue["open"]:
        return {}
    _put_issue(view, issue_id, issue, open=False, overdue=False, closed_on=day.isoformat())
    dd = f"{day.day:02d}"
    days = (day - date.fromisoformat(issue["opened_on"])).days
    on_time = day.isoformat() <= issue["deadline"]
    item = issue["item_code"]
    counts = {
        c.CLOSED: 1,
        c.CLOSED_ON_TIME if on_time else c.CLOSED_LATE: 1,
        c.key(c.CLOSE_DAYS, days): 1,
        c.key(c.OPEN_DELTA, dd): -1,
        c.key(c.ITEM_CLOSED, item): 1,
        c.key(c.ITEM_OPEN, item): -1,
    }
    if on_time:
        counts[c.key(c.ITEM_CLOSED_ON_TIME, item)] = 1
    if issue["overdue"]:
        counts[c.key(c.OVERDUE_DELTA, dd)] = -1
    return counts


def _new_deadline(
    view: View, payload: DeadlineExtensionApproved | RectificationNoticeIssued, dd: str
) -> c.Counts:
    issue = _issue(view, payload.issue_id)
    counts: c.Counts = {c.NOTICES: 1} if isinstance(payload, RectificationNoticeIssued) else {}
    if issue["open"] and issue["overdue"]:
        counts[c.key(c.OVERDUE_DELTA, dd)] = -1
    _put_issue(view, payload.issue_id, issue, deadline=payload.deadline, overdue=False)
    return counts
