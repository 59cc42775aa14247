"""A city is the sum of its counties and the province of its cities, by construction:
on random logs, every parent's monthly counts and visit masks equal the sums of its
children's, key by key, and the figures of every level follow from them."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.reporting.rollups.domain import counts as c
from services.reporting.rollups.domain.figures import from_documents
from services.reporting.rollups.domain.periods import range_period
from services.reporting.rollups.domain.units import CHILD
from shared.contracts.directory import SchoolZoneChanged
from shared.contracts.issues import IssueOverdue, IssueReopened, IssueVerified
from shared.contracts.visits import Severity, VisitKind
from shared.jurisdiction import Jurisdiction
from tests.reporting_scenario import Log, Place, at, issue, school, self_inspection, visit
from tests.unit.test_rollup_figures import fold


class CityDirect(Place):
    """City C2's city-direct schools (市直学校): no county, in a city-level zone."""

    def school(self, school: str) -> Jurisdiction:
        return Jurisdiction(province=self.province, city=self.city, school=self.sid(school))


PLACES = [
    Place("P9", "C1", "K1"),
    Place("P9", "C1", "K2"),
    Place("P9", "C2", "K3"),
    CityDirect("P9", "C2", "direct"),
]
SCHOOLS = ("A", "B", "D")
START = date(2026, 1, 1)

action = st.tuples(
    st.sampled_from(["visit", "issue", "close", "reopen", "overdue", "move", "file"]),
    st.integers(0, len(PLACES) - 1),
    st.sampled_from(SCHOOLS),
    st.integers(0, 500),  # day offset: up to 2027-05
    st.sampled_from(list(VisitKind)),
)


def build(actions: list[tuple[str, int, str, int, VisitKind]]) -> list[Any]:
    log = Log()
    for place in PLACES:
        for s in SCHOOLS:
            registered = school(place, s)
            if isinstance(place, CityDirect):
                registered = registered.model_copy(
                    update={"county": None, "city_direct": True, "zone_id": "C2-zone"}
                )
            log.add(f"school-{place.sid(s)}", registered, place.school(s), at("2025-12-01"))
    issues: dict[str, tuple[Place, str, bool]] = {}
    filed: set[str] = set()
    for n, (kind, p, s, offset, visit_kind) in enumerate(sorted(actions, key=lambda a: a[3])):
        place, day = PLACES[p], (START + timedelta(days=offset)).isoformat()
        where = place.school(s)
        if kind == "visit":
            campaign = f"camp{n % 2}" if visit_kind == VisitKind.special else None
            visit(log, place, f"v{n}", s, visit_kind, day, 1 + n % 2, campaign)
        elif kind == "file" and (report := f"{place.sid(s)}-{day[:7]}") not in filed:
            filed.add(report)  # one report per school and month (the service's rule)
            filing_day = (date.fromisoformat(day) + timedelta(days=offset % 40)).isoformat()
            self_inspection(log, place, s, day[:7], filing_day)
        elif kind == "issue":
            severity = list(Severity)[n % len(Severity)]
            due = (date.fromisoformat(day) + timedelta(days=offset % 20)).isoformat()
            opened = issue(place, f"i{n}", s, f"item{n % 3}", severity, due)
            log.add(opened.issue_id, opened, where, at(day))
            issues[opened.issue_id] = (place, s, True)
        elif issues:
            iid = sorted(issues)[offset % len(issues)]
            ip, isch, is_open = issues[iid]
            iwhere = ip.school(isch)
            if kind == "close" and is_open:
                log.add(iid, IssueVerified(issue_id=iid, verified_by="x", note=""), iwhere, at(day))
                issues[iid] = (ip, isch, False)
            elif kind == "reopen" and not is_open:
                event = IssueReopened(
                    issue_id=iid, reopened_by="x", reason="r", deadline=date(2027, 12, 1)
                )
                log.add(iid, event, iwhere, at(day))
                issues[iid] = (ip, isch, True)
            elif kind == "overdue":
                late = IssueOverdue(issue_id=iid, deadline=date(2026, 1, 1), detected_at=at(day))
                log.add(iid, late, iwhere, at(day))
            elif kind == "move" and not isinstance(place, CityDirect):
                move = SchoolZoneChanged(
                    school_id=place.sid(s),
                    zone_id=place.zone("Z9"),
                    previous_zone_id=where.zone,
                    reason="调整",
                )
                county = Jurisdiction(province=place.province, city=place.city, county=place.county)
                log.add(f"school-{place.sid(s)}", move, county, at(day))
    return log.events


