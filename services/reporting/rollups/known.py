"""As known at the end of a day (the transaction-time axis of docs/reporting.md).

Besides its monthly documents, the roll-up projection adds every event's delta a second
time, to one document per unit, month and **day the event was recorded** (China time):

* ``late`` / ``late_masks`` — events recorded on a later day than the day that decides
  their period (offline capture, a self-inspection report filed after its month);
* ``on_day`` / ``on_day_masks`` — every other event (recorded on that day, or before it).

``_id = <unit>|<YYYY-MM>|<recorded day>`` (counts) and ``<unit>|<YYYY>|<recorded day>``
(visit masks). Together they are every event's delta by recorded day, so a unit's
figures as known at the end of day D are its documents minus the deltas recorded after
D — a subtraction of precomputed documents, nothing folded from events at request time.
It is exact because a delta depends only on earlier events of its own stream or school,
which one partition delivers in the order they were recorded (the property test
``tests/unit/test_rollup_known_at.py`` checks it on random logs).

Which documents a period P needs: ``late`` of the months up to P's last recorded after
D; ``on_day`` of those months recorded after D — an on-day event's recorded day is not
after the day that decides its month, so there are none when D is on or after P's last
day, and none is read; ``late_masks`` of P's mask year recorded after D; ``on_day_masks``
recorded after D and by P's last day (a visit recorded later has its month after P, so
its mask change does not change P's figures).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from services.reporting.rollups.domain import counts as c
from services.reporting.rollups.domain.periods import Period
from services.reporting.rollups.domain.units import Unit
from shared.deadlines import local_day
from shared.envelope import EventEnvelope
from shared.projection import DocRef

COLLECTIONS = ("late", "late_masks", "on_day", "on_day_masks")

Monthly = dict[str, list[tuple[str, c.Counts]]]


class Collections(Protocol):
    """Where the documents are read (:class:`shared.projection.ReadModels`)."""

    async def collection(self, name: str) -> Any: ...


def recorded_on(event: EventEnvelope) -> str:
    """The day (China time) the event was recorded."""
    return local_day(event.recorded_at).isoformat()


def is_late(day: date, recorded: str) -> bool:
    """Recorded on a later day than the day that decides the event's period."""
    return recorded > day.isoformat()


def delta_ref(unit: Unit, month: str, day: date, recorded: str) -> DocRef:
    """The unit's document of the event's month and recorded day."""
    collection = "late" if is_late(day, recorded) else "on_day"
    return DocRef(collection, f"{unit.id}|{month}|{recorded}")


def mask_delta_ref(unit: Unit, year: int, day: date, recorded: str) -> DocRef:
    """The unit's visit-mask document of the year and recorded day."""
    collection = "late_masks" if is_late(day, recorded) else "on_day_masks"
    return DocRef(collection, f"{unit.id}|{year:04d}|{recorded}")


def _negated(n: c.Counts) -> c.Counts:
    return {k: -v for k, v in n.items()}


def merged(pairs: list[tuple[str, c.Counts]]) -> list[tuple[str, c.Counts]]:
    """One ``(month, counts)`` per month, summing repeated months."""
    by_month: dict[str, c.Counts] = {}
    for month, n in pairs:
        by_month[month] = c.add(by_month.get(month, {}), n)
    return list(by_month.items())


async def take_out_unknown(
    models: Collections,
    units: list[str],
    period: Period,
    known_on: date,
    monthly: Monthly,
    masks: dict[str, c.Counts],
) -> Monthly:
    """Subtract from ``monthly`` (the units' ``(month, counts)`` pairs up to the
    period's last month) and ``masks`` (their mask documents of the period's last year,
    changed in place) every delta recorded after the end of ``known_on``; answers the
    units' months, one pair per month."""
    after = {"unit": {"$in": units}, "recorded_on": {"$gt": known_on.isoformat()}}
    year = int(period.last[:4])
    inside = known_on < period.last_day
    for name in ("late", "on_day") if inside else ("late",):
        collection = await models.collection(name)
        async for doc in collection.find({**after, "month": {"$lte": period.last}}):
            monthly.setdefault(doc["unit"], []).append((doc["month"], _negated(doc["n"])))
    mask_queries = [("late_masks", after)]
    if inside:
        by_end = {"$gt": known_on.isoformat(), "$lte": period.last_day.isoformat()}
        mask_queries.append(("on_day_masks", {**after, "recorded_on": by_end}))
    for name, query in mask_queries:
        collection = await models.collection(name)
        async for doc in collection.find({**query, "year": year}):
            masks[doc["unit"]] = c.add(masks.get(doc["unit"], {}), _negated(doc["n"]))
    return {unit: merged(pairs) for unit, pairs in monthly.items()}
