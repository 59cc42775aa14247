"""HTTP routes of special campaigns (专项督导): issue, amend, close, list, progress."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.visits.campaigns.domain import (
    AmendCampaign,
    CampaignVisit,
    CloseCampaign,
    IssueCampaign,
    progress,
)
from services.visits.campaigns.view import CampaignsView
from services.visits.deps import Campaigns
from services.visits.directory.view import VIEW as DIRECTORY_VIEW
from services.visits.edge import not_found, office_of, related
from services.visits.names import ID, OFFICES
from shared.auth import CurrentPrincipal, Principal, ensure_role
from shared.contracts.checklists import CampaignTheme
from shared.jurisdiction import Jurisdiction
from shared.params import MAX_VERSION, PlausibleDate
from shared.projection import ReadModels
from shared.routing import Caller, IfMatch, set_etag
from shared.runtime import Runtime
from shared.service import RuntimeDep

router = APIRouter(prefix="/campaigns", tags=["campaigns"])
CampaignId = Annotated[str, Path(pattern=ID)]
Ids = Annotated[list[Annotated[str, Field(pattern=ID)]], Field(max_length=500)]


class CampaignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    campaign_id: str | None = Field(default=None, pattern=ID, description="omit to get one")
    theme: CampaignTheme
    title: str = Field(min_length=2, max_length=100)
    checklist_id: str = Field(pattern=ID)
    checklist_version: int = Field(ge=1, le=MAX_VERSION)
    starts_on: PlausibleDate
    ends_on: PlausibleDate
    zone_ids: Ids = Field(default_factory=list)
    school_ids: Ids = Field(default_factory=list)
    purpose: str = Field(default="", max_length=1000)


class CampaignAmendment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=500)
    starts_on: PlausibleDate | None = None
    ends_on: PlausibleDate | None = None
    zone_ids: Ids | None = None
    school_ids: Ids | None = None


class CampaignClosing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    summary: str = Field(default="", max_length=2000)


class Accepted(BaseModel):
    campaign_id: str
    version: int


def _accepted(response: Response, campaign_id: str, version: int) -> Accepted:
    set_etag(response, version)
    return Accepted(campaign_id=campaign_id, version=version)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Accepted)
async def issue_campaign(
    body: CampaignCreate,
    caller: Caller,
    campaigns: Campaigns,
    response: Response,
    runtime: RuntimeDep,
) -> Accepted:
    """下达专项督导 — an office issues a campaign inside its jurisdiction."""
    ensure_role(caller.principal, *OFFICES)
    office = office_of(caller.principal)
    campaign_id = body.campaign_id or f"c-{runtime.new_id().hex[:12]}"
    cmd = IssueCampaign(
        campaign_id=campaign_id,
        theme=body.theme,
        title=body.title,
        checklist_id=body.checklist_id,
        checklist_version=body.checklist_version,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        zone_ids=tuple(dict.fromkeys(body.zone_ids)),
        school_ids=tuple(dict.fromkeys(body.school_ids)),
        office=office.path,
        purpose=body.purpose,
    )
    response.headers["Location"] = f"/campaigns/{campaign_id}"
    return _accepted(response, campaign_id, await campaigns.issue(cmd, caller))


@router.post("/{campaign_id}/amend", response_model=Accepted)
async def amend_campaign(
    campaign_id: CampaignId,
    body: CampaignAmendment,
    caller: Caller,
    campaigns: Campaigns,
    response: Response,
    expected: IfMatch,
) -> Accepted:
    """调整专项督导 — change the window or targets, with a reason."""
    ensure_role(caller.principal, *OFFICES)
    cmd = AmendCampaign(
        campaign_id=campaign_id,
        reason=body.reason,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        zone_ids=None if body.zone_ids is None else tuple(dict.fromkeys(body.zone_ids)),
        school_ids=None if body.school_ids is None else tuple(dict.fromkeys(body.school_ids)),
    )
    return _accepted(response, campaign_id, await campaigns.amend(cmd, caller, expected))


@router.post("/{campaign_id}/close", response_model=Accepted)
async def close_campaign(
    campaign_id: CampaignId,
    body: CampaignClosing,
    caller: Caller,
    campaigns: Campaigns,
    response: Response,
    expected: IfMatch,
) -> Accepted:
    """结束专项督导 — close a campaign."""
    ensure_role(caller.principal, *OFFICES)
    cmd = CloseCampaign(campaign_id=campaign_id, summary=body.summary)
    return _accepted(response, campaign_id, await campaigns.close(cmd, caller, expected))


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in ("_id", "province")}


@router.get("")
async def list_campaigns(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    status_: Annotated[str | None, Query(alias="status", pattern="^(open|closed)$")] = None,
    theme: CampaignTheme | None = None,
) -> list[dict[str, Any]]:
    """Campaigns issued inside the caller's jurisdiction or by an office above it."""
    query: dict[str, Any] = {"province": principal.jurisdiction.province}
    if status_ is not None:
        query["status"] = status_
    if theme is not None:
        query["theme"] = theme.value
    campaigns = await ReadModels(runtime.db, CampaignsView.name).collection("campaigns")
    docs = [d async for d in campaigns.find(query).sort("starts_on", -1).limit(500)]
    return [_public(d) for d in docs if related(principal, Jurisdiction.from_path(d["office"]))]


