"""HTTP routes of special campaigns (专项督导): issue, amend, close, list, progress."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.visits.campaigns.domain import (
    AmendCampaign,
    CloseCampaign,
    IssueCampaign,
)
from services.visits.campaigns.queries import public
from services.visits.deps import CampaignReads, Campaigns
from services.visits.names import ID, OFFICES, office_of
from shared.answers import Document
from shared.auth import CurrentPrincipal, ensure_role
from shared.contracts.checklists import CampaignTheme
from shared.paging import Page, page_of
from shared.params import MAX_VERSION, PlausibleDate
from shared.routing import Caller, Fresh, IfMatch, Paged, accept, accepted_model, set_etag
from shared.service import RuntimeDep


class CampaignOut(Document):
    """A special campaign (专项督导) as its read model holds it."""

    campaign_id: str
    theme: str
    title: str
    office: str
    status: str
    starts_on: str
    ends_on: str
    checklist_id: str
    checklist_version: int
    zone_ids: list[str]
    school_ids: list[str]
    version: int


class CampaignProgress(Document):
    """A campaign's targets against its visits (planned, on site, closed …)."""

    campaign_id: str
    title: str
    status: str
    starts_on: str
    ends_on: str


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


Accepted = accepted_model("campaign_id", __name__)


def _targets(body: CampaignCreate | CampaignAmendment) -> dict[str, tuple[str, ...] | None]:
    """The zones and schools a campaign body names, each once, in the order given."""
    return {
        name: None if ids is None else tuple(dict.fromkeys(ids))
        for name, ids in (("zone_ids", body.zone_ids), ("school_ids", body.school_ids))
    }


def _accepted(response: Response, campaign_id: str, version: int) -> BaseModel:
    return accept(response, Accepted, version, campaign_id=campaign_id)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Accepted)
async def issue_campaign(
    body: CampaignCreate,
    caller: Caller,
    campaigns: Campaigns,
    response: Response,
    runtime: RuntimeDep,
) -> BaseModel:
    """下达专项督导 — an office issues a campaign inside its jurisdiction."""
    ensure_role(caller.principal, *OFFICES)
    office = office_of(caller.principal)
    campaign_id = body.campaign_id or f"c-{runtime.new_id().hex[:12]}"
    named = {"campaign_id": campaign_id, "office": office.path, **_targets(body)}
    cmd = IssueCampaign(**{**dict(body), **named})
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
) -> BaseModel:
    """调整专项督导 — change the window or targets, with a reason."""
    cmd = AmendCampaign(campaign_id=campaign_id, **{**dict(body), **_targets(body)})
    return _accepted(response, campaign_id, await campaigns.amend(cmd, caller, expected))


@router.post("/{campaign_id}/close", response_model=Accepted)
async def close_campaign(
    campaign_id: CampaignId,
    body: CampaignClosing,
    caller: Caller,
    campaigns: Campaigns,
    response: Response,
    expected: IfMatch,
) -> BaseModel:
    """结束专项督导 — close a campaign."""
    cmd = CloseCampaign(campaign_id=campaign_id, summary=body.summary)
    return _accepted(response, campaign_id, await campaigns.close(cmd, caller, expected))


@router.get("", response_model=Page[CampaignOut])
async def list_campaigns(
    principal: CurrentPrincipal,
    reads: CampaignReads,
    paging: Paged,
    status_: Annotated[str | None, Query(alias="status", pattern="^(open|closed)$")] = None,
    theme: CampaignTheme | None = None,
) -> Page[dict[str, Any]]:
    """Campaigns issued inside the caller's jurisdiction or by an office above it."""
    return page_of(await reads.related(principal, status_, theme), paging)


@router.get("/{campaign_id}", response_model=CampaignOut)
async def get_campaign(
    campaign_id: CampaignId,
    principal: CurrentPrincipal,
    reads: CampaignReads,
    response: Response,
    fresh: Fresh,
) -> dict[str, Any]:
    campaign = public(await reads.visible(principal, campaign_id, fresh))
    if isinstance(campaign.get("version"), int):
        set_etag(response, campaign["version"])
    return campaign


@router.get("/{campaign_id}/progress", response_model=CampaignProgress)
async def campaign_progress(
    campaign_id: CampaignId, principal: CurrentPrincipal, reads: CampaignReads
) -> dict[str, Any]:
    """专项督导进度 — per target school: planned? visited? and the totals."""
    return await reads.progress(principal, campaign_id)
