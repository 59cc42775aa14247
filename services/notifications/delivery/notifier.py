"""The notifier: events of the visits and issues topics become notifications, once.

A reactor (:mod:`shared.reactor`): for each event a rule names, the office's rules in
force at the event's time choose roles, the directory as of that time names the
recipients, and one :class:`NotificationQueued` is appended per (recipient, channel) —
to the inbox always, and on each channel switched on (e-mail, SMS, WeCom) for which
the recipient has an address. The notification id
is derived from (cause event id, recipient, channel), so a replay, a rebuild or a
restart that reads the event again appends nothing (the stream exists: a conflict). The
reactor stores its positions only after every append of the batch.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog

from services.notifications.channels.outgoing import Addresses
from services.notifications.delivery.service import SYSTEM, NotificationService
from services.notifications.recipients.resolve import DirectoryFacts, Recipient, resolve, school_of
from services.notifications.rules.book import RuleBook
from services.notifications.rules.domain import (
    HANDLED,
    RecipientRole,
    Rule,
    in_force,
    is_major,
)
from services.notifications.templates import Format, Templates
from shared import metrics, topics
from shared.commands import CommandContext
from shared.contracts.notifications import Channel, NotificationQueued, notification_id
from shared.envelope import EventEnvelope
from shared.events import EventPayload

log = structlog.get_logger(__name__)

FORMATS = {
    Channel.inbox: Format.text,
    Channel.email: Format.text,
    Channel.sms: Format.text,
    Channel.wecom: Format.markdown,
}
"""How each channel's message is written: the WeCom robot's is markdown (its data escaped)."""


class Notifier:
    name = "notifications_notifier"
    topics: tuple[str, ...] = (topics.VISITS, topics.ISSUES)
    handles = HANDLED

    def __init__(
        self,
        notifications: NotificationService,
        rules: RuleBook,
        directory: DirectoryFacts,
        addresses: Addresses,
        templates: Templates,
        clock: Callable[[], datetime],
        channels: tuple[Channel, ...] = (Channel.email,),
    ) -> None:
        self._notifications = notifications
        self._rules = rules
        self._directory = directory
        self._addresses = addresses
        self._templates = templates
        self._clock = clock
        self._outside = channels
        """The channels beside the inbox that are switched on."""

    async def react(self, event: EventEnvelope, payload: EventPayload) -> None:
        office = event.jurisdiction.county or event.jurisdiction.city or event.jurisdiction.province
        rules = in_force(await self._rules.versions(office or ""), event.occurred_at)
        ctx = CommandContext(
            actor=SYSTEM,
            now=self._clock(),
            correlation_id=event.correlation_id,
            causation_id=str(event.event_id),
        )
        matching = rules.matching(event.event_type, is_major(payload))
        school = school_of(event, payload)
        names = {"school_name": await self._school_name(school)} if matching else {}
        for rule in matching:
            for recipient in await resolve(rule.roles, event, payload, self._directory):
                for channel in await self._channels(recipient):
                    message = self._message(
                        event, payload, rule, recipient, channel, rules.version, names
                    )
                    queued = await self._notifications.queue(message, ctx, event.jurisdiction)
                    if queued and channel is Channel.inbox:
                        metrics.NOTIFICATIONS.labels("inbox", "sent").inc()
                        latency = (ctx.now - event.occurred_at).total_seconds()
                        metrics.NOTIFICATION_LATENCY.labels("inbox").observe(max(latency, 0.0))
                    log.info(
                        "notification_queued" if queued else "notification_already_queued",
                        kind=rule.kind,
                        recipient=recipient.mailbox,
                        channel=channel.value,
                        cause=str(event.event_id),
                    )

    async def _school_name(self, school: str | None) -> str | None:
        """The school's name from the directory copy; its id when the copy has none."""
        if school is None:
            return None
        return await self._directory.school_name(school) or school

    async def _channels(self, recipient: Recipient) -> list[Channel]:
        channels = [Channel.inbox]
        for channel in self._outside:
            if await self._addresses.address(recipient.mailbox, channel):
                channels.append(channel)
        return channels

    def _message(
        self,
        event: EventEnvelope,
        payload: EventPayload,
        rule: Rule,
        recipient: Recipient,
        channel: Channel,
        rules_version: int,
        names: dict[str, str | None],
    ) -> NotificationQueued:
        school = school_of(event, payload)
        data = {
            **payload.model_dump(mode="json"),
            "event_type": event.event_type,
            "school_id": school,
            "school_name": school,
            **names,
            "to_school": recipient.role is RecipientRole.principal,
            "occurred_at": event.occurred_at.isoformat(),
        }
        rendered = self._templates.render(rule.kind, data, format=FORMATS[channel])
        return NotificationQueued(
            notification_id=notification_id(str(event.event_id), recipient.mailbox, channel),
            channel=channel,
            recipient=recipient.mailbox,
            role=recipient.role.value,
            kind=rule.kind,
            cause_event_id=str(event.event_id),
            cause_event_type=event.event_type,
            cause_occurred_at=event.occurred_at,
            rules_version=rules_version,
            urgent=rule.urgent,
            locale=rendered.locale,
            subject=rendered.subject,
            body=rendered.body,
            school_id=school,
        )
