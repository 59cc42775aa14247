"""A unit's published monthly report: pure decide and evolve, and the diff between versions.

The stream ``report-<level>-<code>-<YYYY-MM>`` holds one :class:`MonthlyReportPublished`
per version. Publishing is allowed once the month has ended (China time); every later
publication is a re-issue, compared figure by figure with the version before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from shared.commands import IllegalStep
from shared.contracts.reporting import Figures, MonthlyReportPublished
from shared.events import EventPayload

CHINA = timezone(timedelta(hours=8))


def stream_id(level: str, code: str, month: str) -> str:
    return f"report-{level}-{code}-{month}"


@dataclass(frozen=True)
class PublishMonthlyReport:
    level: str
    code: str
    month: str
    figures: Figures
    now: datetime
    note: str | None = None


@dataclass(frozen=True)
class Report:
    """What a decision needs: how many versions exist."""

    versions: int = 0


def evolve(state: Report, event: EventPayload) -> Report:
    if not isinstance(event, MonthlyReportPublished):
        raise TypeError(f"a report stream holds no {event.event_type}")
    return Report(versions=event.version)


def month_ended(month: str, now: datetime) -> bool:
    """Whether ``month`` (``YYYY-MM``) is over at ``now``, in China time."""
    year, mon = int(month[:4]), int(month[5:7])
    first_after = (year + mon // 12, mon % 12 + 1)
    today = now.astimezone(CHINA)
    return (today.year, today.month) >= first_after


def decide(state: Report, command: PublishMonthlyReport) -> list[MonthlyReportPublished]:
    if not month_ended(command.month, command.now):
        raise IllegalStep(f"{command.month} 尚未结束，不能发布月报 (the month has not ended)")
    return [
        MonthlyReportPublished(
            level=command.level,
            code=command.code,
            month=command.month,
            version=state.versions + 1,
            figures=command.figures,
            note=command.note,
        )
    ]


def _flat(figures: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in figures.items():
        if isinstance(value, Mapping):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def changes(before: Figures | None, after: Figures) -> list[dict[str, Any]]:
    """Figure by figure, what differs from the version before (nested counts by dotted
    name, e.g. ``visits_by_kind.routine``; a count absent on one side is 0 there)."""
    if before is None:
        return []
    old, new = _flat(before.model_dump()), _flat(after.model_dump())
    nested = {k for k in (*old, *new) if "." in k}
    rows = []
    for key in sorted(set(old) | set(new)):
        default = 0 if key in nested else None
        was, now = old.get(key, default), new.get(key, default)
        if was != now:
            rows.append({"figure": key, "before": was, "after": now})
    return rows
