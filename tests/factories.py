"""Test data builders: every test makes its own ids so no test depends on another."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from shared.deadlines import local_day
from shared.envelope import Actor, EventEnvelope
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction

PROVINCE = "510000"  # 四川省
CITY = "510700"  # 绵阳市


def today() -> date:
    """Today in China (the calendar the services check deadlines by), from the real clock."""
    return local_day(datetime.now(UTC))


def days_ahead(days: int, start: date | None = None) -> str:
    """The China calendar day ``days`` from today (or from ``start``), ISO: deadlines that
    stay in the future and inside the plausible window whenever the suite runs."""
    return ((start or today()) + timedelta(days=days)).isoformat()


def months_ahead(months: int, start: date | None = None) -> str:
    """The month ``YYYY-MM`` that lies ``months`` after today's (or ``start``'s) month."""
    day = start or today()
    index = day.year * 12 + day.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def china_time(day: str | date, hour: int = 9) -> str:
    """``hour`` o'clock in China on ``day``, ISO with the +08:00 offset (for a test clock)."""
    iso = day if isinstance(day, str) else day.isoformat()
    return f"{iso}T{hour:02d}:00:00+08:00"


def new_county() -> str:
    """A random county code inside the test city, so counts never mix between tests."""
    return f"{random.randint(100000, 999999)}"


def school_body(school_id: str, county: str, kind: str = "primary", **extra: Any) -> dict[str, Any]:
    return {
        "school_id": school_id,
        "name": f"测试学校{school_id}",
        "kind": kind,
        "province": PROVINCE,
        "city": CITY,
        "county": county,
        "address": "四川省绵阳市测试路1号",
        "principal_name": "王校长",
        **extra,
    }


def envelope(
    payload: EventPayload,
    stream_id: str,
    version: int,
    jurisdiction: Jurisdiction,
    at: datetime | None = None,
) -> EventEnvelope:
    moment = at or datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    return EventEnvelope(
        event_id=uuid4(),
        event_type=payload.event_type,
        schema_version=payload.schema_version,
        source="/duxue/tests",
        stream_id=stream_id,
        stream_version=version,
        partition_key=stream_id,
        occurred_at=moment,
        recorded_at=moment,
        actor=Actor(user_id="tester", role="county_office"),
        jurisdiction=jurisdiction,
        correlation_id=str(uuid4()),
        payload=payload.model_dump(mode="json"),
    )
