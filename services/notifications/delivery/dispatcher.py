"""The senders: queued notifications of a channel (e-mail, SMS, WeCom) are sent, then
recorded as sent.

One reactor per channel on the notifications topic (a mail server that is away does not
hold back SMS). For each :class:`NotificationQueued` on its channel it loads the
notification's stream: a notification already sent (or given up) is skipped — this is
what makes replays, rebuilds and restarts send nothing twice. Otherwise it looks the
address up (it is never on the log), sends with the notification id as the channel's
idempotency key (the e-mail's ``Message-ID``, the SMS client message id), and appends
:class:`NotificationSent`.

Record-then-send, and the crash in between (docs/architecture.md, "Notifications:
once, as the user sees it"): the queued event is the outbox record; a crash after the
channel accepted the message but before ``sent`` was appended means the message is
sent again on restart with the same key — at most one duplicate per crash,
recognisable by that key. A refused or unreachable channel is a failed attempt
(:class:`NotificationFailed`); the reactor then stops on the error so that its
supervisor retries it from the stored positions with growing pauses (0.5 s, 1 s, 2 s …);
after ``max_attempts`` the notification is dead-lettered and the stream moves on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog

from services.notifications.channels.outgoing import Addresses, Outgoing, Sender
from services.notifications.delivery.domain import Stage
from services.notifications.delivery.service import SYSTEM, NotificationService
from shared import metrics, topics
from shared.commands import CommandContext
from shared.contracts.notifications import Channel, NotificationQueued
from shared.envelope import EventEnvelope
from shared.events import EventPayload

log = structlog.get_logger(__name__)


class SendFailed(Exception):
    """An attempt failed and attempts are left: the runner retries after a pause."""


class Dispatcher:
    topics: tuple[str, ...] = (topics.NOTIFICATIONS,)
    handles = frozenset({NotificationQueued.event_type})

    def __init__(
        self,
        channel: Channel,
        notifications: NotificationService,
        sender: Sender,
        addresses: Addresses,
        clock: Callable[[], datetime],
    ) -> None:
        self.channel = channel
        self.name = f"notifications_{channel.value}"
        self._notifications = notifications
        self._sender = sender
        self._addresses = addresses
        self._clock = clock

    async def react(self, event: EventEnvelope, payload: EventPayload) -> None:
        if not isinstance(payload, NotificationQueued) or payload.channel is not self.channel:
            return
        nid = payload.notification_id
        state, _, _ = await self._notifications.load(nid)
        if state.stage is not Stage.queued:
            return  # sent or given up already: a replay sends nothing
        ctx = CommandContext(
            actor=SYSTEM,
            now=self._clock(),
            correlation_id=event.correlation_id,
            causation_id=str(event.event_id),
        )
        address = await self._addresses.address(payload.recipient, self.channel)
        try:
            if address is None:
                raise LookupError(f"no {self.channel.value} address for the recipient")
            message = Outgoing(
                nid, self.channel, address, payload.subject, payload.body, payload.urgent
            )
            await self._sender.send(message)
        except Exception as exc:
            await self._failed(nid, payload, f"{exc.__class__.__name__}: {exc}", ctx)
            return
        await self._notifications.record_sent(nid, ctx.now, ctx)
        metrics.NOTIFICATIONS.labels(self.channel.value, "sent").inc()
        latency = (ctx.now - payload.cause_occurred_at).total_seconds()
        metrics.NOTIFICATION_LATENCY.labels(self.channel.value).observe(max(latency, 0.0))

    async def _failed(
        self, nid: str, payload: NotificationQueued, reason: str, ctx: CommandContext
    ) -> None:
        dead = await self._notifications.record_failure(nid, reason, ctx)
        metrics.NOTIFICATIONS.labels(
            self.channel.value, "dead_lettered" if dead else "failed"
        ).inc()
        log.warning(
            "send_failed",
            channel=self.channel.value,
            notification_id=nid,
            reason=reason,
            dead_lettered=dead,
        )
        if not dead:
            raise SendFailed(reason)
