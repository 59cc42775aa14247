"""HTTP routes of checklist templates (督查记载表): publish versions, retire, read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.visits.checklists.domain import RetireChecklist, stream_id
from services.visits.checklists.service import NewVersion, Written, visible
from services.visits.checklists.view import ChecklistsView, version_key
from services.visits.deps import Checklists
from services.visits.names import ID
from shared.answers import Document
from shared.auth import CurrentPrincipal
from shared.commands import Forbidden, NotFound
from shared.contracts.checklists import ChecklistItem
from shared.paging import Page, page_of
from shared.params import MAX_VERSION
from shared.projection import ReadModels
from shared.routing import Caller, Fresh, IfMatch, Paged, accepted_model, set_etag
from shared.service import RuntimeDep


class TemplateOut(Document):
    """A checklist template (督查记载表); one read alone also carries the latest ``items``."""

    checklist_id: str
    title: str
    owner_scope: str
    latest_version: int
    retired: bool
    versions: list[dict[str, Any]]


class ChecklistVersionOut(Document):
    checklist_id: str
    version: int
    title: str
    scope: str
    items: list[dict[str, Any]]
    published_at: str


router = APIRouter(prefix="/checklists", tags=["checklists"])
ChecklistId = Annotated[str, Path(pattern=ID)]


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


Published = accepted_model("checklist_id", __name__, name="Published")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Published)
async def create_template(
    body: TemplateCreate, caller: Caller, checklists: Checklists, response: Response
) -> BaseModel:
    """新建督查记载表 — publish version 1 of a new template in the caller's jurisdiction."""
    items = tuple(body.items)
    written = await checklists.create(body.checklist_id, body.title, items, body.note, caller)
    return _published(response, body.checklist_id, written)


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
) -> BaseModel:
    """发布新版本 — a new version (never an edit); ``include_policy_item`` adds the ninth."""
    items = tuple(body.items) if body.items is not None else None
    change = NewVersion(body.title, items, body.include_policy_item, body.note)
    written = await checklists.publish_version(checklist_id, change, caller, expected)
    return _published(response, checklist_id, written)


@router.post("/{checklist_id}/retire", response_model=Published)
async def retire_template(
    checklist_id: ChecklistId,
    body: Retirement,
    caller: Caller,
    checklists: Checklists,
    response: Response,
    expected: IfMatch,
) -> BaseModel:
    """停用督查记载表 — retire a template: no new campaign or visit may use it."""
    cmd = RetireChecklist(checklist_id=checklist_id, reason=body.reason)
    written = await checklists.retire(cmd, caller, expected)
    set_etag(response, written.stream_version)
    return Published(checklist_id=checklist_id, version=written.stream_version)


def _published(response: Response, checklist_id: str, written: Written) -> BaseModel:
    """``version`` and ``ETag``: the stream's version written (for the next ``If-Match``);
    ``Location``: the template version published."""
    location = f"/checklists/{checklist_id}/versions/{written.checklist_version}"
    response.headers["Location"] = location
    set_etag(response, written.stream_version)
    return Published(checklist_id=checklist_id, version=written.stream_version)


@router.get("", response_model=Page[TemplateOut])
async def list_templates(
    principal: CurrentPrincipal, runtime: RuntimeDep, paging: Paged
) -> Page[dict[str, Any]]:
    """Templates the caller may use or owns: the platform's, its offices' and those below."""
    templates = await ReadModels(runtime.db, ChecklistsView.name).collection("templates")
    found = templates.find({}, projection={"_id": False}).sort([("checklist_id", 1), ("_id", 1)])
    docs = [d async for d in found]
    return page_of([d for d in docs if visible(principal, d["owner_scope"])], paging)


@router.get("/{checklist_id}", response_model=TemplateOut)
async def get_template(
    checklist_id: ChecklistId,
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    response: Response,
    fresh: Fresh,
) -> dict[str, Any]:
    """A template with its newest version's items; ``ETag``: its stream's version."""
    models = ReadModels(runtime.db, ChecklistsView.name)
    templates = await models.collection("templates")
    await fresh.at_least(templates, {"_id": checklist_id}, stream_id(checklist_id))
    template = await templates.find_one({"_id": checklist_id})
    if template is None:
        raise NotFound(f"督查记载表 {checklist_id} 不存在 (unknown checklist)")
    if not visible(principal, template["owner_scope"]):
        raise Forbidden("超出您的管辖范围 (outside your jurisdiction)")
    latest = await (await models.collection("versions")).find_one(
        {"_id": version_key(checklist_id, int(template["latest_version"]))}
    )
    template.pop("_id")
    if "version" in template:  # folded before the field existed: no ETag until a rebuild
        set_etag(response, int(template["version"]))
    template["items"] = latest["items"] if latest else []
    return template


@router.get("/{checklist_id}/versions/{version}", response_model=ChecklistVersionOut)
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
        raise NotFound(f"督查记载表 {checklist_id} 第 {version} 版不存在 (unknown version)")
    if not visible(principal, doc["scope"]):
        raise Forbidden("超出您的管辖范围 (outside your jurisdiction)")
    doc.pop("_id")
    return doc
