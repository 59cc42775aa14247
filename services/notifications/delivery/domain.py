"""The notification aggregate: queued once, sent or failed per attempt, read once (pure)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from shared.commands import IllegalStep
from shared.contracts.notifications import (
    Channel,
    NotificationFailed,
    NotificationQueued,
    NotificationRead,
    NotificationSent,
)
from shared.events import EventPayload


def stream_id(notification_id: str) -> str:
    return f"notification-{notification_id}"


class Stage(StrEnum):
    none = "none"
    queued = "queued"  # inbox: delivered; other channels: waiting to be sent
    sent = "sent"
    dead = "dead"  # every attempt failed


@dataclass(frozen=True)
class Notification:
    stage: Stage = Stage.none
    channel: Channel | None = None
    recipient: str = ""
    attempts: int = 0
    read: bool = False


INITIAL = Notification()


def evolve(state: Notification, event: EventPayload) -> Notification:
    if isinstance(event, NotificationQueued):
        return Notification(Stage.queued, event.channel, event.recipient)
    if isinstance(event, NotificationSent):
        return replace(state, stage=Stage.sent, attempts=event.attempt)
    if isinstance(event, NotificationFailed):
        return replace(
            state, stage=Stage.dead if event.dead_lettered else state.stage, attempts=event.attempt
        )
    if isinstance(event, NotificationRead):
        return replace(state, read=True)
    return state


def record_sent(state: Notification, notification_id: str, at: datetime) -> list[EventPayload]:
    """Sent on the next attempt; nothing when it was sent (or given up) already."""
    if state.stage is not Stage.queued or state.channel is None:
        return []
    return [
        NotificationSent(
            notification_id=notification_id,
            channel=state.channel,
            attempt=state.attempts + 1,
            sent_at=at,
        )
    ]


def record_failure(
    state: Notification, notification_id: str, reason: str, max_attempts: int
) -> list[EventPayload]:
    """A failed attempt; the last one allowed dead-letters the notification."""
    if state.stage is not Stage.queued or state.channel is None:
        return []
    attempt = state.attempts + 1
    return [
        NotificationFailed(
            notification_id=notification_id,
            channel=state.channel,
            attempt=attempt,
            reason=reason[:500],
            dead_lettered=attempt >= max_attempts,
        )
    ]


def mark_read(state: Notification, notification_id: str, user_id: str) -> list[EventPayload]:
    if state.stage is Stage.none or state.channel is not Channel.inbox:
        raise IllegalStep("只有站内消息可以标记已读 (only inbox messages can be read)")
    if state.read:
        return []
    return [NotificationRead(notification_id=notification_id, read_by=user_id)]
