"""Every figure of a roll-up, computed from summed counts (definitions: docs/reporting.md).

Inputs, all precomputed by the projection:

* ``per_month``: the unit's monthly counts of the period's months (missing: none);
* ``before``: the sum over every month before the period (cumulative figures);
* ``masks``: the unit's visit-mask histogram (``v~<mask>`` → schools) of the period's
  last year: which months of the two-year window each school was visited in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from services.reporting.rollups.domain import counts as c
from services.reporting.rollups.domain.periods import Period


def ratio(numerator: int, denominator: int) -> float | None:
    """A share rounded to four places; ``None`` when there is nothing to divide by."""
    return round(numerator / denominator, 4) if denominator else None


def quantile(histogram: Mapping[str, int], q: float) -> int | None:
    """The nearest-rank ``q`` quantile of a histogram ``{days: count}``."""
    size = sum(histogram.values())
    if size == 0:
        return None
    rank = max(1, -(-int(q * size * 1000) // 1000))  # ceil(q·n), exact for q in thousandths
    seen = 0
    for value in sorted(histogram, key=int):
        seen += histogram[value]
        if seen >= rank:
            return int(value)
    raise AssertionError("unreachable")


def visited_schools(masks: Mapping[str, int], period: Period) -> tuple[int, int]:
    """(schools visited at least once, schools visited in every month they existed) of
    the period, each counted where it was at the end of the period's last month: an entry
    ``v~<mask>~<from>~<to>~<registered>`` counts only when ``from <= last < to``, and
    owes visits only from its ``registered`` month on."""
    last = period.last
    year = int(last[:4])
    period_mask = period.mask(year)
    once = every = 0
    for entry, schools in c.sub(masks, c.VISITED_MASK).items():
        mask, *tags = entry.split("~")
        if tags and not _counts_at(tags, last):
            continue
        bits = int(mask)
        owed = period_mask & _existed(tags[2] if tags else c.NOT_GIVEN, year)
        if bits & period_mask:
            once += schools
        if owed and bits & owed == owed:
            every += schools
    return once, every


_WINDOW = (1 << 24) - 1


def _counts_at(tags: list[str], last: str) -> bool:
    start, end = tags[0], tags[1]
    return (start == c.NOT_GIVEN or start <= last) and (end == c.NOT_GIVEN or last < end)


def _existed(registered: str, year: int) -> int:
    """The months of the mask window (of ``year``'s document) from ``registered`` on."""
    if registered == c.NOT_GIVEN:
        return _WINDOW
    index = int(registered[:4]) * 12 + int(registered[5:7]) - 1 - (year - 1) * 12
    return _WINDOW & ~((1 << index) - 1) if index > 0 else _WINDOW


def open_on(before: Mapping[str, int], month: Mapping[str, int], day: int, delta: str) -> int:
    """Issues open (or open and overdue) at the end of ``day`` of a month: the net
    changes of every earlier month plus those of the month up to that day."""
    earlier = sum(c.sub(before, delta).values())
    return earlier + sum(v for d, v in c.sub(month, delta).items() if int(d) <= day)


def school_months(period: Period, per_month: Mapping[str, Mapping[str, int]], before: int) -> int:
    """Σ over the months of the period of the schools registered by each month's end:
    the self-inspection reports due for the period."""
    existing = before
    due = 0
    for month in period.months:
        existing += per_month.get(month, {}).get(c.REGISTERED, 0)
        due += existing
    return due


def campaigns(months: Mapping[str, int], before: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """Per campaign: its visits in the period and the schools visited under it by the
    period's end (each school once, in the month of its first visit under it)."""
    visits = c.sub(months, c.CAMPAIGN_VISITS)
    schools = c.total([c.sub(before, c.CAMPAIGN_SCHOOLS), c.sub(months, c.CAMPAIGN_SCHOOLS)])
    return {
        campaign: {"visits": visits.get(campaign, 0), "schools_visited": schools.get(campaign, 0)}
        for campaign in sorted(set(visits) | set(schools))
    }


def rectification_by_item(
    months: Mapping[str, int], before: Mapping[str, int]
) -> dict[str, dict[str, Any]]:
    """Per problem item: open at the start of the period, opened, reopened, closed and
    closed on time in it, and ``rate`` = closed / (open at start + opened + reopened);
    summed over the items these are the unit's own rectification counts."""
    opened: dict[str, int] = {}
    for k, n in c.sub(months, c.PROBLEM).items():
        item = k.split("~", 1)[0]
        opened[item] = opened.get(item, 0) + n
    at_start = c.sub(before, c.ITEM_OPEN)
    reopened = c.sub(months, c.ITEM_REOPENED)
    closed = c.sub(months, c.ITEM_CLOSED)
    on_time = c.sub(months, c.ITEM_CLOSED_ON_TIME)
    out: dict[str, dict[str, Any]] = {}
    for item in sorted(set(opened) | set(reopened) | set(closed) | set(at_start)):
        work = at_start.get(item, 0) + opened.get(item, 0) + reopened.get(item, 0)
        done = closed.get(item, 0)
        if not work and not done:
            continue
        out[item] = {
            "open_at_start": at_start.get(item, 0),
            "opened": opened.get(item, 0),
            "reopened": reopened.get(item, 0),
            "closed": done,
            "closed_on_time": on_time.get(item, 0),
            "rate": ratio(done, work),
        }
    return out


def figures(
    period: Period,
    per_month: Mapping[str, Mapping[str, int]],
    before: Mapping[str, int],
    masks: Mapping[str, int],
) -> dict[str, Any]:
    """The figures of one unit for one period."""
    months = c.total(per_month.get(m, {}) for m in period.months)
    existing = before.get(c.REGISTERED, 0) + months.get(c.REGISTERED, 0)
    first_month = per_month.get(period.first, {})
    at_start = before.get(c.REGISTERED, 0) + first_month.get(c.REGISTERED, 0)
    once, every = visited_schools(masks, period)
    open_at_start = sum(c.sub(before, c.OPEN_DELTA).values())
    open_at_end = open_at_start + sum(c.sub(months, c.OPEN_DELTA).values())
    overdue_at_end = sum(c.sub(before, c.OVERDUE_DELTA).values()) + sum(
        c.sub(months, c.OVERDUE_DELTA).values()
    )
    opened, reopened = months.get(c.OPENED, 0), months.get(c.REOPENED, 0)
    closed = months.get(c.CLOSED, 0)
    days = c.sub(months, c.CLOSE_DAYS)
    verified = months.get(c.VERIFIED, 0)
    substantiated = months.get(c.SUBSTANTIATED, 0) + months.get(c.PARTLY, 0)
    answered = months.get(c.ANSWERED, 0)
    due = school_months(period, per_month, before.get(c.REGISTERED, 0))
    filed = months.get(c.SELF_INSPECTIONS_FILED, 0)
    filed_on_time = months.get(c.SELF_INSPECTIONS_ON_TIME, 0)
    problems: dict[str, dict[str, int]] = {}
    for k, n in c.sub(months, c.PROBLEM).items():
        item, severity = k.split("~", 1)
        problems.setdefault(item, {})[severity] = n
    return {
        "schools": existing,
        "schools_visited": once,
        "coverage": ratio(once, existing),
        "schools_at_start": at_start,
        "schools_visited_every_month": every,
        "frequency_compliance": ratio(min(every, at_start), at_start),
        "visits": sum(c.sub(months, c.VISITS).values()),
        "visits_by_kind": c.sub(months, c.VISITS),
        "problems": problems,
        "issues_open_at_start": open_at_start,
        "issues_opened": opened,
        "issues_reopened": reopened,
        "issues_closed": closed,
        "issues_closed_on_time": months.get(c.CLOSED_ON_TIME, 0),
        "issues_closed_late": months.get(c.CLOSED_LATE, 0),
        "issues_open_at_end": open_at_end,
        "issues_became_overdue": months.get(c.BECAME_OVERDUE, 0),
        "issues_overdue_at_end": overdue_at_end,
        "rectification_rate": ratio(closed, open_at_start + opened + reopened),
        "median_days_to_close": quantile(days, 0.5),
        "p90_days_to_close": quantile(days, 0.9),
        "notices_issued": months.get(c.NOTICES, 0),
        "escalations": months.get(c.ESCALATIONS, 0),
        "complaints_received": months.get(c.COMPLAINTS, 0),
        "complaints_verified": verified,
        "complaints_substantiated": substantiated,
        "substantiation_rate": ratio(substantiated, verified),
        "complaints_answered": answered,
        "complaints_answered_on_time": months.get(c.ANSWERED_ON_TIME, 0),
        "on_time_answer_rate": ratio(months.get(c.ANSWERED_ON_TIME, 0), answered),
        "self_inspections_due": due,
        "self_inspections_filed": filed,
        "self_inspections_filed_on_time": filed_on_time,
        "self_inspection_filing_rate": ratio(filed, due),
        "self_inspection_on_time_rate": ratio(filed_on_time, due),
        "campaigns": campaigns(months, before),
        "rectification_by_item": rectification_by_item(months, before),
    }


def from_documents(
    period: Period, monthly: Iterable[tuple[str, Mapping[str, int]]], masks: Mapping[str, int]
) -> dict[str, Any]:
    """:func:`figures` from a unit's monthly documents (``(month, n)``, any order)."""
    per_month: dict[str, Mapping[str, int]] = {}
    before: c.Counts = {}
    for month, n in monthly:
        if month < period.first:
            before = c.add(before, n)
        elif month <= period.last:
            per_month[month] = n
    return figures(period, per_month, before, masks)


def open_on_day(monthly: Iterable[tuple[str, Mapping[str, int]]], day: date) -> dict[str, int]:
    """Issues open, and open and overdue, at the end of ``day``, from monthly documents."""
    this = f"{day.year:04d}-{day.month:02d}"
    before: c.Counts = {}
    current: Mapping[str, int] = {}
    for month, n in monthly:
        if month == this:
            current = n
        elif month < this:
            before = c.add(before, n)
    return {
        "open_issues": open_on(before, current, day.day, c.OPEN_DELTA),
        "overdue_open_issues": open_on(before, current, day.day, c.OVERDUE_DELTA),
    }
