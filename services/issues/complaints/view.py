"""The ``issues_complaints`` read model: one document per complaint (collection ``complaints``).

Folded from the complaint events on ``duxue.issues.events``. Holds no personal data in
clear: the contact is joined on read, for handlers only, and every free text (subject,
content, routing reasons, findings, the answer, the reason for not admitting it) stays
as the event sealed it (``{"scheme": "aes-256-gcm/v1", …}``); the API opens it with the
complaint's key. After ``ComplaintErased`` each such text is ``{"scheme": "erased"}`` —
also on a rebuild, which meets the same event — and ``erased`` is true.

Document::

    {complaint_id, tracking_no, school_id, school_name, province, city, county, zone_id,
     channel, category, subject, content, anonymous, has_contact, received_by,
     received_on, received_at, answer_due_on, status,
     routed_to: [inspector ids], to_county_office, unlisted, routed_at,
     routing: [{to_inspector_ids, to_county_office, by, at, reason}],
     accepted_by, accepted_as_office, accepted_at,
     verification: {outcome, findings, visit_id, verified_by, verified_at} | None,
     issue_id, answer: {answer, method, answered_by, answered_on, at} | None,
     rejection: {reason, rejected_by, at} | None, closed_by, closed_at,
     erased, erasure: {erased_by, reason, at} | None,
     timeline: [{version, type, occurred_at, actor, correlation_id, causation_id,
                 event_id, payload}],
     version, updated_at}

``timeline`` is every event of the stream as ``GET /complaints/{id}`` shows it (the
payload upcast to the current schema, its texts sealed as stored); lists leave it out.

``answer_overdue`` is not stored: it depends on today, so the API computes it (and
filters on ``answer_due_on`` and ``status``).

:func:`fold` applies the same handlers to a stream's events in memory (the unit tests
compare it with the aggregate). Reads never fold: they read this document
(:mod:`services.issues.complaints.queries`), waiting for the version a client wrote.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel

from services.issues.complaints.domain import ROUTER
from services.issues.complaints.keys import ERASED_TEXT
from shared import topics
from shared.contracts.complaints import (
    ComplaintAccepted,
    ComplaintAnswered,
    ComplaintClosed,
    ComplaintErased,
    ComplaintIssueOpened,
    ComplaintReceived,
    ComplaintRejected,
    ComplaintRouted,
    ComplaintVerified,
)
from shared.envelope import EventEnvelope
from shared.events import EventPayload, EventRegistry
from shared.http import timeline_entry
from shared.projection import DocRef, View

Doc = dict[str, Any]
VIEW = "issues_complaints"
COLLECTION = "complaints"
_EVENTS = (
    ComplaintReceived,
    ComplaintRouted,
    ComplaintAccepted,
    ComplaintRejected,
    ComplaintVerified,
    ComplaintIssueOpened,
    ComplaintAnswered,
    ComplaintClosed,
    ComplaintErased,
)


class ComplaintsView:
    name = VIEW
    topics: tuple[str, ...] = (topics.ISSUES,)
    handles = frozenset(cls.event_type for cls in _EVENTS)
    collections: tuple[str, ...] = (COLLECTION,)

    def keys(self, event: EventEnvelope, payload: EventPayload) -> Iterable[DocRef]:
        if isinstance(payload, _EVENTS):
            return [DocRef(COLLECTION, payload.complaint_id)]
        return []

    def apply(self, event: EventEnvelope, payload: EventPayload, view: View) -> None:
        if not isinstance(payload, _EVENTS):
            return
        ref = DocRef(COLLECTION, payload.complaint_id)
        current = view.get(ref)
        if current is None and not isinstance(payload, ComplaintReceived):
            raise ValueError(f"{event.event_type} for unknown complaint {payload.complaint_id}")
        doc = change(current or {}, event, payload)
        view.put(ref, doc)


def change(current: Doc, event: EventEnvelope, payload: EventPayload) -> Doc:
    """The complaint document after ``payload`` (pure)."""
    at = event.occurred_at.isoformat()
    doc: Doc = dict(current)
    timeline = list(current.get("timeline", []))
    match payload:
        case ComplaintReceived():
            where = event.jurisdiction
            doc = {
                **payload.model_dump(mode="json"),
                "province": where.province,
                "city": where.city,
                "county": where.county,
                "zone_id": where.zone,
                "received_at": at,
                "status": "received",
                "routed_to": [],
                "to_county_office": False,
                "unlisted": False,
                "routing": [],
                "accepted_by": None,
                "accepted_as_office": False,
                "verification": None,
                "issue_id": None,
                "answer": None,
                "rejection": None,
                "closed_by": None,
                "closed_at": None,
                "erased": False,
                "erasure": None,
            }
        case ComplaintRouted():
            doc.update(
                status="routed",
                routed_to=list(payload.to_inspector_ids),
                to_county_office=payload.to_county_office,
                unlisted=payload.unlisted,
                routed_at=at,
                accepted_by=None,
                accepted_as_office=False,
                routing=[
                    *doc.get("routing", []),
                    {
                        "to_inspector_ids": list(payload.to_inspector_ids),
                        "to_county_office": payload.to_county_office,
                        "by": payload.routed_by,
                        "at": at,
                        "reason": _dump(payload.reason) or _routing_label(payload),
                    },
                ],
            )
        case ComplaintAccepted():
            doc.update(
                status="accepted",
                accepted_by=payload.accepted_by,
                accepted_as_office=payload.as_office,
                accepted_at=at,
            )
        case ComplaintRejected():
            doc.update(
                status="rejected",
                rejection={
                    "reason": _dump(payload.reason),
                    "rejected_by": payload.rejected_by,
                    "at": at,
                },
            )
        case ComplaintVerified():
            doc.update(
                status="verified",
                verification={
                    "outcome": payload.outcome.value,
                    "findings": _dump(payload.findings),
                    "visit_id": payload.visit_id,
                    "verified_by": payload.verified_by,
                    "verified_at": at,
                },
            )
        case ComplaintIssueOpened():
            doc.update(issue_id=payload.issue_id)
        case ComplaintAnswered():
            doc.update(
                status="answered",
                answer={
                    "answer": _dump(payload.answer),
                    "method": payload.method.value,
                    "answered_by": payload.answered_by,
                    "answered_on": payload.answered_on.isoformat(),
                    "at": at,
                },
            )
        case ComplaintClosed():
            doc.update(status="closed", closed_by=payload.closed_by, closed_at=at)
        case ComplaintErased():
            doc = shred(doc)
            timeline = doc["timeline"]
            doc.update(
                erased=True,
                erasure={
                    "erased_by": payload.erased_by,
                    "reason": payload.reason.value,
                    "at": at,
                },
            )
    doc["timeline"] = [*timeline, timeline_entry(event, payload.model_dump(mode="json"))]
    doc["version"] = event.stream_version
    doc["updated_at"] = at
    return doc


def _dump(text: BaseModel | None) -> Doc | None:
    return text.model_dump(mode="json") if text is not None else None


def _routing_label(payload: ComplaintRouted) -> str | None:
    """Why the service routed on receipt (its own words, not the complainant's)."""
    if payload.routed_by != ROUTER:
        return None
    return "学校未挂牌责任督学，转县督导室" if payload.unlisted else "按挂牌责任督学自动转办"


def _shredded_reason(routing: Doc) -> Any:
    reason = routing.get("reason")
    if isinstance(reason, str) and routing.get("by") == ROUTER:
        return reason  # the service's label
    return dict(ERASED_TEXT) if reason else None


def shred(doc: Doc) -> Doc:
    """The document with every stored text replaced by the erased stand-in (pure)."""
    out = dict(doc)
    for name in ("subject", "content"):
        if out.get(name) is not None:
            out[name] = dict(ERASED_TEXT)
    out["routing"] = [{**r, "reason": _shredded_reason(r)} for r in out.get("routing", [])]
    sections = (("verification", "findings"), ("answer", "answer"), ("rejection", "reason"))
    for section, name in sections:
        if out.get(section):
            out[section] = {**out[section], name: dict(ERASED_TEXT)}
    out["timeline"] = [
        {**e, "payload": _shred_texts(e["payload"])} for e in out.get("timeline", [])
    ]
    return out


def _shred_texts(value: Any) -> Any:
    """``value`` with every stored text in it (a dict with a ``scheme``) erased."""
    if isinstance(value, list):
        return [_shred_texts(v) for v in value]
    if isinstance(value, dict):
        if "scheme" in value:
            return dict(ERASED_TEXT)
        return {k: _shred_texts(v) for k, v in value.items()}
    return value


def fold(events: Sequence[EventEnvelope], registry: EventRegistry) -> Doc | None:
    """The document of one complaint from its stream (``None`` for an empty stream)."""
    doc: Doc | None = None
    for event in events:
        doc = change(doc or {}, event, registry.parse(event))
    return doc
