"""Reading complaints (举报投诉): the public status, one case, the list, the summary.

Every read goes through :mod:`services.issues.complaints.access`: a case the caller may
not see is a 404 (like an unknown id) and is absent from lists; the school's principal
gets the facts only; the contact is for handlers; offices above the county, integrators
and admins get the summary. Lists and the summary come from the ``issues_complaints``
read model, narrowed by the one scoping filter (:func:`shared.auth.scope_filter`). One
case is folded from its stream with the read model's own code (one load gives the
access decision, the document and the timeline), so a client reads its own writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.issues.complaints import domain as c
from services.issues.complaints.access import Access, Case, Seen, access, facts, list_query
from services.issues.complaints.keys import Reader
from services.issues.complaints.service import ComplaintService, LoadedComplaint
from services.issues.complaints.view import COLLECTION, VIEW, fold
from shared.auth import Principal, Role, ensure_role, scope_filter
from shared.commands import Forbidden
from shared.contracts.complaints import ComplaintCategory, ComplaintChannel
from shared.http import timeline_entry
from shared.projection import ReadModels
from shared.runtime import Runtime

OFFICES = (Role.county_office, Role.city_office, Role.province_office)
SUMMARY_READERS = (*OFFICES, Role.integrator)
AGGREGATES_ONLY = (
    "您只能查看投诉的统计数据，请使用 /complaints/summary "
    "(no complaint cases for this role: see GET /complaints/summary)"
)


@dataclass(frozen=True)
class ComplaintFilter:
    """What a list of complaints may be narrowed by (``None``: not asked)."""

    school_id: str | None = None
    county: str | None = None
    status: c.Status | None = None
    channel: ComplaintChannel | None = None
    category: ComplaintCategory | None = None
    answer_overdue: bool | None = None
    handler_id: str | None = None
    """The inspector it is routed to or who accepted it."""


def public_answer(current: LoadedComplaint, reader: Reader) -> dict[str, Any]:
    s = current.state
    shown: dict[str, Any] = {
        "tracking_no": s.tracking_no,
        "status": s.status.value,
        "status_label": c.STATUS_LABELS.get(s.status, s.status.value),
        "received_on": s.received_on.isoformat() if s.received_on else None,
        "answer_due_on": s.answer_due_on.isoformat() if s.answer_due_on else None,
        "answer": None,
    }
    if s.answer is not None:
        shown["answer"] = {
            "answer": reader.text(s.answer.model_dump()),
            "method": s.answer_method.value if s.answer_method else None,
            "answered_on": s.answered_on.isoformat() if s.answered_on else None,
        }
    if s.status == c.Status.rejected:
        reason = reader.text(s.rejection_reason.model_dump() if s.rejection_reason else None)
        shown["answer"] = {"answer": f"不予受理：{reason}", "method": None}
    return shown


def _with_overdue(doc: dict[str, Any], today: date) -> dict[str, Any]:
    doc["status_label"] = c.STATUS_LABELS.get(c.Status(doc["status"]), doc["status"])
    doc["answer_overdue"] = (
        doc["status"] in c.AWAITING_ANSWER and doc["answer_due_on"] < today.isoformat()
    )
    return doc


def _shown(seen: Access, doc: dict[str, Any]) -> dict[str, Any]:
    """The document as this caller may see it (never called for :attr:`Seen.none`)."""
    if seen.seen == Seen.school:
        return facts(doc)
    doc["access"] = seen.seen.value
    doc["handler"] = seen.handles
    if not seen.handles:
        doc.pop("contact", None)
    return doc


def scope_query(principal: Principal, county: str | None, school_id: str | None) -> dict[str, Any]:
    """A read-model filter for the caller's jurisdiction (zones ignored), narrowed as asked."""
    return scope_filter(principal, county=county, school_id=school_id)


