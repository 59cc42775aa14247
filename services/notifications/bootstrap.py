"""The one place where the notifications service is wired together.

Events of the visits and issues topics reach the notifier, which queues notifications
(events on ``duxue.notifications.events``); the inbox is their read model, and the
e-mail dispatcher sends the queued e-mails. Tests wire the same parts with fakes
(tests/unit/test_notifier.py) or with a local SMTP server (tests/e2e/test_notifications.py).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.notifications.channels.contacts import ContactBook
from services.notifications.channels.email import SmtpMailer
from services.notifications.channels.outgoing import Sender
from services.notifications.channels.sms import DevSmsProvider
from services.notifications.channels.wecom import WeComRobot
from services.notifications.delivery import domain as d
from services.notifications.delivery.dispatcher import Dispatcher
from services.notifications.delivery.notifier import Notifier
from services.notifications.delivery.service import SOURCE, NotificationService
from services.notifications.inbox.api import router as inbox_router
from services.notifications.inbox.queries import InboxQueries
from services.notifications.inbox.service import InboxService
from services.notifications.inbox.view import NotificationsView
from services.notifications.recipients.directory import DirectoryFactsFromReadModel, directory_view
from services.notifications.rules.api import router as rules_router
from services.notifications.rules.book import MongoRuleBook
from services.notifications.settings import NotificationsSettings
from services.notifications.templates import Templates
from services.notifications.webhooks.api import router as webhooks_router
from services.notifications.webhooks.sender import WebhookSender
from services.notifications.webhooks.subscriptions import WebhookStore
from shared.contracts.notifications import Channel
from shared.runtime import Runtime
from shared.service import StartHook, build_app


def _senders(settings: NotificationsSettings) -> dict[Channel, Sender]:
    """The channels beside the inbox that the settings switch on, with their senders."""
    senders: dict[Channel, Sender] = {}
    if settings.smtp_port:
        senders[Channel.email] = SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_sender,
            settings.smtp_timeout_seconds,
        )
    if settings.sms_dev_outbox:
        senders[Channel.sms] = DevSmsProvider(Path(settings.sms_dev_outbox))
    if settings.wecom_enabled:
        senders[Channel.wecom] = WeComRobot(settings.webhook_timeout_seconds)
    return senders


def _wire(settings: NotificationsSettings) -> StartHook:
    async def start(runtime: Runtime, app: FastAPI) -> None:
        await runtime.run_projection(directory_view())
        directory = app.state.directory = DirectoryFactsFromReadModel(runtime.db)
        contacts = app.state.contacts = ContactBook(runtime.db, directory)
        notifications = NotificationService(
            runtime.stream_handler(SOURCE, d.INITIAL, d.evolve), settings.max_attempts
        )
        app.state.notifications = notifications
        app.state.allow_private_targets = settings.allow_private_targets
        queries = app.state.inbox_queries = InboxQueries(runtime.db)
        app.state.inbox = InboxService(notifications, queries)
        await runtime.run_projection(NotificationsView())
        senders = _senders(settings)
        app.state.rule_book = MongoRuleBook(runtime.db)
        notifier = Notifier(
            notifications,
            app.state.rule_book,
            directory,
            contacts,
            Templates(),
            runtime.clock,
            tuple(senders),
        )
        app.state.notifier = await runtime.run_reactor(notifier)
        app.state.webhooks = WebhookStore(runtime.db)
        app.state.webhook_sender = WebhookSender(
            app.state.webhooks,
            runtime.clock,
            settings.webhook_timeout_seconds,
            settings.max_attempts,
            settings.webhook_backoff_seconds,
        )
        await runtime.run_reactor(app.state.webhook_sender)
        for channel, sender in senders.items():
            dispatcher = Dispatcher(channel, notifications, sender, contacts, runtime.clock)
            setattr(app.state, f"{channel.value}_dispatcher", await runtime.run_reactor(dispatcher))

    return start


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or NotificationsSettings()
    return build_app(
        "notifications",
        "消息通知服务 Notifications",
        settings,
        [inbox_router, rules_router, webhooks_router],
        on_start=_wire(settings),
    )
