"""Settings of the reporting service."""

from __future__ import annotations

from pydantic import Field

from services.reporting.rollups.domain.periods import MAX_WINDOW_MONTHS
from shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    port: int = 8004
    mongodb_database: str = "duxue_reporting"
    max_range_months: int = Field(default=12, ge=1, le=MAX_WINDOW_MONTHS)
    """The longest ``from``/``to`` range a roll-up may be asked for (longer: 422)."""
