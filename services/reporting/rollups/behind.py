"""What stands behind a figure: one small document per visit, issue opened, closure,
complaint and overdue spell, for the zone and the school it counts in (collection
``behind``), so a drill-down to the items is an ``_id`` range read.

``_id`` = ``<unit>|<figure>|<day>|<item>`` for ``visits`` (first sign-in),
``issues_opened``, ``issues_closed`` (``<issue>@<stream version>``: a reopened issue
closes again) and ``complaints`` (received); ``<unit>|issues_overdue|<issue>`` holds the
issue's overdue spells (``since``, ``until``: the day it became overdue, the day a
closure or a new deadline ended it) for ``issues_overdue_at_end``. Rows are written
from the event's counts (:mod:`.counting`), so they agree with the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from services.reporting.rollups.domain import counts as c
from services.reporting.rollups.domain import labels
from services.reporting.rollups.domain.units import Unit
from shared.contracts.complaints import ComplaintReceived
from shared.contracts.issues import (
    DeadlineExtensionApproved,
    IssueOpened,
    IssueOverdue,
    IssueVerified,
    RectificationNoticeIssued,
)
from shared.contracts.visits import InspectorSignedIn
from shared.envelope import EventEnvelope
from shared.events import EventPayload
from shared.projection import DocRef, View

COLLECTION = "behind"
LEVELS = ("zone", "school")
OVERDUE = "issues_overdue"
_OVERDUE_EVENTS = (
    IssueOverdue,
    IssueVerified,
    DeadlineExtensionApproved,
    RectificationNoticeIssued,
)


def row_id(unit: str, figure: str, day: str, item: str) -> str:
    return f"{unit}|{figure}|{day}|{item}"


def overdue_id(unit: str, issue_id: str) -> str:
    return f"{unit}|{OVERDUE}|{issue_id}"


def _row(event: EventEnvelope, payload: EventPayload) -> tuple[str, str] | None:
    """(figure, item) of the row an event may write."""
    match payload:
        case InspectorSignedIn():
            return "visits", payload.visit_id
        case IssueOpened():
            return "issues_opened", payload.issue_id
        case IssueVerified():
            return "issues_closed", f"{payload.issue_id}@{event.stream_version}"
        case ComplaintReceived():
            return "complaints", payload.complaint_id
    return None


def refs(
    event: EventEnvelope, payload: EventPayload, units: Sequence[Unit], day: date
) -> list[DocRef]:
    """The ``behind`` documents an event may write (its zone's and school's)."""
    mine = [u for u in units if u.level in LEVELS]
    out = []
    row = _row(event, payload)
    if row is not None:
        out += [DocRef(COLLECTION, row_id(u.id, row[0], day.isoformat(), row[1])) for u in mine]
    if isinstance(payload, _OVERDUE_EVENTS):
        out += [DocRef(COLLECTION, overdue_id(u.id, payload.issue_id)) for u in mine]
    return out


def record(
    event: EventEnvelope,
    payload: EventPayload,
    view: View,
    units: Sequence[Unit],
    day: date,
    counts: c.Counts,
) -> None:
    """Write the rows behind the counts an event added (nothing when it added none)."""
    mine = [u for u in units if u.level in LEVELS]
    if not mine or not counts:
        return
    school = units[-1].code if units[-1].level == "school" else None
    row = _row(event, payload)
    fields = _fields(payload, view, counts)
    if row is not None and fields is not None:
        for unit in mine:
            ref = DocRef(COLLECTION, row_id(unit.id, row[0], day.isoformat(), row[1]))
            doc = {"unit": unit.id, "figure": row[0], "day": day.isoformat(), "item": row[1]}
            view.put(ref, {**doc, "school_id": school, **fields})
    change = counts.get(c.key(c.OVERDUE_DELTA, f"{day.day:02d}"))
    if change and isinstance(payload, _OVERDUE_EVENTS):
        for unit in mine:
            _spell(view, unit, payload.issue_id, school, day, started=change > 0)


def _fields(payload: EventPayload, view: View, counts: c.Counts) -> dict[str, object] | None:
    match payload:
        case InspectorSignedIn():
            kinds = c.sub(counts, c.VISITS)
            if not kinds:
                return None
            kind = next(iter(kinds))
            return {"kind": kind, "label": labels.VISIT_KINDS.get(kind, kind)}
        case IssueOpened():
            severity = payload.severity.value
            label = labels.issue_label(payload.item_title, severity)
            return {"kind": f"{payload.item_code}~{severity}", "label": label}
        case IssueVerified():
            if c.CLOSED not in counts:
                return None
            kind = "on_time" if c.CLOSED_ON_TIME in counts else "late"
            return {"kind": kind, "label": labels.CLOSURES[kind]}
        case ComplaintReceived():
            category = payload.category.value
            return {"kind": category, "label": labels.COMPLAINT_CATEGORIES.get(category, category)}
    return None


def _spell(
    view: View, unit: Unit, issue_id: str, school: str | None, day: date, *, started: bool
) -> None:
    ref = DocRef(COLLECTION, overdue_id(unit.id, issue_id))
    doc = view.get(ref) or {
        "unit": unit.id,
        "figure": OVERDUE,
        "item": issue_id,
        "school_id": school,
        "spells": [],
    }
    spells = list(doc["spells"])
    if started:
        spells.append({"since": day.isoformat(), "until": None})
    elif spells and spells[-1]["until"] is None:
        spells[-1] = {**spells[-1], "until": day.isoformat()}
    issue = view.get(DocRef("issues", issue_id)) or {}
    label = labels.issue_label(str(issue.get("item_title", "")), str(issue.get("severity", "")))
    view.put(ref, {**doc, "spells": spells, "kind": issue.get("item_code"), "label": label})
