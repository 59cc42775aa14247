"""Settings of the reporting service."""

from __future__ import annotations

from shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    port: int = 8004
    mongodb_database: str = "duxue_reporting"
