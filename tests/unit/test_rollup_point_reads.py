"""The roll-up reads by ``_id`` (``units`` documents, the period's months, one mask)
give what summing every monthly document of a unit gives — on random logs, for every
unit, period, drill-down and as-of day (docs/reporting.md, "Cost of reads")."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.reporting.rollups.domain.figures import from_documents, open_on_day
from services.reporting.rollups.domain.periods import month_period, range_period, year_period
from services.reporting.rollups.domain.units import CHILD
from services.reporting.rollups.queries import META_FIELDS, Rollups
from shared.projection import Doc, DocRef
from tests.unit.test_rollup_additivity import action, build
from tests.unit.test_rollup_figures import fold


class Memory:
    """A live runner whose memory holds every folded document (no store needed)."""

    recovered = True
    generation = 1

    def __init__(self, docs: dict[DocRef, Doc | None]) -> None:
        self.docs = docs

    def peek(self, ref: DocRef) -> tuple[bool, Doc | None]:
        return True, self.docs.get(ref)


def summed(docs: dict[DocRef, Doc | None], unit: str, period: Any) -> Any:
    """The figures as summing every monthly document of the unit gives them."""
    monthly = [
        (d["month"], d["n"])
        for r, d in docs.items()
        if r.collection == "months" and d is not None and d["unit"] == unit
    ]
    mask = docs.get(DocRef("masks", f"{unit}|{period.last[:4]}"))
    return from_documents(period, monthly, mask["n"] if mask else {})


def children(docs: dict[DocRef, Doc | None], unit: str, level: str) -> list[dict[str, Any]]:
    """The units whose counts name ``unit`` as parent; a zone's schools as they are now
    (a school that changed zone names its new zone in its ``units`` document)."""
    collection = "units" if level == "zone" else "months"
    seen = {
        d["unit"]: {k: d.get(k) for k in META_FIELDS}
        for r, d in docs.items()
        if r.collection == collection and d is not None and d["parent"] == unit
        if d["level"] == CHILD[level]
    }
    return [seen[k] for k in sorted(seen)]


@settings(max_examples=40, deadline=None)
@given(st.lists(action, max_size=40), st.integers(0, 500))
def test_point_reads_equal_the_sum_of_every_month(actions: list[Any], offset: int) -> None:
    docs = fold(build(actions))
    rollups = Rollups(None, lambda: Memory(docs))  # type: ignore[arg-type, return-value]
    units = sorted(
        {d["unit"]: d["level"] for r, d in docs.items() if d and r.collection == "months"}.items()
    )
    periods = [
        month_period("2026-03"),
        month_period("2027-01"),
        year_period(2026),
        range_period("2026-11", "2027-04", 12),
    ]
    day = date(2026, 1, 1) + timedelta(days=offset)

    async def check() -> None:
        for unit, level in units:
            code = unit.split(":", 1)[1]
            assert (await rollups.unit(level, code))["unit"] == unit
            assert await rollups.children(level, code) == (
                children(docs, unit, level) if level in CHILD else []
            )
            monthly = [
                (d["month"], d["n"])
                for r, d in docs.items()
                if r.collection == "months" and d is not None and d["unit"] == unit
            ]
            assert await rollups.open_on(unit, day) == open_on_day(monthly, day)
            for period in periods:
                found = await rollups.figures([unit], period)
                assert found[unit] == summed(docs, unit, period), (unit, period)

    asyncio.run(check())
