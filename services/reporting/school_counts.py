"""Read model: how many schools each county has, by kind (for county → province roll-ups).

Documents:

* ``schools`` — ``{_id: school_id, unit, kind}``: what the counts were last told about
  a school, so that a correction of its kind moves it between buckets.
* ``units`` — one per county (``_id`` = county code), and one per city for its
  city-direct schools (``_id`` = ``<city>-direct``): ``{province, city, county,
  city_direct, schools, by_kind}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared import topics
from shared.contracts.directory import SchoolDetailsCorrected, SchoolRegistered
from shared.envelope import EventEnvelope
from shared.events import EventPayload
from shared.projection import DocRef, View


def unit_id(payload: SchoolRegistered) -> str:
    return payload.county if payload.county else f"{payload.city}-direct"


class SchoolCounts:
    name = "school_counts"
    topics: tuple[str, ...] = (topics.DIRECTORY,)
    handles = frozenset({SchoolRegistered.event_type, SchoolDetailsCorrected.event_type})
    collections: tuple[str, ...] = ("schools", "units")

    def keys(self, event: EventEnvelope, payload: EventPayload) -> Iterable[DocRef]:
        if isinstance(payload, SchoolRegistered):
            return [DocRef("schools", payload.school_id), DocRef("units", unit_id(payload))]
        assert isinstance(payload, SchoolDetailsCorrected)
        county = event.jurisdiction.county
        unit = county if county else f"{event.jurisdiction.city}-direct"
        return [DocRef("schools", payload.school_id), DocRef("units", unit)]

    def apply(self, event: EventEnvelope, payload: EventPayload, view: View) -> None:
        if isinstance(payload, SchoolRegistered):
            self._registered(payload, view)
        elif isinstance(payload, SchoolDetailsCorrected) and payload.kind is not None:
            self._kind_corrected(payload.school_id, payload.kind.value, view)

    def _registered(self, payload: SchoolRegistered, view: View) -> None:
        school_ref = DocRef("schools", payload.school_id)
        if view.get(school_ref) is not None:
            raise ValueError(f"school {payload.school_id} registered twice")
        unit_ref = DocRef("units", unit_id(payload))
        unit = view.get(unit_ref) or {
            "province": payload.province,
            "city": payload.city,
            "county": payload.county,
            "city_direct": payload.county is None,
            "schools": 0,
            "by_kind": {},
        }
        kind = payload.kind.value
        view.put(school_ref, {"unit": unit_ref.id, "kind": kind})
        view.put(unit_ref, _count(unit, kind, +1))

    def _kind_corrected(self, school_id: str, kind: str, view: View) -> None:
        school_ref = DocRef("schools", school_id)
        school = view.get(school_ref)
        if school is None:
            raise ValueError(f"correction for unknown school {school_id}")
        unit_ref = DocRef("units", school["unit"])
        unit = view.get(unit_ref)
        if unit is None or school["kind"] == kind:
            return
        view.put(unit_ref, _count(_count(unit, school["kind"], -1), kind, +1))
        view.put(school_ref, {**school, "kind": kind})


def _count(unit: dict[str, Any], kind: str, delta: int) -> dict[str, Any]:
    by_kind = dict(unit["by_kind"])
    by_kind[kind] = by_kind.get(kind, 0) + delta
    if by_kind[kind] == 0:
        del by_kind[kind]
    return {**unit, "by_kind": by_kind, "schools": unit["schools"] + delta}
