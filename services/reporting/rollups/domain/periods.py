"""Periods a roll-up is asked for: a month, a term, a year or a range of months.

Every period is a run of whole calendar months (China time), so its figures are sums
of monthly documents. Terms: the spring term is February to July (``2026-spring``), the
autumn term September to the next January (``2026-autumn``: 2026-09 .. 2027-01).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from shared.commands import InvalidField

MAX_WINDOW_MONTHS = 24
"""The longest range the visit masks can answer (their window is two calendar years)."""


class PeriodError(InvalidField):
    """A period that cannot be read (422); ``field`` names the request parameter."""


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class Period:
    first: str
    """First month, ``YYYY-MM``."""
    last: str
    label: str

    @property
    def months(self) -> list[str]:
        return [_month(i) for i in range(_index(self.first), _index(self.last) + 1)]

    @property
    def length(self) -> int:
        return _index(self.last) - _index(self.first) + 1

    @property
    def first_day(self) -> date:
        return date(int(self.first[:4]), int(self.first[5:7]), 1)

    @property
    def last_day(self) -> date:
        nxt = _index(self.last) + 1
        return date(nxt // 12, nxt % 12 + 1, 1) - timedelta(days=1)

    def mask(self, doc_year: int) -> int:
        """The period's months as bits of the visit-mask document of ``doc_year``
        (bit 0 = January of the year before, bit 23 = December of ``doc_year``)."""
        base = (doc_year - 1) * 12
        bits = 0
        for i in range(_index(self.first), _index(self.last) + 1):
            if not base <= i < base + MAX_WINDOW_MONTHS:
                raise PeriodError("query.to", "期间超出可统计的窗口 (range beyond the mask window)")
            bits |= 1 << (i - base)
        return bits


TERM = re.compile(r"^([0-9]{4})-(spring|autumn)$")


def month_period(month: str) -> Period:
    return Period(month, month, month)


def term_period(term: str) -> Period:
    found = TERM.match(term)
    if found is None:
        raise PeriodError("query.term", "学期格式应为 YYYY-spring 或 YYYY-autumn (bad term)")
    year = int(found.group(1))
    if found.group(2) == "spring":
        return Period(f"{year:04d}-02", f"{year:04d}-07", term)
    return Period(f"{year:04d}-09", f"{year + 1:04d}-01", term)


def year_period(year: int) -> Period:
    return Period(f"{year:04d}-01", f"{year:04d}-12", str(year))


def range_period(first: str, last: str, max_months: int) -> Period:
    period = Period(first, last, f"{first}..{last}")
    if _index(last) < _index(first):
        raise PeriodError("query.to", "结束月份早于开始月份 (to is before from)")
    if period.length > max_months:
        raise PeriodError("query.to", f"期间不得超过 {max_months} 个月 (range too long)")
    return period


def choose(
    *,
    month: str | None,
    term: str | None,
    year: int | None,
    first: str | None,
    last: str | None,
    max_months: int,
) -> Period:
    """Exactly one way of naming the period, else a :class:`PeriodError`."""
    given = [n for n, v in (("month", month), ("term", term), ("year", year)) if v is not None]
    if first is not None or last is not None:
        given.append("from")
    if len(given) != 1:
        raise PeriodError(
            f"query.{given[1] if len(given) > 1 else 'month'}",
            "请且仅请给出 month、term、year 或 from/to 之一 (name exactly one period)",
        )
    if month is not None:
        return month_period(month)
    if term is not None:
        return term_period(term)
    if year is not None:
        return year_period(year)
    if first is None or last is None:
        raise PeriodError(
            "query.to" if last is None else "query.from", "from 与 to 须同时给出 (both needed)"
        )
    return range_period(first, last, max_months)
