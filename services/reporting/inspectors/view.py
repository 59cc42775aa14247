"""The inspector projection: who each inspector is and where they are listed, their
visits per month (first sign-in per visit), the problems they are responsible for and
the closures they verified, from the directory, visits and issues topics.

Collections: ``inspectors`` (``_id`` = inspector id: ``level``, place, ``listings``),
``months`` (``_id = <inspector>|<YYYY-MM>``: ``n`` with ``total``, ``county~<code>``,
``direct``, ``school~<id>``, ``day~<dd>`` (first sign-ins on day ``dd`` of the month:
the distinct days are the days on site), ``problems_found``, ``issues_verified``),
``visits`` (``_id`` = visit id: who has signed in).
"""

from __future__ import annotations

from collections.abc import Iterable

from services.reporting.inspectors.domain.rules import DAY, DIRECT
from services.reporting.rollups.domain import counts as c
from services.reporting.rollups.domain.periods import month_key
from shared import topics
from shared.contracts.directory import InspectorListed, InspectorRegistered, ListingEnded
from shared.contracts.issues import IssueOpened, IssueVerified
from shared.contracts.visits import InspectorSignedIn, VisitPlanned
from shared.deadlines import local_day
from shared.envelope import EventEnvelope
from shared.events import EventPayload
from shared.projection import Doc, DocRef, View

NAME = "reporting_inspectors"
_EVENTS = (
    InspectorRegistered,
    InspectorListed,
    ListingEnded,
    VisitPlanned,
    InspectorSignedIn,
    IssueOpened,
    IssueVerified,
)


def _credited(payload: IssueOpened | IssueVerified) -> str:
    """Who an issue event counts for: the inspector responsible for a problem found, the
    one who verified a closure."""
    if isinstance(payload, IssueOpened):
        return payload.responsible_inspector_id
    return payload.verified_by


class InspectorView:
    """Each inspector's visits per month and listings, for the frequency rules."""

    name = NAME
    topics: tuple[str, ...] = (topics.DIRECTORY, topics.VISITS, topics.ISSUES)
    handles = frozenset(cls.event_type for cls in _EVENTS)
    collections: tuple[str, ...] = ("inspectors", "months", "visits")

    def keys(self, event: EventEnvelope, payload: EventPayload) -> Iterable[DocRef]:
        match payload:
            case InspectorRegistered() | InspectorListed() | ListingEnded():
                return [DocRef("inspectors", payload.inspector_id)]
            case VisitPlanned():
                return [DocRef("visits", payload.visit_id)]
            case InspectorSignedIn():
                month = month_key(local_day(payload.signed_in_at))
                return [
                    DocRef("visits", payload.visit_id),
                    DocRef("months", f"{payload.inspector_id}|{month}"),
                ]
            case IssueOpened() | IssueVerified():
                month = month_key(local_day(event.occurred_at))
                return [DocRef("months", f"{_credited(payload)}|{month}")]
        return []

    def apply(self, event: EventEnvelope, payload: EventPayload, view: View) -> None:
        match payload:
            case InspectorRegistered():
                ref = DocRef("inspectors", payload.inspector_id)
                doc = view.get(ref) or {"listings": {}}
                level = "county" if payload.county else "city"
                where = {"province": payload.province, "city": payload.city}
                view.put(ref, {**doc, **where, "county": payload.county, "level": level})
            case InspectorListed():
                listing = {
                    "school_id": payload.school_id,
                    "county": event.jurisdiction.county,
                    "starts_on": payload.starts_on.isoformat(),
                    "ends_on": None,
                }
                _listing(view, payload.inspector_id, payload.listing_id, listing)
            case ListingEnded():
                known = view.get(DocRef("inspectors", payload.inspector_id))
                if known is None or payload.listing_id not in known["listings"]:
                    raise ValueError(f"end of unknown listing {payload.listing_id}")
                ended = {
                    **known["listings"][payload.listing_id],
                    "ends_on": payload.ends_on.isoformat(),
                }
                _listing(view, payload.inspector_id, payload.listing_id, ended)
            case VisitPlanned():
                ref = DocRef("visits", payload.visit_id)
                if view.get(ref) is None:
                    view.put(ref, {"school_id": payload.school_id, "signed": []})
            case InspectorSignedIn():
                self._signed_in(event, payload, view)
            case IssueOpened() | IssueVerified():
                found = "problems_found" if isinstance(payload, IssueOpened) else "issues_verified"
                month = month_key(local_day(event.occurred_at))
                _add(view, _credited(payload), month, {found: 1})

    def _signed_in(self, event: EventEnvelope, payload: InspectorSignedIn, view: View) -> None:
        ref = DocRef("visits", payload.visit_id)
        visit = view.get(ref)
        if visit is None:
            raise ValueError(f"sign-in for unknown visit {payload.visit_id}")
        if payload.inspector_id in visit["signed"]:
            return  # signed in twice on one visit: one visit
        view.put(ref, {**visit, "signed": [*visit["signed"], payload.inspector_id]})
        day = local_day(payload.signed_in_at)
        month = month_key(day)
        county = event.jurisdiction.county
        deltas = {
            "total": 1,
            c.key(DAY, f"{day.day:02d}"): 1,
            c.key("county", county) if county else DIRECT: 1,
            c.key("school", visit["school_id"]): 1,
        }
        _add(view, payload.inspector_id, month, deltas)


def _add(view: View, inspector_id: str, month: str, deltas: c.Counts) -> None:
    ref = DocRef("months", f"{inspector_id}|{month}")
    doc = view.get(ref) or {"inspector_id": inspector_id, "month": month, "n": {}}
    view.put(ref, {**doc, "n": c.add(doc["n"], deltas)})


def _listing(view: View, inspector_id: str, listing_id: str, listing: Doc) -> None:
    ref = DocRef("inspectors", inspector_id)
    doc = view.get(ref) or {"listings": {}}
    view.put(ref, {**doc, "listings": {**doc["listings"], listing_id: listing}})
