"""Settings of the visits service."""

from __future__ import annotations

from shared.settings import ServiceSettings


class VisitsSettings(ServiceSettings):
    port: int = 8001
    mongodb_database: str = "duxue_visits"
