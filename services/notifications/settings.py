"""Settings of the notifications service."""

from __future__ import annotations

from shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    port: int = 8003
    mongodb_database: str = "duxue_notifications"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 0
    """The SMTP server's port; 0 turns the e-mail channel off (inbox only)."""
    smtp_sender: str = "督学通知 <notifications@duxue.local>"
    smtp_timeout_seconds: float = 10
    max_attempts: int = 5
    """Attempts to send a message before it is dead-lettered."""
