"""As known at the end of a day: the roll-up minus the deltas recorded after it equals
the roll-up of only the events recorded by then — on random logs whose events are
recorded up to 60 days late (in order within a school, as one partition delivers them),
for every unit and every period: ended by that day, running on it, or still to come."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from services.reporting.rollups.domain import counts as c
from services.reporting.rollups.domain.figures import from_documents
from services.reporting.rollups.domain.periods import Period, month_period, range_period
from shared.contracts.visits import VisitKind
from shared.deadlines import local_day
from shared.envelope import EventEnvelope
from shared.projection import Doc, DocRef
from tests.unit.test_rollup_additivity import action, build
from tests.unit.test_rollup_figures import fold


def recorded_late(events: list[EventEnvelope], delays: list[int]) -> list[EventEnvelope]:
    """Each event recorded ``delay`` days after it happened, never before an earlier
    event of its partition."""
    last: dict[str, Any] = {}
    out = []
    for n, event in enumerate(events):
        when = event.occurred_at + timedelta(days=delays[n % len(delays)] if delays else 0)
        when = max(when, last.get(event.partition_key, when))
        last[event.partition_key] = when
        out.append(event.model_copy(update={"recorded_at": when}))
    return out


def known_figures(docs: dict[DocRef, Doc | None], unit: str, period: Period, day: date) -> Any:
    """What ``Rollups.figures(..., known_on=day)`` reads (services/reporting/rollups/known.py),
    from folded documents: the documents by recorded day recorded after ``day`` taken out —
    ``on_day`` ones only for a period that ends after ``day``, its masks only those
    recorded by the period's end."""
    later, end = day.isoformat(), period.last_day.isoformat()
    year = int(period.last[:4])
    monthly: dict[str, c.Counts] = defaultdict(dict)
    mask: c.Counts = {}
    for ref, doc in docs.items():
        if doc is None or ref.collection not in COUNTED or doc.get("unit") != unit:
            continue
        sign = 1 if ref.collection in ("months", "masks") else -1
        if sign < 0 and doc["recorded_on"] <= later:
            continue
        if ref.collection.startswith("on_day") and day >= period.last_day:
            continue
        if ref.collection == "on_day_masks" and doc["recorded_on"] > end:
            continue
        n = {k: sign * v for k, v in doc["n"].items()}
        if "month" in doc and doc["month"] <= period.last:
            monthly[doc["month"]] = c.add(monthly[doc["month"]], n)
        elif "year" in doc and doc["year"] == year:
            mask = c.add(mask, n)
    return from_documents(period, monthly.items(), mask)


COUNTED = ("months", "masks", "late", "late_masks", "on_day", "on_day_masks")


def plain_figures(docs: dict[DocRef, Doc | None], unit: str, period: Period) -> Any:
    return known_figures(docs, unit, period, date.max)


LATE_VISIT = [("visit", 0, "A", 10, VisitKind.routine), ("visit", 0, "B", 20, VisitKind.routine)]


@settings(max_examples=40, deadline=None)
@example(LATE_VISIT, [40], 35)  # January's visits recorded in February: not known on 02-05
@example(LATE_VISIT, [0], 15)  # January as known on 01-16: A's visit (01-11), not B's
@given(
    st.lists(action, max_size=30),
    st.lists(st.sampled_from([0, 1, 5, 20, 40, 60]), max_size=12),
    st.integers(0, 520),
)
def test_known_at_any_day_is_the_rollup_of_what_was_recorded_by_then(
    actions: list[Any], delays: list[int], offset: int
) -> None:
    events = recorded_late(build(actions), delays)
    day = date(2026, 1, 1) + timedelta(days=offset)
    docs = fold(events)
    then = fold([e for e in events if local_day(e.recorded_at) <= day])
    units = {d["unit"] for d in docs.values() if d is not None and "unit" in d}
    months = range_period("2026-01", "2027-06", 24).months
    periods = [month_period(m) for m in months]
    periods += [range_period(months[n], months[n + 11], 24) for n in (0, 6)]
    for unit in units:
        for period in periods:
            assert known_figures(docs, unit, period, day) == plain_figures(then, unit, period)
