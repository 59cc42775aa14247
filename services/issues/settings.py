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
    # -- notices and the hazard register (services/issues/notices/service.py, hazards.py)
    office_abbreviations: dict[str, str] = Field(default_factory=dict)
    """Division code → the office's short name (简称) that starts its numbers, e.g.
    ``{"510704": "游"}`` gives 游教督整〔2026〕3号; unset codes use the first character
    of the division's name in the directory (env: JSON object)."""
    notice_legal_basis: str = "根据《教育督导条例》和《中小学校责任督学挂牌督导办法》的有关规定"
    """The legal basis line printed on every 《督导整改通知书》."""

    # Complaints (举报投诉): the answer's time limit and the public form's limits.
    complaint_answer_days: int = Field(default=15, ge=1, le=365)
    """Calendar days from the day of receipt to the last day of the answer (答复期限)."""
    complaint_rate_per_minute: float = Field(default=6, gt=0)
    complaint_rate_burst: int = Field(default=5, ge=1)
    """Per client IP, for the public form and the public status look-up together."""
    complaint_max_body_bytes: int = Field(default=16 * 1024, ge=1024)
