"""E-mail over SMTP (the adapter) and an in-memory fake.

The message's ``Message-ID`` is derived from the notification id: a message sent again
after a crash between "sent" and "recorded" carries the same id, by which a mail
system or reader can tell it is the same message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage

import aiosmtplib

from services.notifications.channels.outgoing import Outgoing


def message_id(notification_id: str) -> str:
    return f"<{notification_id}@notifications.duxue>"


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, timeout: float = 10) -> None:
        self._host, self._port, self._sender, self._timeout = host, port, sender, timeout

    async def send(self, message: Outgoing) -> None:
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = message.address
        mail["Subject"] = message.subject
        mail["Message-ID"] = message_id(message.notification_id)
        mail.set_content(message.body)
        await aiosmtplib.send(mail, hostname=self._host, port=self._port, timeout=self._timeout)


@dataclass
class MemorySender:
    """Any channel, in memory: what was sent; ``failures`` refusals before accepting."""

    sent: list[Outgoing] = field(default_factory=list)
    failures: int = 0

    async def send(self, message: Outgoing) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("channel unreachable")
        self.sent.append(message)