async def _visible_campaign(runtime: Runtime, principal: Principal, cid: str) -> dict[str, Any]:
    campaigns = await ReadModels(runtime.db, CampaignsView.name).collection("campaigns")
    doc = await campaigns.find_one({"_id": cid})
    if doc is None:
        raise not_found(f"专项督导 {cid} 不存在 (unknown campaign)")
    if not related(principal, Jurisdiction.from_path(doc["office"])):
        raise HTTPException(403, "超出您的管辖范围 (outside your jurisdiction)")
    return doc


@router.get("/{campaign_id}")
async def get_campaign(
    campaign_id: CampaignId, principal: CurrentPrincipal, runtime: RuntimeDep
) -> dict[str, Any]:
    return _public(await _visible_campaign(runtime, principal, campaign_id))


async def _zone_schools(runtime: Runtime, office: Jurisdiction, zone_ids: list[str]) -> list[str]:
    """Schools the directory read model places in the zones, inside the issuing office."""
    if not zone_ids:
        return []
    query: dict[str, Any] = {"zone_id": {"$in": zone_ids}}
    for level in ("province", "city", "county"):
        value = getattr(office, level)
        if value is not None:
            query[level] = value
    schools = await ReadModels(runtime.db, DIRECTORY_VIEW).collection("schools")
    return [str(d["school_id"]) async for d in schools.find(query, projection=["school_id"])]


@router.get("/{campaign_id}/progress")
async def campaign_progress(
    campaign_id: CampaignId, principal: CurrentPrincipal, runtime: RuntimeDep
) -> dict[str, Any]:
    """专项督导进度 — per target school: planned? visited? and the totals."""
    doc = await _visible_campaign(runtime, principal, campaign_id)
    office = Jurisdiction.from_path(doc["office"])
    zone_schools = await _zone_schools(runtime, office, list(doc["zone_ids"]))
    models = ReadModels(runtime.db, CampaignsView.name)
    visits = [
        CampaignVisit(visit_id=v["visit_id"], school_id=v["school_id"], status=v["status"])
        async for v in (await models.collection("campaign_visits")).find(
            {"campaign_id": campaign_id}
        )
    ]
    return {
        "campaign_id": campaign_id,
        "title": doc["title"],
        "status": doc["status"],
        "starts_on": doc["starts_on"],
        "ends_on": doc["ends_on"],
        **progress(doc["school_ids"], zone_schools, visits),
    }
