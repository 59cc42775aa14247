"""HTTP routes of checklist templates (督查记载表): publish versions, retire, read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.visits.checklists.data import extra_item
from services.visits.checklists.domain import (
    FieldProblem,
    PublishChecklist,
    RetireChecklist,
    applies_to,
    scope_contains,
    scope_jurisdiction,
)
from services.visits.checklists.view import ChecklistsView, version_key
from services.visits.deps import Checklists
from services.visits.edge import not_found, office_of
from services.visits.names import ID, OFFICES
from shared.auth import CurrentPrincipal, Principal, Role, ensure_role
from shared.contracts.checklists import PLATFORM_SCOPE, ChecklistItem
from shared.params import MAX_VERSION
from shared.projection import ReadModels
from shared.routing import Caller, IfMatch
from shared.service import RuntimeDep

router = APIRouter(prefix="/checklists", tags=["checklists"])
ChecklistId = Annotated[str, Path(pattern=ID)]
POLICY_ITEM = "education_policy"


def _unique_codes(items: list[ChecklistItem] | None) -> list[ChecklistItem] | None:
    if items is not None:
        codes = [i.code for i in items]
        if len(set(codes)) != len(codes):
            raise ValueError("事项代码重复 (duplicate item codes)")
    return items


class TemplateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    checklist_id: str = Field(pattern=ID)
    title: str = Field(min_length=2, max_length=100)
    items: list[ChecklistItem] = Field(min_length=1, max_length=60)
    note: str = Field(default="", max_length=500)

    _codes = field_validator("items")(_unique_codes)


class VersionCreate(BaseModel):
    """A new version: the full item list, or the newest version's items plus the ninth."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=2, max_length=100)
    items: list[ChecklistItem] | None = Field(default=None, min_length=1, max_length=60)
    include_policy_item: bool = Field(
        default=False,
        description="加上第九项「全面贯彻党的教育方针、落实立德树人根本任务」(listed first)",
    )
    note: str = Field(default="", max_length=500)

    _codes = field_validator("items")(_unique_codes)


class Retirement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=500)


class Published(BaseModel):
    checklist_id: str
    version: int


def _publisher_scope(principal: Principal) -> str:
    return PLATFORM_SCOPE if Role.admin in principal.roles else office_of(principal).path


def _may_change(principal: Principal, owner_scope: str) -> None:
    """New versions and retirement: an office inside the template's scope; the platform's
    own templates by a province office (or an admin)."""
    if Role.admin in principal.roles:
        return
    if owner_scope == PLATFORM_SCOPE:
        ensure_role(principal, Role.province_office)
    elif not scope_contains(owner_scope, office_of(principal).path):
        raise HTTPException(403, "超出您的管辖范围 (outside your jurisdiction)")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Published)
async def create_template(
    body: TemplateCreate, caller: Caller, checklists: Checklists, response: Response
) -> Published:
    """新建督查记载表 — publish version 1 of a new template in the caller's jurisdiction."""
    principal = caller.principal
    ensure_role(principal, *OFFICES)
    cmd = PublishChecklist(
        checklist_id=body.checklist_id,
        title=body.title,
        scope=_publisher_scope(principal),
        items=tuple(body.items),
        note=body.note,
    )
    version = await checklists.publish(cmd, 0, caller.ctx)
    response.headers["Location"] = f"/checklists/{cmd.checklist_id}/versions/{version}"
    return Published(checklist_id=cmd.checklist_id, version=version)


