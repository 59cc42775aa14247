"""The inspector aggregate (责任督学): registration and corrections.

``inspector_id`` is the user id (token ``sub``) of the inspector's account. The
inspector belongs to an office: a county, or a city for city inspectors.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from shared.commands import IllegalStep
from shared.contracts.directory import Employment, InspectorDetailsCorrected, InspectorRegistered
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction


@dataclass(frozen=True)
class Inspector:
    registered: bool = False
    name: str = ""
    office: Jurisdiction | None = None


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
        return Inspector(registered=True, name=event.name, office=office_of(event))
    if isinstance(event, InspectorDetailsCorrected):
        return replace(state, name=event.name or state.name)
    raise ValueError(f"an inspector stream cannot hold {event.event_type}")
