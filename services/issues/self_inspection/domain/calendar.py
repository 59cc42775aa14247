"""The self-inspection calendar: ISO weeks, months and the monthly filing deadline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, order=True)
class Week:
    """An ISO week (Monday to Sunday), e.g. ``2026-W48``."""

    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def starts_on(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def ends_on(self) -> date:
        return self.starts_on + timedelta(days=6)

    @property
    def months(self) -> tuple[str, ...]:
        """The months the week touches (one, or two when it spans a month's end)."""
        return tuple(sorted({month_of(self.starts_on), month_of(self.ends_on)}))


_WEEK = re.compile(r"^([0-9]{4})-W([0-9]{2})$")
_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")


def parse_week(text: str) -> Week:
    """``2026-W48`` → :class:`Week`; ``ValueError`` for a malformed or non-existent week."""
    found = _WEEK.match(text)
    if found is None:
        raise ValueError(f"{text!r} is not an ISO week like 2026-W48")
    year, number = int(found[1]), int(found[2])
    date.fromisocalendar(year, number, 1)  # raises ValueError for W00, W54, W53 of short years
    return Week(year, number)


def week_of(day: date) -> Week:
    iso = day.isocalendar()
    return Week(iso.year, iso.week)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_start(month: str) -> date:
    found = _MONTH.match(month)
    if found is None:
        raise ValueError(f"{month!r} is not a month like 2026-11")
    return date(int(found[1]), int(found[2]), 1)


def next_month_start(month: str) -> date:
    first = month_start(month)
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def filing_deadline(month: str, due_day: int) -> date:
    """The last day to file ``month``'s report on time: the ``due_day``-th of the next month
    (clamped to that month's length)."""
    following = next_month_start(month)
    last = next_month_start(month_of(following)) - timedelta(days=1)
    return following.replace(day=max(1, min(due_day, last.day)))