@router.post(
    "/{checklist_id}/versions", status_code=status.HTTP_201_CREATED, response_model=Published
)
async def publish_version(
    checklist_id: ChecklistId,
    body: VersionCreate,
    caller: Caller,
    checklists: Checklists,
    response: Response,
    expected: IfMatch,
) -> Published:
    """发布新版本 — a new version (never an edit); ``include_policy_item`` adds the ninth."""
    principal = caller.principal
    ensure_role(principal, *OFFICES)
    state, _ = await checklists.load(checklist_id)
    assert state.owner_scope is not None
    _may_change(principal, state.owner_scope)
    if body.items is None and not body.include_policy_item:
        raise FieldProblem(
            "body.items", "请提供事项，或选择加上第九项 (items or include_policy_item)"
        )
    items = list(body.items if body.items is not None else state.items)
    policy = extra_item(POLICY_ITEM)
    if body.include_policy_item and policy and all(i.code != POLICY_ITEM for i in items):
        items.insert(0, policy)
    cmd = PublishChecklist(
        checklist_id=checklist_id,
        title=body.title or state.title,
        scope=_publisher_scope(principal),
        items=tuple(items),
        note=body.note,
    )
    version = await checklists.publish(cmd, expected, caller.ctx)
    response.headers["Location"] = f"/checklists/{checklist_id}/versions/{version}"
    return Published(checklist_id=checklist_id, version=version)


@router.post("/{checklist_id}/retire", response_model=Published)
async def retire_template(
    checklist_id: ChecklistId,
    body: Retirement,
    caller: Caller,
    checklists: Checklists,
    expected: IfMatch,
) -> Published:
    """停用督查记载表 — retire a template: no new campaign or visit may use it."""
    principal = caller.principal
    ensure_role(principal, *OFFICES)
    state, _ = await checklists.load(checklist_id)
    assert state.owner_scope is not None
    _may_change(principal, state.owner_scope)
    cmd = RetireChecklist(checklist_id=checklist_id, reason=body.reason)
    await checklists.retire(cmd, expected, caller.ctx)
    return Published(checklist_id=checklist_id, version=state.latest_version)


def _visible(principal: Principal, scope: str) -> bool:
    where = scope_jurisdiction(scope)
    return where is None or applies_to(scope, principal.jurisdiction) or principal.can_access(where)


@router.get("")
async def list_templates(principal: CurrentPrincipal, runtime: RuntimeDep) -> list[dict[str, Any]]:
    """Templates the caller may use or owns: the platform's, its offices' and those below."""
    templates = await ReadModels(runtime.db, ChecklistsView.name).collection("templates")
    docs = [d async for d in templates.find({}, projection={"_id": False}).sort("checklist_id")]
    return [d for d in docs if _visible(principal, d["owner_scope"])]


@router.get("/{checklist_id}")
async def get_template(
    checklist_id: ChecklistId, principal: CurrentPrincipal, runtime: RuntimeDep
) -> dict[str, Any]:
    """A template with its newest version's items."""
    models = ReadModels(runtime.db, ChecklistsView.name)
    template = await (await models.collection("templates")).find_one({"_id": checklist_id})
    if template is None:
        raise not_found(f"督查记载表 {checklist_id} 不存在 (unknown checklist)")
    if not _visible(principal, template["owner_scope"]):
        raise HTTPException(403, "超出您的管辖范围 (outside your jurisdiction)")
    latest = await (await models.collection("versions")).find_one(
        {"_id": version_key(checklist_id, int(template["latest_version"]))}
    )
    template.pop("_id")
    template["items"] = latest["items"] if latest else []
    return template


@router.get("/{checklist_id}/versions/{version}")
async def get_version(
    checklist_id: ChecklistId,
    version: Annotated[int, Path(ge=1, le=MAX_VERSION)],
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
) -> dict[str, Any]:
    """One published version of a template, exactly as published."""
    versions = await ReadModels(runtime.db, ChecklistsView.name).collection("versions")
    doc = await versions.find_one({"_id": version_key(checklist_id, version)})
    if doc is None:
        raise not_found(f"督查记载表 {checklist_id} 第 {version} 版不存在 (unknown version)")
    if not _visible(principal, doc["scope"]):
        raise HTTPException(403, "超出您的管辖范围 (outside your jurisdiction)")
    doc.pop("_id")
    return doc
