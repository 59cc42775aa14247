"""The one place where the notifications service is wired together.

The service starts with the shared backbone (event store, outbox relay, health,
metrics, the event catalogue); its domain arrives with its own issue on the tracker.
"""

from __future__ import annotations

from fastapi import FastAPI

from services.notifications.settings import NotificationsSettings
from shared.service import build_app


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or NotificationsSettings()
    return build_app("notifications", "消息通知服务 Notifications", settings, [])
