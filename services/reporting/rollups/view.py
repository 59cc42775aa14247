"""The roll-up projection: monthly counts and visit masks per unit, from directory,
visits and issues events, self-inspection reports included (definitions: docs/reporting.md).

Collections:

* ``months`` — ``_id = <unit>|<YYYY-MM>``: the unit's fields (:meth:`Unit.meta`),
  ``month`` and ``n``, the additive counts of :mod:`~.domain.counts`; a school's also
  ``last_visit_on``;
* ``masks`` — ``_id = <unit>|<YYYY>``: ``n`` maps ``v~<mask>`` to the number of schools
  whose visited months in the window (the year before and the year) form that mask; a
  school's own document holds its one mask;
* ``late`` / ``late_masks`` and ``on_day`` / ``on_day_masks`` — ``_id =
  <unit>|<YYYY-MM>|<recorded day>`` / ``<unit>|<YYYY>|<recorded day>``: every delta
  again, by the day (China time) it was recorded — ``late`` for the events recorded
  after the day that decides their period (offline capture), ``on_day`` for the others;
  "as known at the end of day D" subtracts those recorded after D (:mod:`.known`);
* ``units`` — ``_id = <unit>``: the unit's fields, ``children`` (the ids of the units
  one level down that have counts, sorted) and ``cum``: per month, the part of its counts
  that later months carry (:func:`carried`), so that a read of any period costs point
  look-ups by ``_id`` only (:mod:`.queries`);
* ``visits`` / ``issues`` / ``complaints`` / ``schools`` — what later events of a stream
  need to know (:mod:`.counting`);
* ``behind`` — the visits, issues and complaints behind a zone's and a school's figures
  (:mod:`.behind`); ``names`` — the units' names (:mod:`.names`).

Every event writes the same delta into the document of every unit of its chain
(:func:`~.domain.units.chain`), so a city is the sum of its counties by construction.
The day that decides the month: the first sign-in of a visit; the day an issue event
happened (China time); a complaint's ``received_on``/``answered_on`` and the day it was
verified; the last day of the month a self-inspection report is for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from services.reporting.rollups import behind, known, masks, names
from services.reporting.rollups.counting import deltas as event_deltas
from services.reporting.rollups.domain import counts as c
from services.reporting.rollups.domain.periods import month_key, month_period
from services.reporting.rollups.domain.units import Unit, chain
from services.reporting.rollups.unit_index import UNITS, carried, enrol, move_child, unit_ref
from shared import topics
from shared.contracts.complaints import ComplaintAnswered, ComplaintReceived, ComplaintVerified
from shared.contracts.directory import SchoolRegistered, SchoolZoneChanged
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
from shared.contracts.visits import InspectorSignedIn, VisitPlanned
from shared.deadlines import local_day
from shared.envelope import EventEnvelope
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction
from shared.projection import Doc, DocRef, View

NAME = "reporting_rollups"
_EVENTS: tuple[type[EventPayload], ...] = (
    SchoolRegistered,
    SchoolZoneChanged,
    VisitPlanned,
    InspectorSignedIn,
    IssueOpened,
    IssueVerified,
    IssueReopened,
    IssueOverdue,
    DeadlineExtensionApproved,
    RectificationNoticeIssued,
    IssueEscalated,
    ComplaintReceived,
    ComplaintVerified,
    ComplaintAnswered,
    SelfInspectionFiled,
    *names.EVENTS,
)


def month_ref(unit: Unit, month: str) -> DocRef:
    return DocRef("months", f"{unit.id}|{month}")


def event_day(event: EventEnvelope, payload: EventPayload) -> date:
    """The day that decides the period an event counts in."""
    match payload:
        case InspectorSignedIn():
            return local_day(payload.signed_in_at)
        case ComplaintReceived():
            return payload.received_on
        case ComplaintAnswered():
            return payload.answered_on
        case SelfInspectionFiled():
            return month_period(payload.month).last_day
    return local_day(event.occurred_at)


def _units(event: EventEnvelope, payload: EventPayload) -> tuple[Unit, ...]:
    if isinstance(payload, SchoolRegistered):
        where = Jurisdiction(
            province=payload.province,
            city=payload.city,
            county=payload.county,
            zone=payload.zone_id if payload.county else None,
            school=payload.school_id,
        )
        return chain(where)
    return chain(event.jurisdiction, payload.__dict__.get("school_id"))


class RollupView:
    """Monthly roll-ups of every unit from school to province."""

    name = NAME
    topics: tuple[str, ...] = (topics.DIRECTORY, topics.VISITS, topics.ISSUES)
    handles = frozenset(cls.event_type for cls in _EVENTS)
    collections: tuple[str, ...] = (
        "months",
        "masks",
        *known.COLLECTIONS,
        "visits",
        "issues",
        "complaints",
        "schools",
        UNITS,
        behind.COLLECTION,
        names.COLLECTION,
    )

    def keys(self, event: EventEnvelope, payload: EventPayload) -> Iterable[DocRef]:
        if isinstance(payload, VisitPlanned):
            return [DocRef("visits", payload.visit_id)]
        named = names.ref(payload)
        if isinstance(payload, names.EVENTS):
            return [named] if named else []
        units = _units(event, payload)
        day = event_day(event, payload)
        month, recorded = month_key(day), known.recorded_on(event)
        if isinstance(payload, SchoolZoneChanged):
            school, old, new, above = _moved(event, payload)
            zones = (old, new)
            years = masks.move_years(day)
            mask_units = (school, old, new, *above)
            return [
                *(month_ref(u, month) for u in zones),
                *(unit_ref(i) for u in (*zones, school) for i in (u.id, u.parent) if i),
                *(known.delta_ref(u, month, day, recorded) for u in zones),
                *(masks.mask_ref(u, y) for u in mask_units for y in years),
                *(known.mask_delta_ref(u, y, day, recorded) for u in mask_units for y in years),
            ]
        refs = [DocRef("months", f"{u.id}|{month}") for u in units]
        refs += [unit_ref(u.id) for u in units]
        refs += behind.refs(event, payload, units, day)
        if named:
            refs.append(named)
        refs += [known.delta_ref(u, month, day, recorded) for u in units]
        if isinstance(payload, InspectorSignedIn):
            years = (day.year, day.year + 1)
            refs.append(DocRef("visits", payload.visit_id))
            if units[-1].level == "school":
                refs.append(DocRef("schools", units[-1].code))
            refs += [masks.mask_ref(u, y) for u in units for y in years]
            refs += [known.mask_delta_ref(u, y, day, recorded) for u in units for y in years]
        fields = payload.__dict__
        if "issue_id" in fields:
            refs.append(DocRef("issues", fields["issue_id"]))
        elif "complaint_id" in fields:
            refs.append(DocRef("complaints", fields["complaint_id"]))
        return refs

    def apply(self, event: EventEnvelope, payload: EventPayload, view: View) -> None:
        if isinstance(payload, VisitPlanned):
            ref = DocRef("visits", payload.visit_id)
            if view.get(ref) is None:
                fields = {"kind": payload.kind.value, "campaign_id": payload.campaign_id}
                view.put(ref, {**fields, "counted": False})
            return
        if isinstance(payload, names.EVENTS):
            names.record(payload, view)
            return
        day = event_day(event, payload)
        recorded = known.recorded_on(event)
        if isinstance(payload, SchoolZoneChanged):
            _move(view, event, payload, day, recorded)
            return
        units = _units(event, payload)
        school = units[-1].code if units[-1].level == "school" else None
        deltas = event_deltas(payload, view, day, school)
        behind.record(event, payload, view, units, day, deltas)
        if isinstance(payload, SchoolRegistered):
            names.record(payload, view)
        if isinstance(payload, InspectorSignedIn) and deltas:
            if units[-1].level != "school":
                raise ValueError(f"sign-in without a school in {event.jurisdiction.path}")
            masks.mark_visited(view, units, day, recorded, None)
            card = month_ref(units[-1], month_key(day))
            _count(view, units, day, deltas, recorded)
            doc = view.get(card)
            assert doc is not None
            last = doc.get("last_visit_on")
            view.put(card, {**doc, "last_visit_on": max(last or "", day.isoformat())})
            return
        _count(view, units, day, deltas, recorded)


def _moved(
    event: EventEnvelope, payload: SchoolZoneChanged
) -> tuple[Unit, Unit, Unit, tuple[Unit, ...]]:
    """The school (under its new zone), the zone it left, the one it joined and the
    units above them (its county, city and province, which do not change)."""
    where = event.jurisdiction.model_copy(update={"school": None, "zone": payload.previous_zone_id})
    before = chain(where, payload.school_id)
    after = chain(where.model_copy(update={"zone": payload.zone_id}), payload.school_id)
    return after[4], before[3], after[3], before[:3]


def _move(
    view: View, event: EventEnvelope, payload: SchoolZoneChanged, day: date, recorded: str
) -> None:
    """The school's count and its visit-mask entries leave the old zone for the new one
    in the month of the change; the units index lists it under the new zone."""
    school, old, new, above = _moved(event, payload)
    _count(view, [old], day, {c.REGISTERED: -1}, recorded)
    _count(view, [new], day, {c.REGISTERED: 1}, recorded)
    masks.move(view, school, old, new, above, day, recorded, None)
    move_child(view, school, old, new)


def _count(view: View, units: Sequence[Unit], day: date, deltas: c.Counts, recorded: str) -> None:
    if not deltas:
        return
    month = month_key(day)
    carry = carried(deltas)
    for unit in units:
        ref = DocRef("months", f"{unit.id}|{month}")
        doc = view.get(ref) or {**unit.meta(), "month": month, "n": {}}
        view.put(ref, {**doc, "n": c.add(doc["n"], deltas)})
        enrol(view, unit, month, carry)
        fields = {"month": month, "recorded_on": recorded}
        _add(view, known.delta_ref(unit, month, day, recorded), {**unit.meta(), **fields}, deltas)


def _add(view: View, ref: DocRef, new: Doc, deltas: c.Counts) -> None:
    doc = view.get(ref) or {**new, "n": {}}
    view.put(ref, {**doc, "n": c.add(doc["n"], deltas)})
