"""A real local SMTP server (aiosmtpd) for tests and ``make run``: it keeps what
arrives in memory and, when given a directory, in a Maildir (one file per message)."""

from __future__ import annotations

import mailbox
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class _Collector:
    maildir: Path | None
    received: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw: bytes = envelope.original_content or envelope.content
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        if self.maildir is not None:
            mailbox.Maildir(self.maildir, create=True).add(raw)
        return "250 Message accepted for delivery"


class LocalMailbox:
    """``with LocalMailbox() as box:`` an SMTP server on ``box.port``; ``box.received``."""

    def __init__(self, port: int | None = None, maildir: Path | None = None) -> None:
        self.port = port or free_port()
        self.maildir = maildir
        self._collector = _Collector(maildir)
        self._controller = Controller(self._collector, hostname="127.0.0.1", port=self.port)
        self._started = False

    @property
    def received(self) -> list[EmailMessage]:
        return self._collector.received

    def start(self) -> None:
        self._controller.start()
        self._started = True

    def stop(self) -> None:
        if self._started:
            self._controller.stop()
            self._started = False

    def __enter__(self) -> LocalMailbox:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
