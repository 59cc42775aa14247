"""What every sending channel takes: one rendered message to one address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from shared.contracts.notifications import Channel


@dataclass(frozen=True)
class Outgoing:
    notification_id: str
    channel: Channel
    address: str
    """An e-mail address, a phone number or a robot's webhook URL (never on the log)."""
    subject: str
    body: str
    urgent: bool = False


class Sender(Protocol):
    async def send(self, message: Outgoing) -> None:
        """Hand the message to the channel; raises when it is refused or unreachable."""
        ...


class Addresses(Protocol):
    async def address(self, mailbox: str, channel: Channel) -> str | None:
        """Where the mailbox's owner receives messages on ``channel``, if anywhere."""
        ...
