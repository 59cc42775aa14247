"""Settings of the issues service."""

from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings


class IssuesSettings(ServiceSettings):
    port: int = 8002
    mongodb_database: str = "duxue_issues"

    # -- notices and the hazard register (services/issues/notices.py, hazards.py)
    office_abbreviations: dict[str, str] = Field(default_factory=dict)
    """Division code → the office's short name (简称) that starts its numbers, e.g.
    ``{"510704": "游"}`` gives 游教督整〔2026〕3号; unset codes use the first character
    of the division's name in the directory (env: JSON object)."""
    notice_legal_basis: str = "根据《教育督导条例》和《中小学校责任督学挂牌督导办法》的有关规定"
    """The legal basis line printed on every 《督导整改通知书》."""