@settings(max_examples=60, deadline=None)
@given(st.lists(action, max_size=40))
def test_every_parent_is_the_sum_of_its_children(actions: list[Any]) -> None:
    docs = fold(build(actions))
    moved = {  # the zones a school moved out of or into (their counties are still sums)
        stay["zone"]
        for ref, doc in docs.items()
        if ref.collection == "masks" and doc is not None and len(doc.get("zones", [])) > 1
        for stay in doc["zones"]
    }
    for collection in ("months", "masks"):
        sums: dict[tuple[str, str], c.Counts] = defaultdict(dict)
        by_unit: dict[tuple[str, str], tuple[str, c.Counts]] = {}
        for ref, doc in docs.items():
            if ref.collection != collection or doc is None:
                continue
            period = str(doc.get("month") or doc.get("year"))
            by_unit[(doc["unit"], period)] = (doc["level"], doc["n"])
            if doc["parent"] is not None:
                sums[(doc["parent"], period)] = c.add(sums[(doc["parent"], period)], doc["n"])
        parents = set(sums) | {k for k, (level, _) in by_unit.items() if level in CHILD}
        for unit, period in parents:
            level, n = by_unit.get((unit, period), ("missing", {}))
            expected = sums.get((unit, period), {})
            if level in ("zone", "missing") and collection == "months":
                # a zone's count of registered schools moves with a zone change, which
                # the schools' own months (where they were registered) do not show
                expected, n = _without_registered(expected), _without_registered(n)
            if collection == "masks" and unit in moved:
                continue  # a moved school's entries are tagged by stay, its own mask not
            assert expected == n, (collection, unit, period)
        assert sums or not by_unit


@settings(max_examples=40, deadline=None)
@given(st.lists(action, max_size=40))
def test_the_rows_behind_a_zone_agree_with_its_counts(actions: list[Any]) -> None:
    docs = fold(build(actions))
    rows: dict[tuple[str, str, str], int] = defaultdict(int)
    for ref, doc in docs.items():
        if ref.collection == "behind" and doc is not None and "day" in doc:
            rows[(doc["unit"], doc["day"][:7], doc["figure"])] += 1
    for ref, doc in docs.items():
        if ref.collection != "months" or doc is None or doc["level"] not in ("zone", "school"):
            continue
        n, key = doc["n"], (doc["unit"], doc["month"])
        assert rows[(*key, "visits")] == sum(c.sub(n, c.VISITS).values()), key
        assert rows[(*key, "issues_opened")] == n.get(c.OPENED, 0), key
        assert rows[(*key, "issues_closed")] == n.get(c.CLOSED, 0), key


@settings(max_examples=40, deadline=None)
@given(st.lists(action, max_size=40), st.integers(0, 16), st.integers(1, 12))
def test_the_items_add_up_to_the_unit(actions: list[Any], start: int, length: int) -> None:
    """Closures (on time), reopenings and open issues by item sum to the unit's own
    counts in every document, and the figure ``rectification_by_item`` to its figures."""
    docs = fold(build(actions))
    monthly: dict[str, list[tuple[str, c.Counts]]] = defaultdict(list)
    for ref, doc in docs.items():
        if ref.collection != "months" or doc is None:
            continue
        n = doc["n"]
        monthly[doc["unit"]].append((doc["month"], n))
        assert sum(c.sub(n, c.ITEM_CLOSED).values()) == n.get(c.CLOSED, 0)
        assert sum(c.sub(n, c.ITEM_CLOSED_ON_TIME).values()) == n.get(c.CLOSED_ON_TIME, 0)
        assert sum(c.sub(n, c.ITEM_REOPENED).values()) == n.get(c.REOPENED, 0)
        assert sum(c.sub(n, c.ITEM_OPEN).values()) == sum(c.sub(n, c.OPEN_DELTA).values())
    first, last = 2026 * 12 + start, 2026 * 12 + start + length - 1
    period = range_period(
        f"{first // 12}-{first % 12 + 1:02d}", f"{last // 12}-{last % 12 + 1:02d}", 12
    )
    for unit, months in monthly.items():
        f = from_documents(period, months, {})
        items = f["rectification_by_item"].values()
        assert sum(r["closed"] for r in items) == f["issues_closed"], unit
        assert sum(r["closed_on_time"] for r in items) == f["issues_closed_on_time"], unit
        assert sum(r["open_at_start"] for r in items) == f["issues_open_at_start"], unit
        assert sum(r["opened"] + r["reopened"] for r in items) == (
            f["issues_opened"] + f["issues_reopened"]
        ), unit
        assert all(r["rate"] is None or 0 <= r["rate"] <= 1 for r in items), unit


def _without_registered(n: c.Counts) -> c.Counts:
    return {k: v for k, v in n.items() if k != c.REGISTERED}
