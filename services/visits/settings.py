"""Settings of the visits service."""

from __future__ import annotations

from shared.settings import ServiceSettings


class VisitsSettings(ServiceSettings):
    port: int = 8001
    mongodb_database: str = "duxue_visits"
    roster_max_bytes: int = 5 * 1024 * 1024
    public_rate_per_minute: float = 60
    public_rate_burst: int = 20
