"""Application service of checklist templates: publish versions, retire, seed defaults.

Who may change a template is decided here, on the one load of its stream: new templates
and versions are an office's (the platform's own by a province office or an admin), in
the scope the caller's office owns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog

from services.visits.checklists import domain as checklist
from services.visits.checklists.data import extra_item, routine_template
from services.visits.checklists.domain import (
    Checklist,
    FieldProblem,
    PublishChecklist,
    RetireChecklist,
    applies_to,
    scope_contains,
    scope_jurisdiction,
)
from services.visits.names import OFFICES, office_of
from services.visits.streams import stream_handler
from shared.auth import Principal, Role, ensure_role
from shared.commands import CallerContext, CommandContext, Forbidden, NotFound, StreamHandler
from shared.contracts.checklists import PLATFORM_SCOPE, ChecklistItem
from shared.envelope import Actor
from shared.eventstore import ConcurrencyConflict
from shared.jurisdiction import Jurisdiction
from shared.runtime import Runtime

log = structlog.get_logger(__name__)

PLATFORM_JURISDICTION = Jurisdiction(province=PLATFORM_SCOPE)
"""The envelope jurisdiction of platform-wide facts (``province:platform``)."""
SYSTEM = Actor(user_id="system", role="system")
POLICY_ITEM = "education_policy"
"""The ninth item (全面贯彻党的教育方针), which a new version may add in front."""


class UnknownChecklist(NotFound):
    def __init__(self, checklist_id: str) -> None:
        super().__init__(f"督查记载表 {checklist_id} 不存在 (unknown checklist)")


def envelope_jurisdiction(scope: str) -> Jurisdiction:
    return scope_jurisdiction(scope) or PLATFORM_JURISDICTION


@dataclass(frozen=True)
class NewVersion:
    """A new version's changes: the full item list, or the newest version's items (with
    ``include_policy_item``, the ninth added in front); the title kept unless given."""

    title: str | None
    items: tuple[ChecklistItem, ...] | None
    include_policy_item: bool
    note: str


@dataclass(frozen=True)
class Written:
    """A command's answer: the template's version it concerns (a new version's number,
    a retired template's newest) and the stream's version written (the ``ETag``)."""

    checklist_version: int
    stream_version: int


def visible(principal: Principal, scope: str) -> bool:
    """The caller may read a template of ``scope``: the platform's, an office's above the
    caller (it applies to them), or one inside the caller's jurisdiction."""
    where = scope_jurisdiction(scope)
    return where is None or applies_to(scope, principal.jurisdiction) or principal.can_access(where)


def publisher_scope(principal: Principal) -> str:
    """The scope a caller publishes in: its office's (403 below an office), an admin's
    the platform's."""
    return PLATFORM_SCOPE if Role.admin in principal.roles else office_of(principal).path


def ensure_may_change(principal: Principal, owner_scope: str) -> None:
    """New versions and retirement: an office inside the template's scope; the platform's
    own templates by a province office (or an admin)."""
    if Role.admin in principal.roles:
        return
    if owner_scope == PLATFORM_SCOPE:
        ensure_role(principal, Role.province_office)
    elif not scope_contains(owner_scope, office_of(principal).path):
        raise Forbidden("超出您的管辖范围 (outside your jurisdiction)")


def _items(state: Checklist, change: NewVersion) -> tuple[ChecklistItem, ...]:
    if change.items is None and not change.include_policy_item:
        raise FieldProblem(
            "body.items", "请提供事项，或选择加上第九项 (items or include_policy_item)"
        )
    items = list(change.items if change.items is not None else state.items)
    policy = extra_item(POLICY_ITEM)
    if change.include_policy_item and policy and all(i.code != POLICY_ITEM for i in items):
        items.insert(0, policy)
    return tuple(items)


class ChecklistService:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._templates = stream_handler(runtime, Checklist(), checklist.evolve)

    async def state(self, checklist_id: str) -> tuple[Checklist, int]:
        """The template as its stream says (``Checklist()`` and 0 when there is none)."""
        loaded = await self._templates.load(checklist.stream_id(checklist_id))
        return loaded.state, loaded.version

    async def load(self, checklist_id: str) -> tuple[Checklist, int]:
        state, version = await self.state(checklist_id)
        if not state.exists:
            raise UnknownChecklist(checklist_id)
        return state, version

    async def create(
        self,
        checklist_id: str,
        title: str,
        items: tuple[ChecklistItem, ...],
        note: str,
        caller: CallerContext,
    ) -> Written:
        """Version 1 of a new template, in the caller's scope."""
        ensure_role(caller.principal, *OFFICES)
        scope = publisher_scope(caller.principal)
        cmd = PublishChecklist(checklist_id, title, scope, items, note)
        state, version = await self.state(checklist_id)
        if version:  # the id is taken: whose? Outside the caller's sight 403, else 409
            if state.owner_scope is not None and not visible(caller.principal, state.owner_scope):
                raise Forbidden("超出您的管辖范围 (outside your jurisdiction)")
            raise ConcurrencyConflict(checklist.stream_id(checklist_id), 0, version)
        return await self._publish(state, version, cmd, None, caller.ctx)

    async def publish_version(
        self, checklist_id: str, change: NewVersion, caller: CallerContext, expected: int | None
    ) -> Written:
        """A new version of a template the caller may change."""
        state, version = await self._changeable(checklist_id, caller.principal)
        items = _items(state, change)
        title = change.title or state.title
        scope = publisher_scope(caller.principal)
        cmd = PublishChecklist(checklist_id, title, scope, items, change.note)
        return await self._publish(state, version, cmd, expected, caller.ctx)

    async def retire(
        self, cmd: RetireChecklist, caller: CallerContext, expected: int | None
    ) -> Written:
        """Retire a template the caller may change (its newest version stays the newest)."""
        state, version = await self._changeable(cmd.checklist_id, caller.principal)
        stream = checklist.stream_id(cmd.checklist_id)
        StreamHandler.check_expected(stream, expected, version)
        events = checklist.retire(state, cmd)
        assert state.owner_scope is not None
        where = envelope_jurisdiction(state.owner_scope)
        written = await self._templates.append(stream, version, events, caller.ctx, where)
        return Written(state.latest_version, written)

    async def publish(
        self, cmd: PublishChecklist, expected: int | None, ctx: CommandContext
    ) -> int:
        """Publish the next version; returns the checklist version (not the stream's)."""
        state, version = await self.state(cmd.checklist_id)
        return (await self._publish(state, version, cmd, expected, ctx)).checklist_version

    async def _changeable(self, checklist_id: str, principal: Principal) -> tuple[Checklist, int]:
        """The template a new version or retirement changes, if the caller may change it."""
        ensure_role(principal, *OFFICES)
        state, version = await self.load(checklist_id)
        assert state.owner_scope is not None
        ensure_may_change(principal, state.owner_scope)
        return state, version

    async def _publish(
        self,
        state: Checklist,
        version: int,
        cmd: PublishChecklist,
        expected: int | None,
        ctx: CommandContext,
    ) -> Written:
        stream = checklist.stream_id(cmd.checklist_id)
        StreamHandler.check_expected(stream, expected, version)
        events = checklist.publish(state, cmd)
        where = envelope_jurisdiction(cmd.scope)
        written = await self._templates.append(stream, version, events, ctx, where)
        return Written(state.latest_version + 1, written)

    async def seed_defaults(self, now: datetime) -> bool:
        """Publish the routine template v1 as the platform if it is missing (idempotent).

        Returns True when this call published it. Two processes starting at once race
        for the same stream version; the loser finds it published and does nothing.
        """
        data = routine_template()
        state, _ = await self.state(data.checklist_id)
        if state.exists:
            return False
        cmd = PublishChecklist(
            checklist_id=data.checklist_id,
            title=data.title,
            scope=PLATFORM_SCOPE,
            items=data.items,
            note=data.note,
        )
        ctx = CommandContext(actor=SYSTEM, now=now, correlation_id="seed-routine-checklist")
        try:
            await self.publish(cmd, 0, ctx)
        except ConcurrencyConflict:
            return False
        log.info("checklist_seeded", checklist_id=data.checklist_id, version=data.version)
        return True
