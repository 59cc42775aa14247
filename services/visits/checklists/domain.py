"""The checklist template aggregate (督查记载表): versions published, never edited."""

from __future__ import annotations

from dataclasses import dataclass, replace

from shared.commands import FieldProblem as FieldProblem  # shared; still importable here
from shared.commands import IllegalStep
from shared.contracts.checklists import (
    PLATFORM_SCOPE,
    ChecklistItem,
    ChecklistPublished,
    ChecklistRetired,
)
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction


@dataclass(frozen=True)
class Checklist:
    """What decisions about a template need: its owner, newest version, retirement."""

    latest_version: int = 0
    owner_scope: str | None = None
    """The scope of version 1: who owns the template."""
    title: str = ""
    items: tuple[ChecklistItem, ...] = ()
    retired: bool = False
    version_scopes: tuple[str, ...] = ()
    """The scope of each version, version 1 first."""

    @property
    def exists(self) -> bool:
        return self.latest_version > 0

    def version_scope(self, version: int) -> str | None:
        """The scope of a published version, or ``None`` when there is no such version."""
        return self.version_scopes[version - 1] if 1 <= version <= self.latest_version else None


@dataclass(frozen=True)
class PublishChecklist:
    checklist_id: str
    title: str
    scope: str
    items: tuple[ChecklistItem, ...]
    note: str = ""


@dataclass(frozen=True)
class RetireChecklist:
    checklist_id: str
    reason: str


def stream_id(checklist_id: str) -> str:
    return f"checklist-{checklist_id}"


def scope_jurisdiction(scope: str) -> Jurisdiction | None:
    """The jurisdiction a scope names; ``None`` for the platform itself."""
    return None if scope == PLATFORM_SCOPE else Jurisdiction.from_path(scope)


def scope_contains(outer: str, inner: str) -> bool:
    """True when ``inner`` lies inside (or is) ``outer``; the platform contains all."""
    if outer == PLATFORM_SCOPE:
        return True
    if inner == PLATFORM_SCOPE:
        return False
    return Jurisdiction.from_path(outer).contains(Jurisdiction.from_path(inner))


def applies_to(scope: str, where: Jurisdiction) -> bool:
    """A template version may be used by an office at ``where`` (its scope contains it)."""
    return scope_contains(scope, where.path)


def publish(state: Checklist, cmd: PublishChecklist) -> list[EventPayload]:
    if state.retired:
        raise IllegalStep(f"督查记载表 {cmd.checklist_id} 已停用 (checklist retired)")
    codes = [i.code for i in cmd.items]
    if not codes:
        raise FieldProblem("body.items", "督查记载表至少需要一个事项 (at least one item)")
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise FieldProblem(
            "body.items", f"事项代码重复：{', '.join(duplicates)} (duplicate item codes)"
        )
    if state.exists:
        assert state.owner_scope is not None
        if not scope_contains(state.owner_scope, cmd.scope):
            raise IllegalStep(
                f"新版本的范围 {cmd.scope} 不在督查记载表的范围 {state.owner_scope} 内 "
                "(a new version must lie inside the template's scope)"
            )
        if cmd.items == state.items and cmd.title == state.title:
            raise IllegalStep("新版本与当前版本相同 (nothing changed since the newest version)")
    return [
        ChecklistPublished(
            checklist_id=cmd.checklist_id,
            version=state.latest_version + 1,
            title=cmd.title,
            scope=cmd.scope,
            items=list(cmd.items),
            note=cmd.note,
        )
    ]


def retire(state: Checklist, cmd: RetireChecklist) -> list[EventPayload]:
    if not state.exists:
        raise IllegalStep(f"督查记载表 {cmd.checklist_id} 不存在 (unknown checklist)")
    if state.retired:
        raise IllegalStep(f"督查记载表 {cmd.checklist_id} 已停用 (already retired)")
    return [ChecklistRetired(checklist_id=cmd.checklist_id, reason=cmd.reason)]


def evolve(state: Checklist, event: EventPayload) -> Checklist:
    if isinstance(event, ChecklistPublished):
        return replace(
            state,
            latest_version=event.version,
            owner_scope=state.owner_scope or event.scope,
            title=event.title,
            items=tuple(event.items),
            version_scopes=(*state.version_scopes, event.scope),
        )
    if isinstance(event, ChecklistRetired):
        return replace(state, retired=True)
    raise ValueError(f"a checklist stream cannot hold {event.event_type}")
