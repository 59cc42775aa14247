"""Settings of the issues service."""

from __future__ import annotations

from pydantic import Field

from shared.evidence.settings import EvidenceSettings
from shared.settings import ServiceSettings


class IssuesSettings(ServiceSettings, EvidenceSettings):
    """Evidence of rectification progress (documents, photos): the ``EVIDENCE_*`` limits."""

    port: int = 8002
    mongodb_database: str = "duxue_issues"

    # The overdue sweep: how often it looks for deadlines crossed.
    overdue_sweep_seconds: float = Field(default=60, gt=0)
    self_inspection_due_day: int = Field(default=5, ge=1, le=28)
    """A month's self-inspection report (月自查) is due by this day of the next month."""
