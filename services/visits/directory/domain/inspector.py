"""The inspector aggregate (责任督学): registration and corrections.

``inspector_id`` is the user id (token ``sub``) of the inspector's account. The
inspector belongs to an office: a county, or a city for city inspectors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from shared.commands import IllegalStep
from shared.contracts.directory import Employment, InspectorDetailsCorrected, InspectorRegistered
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction

DETAILS = ("name", "employment", "phone", "email", "title", "duties")
"""The inspector's fields as the stream states them (the roster's column names too)."""


@dataclass(frozen=True)
class Inspector:
    """An inspector as the stream says (the one fold of the stream)."""

    registered: bool = False
    name: str = ""
    office: Jurisdiction | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    inspector_id: str = ""


@dataclass(frozen=True)
class RegisterInspector:
    inspector_id: str
    name: str
    employment: Employment
    phone: str
    province: str
    city: str
    county: str | None
    email: str | None = None
    title: str | None = None
    duties: str | None = None


@dataclass(frozen=True)
class CorrectInspector:
    inspector_id: str
    reason: str
    name: str | None = None
    employment: Employment | None = None
    phone: str | None = None
    email: str | None = None
    title: str | None = None
    duties: str | None = None


def stream_id(inspector_id: str) -> str:
    return f"inspector-{inspector_id}"


def office_of(cmd: RegisterInspector | InspectorRegistered) -> Jurisdiction:
    return Jurisdiction(province=cmd.province, city=cmd.city, county=cmd.county)


def register(state: Inspector, cmd: RegisterInspector) -> list[EventPayload]:
    if state.registered:
        raise IllegalStep(f"督学 {cmd.inspector_id} 已登记 (inspector already registered)")
    return [InspectorRegistered(**asdict(cmd))]


def correct(state: Inspector, cmd: CorrectInspector) -> list[EventPayload]:
    if not state.registered:
        raise IllegalStep(f"督学 {cmd.inspector_id} 未登记 (inspector not registered)")
    changes = {k: v for k, v in asdict(cmd).items() if v is not None}
    changes.pop("inspector_id")
    changes.pop("reason")
    if not changes:
        raise IllegalStep("没有需要更正的内容 (nothing to correct)")
    return [InspectorDetailsCorrected(inspector_id=cmd.inspector_id, reason=cmd.reason, **changes)]


def evolve(state: Inspector, event: EventPayload) -> Inspector:
    if isinstance(event, InspectorRegistered):
        details = {n: getattr(event, n) for n in DETAILS}
        return Inspector(True, event.name, office_of(event), details, event.inspector_id)
    if isinstance(event, InspectorDetailsCorrected):
        changes = {n: getattr(event, n) for n in DETAILS if getattr(event, n) is not None}
        return replace(state, name=event.name or state.name, details={**state.details, **changes})
    raise ValueError(f"an inspector stream cannot hold {event.event_type}")
