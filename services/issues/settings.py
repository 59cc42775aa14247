"""Settings of the issues service."""

from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings


class IssuesSettings(ServiceSettings):
    port: int = 8002
    mongodb_database: str = "duxue_issues"
    self_inspection_due_day: int = Field(default=5, ge=1, le=28)
    """A month's self-inspection report (月自查) is due by this day of the next month."""
