"""Who holds a rule's role for an event, as of the event's time.

Recipients are mailbox keys (``inspector:<id>``, ``principal:<school>``,
``county_office:<code>``, ``city_office:<code>``). The school's listed inspectors are
those listed on the event's day (a listing that ended yesterday receives nothing
today); the zone leader is the one in office at the event's time; the zone and county
are the event's own (where the school was when it happened).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from services.notifications.rules.domain import RecipientRole
from shared.contracts.complaints import ComplaintRouted
from shared.deadlines import local_day
from shared.envelope import EventEnvelope
from shared.events import EventPayload


class DirectoryFacts(Protocol):
    async def listed_inspectors(self, school_id: str, on: date) -> list[str]: ...

    async def zone_leader_at(self, zone_id: str, at: datetime) -> str | None: ...

    async def school_name(self, school_id: str) -> str | None: ...


@dataclass(frozen=True)
class Recipient:
    role: RecipientRole
    mailbox: str


def inspector_box(inspector_id: str) -> str:
    return f"inspector:{inspector_id}"


def principal_box(school_id: str) -> str:
    return f"principal:{school_id}"


def office_box(level: str, code: str) -> str:
    return f"{level}_office:{code}"


def school_of(event: EventEnvelope, payload: EventPayload) -> str | None:
    school = getattr(payload, "school_id", None)
    return school if isinstance(school, str) else event.jurisdiction.school


def leader_at(zone_doc: dict[str, Any], at: datetime) -> str | None:
    """The zone's leader at ``at`` from the zone document's history (pure)."""
    leader: str | None = None
    moment = at.isoformat()
    for entry in sorted(zone_doc.get("history", []), key=lambda e: str(e.get("at", ""))):
        if str(entry.get("at", "")) > moment:
            break
        if entry.get("event") in ("zone_established", "zone_leader_changed"):
            leader = entry.get("leader_id")
    return leader


async def resolve(
    roles: tuple[RecipientRole, ...],
    event: EventEnvelope,
    payload: EventPayload,
    directory: DirectoryFacts,
) -> list[Recipient]:
    """The recipients of every role, each mailbox once (the first role that chose it)."""
    found: dict[str, Recipient] = {}
    for role in roles:
        for box in await _boxes(role, event, payload, directory):
            found.setdefault(box, Recipient(role, box))
    return list(found.values())


async def _boxes(
    role: RecipientRole, event: EventEnvelope, payload: EventPayload, directory: DirectoryFacts
) -> list[str]:
    where = event.jurisdiction
    school = school_of(event, payload)
    if role is RecipientRole.principal:
        return [principal_box(school)] if school else []
    if role is RecipientRole.inspector:
        if isinstance(payload, ComplaintRouted):
            return [inspector_box(i) for i in payload.to_inspector_ids]
        if school is None:
            return []
        listed = await directory.listed_inspectors(school, local_day(event.occurred_at))
        return [inspector_box(i) for i in listed]
    if role is RecipientRole.zone_leader:
        leader = (
            await directory.zone_leader_at(where.zone, event.occurred_at) if where.zone else None
        )
        return [inspector_box(leader)] if leader else []
    if role is RecipientRole.county_office:
        return [office_box("county", where.county)] if where.county else []
    return []  # the complainant: reached by the issues service, which holds the contact
