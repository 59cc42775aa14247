"""The division aggregate: a province, city or county named in the directory."""

from __future__ import annotations

from dataclasses import dataclass, replace

from shared.commands import IllegalStep, InvalidField
from shared.contracts.directory import DivisionLevel, DivisionRegistered, DivisionRenamed
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction


@dataclass(frozen=True)
class Division:
    registered: bool = False
    name: str = ""
    level: DivisionLevel | None = None


@dataclass(frozen=True)
class RegisterDivision:
    code: str
    name: str
    level: DivisionLevel


@dataclass(frozen=True)
class RenameDivision:
    code: str
    name: str
    reason: str


def stream_id(code: str) -> str:
    return f"division-{code}"


def parent_code(code: str, level: DivisionLevel) -> str | None:
    """The parent's GB/T 2260 code: a city's province, a county's city."""
    if level is DivisionLevel.province:
        return None
    if level is DivisionLevel.city:
        return code[:2] + "0000"
    return code[:4] + "00"


def jurisdiction_of(code: str, level: DivisionLevel) -> Jurisdiction:
    province = code[:2] + "0000"
    if level is DivisionLevel.province:
        return Jurisdiction(province=province)
    if level is DivisionLevel.city:
        return Jurisdiction(province=province, city=code)
    return Jurisdiction(province=province, city=code[:4] + "00", county=code)


def _shape_ok(code: str, level: DivisionLevel) -> bool:
    if level is DivisionLevel.province:
        return code.endswith("0000")
    if level is DivisionLevel.city:
        return code.endswith("00") and not code.endswith("0000")
    return not code.endswith("00")


def register(state: Division, cmd: RegisterDivision, parent_registered: bool) -> list[EventPayload]:
    """``parent_registered``: whether the parent division is in the directory already."""
    if state.registered:
        raise IllegalStep(f"行政区划 {cmd.code} 已登记 (division already registered)")
    if not _shape_ok(cmd.code, cmd.level):
        raise IllegalStep(
            f"区划代码 {cmd.code} 与级别 {cmd.level.value} 不符 (code does not fit the level)"
        )
    parent = parent_code(cmd.code, cmd.level)
    if parent is not None and not parent_registered:
        raise InvalidField(
            "body.code", f"上级区划 {parent} 未登记 (parent division not registered)"
        )
    return [DivisionRegistered(code=cmd.code, name=cmd.name, level=cmd.level, parent_code=parent)]


def rename(state: Division, cmd: RenameDivision) -> list[EventPayload]:
    if not state.registered:
        raise IllegalStep(f"行政区划 {cmd.code} 未登记 (division not registered)")
    if cmd.name == state.name:
        raise IllegalStep("名称没有变化 (nothing to correct)")
    return [DivisionRenamed(code=cmd.code, name=cmd.name, reason=cmd.reason)]


def evolve(state: Division, event: EventPayload) -> Division:
    if isinstance(event, DivisionRegistered):
        return Division(registered=True, name=event.name, level=event.level)
    if isinstance(event, DivisionRenamed):
        return replace(state, name=event.name)
    raise ValueError(f"a division stream cannot hold {event.event_type}")
