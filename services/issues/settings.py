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

    # Complaints (举报投诉): the answer's time limit and the public form's limits.
    complaint_answer_days: int = Field(default=15, ge=1, le=365)
    """Calendar days from the day of receipt to the last day of the answer (答复期限)."""
    complaint_rate_per_minute: float = Field(default=6, gt=0)
    complaint_rate_burst: int = Field(default=5, ge=1)
    """Per client IP, for the public form and the public status look-up together."""
    complaint_max_body_bytes: int = Field(default=16 * 1024, ge=1024)
