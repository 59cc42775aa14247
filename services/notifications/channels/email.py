"""E-mail over SMTP: the port, the SMTP adapter and an in-memory fake.

The message's ``Message-ID`` is derived from the notification id: a message sent again
after a crash between "sent" and "recorded" carries the same id, by which a mail
system or reader can tell it is the same message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib


@dataclass(frozen=True)
class Mail:
    notification_id: str
    to: str
    subject: str
    body: str

    @property
    def message_id(self) -> str:
        return f"<{self.notification_id}@notifications.duxue>"


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None:
        """Hand the mail to the mail system; raises when it is refused or unreachable."""
        ...


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, timeout: float = 10) -> None:
        self._host, self._port, self._sender, self._timeout = host, port, sender, timeout

    async def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Message-ID"] = mail.message_id
        message.set_content(mail.body)
        await aiosmtplib.send(message, hostname=self._host, port=self._port, timeout=self._timeout)


@dataclass
class MemoryMailer:
    sent: list[Mail] = field(default_factory=list)
    failures: int = 0
    """Refuse this many sends before accepting (a mail system that is away)."""

    async def send(self, mail: Mail) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("smtp unreachable")
        self.sent.append(mail)
