"""Reading complaints (举报投诉): the public status, one case, the list, the summary.

Every read comes from the ``issues_complaints`` read model (:mod:`.view`) — no read folds
a stream. Every read goes through :mod:`services.issues.complaints.access`: a case the
caller may not see is a 404 (like an unknown id) and is absent from lists; the school's
principal gets the facts only; the contact is for handlers; offices above the county,
integrators and admins get the summary. Lists and the summary are narrowed by the one
scoping filter (:func:`shared.auth.scope_filter`), every filter applied before paging.

**Reading one's own writes.** A step answers the stream's new version (``ETag``); the
read model shows it a moment later. ``GET /complaints/{id}`` and the public status wait
for it: for ``min_version`` when the client names it (the version its command
answered), else for the stream's current version (one look-up of the event store's
commit index — no event is read), through the one wait every read-your-writes GET uses
(:func:`shared.freshness.caught_up`). The wait is bounded (:data:`READ_WAIT_SECONDS`):
past it the read answers 503 (:class:`~shared.commands.NotCaughtUp`). Lists are as fresh
as the read model (a client waits for its own write on the case itself).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.issues.complaints import domain as c
from services.issues.complaints.access import (
    Access,
    Case,
    Seen,
    access,
    facts,
    list_query,
    sees_facts_only,
)
from services.issues.complaints.keys import KeyStore, Reader
from services.issues.complaints.permissions import UnknownComplaint
from services.issues.complaints.ports import ContactStore, LedZones, TrackingCodes, led_zones
from services.issues.complaints.receiving import code_hash
from services.issues.complaints.summary import counts
from services.issues.complaints.view import COLLECTION, VIEW
from services.issues.rectification import domain as i
from shared.auth import Principal, Role, ensure_role, scope_filter
from shared.commands import Forbidden, NotFound
from shared.contracts.complaints import ComplaintCategory, ComplaintChannel
from shared.freshness import READ_WAIT_SECONDS, StreamVersions, caught_up, shown_in
from shared.paging import Paging, find_page
from shared.projection import ReadModels

OFFICES = (Role.county_office, Role.city_office, Role.province_office)
SUMMARY_READERS = (*OFFICES, Role.integrator)
"""Who reads ``GET /complaints/summary``."""
AGGREGATES_ONLY = (
    "您只能查看投诉的统计数据，请使用 /complaints/summary "
    "(no complaint cases for this role: see GET /complaints/summary)"
)
FACTS_ONLY = (
    "学校只能按投诉事实筛选，不能按来源渠道或承办人筛选 "
    "(the school sees the facts only: no channel or handler_id filter)"
)
LIST_FIELDS = {"_id": False, "timeline": False}


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


def public_answer(doc: dict[str, Any], reader: Reader) -> dict[str, Any]:
    """What the complainant reads with the query code: status, days, the answer."""
    status = c.Status(doc["status"])
    shown: dict[str, Any] = {
        "tracking_no": doc["tracking_no"],
        "status": status.value,
        "status_label": c.STATUS_LABELS.get(status, status.value),
        "received_on": doc.get("received_on"),
        "answer_due_on": doc.get("answer_due_on"),
        "answer": None,
    }
    if (answer := doc.get("answer")) is not None:
        shown["answer"] = {
            "answer": reader.text(answer["answer"]),
            "method": answer["method"],
            "answered_on": answer["answered_on"],
        }
    if status == c.Status.rejected:
        reason = reader.text((doc.get("rejection") or {}).get("reason"))
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
    if not seen.timeline:
        doc.pop("timeline", None)
    return doc


def list_conditions(narrowed: ComplaintFilter, today: date) -> tuple[dict[str, Any], list[Any]]:
    """The list's own filters: equalities, and conditions for ``$and``."""
    equal: dict[str, Any] = {}
    for field, wanted in (
        ("status", narrowed.status),
        ("channel", narrowed.channel),
        ("category", narrowed.category),
    ):
        if wanted is not None:
            equal[field] = wanted.value
    conditions: list[Any] = []
    awaiting = sorted(s.value for s in c.AWAITING_ANSWER)
    day = today.isoformat()
    if narrowed.answer_overdue is True:
        conditions += [{"status": {"$in": awaiting}}, {"answer_due_on": {"$lt": day}}]
    elif narrowed.answer_overdue is False:
        conditions.append(
            {"$or": [{"status": {"$nin": awaiting}}, {"answer_due_on": {"$gte": day}}]}
        )
    if (handler_id := narrowed.handler_id) is not None:
        conditions.append({"$or": [{"routed_to": handler_id}, {"accepted_by": handler_id}]})
    return equal, conditions


