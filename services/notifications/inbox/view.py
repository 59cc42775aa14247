"""The notifications read model: each person's inbox, and every delivery's state.

Collections: ``inbox`` — one document per inbox notification (``recipient``,
``subject``, ``body``, ``kind``, ``urgent``, ``read``, ``created_at``), and
``deliveries`` — one per notification on any channel (``channel``, ``status``
``queued``|``sent``|``dead``, ``attempts``, ``last_error``), for the delivery log and
for counting what was sent.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared import topics
from shared.contracts.notifications import (
    Channel,
    NotificationFailed,
    NotificationQueued,
    NotificationRead,
    NotificationSent,
)
from shared.envelope import EventEnvelope
from shared.events import EventPayload
from shared.projection import DocRef, View

NAME = "notifications"
_TYPES = (NotificationQueued, NotificationSent, NotificationFailed, NotificationRead)


class NotificationsView:
    name = NAME
    topics: tuple[str, ...] = (topics.NOTIFICATIONS,)
    handles = frozenset(t.event_type for t in _TYPES)
    collections: tuple[str, ...] = ("inbox", "deliveries")

    def keys(self, event: EventEnvelope, payload: EventPayload) -> Iterable[DocRef]:
        nid = getattr(payload, "notification_id", "")
        return [DocRef("inbox", nid), DocRef("deliveries", nid)]

    def apply(self, event: EventEnvelope, payload: EventPayload, view: View) -> None:
        nid = getattr(payload, "notification_id", "")
        inbox, delivery = DocRef("inbox", nid), DocRef("deliveries", nid)
        if isinstance(payload, NotificationQueued):
            where = event.jurisdiction
            common = {
                "recipient": payload.recipient,
                "channel": payload.channel.value,
                "kind": payload.kind,
                "cause_event_id": payload.cause_event_id,
                "created_at": event.occurred_at.isoformat(),
                "province": where.province,
                "city": where.city,
                "county": where.county,
                "school_id": payload.school_id,
            }
            sent = payload.channel is Channel.inbox
            view.put(
                delivery,
                {
                    **common,
                    "status": "sent" if sent else "queued",
                    "attempts": 0,
                    "last_error": None,
                },
            )
            if sent:
                view.put(
                    inbox,
                    {
                        **common,
                        "subject": payload.subject,
                        "body": payload.body,
                        "urgent": payload.urgent,
                        "read": False,
                        "read_at": None,
                    },
                )
            return
        current = view.get(delivery)
        if current is None:
            raise ValueError(f"{event.event_type} for unknown notification {nid}")
        if isinstance(payload, NotificationSent):
            view.put(delivery, {**current, "status": "sent", "attempts": payload.attempt})
        elif isinstance(payload, NotificationFailed):
            status = "dead" if payload.dead_lettered else current["status"]
            view.put(
                delivery,
                {
                    **current,
                    "status": status,
                    "attempts": payload.attempt,
                    "last_error": payload.reason,
                },
            )
        elif isinstance(payload, NotificationRead):
            message = view.get(inbox)
            if message is not None:
                view.put(inbox, {**message, "read": True, "read_at": event.occurred_at.isoformat()})
