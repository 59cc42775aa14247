"""Settings of the issues service."""

from __future__ import annotations

from shared.settings import ServiceSettings


class IssuesSettings(ServiceSettings):
    port: int = 8002
    mongodb_database: str = "duxue_issues"
