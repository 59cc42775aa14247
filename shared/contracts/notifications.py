"""Notification events: what a person was told, on which channel, and whether it arrived.

One stream per notification, ``notification-<notification_id>``, where the id is derived
from (cause event id, recipient, channel) (:func:`notification_id`), so the same cause
never queues a second message for the same person on the same channel. Its events, in
the order the lifecycle allows::

    NotificationQueued → NotificationSent | NotificationFailed … → NotificationSent
                                          | NotificationFailed(dead_lettered=True)
    NotificationQueued (inbox) → NotificationRead

An inbox notification is delivered by being queued (the inbox is its read model). No
contact detail (e-mail address, phone number, robot URL) is ever in these events: the sender looks
the address up when it sends.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import NAMESPACE_URL, uuid5

from pydantic import Field

from shared import topics
from shared.events import EventPayload, registry


class Channel(StrEnum):
    inbox = "inbox"  # 站内消息
    email = "email"  # 电子邮件
    sms = "sms"  # 短信
    wecom = "wecom"  # 企业微信群机器人


def notification_id(cause_event_id: str, recipient: str, channel: Channel) -> str:
    """The id of the one notification a cause gives a recipient on a channel."""
    return str(uuid5(NAMESPACE_URL, f"duxue:notification:{cause_event_id}:{recipient}:{channel}"))


class _NotificationEvent(EventPayload):
    topic: ClassVar[str] = topics.NOTIFICATIONS

    notification_id: str


@registry.register
class NotificationQueued(_NotificationEvent):
    """A message to one recipient on one channel was written (消息生成), ready to send.

    ``recipient`` is a mailbox key: ``inspector:<id>`` (inspectors and zone leaders),
    ``principal:<school_id>``, ``county_office:<code>``, ``city_office:<code>``.
    ``subject`` and ``body`` are the rendered message, as the person sees it.
    """

    event_type: ClassVar[str] = "cn.duxue.notifications.notification_queued"

    channel: Channel
    recipient: str = Field(max_length=200)
    role: str
    """The rule's recipient role that chose this recipient, e.g. ``principal``."""
    kind: str
    """The rule that fired, e.g. ``feedback_issued``."""
    cause_event_id: str
    cause_event_type: str
    cause_occurred_at: datetime
    rules_version: int = Field(ge=0)
    """The version of the office's rules that chose the recipients (0: the defaults)."""
    urgent: bool
    """True for major and life-safety problems (sent at once, never held back)."""
    locale: str
    subject: str
    body: str
    school_id: str | None = None


@registry.register
class NotificationSent(_NotificationEvent):
    """The channel accepted the message (已发送); ``attempt`` counts from 1."""

    event_type: ClassVar[str] = "cn.duxue.notifications.notification_sent"

    channel: Channel
    attempt: int = Field(ge=1)
    sent_at: datetime


@registry.register
class NotificationFailed(_NotificationEvent):
    """An attempt to send failed (发送失败); ``dead_lettered`` when no attempt is left."""

    event_type: ClassVar[str] = "cn.duxue.notifications.notification_failed"

    channel: Channel
    attempt: int = Field(ge=1)
    reason: str = Field(max_length=500)
    dead_lettered: bool


@registry.register
class NotificationRead(_NotificationEvent):
    """The recipient read an inbox message (已读)."""

    event_type: ClassVar[str] = "cn.duxue.notifications.notification_read"

    read_by: str
