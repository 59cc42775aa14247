"""As known on a day inside the period (transaction time), against the county autumn
worked out by hand (tests/reporting_scenario.py, docs/reporting.md): the documents of
the folded scenario read through ``rollups.known`` as ``Rollups.figures`` reads them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from services.reporting.rollups import known
from services.reporting.rollups.domain import counts as c
from services.reporting.rollups.domain.figures import from_documents
from services.reporting.rollups.domain.periods import Period, month_period, range_period
from shared.projection import Doc, DocRef
from tests.unit.test_rollup_figures import DOCS

SEPT, OCT = month_period("2026-09"), month_period("2026-10")
AUTUMN = range_period("2026-09", "2026-10", 12)


def _holds(value: Any, op: str, bound: Any) -> bool:
    if op == "$in":
        return value in bound
    if value is None:
        return False
    return bool(value > bound if op == "$gt" else value <= bound)  # "$lte"


def _matches(doc: Doc, query: dict[str, Any]) -> bool:
    """The equality, ``$in``, ``$gt`` and ``$lte`` filters ``rollups.known`` uses."""
    for field, want in query.items():
        value = doc.get(field)
        if not isinstance(want, dict):
            if value != want:
                return False
        elif not all(_holds(value, op, bound) for op, bound in want.items()):
            return False
    return True


class FakeCollection:
    def __init__(self, docs: list[Doc]) -> None:
        self._docs = docs

    async def find(self, query: dict[str, Any]) -> AsyncIterator[Doc]:
        for doc in self._docs:
            if _matches(doc, query):
                yield doc


class FakeModels:
    """The read models' collections as the folded documents hold them."""

    def __init__(self, docs: dict[DocRef, Doc | None]) -> None:
        self._by: dict[str, list[Doc]] = defaultdict(list)
        for ref, doc in docs.items():
            if doc is not None:
                self._by[ref.collection].append(doc)
        self.read: list[str] = []

    async def collection(self, name: str) -> FakeCollection:
        self.read.append(name)
        return FakeCollection(self._by[name])


async def known_on(day: str, period: Period, unit: str = "county:K1") -> dict[str, Any]:
    models = FakeModels(DOCS)
    months = await models.collection("months")
    monthly: dict[str, list[tuple[str, c.Counts]]] = defaultdict(list)
    async for doc in months.find({"unit": unit, "month": {"$lte": period.last}}):
        monthly[unit].append((doc["month"], doc["n"]))
    masks = await models.collection("masks")
    found = {d["unit"]: d["n"] async for d in masks.find({"unit": unit, "year": 2026})}
    on = date.fromisoformat(day)
    taken = await known.take_out_unknown(models, [unit], period, on, monthly, found)
    return from_documents(period, taken[unit], found.get(unit, {}))


async def test_october_as_known_on_15_october_shows_only_what_was_recorded_by_then() -> None:
    octo = await known_on("2026-10-15", OCT)
    assert octo["schools"] == 3
    assert (octo["schools_visited"], octo["visits_by_kind"]) == (2, {"routine": 1, "special": 1})
    assert octo["issues_open_at_start"] == 1  # I2
    assert (octo["issues_opened"], octo["issues_reopened"]) == (1, 1)  # I3; I1 on 10-08
    # I1's second closure (10-18) was not recorded yet: only I2's (10-10, late, 30 days)
    assert (octo["issues_closed"], octo["issues_closed_on_time"], octo["issues_closed_late"]) == (
        1,
        0,
        1,
    )
    assert octo["rectification_rate"] == round(1 / 3, 4)
    assert (octo["median_days_to_close"], octo["p90_days_to_close"]) == (30, 30)
    assert octo["issues_open_at_end"] == 2  # I1 (reopened) and I3, open as then known
    assert (octo["issues_became_overdue"], octo["issues_overdue_at_end"]) == (1, 0)
    # Q2 received and found unsubstantiated; Q1 answered on time, Q2's answer (10-20) to come
    assert (octo["complaints_received"], octo["substantiation_rate"]) == (1, 0.0)
    assert (octo["complaints_answered"], octo["on_time_answer_rate"]) == (1, 1.0)
    assert octo["self_inspections_filed"] == 0  # A's October report came on 11-02


async def test_valid_time_october_for_comparison() -> None:
    octo = await known_on("2026-12-01", OCT)
    assert (octo["issues_closed"], octo["issues_open_at_end"]) == (2, 1)
    assert (octo["complaints_answered"], octo["self_inspections_filed"]) == (2, 1)


@pytest.mark.parametrize(
    ("day", "visited", "opened", "closed", "open_at_end"),
    [
        ("2026-09-02", 0, 0, 0, 0),  # before the first visit: nothing known of September
        ("2026-09-12", 2, 2, 0, 2),  # A and B visited, I1 and I2 opened, none closed yet
        ("2026-09-15", 2, 2, 1, 1),  # I1 closed that day
        ("2026-08-31", 0, 0, 0, 0),  # before the period: the schools were already known
    ],
)
async def test_september_as_known_on_days_inside_and_before_it(
    day: str, visited: int, opened: int, closed: int, open_at_end: int
) -> None:
    sept = await known_on(day, SEPT)
    assert sept["schools"] == 3  # registered 08-20
    figures = (sept["schools_visited"], sept["issues_opened"], sept["issues_closed"])
    assert figures == (visited, opened, closed)
    assert sept["issues_open_at_end"] == open_at_end


async def test_autumn_as_known_on_15_october() -> None:
    both = await known_on("2026-10-15", AUTUMN)
    assert (both["schools_visited"], both["schools_visited_every_month"]) == (3, 1)  # A each month
    assert (both["issues_closed"], both["rectification_rate"]) == (2, 0.5)  # I1, I2 of 0+3+1
    assert (both["median_days_to_close"], both["p90_days_to_close"]) == (12, 30)


async def test_a_zone_and_a_school_as_known_inside_the_month() -> None:
    z1 = await known_on("2026-10-15", OCT, "zone:K1-Z1")
    assert (z1["schools_visited"], z1["issues_closed"], z1["issues_open_at_end"]) == (1, 1, 2)
    d = await known_on("2026-10-11", OCT, "school:K1-D")
    assert (d["schools_visited"], d["visits"]) == (0, 0)  # D's visit was on 10-12


async def test_a_period_that_ended_reads_no_on_day_documents() -> None:
    models = FakeModels(DOCS)
    await known.take_out_unknown(models, ["county:K1"], SEPT, date(2026, 10, 5), {}, {})
    assert models.read == ["late", "late_masks"]