class ComplaintQueries:
    def __init__(
        self,
        db: AsyncDatabase[Any],
        keys: KeyStore,
        contacts: ContactStore,
        codes: TrackingCodes,
        zones: LedZones,
        versions: StreamVersions,
        clock: Callable[[], datetime],
        wait_seconds: float = READ_WAIT_SECONDS,
    ) -> None:
        self._models = ReadModels(db, VIEW)
        self._keys = keys
        self._contacts = contacts
        self._codes = codes
        self._zones = zones
        self._versions = versions
        self._clock = clock
        self._wait = wait_seconds

    def today(self) -> date:
        return i.local_day(self._clock())

    async def document(
        self, complaint_id: str, min_version: int | None = None
    ) -> dict[str, Any] | None:
        """The complaint's read-model document once it shows ``min_version`` (default: the
        stream's current version); ``None`` for an unknown complaint."""
        complaints = await self._models.collection(COLLECTION)
        key = {"_id": complaint_id}
        stream = c.stream_id(complaint_id)
        shown = await caught_up(
            shown_in(complaints, key), self._versions, stream, min_version, self._wait
        )
        if shown is None:
            return None
        doc: dict[str, Any] | None = await complaints.find_one(key, projection={"_id": False})
        return doc

    async def _reader(self, doc: dict[str, Any]) -> Reader:
        """Reads the complaint's stored texts (``[已删除]`` once erased)."""
        erased = bool(doc.get("erased"))
        key = None if erased else await self._keys.get(doc["complaint_id"])
        return Reader(key, erased)

    async def _contacts_of(self, complaint_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The contacts of cases the caller handles (one look-up); erased: ``{erased}``."""
        if not complaint_ids:
            return {}
        stored = await self._contacts.get_many(complaint_ids)
        return {
            cid: stored[cid].shown() if cid in stored else {"erased": True} for cid in complaint_ids
        }

    async def public_status(self, tracking_no: str, code: str) -> dict[str, Any]:
        """The status for a tracking number and its query code; 404 for either wrong."""
        unknown = NotFound(f"未找到受理编号为 {tracking_no} 的投诉，或查询码不正确 (not found)")
        entry = await self._codes.get(tracking_no)
        if entry is None or not hmac.compare_digest(
            entry.code_sha256, code_hash(code.strip().upper(), entry.salt)
        ):
            raise unknown
        doc = await self.document(entry.complaint_id)
        if doc is None:
            raise unknown  # reserved, but the complaint was never recorded
        return public_answer(doc, await self._reader(doc))

    async def one(
        self, principal: Principal, complaint_id: str, min_version: int | None = None
    ) -> dict[str, Any]:
        """One case as the caller may see it (404 when they see nothing)."""
        doc = await self.document(complaint_id, min_version)
        if doc is None:
            raise UnknownComplaint(complaint_id)
        case = Case.of_doc(doc)
        seen = access(principal, case)
        if not seen.handles and case.where.zone is not None:
            seen = access(principal, case, await led_zones(self._zones, principal))
        if not seen.visible:
            raise UnknownComplaint(complaint_id)
        doc = _with_overdue((await self._reader(doc)).tree(doc), self.today())
        if seen.handles and doc.get("has_contact"):
            doc["contact"] = (await self._contacts_of([complaint_id]))[complaint_id]
        return _shown(seen, doc)

    async def page(
        self, principal: Principal, narrowed: ComplaintFilter, paging: Paging
    ) -> tuple[int, list[dict[str, Any]]]:
        """``(total, rows)``: the cases the caller may see, newest first, narrowed (every
        filter in the query, so a page is never short); 403 for aggregates only."""
        led = await led_zones(self._zones, principal)
        alternatives = list_query(principal, led)
        if not alternatives:
            raise Forbidden(AGGREGATES_ONLY)
        if sees_facts_only(principal) and (narrowed.channel or narrowed.handler_id):
            raise Forbidden(FACTS_ONLY)
        today = self.today()
        equal, conditions = list_conditions(narrowed, today)
        query = {**scope_filter(principal, county=narrowed.county, school_id=narrowed.school_id)}
        query |= equal
        query["$and"] = [{"$or": alternatives}, *conditions]
        complaints = await self._models.collection(COLLECTION)
        order = [("received_at", -1)]
        total, found = await find_page(complaints, query, order, paging, LIST_FIELDS)
        found = [_with_overdue(doc, today) for doc in found]
        seen = {d["complaint_id"]: access(principal, Case.of_doc(d), led) for d in found}
        found = [d for d in found if seen[d["complaint_id"]].visible]  # the filter is the rule
        live = [d["complaint_id"] for d in found if not d.get("erased")]
        keys = await self._keys.get_many(live)
        contacts = await self._contacts_of(
            [
                d["complaint_id"]
                for d in found
                if seen[d["complaint_id"]].handles and d.get("has_contact")
            ]
        )
        shown = []
        for doc in found:
            cid = doc["complaint_id"]
            doc = Reader(keys.get(cid), bool(doc.get("erased"))).tree(doc)
            if (contact := contacts.get(cid)) is not None:
                doc["contact"] = contact
            shown.append(_shown(seen[cid], doc))
        return total, shown

    async def summary(
        self,
        principal: Principal,
        county: str | None,
        school_id: str | None,
        received_from: date | None,
        received_to: date | None,
    ) -> dict[str, Any]:
        """Counts in the caller's jurisdiction (offices and integrators)."""
        ensure_role(principal, *SUMMARY_READERS)
        query = scope_filter(principal, county=county, school_id=school_id)
        complaints = await self._models.collection(COLLECTION)
        return await counts(complaints, query, received_from, received_to, self.today())
