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
    sms_dev_outbox: str = ""
    """A file the development SMS provider appends what it would send to (JSON lines);
    empty turns SMS off."""
    wecom_enabled: bool = True
    """WeCom group robots, for offices that set their robot's URL."""
    webhook_timeout_seconds: float = 5
    webhook_backoff_seconds: float = 1.0
    """The first retry's pause; each next one doubles (full jitter)."""
    allow_private_targets: bool = False
    """Allow http and loopback/private robot or webhook URLs (local tests only)."""
