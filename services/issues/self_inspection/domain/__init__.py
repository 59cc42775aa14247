"""Monthly self-inspection reports (月自查问题报告单) and their weekly zone consolidation.

Pure: calendar arithmetic (ISO weeks, months, filing deadlines), the report aggregate
(file once, revise by new events) and the zone-week consolidation aggregate (record
once, amend explicitly). ``decide`` functions raise :class:`~shared.commands.IllegalStep`
(HTTP 409) or :class:`~shared.commands.InvalidField` (HTTP 422, naming the field); the
time enters through the commands (``now``, ``today``), never read here.

Rules, as decided for the product (see docs/self-inspection.md):

* one report per school and month; it may be filed from the month's first day on; a
  report filed after the month's deadline (the ``due_day``-th of the next month, China
  time) is accepted and flagged ``late``;
* either problems are listed or "no problems found" is declared explicitly, not both;
* problems keep their number for the report's life; a revision names the numbers it
  keeps, new problems get new numbers, dropped numbers are never reused;
* a problem the zone took up for tracking (an issue exists for it) can no longer be
  changed or dropped by a revision: it is handled in the issue;
* a zone's week is consolidated once; a later change is an explicit amendment with a
  reason; tracking a problem twice is a no-op.

The package: :mod:`.calendar` (weeks, months, the filing deadline), :mod:`.report` (the
report aggregate and :class:`ProblemFacts`, a problem's fields stated once),
:mod:`.week` (a zone's week summarised), :mod:`.consolidation` (the zone-week
aggregate); each aggregate registers its ``decide`` and ``evolve`` functions by type
(:mod:`shared.steps`).
"""

from __future__ import annotations

from collections.abc import Sequence

from services.issues.self_inspection.domain.calendar import (
    Week,
    filing_deadline,
    month_of,
    month_start,
    next_month_start,
    parse_week,
    week_of,
)
from services.issues.self_inspection.domain.consolidation import (
    CONSOLIDATIONS,
    Consolidate,
    Consolidation,
    TrackRequest,
    consolidate,
    consolidation_id,
    consolidation_stream_id,
)
from services.issues.self_inspection.domain.report import (
    MAX_PLAN_AHEAD,
    REPORTS,
    FileReport,
    ProblemFacts,
    ProblemIn,
    Report,
    ReviseReport,
    file_report,
    report_id,
    revise_report,
    stream_id,
)
from services.issues.self_inspection.domain.week import SchoolMonth, ZoneWeek, summarize
from shared.events import EventPayload

__all__ = [
    "MAX_PLAN_AHEAD",
    "Consolidate",
    "Consolidation",
    "FileReport",
    "ProblemFacts",
    "ProblemIn",
    "Report",
    "ReviseReport",
    "SchoolMonth",
    "TrackRequest",
    "Week",
    "ZoneWeek",
    "consolidate",
    "consolidation_id",
    "consolidation_stream_id",
    "evolve",
    "evolve_consolidation",
    "file_report",
    "filing_deadline",
    "month_of",
    "month_start",
    "next_month_start",
    "parse_week",
    "replay",
    "report_id",
    "revise_report",
    "stream_id",
    "summarize",
    "week_of",
]


def evolve(state: Report, event: EventPayload) -> Report:
    return REPORTS.evolve(state, event)


def replay(events: Sequence[EventPayload]) -> Report:
    return REPORTS.replay(events)


def evolve_consolidation(state: Consolidation, event: EventPayload) -> Consolidation:
    return CONSOLIDATIONS.evolve(state, event)
