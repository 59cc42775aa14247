"""The one rule for every deadline (整改期限) a caller names: today in China or later.

A finding's proposed deadline, a dispute's amended deadline, a notice's deadline, a
complaint-linked issue's deadline, a reopened issue's new deadline and an extension's
new deadline all pass through :func:`ensure_not_past`, with the command's clock (never
``date.today()``), so that tests and replays decide the same way.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from shared.commands import InvalidField

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
"""China Standard Time (UTC+8, no daylight saving): the calendar offices work by."""


def local_day(now: datetime) -> date:
    """The day in China at ``now`` (a naive datetime is taken as China time)."""
    return now.astimezone(CHINA).date() if now.tzinfo is not None else now.date()


def ensure_not_past(field: str, deadline: date | None, now: datetime) -> None:
    """Raise :class:`InvalidField` (HTTP 422 naming ``field``) for a deadline before today.

    ``None`` (no deadline given) passes: whether one is required is the command's rule.
    """
    if deadline is None:
        return
    today = local_day(now)
    if deadline < today:
        raise InvalidField(
            field,
            f"整改期限 {deadline.isoformat()} 早于今天 {today.isoformat()}，"
            "请填写今天或以后的日期 (deadline in the past)",
        )