class ComplaintQueries:
    def __init__(self, service: ComplaintService, runtime: Runtime) -> None:
        self._service = service
        self._runtime = runtime

    async def public_status(self, tracking_no: str, code: str) -> dict[str, Any]:
        service = self._service
        current = await service.public_status(tracking_no, code)
        reader = await service.reader(current.state.complaint_id, current.state.erased)
        return public_answer(current, reader)

    async def summary(
        self,
        principal: Principal,
        county: str | None,
        school_id: str | None,
        received_from: date | None,
        received_to: date | None,
    ) -> dict[str, Any]:
        """Counts in the caller's jurisdiction (offices and integrators)."""
        service = self._service
        ensure_role(principal, *SUMMARY_READERS)
        query = scope_filter(principal, county=county, school_id=school_id)
        days: dict[str, str] = {}
        if received_from is not None:
            days["$gte"] = received_from.isoformat()
        if received_to is not None:
            days["$lte"] = received_to.isoformat()
        if days:
            query["received_on"] = days
        complaints = await ReadModels(self._runtime.db, VIEW).collection(COLLECTION)
        projection = {"_id": False, "status": True, "category": True, "verification": True}
        projection |= {"answer_due_on": True, "erased": True}
        today = service.today().isoformat()
        counts: dict[str, dict[str, int]] = {"status": {}, "category": {}, "outcome": {}}
        total = overdue = erased = 0
        async for doc in complaints.find(query, projection=projection):
            total += 1
            outcome = (doc.get("verification") or {}).get("outcome") or "not_verified"
            for axis, value in (
                ("status", doc["status"]),
                ("category", doc["category"]),
                ("outcome", outcome),
            ):
                counts[axis][value] = counts[axis].get(value, 0) + 1
            overdue += doc["status"] in c.AWAITING_ANSWER and doc["answer_due_on"] < today
            erased += bool(doc.get("erased"))
        return {
            "scope": {k: v for k, v in query.items() if k != "received_on"},
            "received_from": received_from.isoformat() if received_from else None,
            "received_to": received_to.isoformat() if received_to else None,
            "total": total,
            "answer_overdue": overdue,
            "erased": erased,
            "by_status": dict(sorted(counts["status"].items())),
            "by_category": dict(sorted(counts["category"].items())),
            "by_outcome": dict(sorted(counts["outcome"].items())),
        }

    async def one(self, principal: Principal, complaint_id: str) -> dict[str, Any]:
        """One case as the caller may see it (404 when they see nothing)."""
        service, registry = self._service, self._runtime.registry
        current, seen, events = await service.visible_with_events(complaint_id, principal)
        reader = await service.reader(complaint_id, current.state.erased)
        doc = reader.tree(fold(events, registry) or {})
        doc = _with_overdue(doc, service.today())
        if seen.handles and (contact := await service.contact_for(principal, current)) is not None:
            doc["contact"] = contact
        if seen.timeline:
            doc["timeline"] = [
                timeline_entry(e, reader.tree(registry.parse(e).model_dump(mode="json")))
                for e in events
            ]
        return _shown(seen, doc)

    async def page(
        self, principal: Principal, narrowed: ComplaintFilter, limit: int, skip: int
    ) -> list[dict[str, Any]]:
        """The cases the caller may see, newest first, narrowed; 403 for aggregates only."""
        service = self._service
        school_id, county, status_ = narrowed.school_id, narrowed.county, narrowed.status
        channel, category = narrowed.channel, narrowed.category
        answer_overdue, handler_id = narrowed.answer_overdue, narrowed.handler_id
        led = await service.led_zones(principal)
        alternatives = list_query(principal, led)
        if not alternatives:
            raise Forbidden(AGGREGATES_ONLY)
        query = scope_query(principal, county, school_id)
        conditions: list[dict[str, Any]] = [{"$or": alternatives}]
        for field, wanted in (
            ("status", status_.value if status_ else None),
            ("channel", channel.value if channel else None),
            ("category", category.value if category else None),
        ):
            if wanted is not None:
                query[field] = wanted
        today = service.today().isoformat()
        awaiting = sorted(s.value for s in c.AWAITING_ANSWER)
        if answer_overdue is True:
            conditions += [{"status": {"$in": awaiting}}, {"answer_due_on": {"$lt": today}}]
        elif answer_overdue is False:
            conditions.append(
                {"$or": [{"status": {"$nin": awaiting}}, {"answer_due_on": {"$gte": today}}]}
            )
        if handler_id is not None:  # the inspector it is routed to or who accepted it
            conditions.append({"$or": [{"routed_to": handler_id}, {"accepted_by": handler_id}]})
        query["$and"] = conditions
        complaints = await ReadModels(self._runtime.db, VIEW).collection(COLLECTION)
        cursor = (
            complaints.find(query, projection={"_id": False}).sort("received_at", -1).skip(skip)
        )
        found = [_with_overdue(doc, service.today()) async for doc in cursor.limit(limit)]
        seen = {d["complaint_id"]: access(principal, Case.of_doc(d), led) for d in found}
        found = [d for d in found if seen[d["complaint_id"]].visible]  # the filter is the rule
        readers = await service.readers(found)
        with_contact = [
            d["complaint_id"]
            for d in found
            if seen[d["complaint_id"]].handles and d.get("has_contact")
        ]
        contacts = await service.contacts_for(principal, with_contact) if with_contact else {}
        shown = []
        for doc in found:
            doc = readers[doc["complaint_id"]].tree(doc)
            if (contact := contacts.get(doc["complaint_id"])) is not None:
                doc["contact"] = contact
            shown.append(_shown(seen[doc["complaint_id"]], doc))
        return shown
