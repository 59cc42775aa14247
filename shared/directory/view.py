"""A service's own read model of the directory (see :mod:`shared.directory`).

Collections (documents as the directory endpoints return them, plus ``version``, the
aggregate's version for ``If-Match``, and ``updated_at``):

``schools``     one per school; ``version`` is the school stream's version (listings
                share the stream, so a listing change moves it too).
``zones``       one per zone: ``leader_id``, ``bureau_liaison``, ``history``.
``inspectors``  one per inspector: office (``province``/``city``/``county``), contact.
``listings``    one per listing (挂牌), ended ones kept: ``status`` ``active``|``ended``,
                ``starts_on``/``ends_on`` as ISO dates, ``version`` (the listing's own),
                ``history`` of every change.
``divisions``   one per province, city, county: ``code``, ``name``, ``level``, ``parent_code``.
``imports``     one per roster import: counts and ``status`` ``started``|``completed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared import topics
from shared.contracts.directory import (
    DivisionRegistered,
    DivisionRenamed,
    InspectorDetailsCorrected,
    InspectorListed,
    InspectorRegistered,
    ListingCorrected,
    ListingEnded,
    RosterImportCompleted,
    RosterImportStarted,
    SchoolDetailsCorrected,
    SchoolRegistered,
    SchoolZoneChanged,
    ZoneDetailsCorrected,
    ZoneEstablished,
    ZoneLeaderChanged,
)
from shared.envelope import EventEnvelope
from shared.events import EventPayload
from shared.projection import DocRef, View

Doc = dict[str, Any]
_SCHOOL = (SchoolRegistered, SchoolDetailsCorrected, SchoolZoneChanged)
_ZONE = (ZoneEstablished, ZoneDetailsCorrected, ZoneLeaderChanged)
_INSPECTOR = (InspectorRegistered, InspectorDetailsCorrected)
_LISTING = (InspectorListed, ListingCorrected, ListingEnded)
_DIVISION = (DivisionRegistered, DivisionRenamed)
_IMPORT = (RosterImportStarted, RosterImportCompleted)
_ALL = (*_SCHOOL, *_ZONE, *_INSPECTOR, *_LISTING, *_DIVISION, *_IMPORT)


class DirectoryView:
    """Schools, zones, inspectors, listings, divisions and imports as documents."""

    topics: tuple[str, ...] = (topics.DIRECTORY,)
    handles = frozenset(cls.event_type for cls in _ALL)
    collections: tuple[str, ...] = (
        "schools",
        "zones",
        "inspectors",
        "listings",
        "divisions",
        "imports",
    )

    def __init__(self, name: str) -> None:
        self.name = name
        """The projection's name in the service that runs it, e.g. ``visits_directory``."""

    def keys(self, event: EventEnvelope, payload: EventPayload) -> Iterable[DocRef]:
        if isinstance(payload, _SCHOOL):
            return [DocRef("schools", payload.school_id)]
        if isinstance(payload, _LISTING):
            return [DocRef("listings", payload.listing_id), DocRef("schools", payload.school_id)]
        if isinstance(payload, _ZONE):
            return [DocRef("zones", payload.zone_id)]
        if isinstance(payload, _INSPECTOR):
            return [DocRef("inspectors", payload.inspector_id)]
        if isinstance(payload, _DIVISION):
            return [DocRef("divisions", payload.code)]
        if isinstance(payload, _IMPORT):
            return [DocRef("imports", payload.import_id)]
        return []

    def apply(self, event: EventEnvelope, payload: EventPayload, view: View) -> None:
        if isinstance(payload, _SCHOOL):
            _school(event, payload, view)
        elif isinstance(payload, _LISTING):
            _listing(event, payload, view)
        elif isinstance(payload, (*_ZONE, *_INSPECTOR, *_DIVISION, *_IMPORT)):
            _entry(event, payload, view)


def _stamp(doc: Doc, event: EventEnvelope, version: int | None = None) -> Doc:
    doc["version"] = event.stream_version if version is None else version
    doc["updated_at"] = event.occurred_at.isoformat()
    return doc


