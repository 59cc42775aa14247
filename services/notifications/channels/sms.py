"""SMS behind an adapter: the development provider writes what it would send.

A segment holds at most 70 Chinese characters (:data:`SEGMENT`); a longer text is sent
as several segments, numbered ``(1/3)`` … so a reader can put them back together. The
text is ``【督学通知】`` + subject + body. A real provider would get the notification id as
its client message id (its idempotency key).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from services.notifications.channels.outgoing import Outgoing

SEGMENT = 70
SIGNATURE = "【督学通知】"


def sms_text(message: Outgoing) -> str:
    return f"{SIGNATURE}{message.subject}：{message.body}".replace("\n", " ")


def segments(text: str, size: int = SEGMENT) -> list[str]:
    """``text`` cut into segments of at most ``size`` characters, numbered when several."""
    if len(text) <= size:
        return [text]
    mark = 8  # room for "(nn/nn) "
    pieces = [text[i : i + size - mark] for i in range(0, len(text), size - mark)]
    return [f"({n}/{len(pieces)}) {piece}" for n, piece in enumerate(pieces, start=1)]


class DevSmsProvider:
    """Appends one JSON line per message to ``path``: phone, client id, segments."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def send(self, message: Outgoing) -> None:
        line = json.dumps(
            {
                "client_message_id": message.notification_id,
                "to": message.address,
                "segments": segments(sms_text(message)),
            },
            ensure_ascii=False,
        )
        await asyncio.to_thread(self._append, line)

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")

    def sent(self) -> list[dict[str, object]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line]
