"""Published monthly reports (月度统计报告): immutable versions of a unit's figures.

An office publishes a unit's figures for a month that has ended; each publication is one
:class:`MonthlyReportPublished` on the unit-month's stream
``report-<level>-<code>-<YYYY-MM>``, holding the figures as the roll-up computed them at
that moment. A re-issue (e.g. after a late-arriving visit) is the stream's next version;
earlier versions are never changed. Published on the reporting topic, keyed by the stream.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared import topics
from shared.events import EventPayload, registry

MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class ItemRectification(BaseModel):
    """One problem item's rectification in a period (docs/reporting.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    open_at_start: int
    opened: int
    reopened: int
    closed: int
    closed_on_time: int
    rate: float | None
    """``closed / (open_at_start + opened + reopened)``; ``None`` with nothing to divide by."""


class Figures(BaseModel):
    """A unit's figures for a period (docs/reporting.md defines each one)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schools: int
    schools_visited: int
    coverage: float | None
    schools_at_start: int
    schools_visited_every_month: int
    frequency_compliance: float | None
    visits: int
    visits_by_kind: dict[str, int]
    problems: dict[str, dict[str, int]]
    issues_open_at_start: int
    issues_opened: int
    issues_reopened: int
    issues_closed: int
    issues_closed_on_time: int
    issues_closed_late: int
    issues_open_at_end: int
    issues_became_overdue: int
    issues_overdue_at_end: int
    rectification_rate: float | None
    median_days_to_close: int | None
    p90_days_to_close: int | None
    notices_issued: int
    escalations: int
    complaints_received: int
    complaints_verified: int
    complaints_substantiated: int
    substantiation_rate: float | None
    complaints_answered: int
    complaints_answered_on_time: int
    on_time_answer_rate: float | None
    # added after v1's first publications: defaults keep the earlier versions readable
    self_inspections_due: int = 0
    self_inspections_filed: int = 0
    self_inspections_filed_on_time: int = 0
    self_inspection_filing_rate: float | None = None
    self_inspection_on_time_rate: float | None = None
    campaigns: dict[str, dict[str, int]] = Field(default_factory=dict)
    """Per campaign: ``visits`` in the period, ``schools_visited`` by its end."""
    rectification_by_item: dict[str, ItemRectification] = Field(default_factory=dict)
    """Per problem item code: its rectification counts and rate in the period."""


@registry.register
class MonthlyReportPublished(EventPayload):
    """An office published (or re-issued) a unit's monthly report (月度统计报告发布).

    ``version`` counts from 1 per unit and month; ``figures`` are the unit's figures for
    ``month`` as computed when it was published (events recorded by then); ``note`` says
    why a re-issue was made. The envelope's ``recorded_at`` is the moment of publication
    and its actor the publishing office.
    """

    event_type: ClassVar[str] = "cn.duxue.reporting.monthly_report_published"
    topic: ClassVar[str] = topics.REPORTING

    level: str = Field(pattern=r"^(province|city|county|zone)$")
    code: str = Field(min_length=1, max_length=60)
    month: str = Field(pattern=MONTH)
    version: int = Field(ge=1)
    figures: Figures
    note: str | None = Field(default=None, max_length=500)
