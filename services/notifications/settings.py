"""Settings of the notifications service."""

from __future__ import annotations

from shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    port: int = 8003
    mongodb_database: str = "duxue_notifications"