def _changes(payload: EventPayload, *drop: str) -> Doc:
    return payload.model_dump(mode="json", exclude_none=True, exclude={"reason", *drop})


def _history(doc: Doc, event: EventEnvelope, payload: EventPayload, **extra: Any) -> list[Doc]:
    entry = {
        "event": event.event_type.rsplit(".", 1)[-1],
        "at": event.occurred_at.isoformat(),
        "by": event.actor.user_id,
        "reason": getattr(payload, "reason", None),
        **extra,
    }
    return [*doc.get("history", []), entry]


def _existing(view: View, ref: DocRef) -> Doc:
    current = view.get(ref)
    if current is None:
        raise ValueError(f"change to unknown {ref.collection} {ref.id}")
    return current


def _school(event: EventEnvelope, payload: EventPayload, view: View) -> None:
    ref = DocRef("schools", getattr(payload, "school_id", ""))
    if isinstance(payload, SchoolRegistered):
        doc = payload.model_dump(mode="json")
    elif isinstance(payload, SchoolDetailsCorrected):
        doc = {**_existing(view, ref), **_changes(payload)}
    elif isinstance(payload, SchoolZoneChanged):
        doc = {**_existing(view, ref), "zone_id": payload.zone_id}
    else:
        return
    view.put(ref, _stamp(doc, event))


def _listing(event: EventEnvelope, payload: EventPayload, view: View) -> None:
    assert isinstance(payload, _LISTING)
    ref = DocRef("listings", payload.listing_id)
    if isinstance(payload, InspectorListed):
        where = event.jurisdiction
        doc: Doc = {
            **payload.model_dump(mode="json"),
            "ends_on": None,
            "end_reason": None,
            "status": "active",
            "province": where.province,
            "city": where.city,
            "county": where.county,
            "listed_at": event.occurred_at.isoformat(),
            "history": [],
        }
        version = 1
        detail = {"starts_on": doc["starts_on"], "duties": payload.duties}
    else:
        current = _existing(view, ref)
        version = int(current["version"]) + 1
        if isinstance(payload, ListingCorrected):
            doc = {**current, **_changes(payload)}
            detail = _changes(payload, "listing_id", "school_id")
        else:
            assert isinstance(payload, ListingEnded)
            doc = {
                **current,
                "ends_on": payload.ends_on.isoformat(),
                "end_reason": payload.reason,
                "status": "ended",
            }
            detail = {"ends_on": doc["ends_on"]}
    doc["history"] = _history(doc, event, payload, **detail)
    view.put(ref, _stamp(doc, event, version))
    school_ref = DocRef("schools", payload.school_id)
    school_doc = view.get(school_ref)
    if school_doc is not None:
        view.put(school_ref, _stamp(dict(school_doc), event))


def _entry(event: EventEnvelope, payload: EventPayload, view: View) -> None:
    """Zones, inspectors, divisions, imports: created by one event, changed by others."""
    [ref] = DirectoryView("").keys(event, payload)
    if isinstance(payload, ZoneEstablished | InspectorRegistered | DivisionRegistered):
        doc: Doc = {**payload.model_dump(mode="json"), "history": []}
    elif isinstance(payload, RosterImportStarted):
        doc = {**payload.model_dump(mode="json"), "status": "started"}
        doc["started_at"] = event.occurred_at.isoformat()
        doc["started_by"] = event.actor.user_id
    elif isinstance(payload, RosterImportCompleted):
        doc = {**_existing(view, ref), **_changes(payload), "status": "completed"}
        doc["completed_at"] = event.occurred_at.isoformat()
    elif isinstance(payload, ZoneLeaderChanged):
        doc = {**_existing(view, ref), "leader_id": payload.leader_id}
    else:
        doc = {**_existing(view, ref), **_changes(payload)}
    if "history" in doc:
        doc["history"] = _history(doc, event, payload, **_changes(payload))
    view.put(ref, _stamp(doc, event))
