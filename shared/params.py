"""Bounded request parameters shared by every route: paging, plausible dates, months, weeks.

Whatever a client sends that reaches MongoDB or calendar arithmetic is bounded here, so
a huge number or a far-off date answers 422 naming the parameter, never 500 (pymongo
refuses integers past 8 bytes; ``date`` ends at 9999-12-31).

The plausible window for a day is :data:`FIRST_DAY` (2000-01-01) to today plus
:data:`YEARS_AHEAD` (10) years; a month or ISO week must lie in a year of that window.
Stored events are never checked against it (only what a request brings).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

MAX_SKIP = 100_000
"""The most rows a list may skip (page deeper with filters)."""
MAX_VERSION = 10**9 - 1
"""The largest stream or checklist version a request may name (``If-Match``, a body)."""
FIRST_DAY = date(2000, 1, 1)
YEARS_AHEAD = 10
WINDOW = "2000-01-01 至今后 10 年 (2000-01-01 to ten years from today)"

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
WEEK_PATTERN = r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$"


def last_plausible_day(today: date | None = None) -> date:
    day = today or date.today()
    return day.replace(year=day.year + YEARS_AHEAD, day=min(day.day, 28))


def plausible_day(day: date) -> date:
    """``day`` if it lies in the plausible window, else a validation error (422)."""
    if not FIRST_DAY <= day <= last_plausible_day():
        raise PydanticCustomError(
            "implausible_date", "日期须在 {window} 之间 (implausible date)", {"window": WINDOW}
        )
    return day


def plausible_year(year: int) -> int:
    if not FIRST_DAY.year <= year <= last_plausible_day().year:
        raise PydanticCustomError(
            "implausible_date", "年份须在 {window} 之间 (implausible year)", {"window": WINDOW}
        )
    return year


def _month(text: str) -> str:
    plausible_year(int(text[:4]))
    return text


def _week(text: str) -> str:
    plausible_year(int(text[:4]))
    return text


PLAUSIBLE_SCHEMA = {"type": "string", "format": "date", "x-plausible-window": "2000-01-01/P10Y"}
"""How a plausible day shows in the OpenAPI (the upper end moves with today)."""
PlausibleDate = Annotated[date, AfterValidator(plausible_day), WithJsonSchema(PLAUSIBLE_SCHEMA)]
"""A day a request names (a visit's date, a deadline, ``active_on``): 2000-01-01 .. +10 years."""
PlausibleMonth = Annotated[str, StringConstraints(pattern=MONTH_PATTERN), AfterValidator(_month)]
"""``YYYY-MM`` in a plausible year."""
PlausibleWeek = Annotated[str, StringConstraints(pattern=WEEK_PATTERN), AfterValidator(_week)]
"""An ISO week ``YYYY-Www`` in a plausible year (the week number is checked where parsed)."""

Skip = Annotated[int, Query(ge=0, le=MAX_SKIP, description="跳过的条数 (rows to skip)")]
"""``skip`` / ``offset`` of a list route."""


PATH_ID = r"^[0-9A-Za-z_-]{1,80}$"
"""Every id a path names (a school, visit, issue, listing, import, evidence, division…):
a longer or odd one is 422 naming ``path.<name>``, never echoed back in a 404."""
PathId = Annotated[str, Path(pattern=PATH_ID)]
