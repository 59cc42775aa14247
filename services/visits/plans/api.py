"""HTTP routes of monthly plans (月计划备案) and offices' frequency rules."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.visits.deps import PlanReads, Plans, Reports
from services.visits.names import DIVISION_CODE, ID, OFFICES, office_of
from services.visits.plans.domain import plan
from services.visits.plans.domain.frequency import FrequencyRules
from services.visits.plans.domain.plan import AcknowledgePlan, FilePlan, RevisePlan
from shared.answers import Document
from shared.auth import CurrentPrincipal, Role, ensure_role
from shared.commands import Forbidden
from shared.contracts.plans import PlanEntry
from shared.paging import Page
from shared.params import PlausibleDate, PlausibleMonth
from shared.routing import Caller, Fresh, IfMatch, Paged, accept, accepted_model, set_etag


class PlanOut(Document):
    """A monthly plan with its rule findings and the visits done so far."""

    plan_id: str
    inspector_id: str
    month: str
    office: str
    status: str
    revision: int
    entries: list[dict[str, Any]]
    version: int
    level: str
    rules: dict[str, Any]
    findings: list[dict[str, Any]]
    visits_done: dict[str, Any]
    done_findings: list[dict[str, Any]]
    rules_not_checked: list[str]


class RulesOut(Document):
    """The frequency rules in force for an office, and where they come from."""

    office: str
    source: str


class RulesSet(Document):
    office: str
    version: int


router = APIRouter(tags=["plans"])
PLAN_ID = r"^[0-9A-Za-z_-]{2,40}-[0-9]{4}-[0-9]{2}$"


class EntryIn(PlanEntry):
    school_id: str = Field(pattern=ID)
    planned_on: PlausibleDate
    purpose: str = Field(default="", max_length=500)


class PlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    month: PlausibleMonth = Field(examples=["2026-09"])
    inspector_id: str | None = Field(default=None, description="your own user id, or omit")
    entries: list[EntryIn] = Field(max_length=62)
    note: str = Field(default="", max_length=1000)


class PlanRevision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[EntryIn] = Field(max_length=62)
    reason: str = Field(min_length=2, max_length=500)


class PlanAcknowledgement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(default="", max_length=1000)


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    listed_school_days_per_month: int = Field(ge=0, le=31)
    county_inspector_visits_per_month: int = Field(ge=0, le=100)
    school_visits_per_year: int = Field(ge=0, le=100)
    city_inspector_visits_per_county_per_month: int = Field(ge=0, le=100)
    city_inspector_city_direct_visits_per_month: int = Field(ge=0, le=100)
    reason: str = Field(min_length=2, max_length=500)


Accepted = accepted_model("plan_id", __name__)


PlanId = Annotated[str, Path(pattern=PLAN_ID)]


def _entries(entries: list[EntryIn]) -> tuple[PlanEntry, ...]:
    return tuple(PlanEntry.model_validate(e.model_dump()) for e in entries)


def _accepted(response: Response, plan_id: str, version: int) -> BaseModel:
    return accept(response, Accepted, version, plan_id=plan_id)


@router.post("/plans", status_code=status.HTTP_201_CREATED, response_model=Accepted)
async def file_plan(
    body: PlanCreate, caller: Caller, plans: Plans, response: Response
) -> BaseModel:
    """月计划备案 — an inspector files their own plan for a month with their office."""
    principal = caller.principal
    ensure_role(principal, Role.inspector)
    if body.inspector_id not in (None, principal.user_id):
        raise Forbidden("只能备案本人的月计划 (you file only your own plan)")
    cmd = FilePlan(
        inspector_id=principal.user_id,
        month=body.month,
        office=plan.office_of(principal.jurisdiction).path,
        entries=_entries(body.entries),
        note=body.note,
    )
    response.headers["Location"] = f"/plans/{cmd.plan_id}"
    return _accepted(response, cmd.plan_id, await plans.file(cmd, caller))


@router.post("/plans/{plan_id}/revisions", response_model=Accepted)
async def revise_plan(
    plan_id: PlanId,
    body: PlanRevision,
    caller: Caller,
    plans: Plans,
    response: Response,
    expected: IfMatch,
) -> BaseModel:
    """调整月计划 — the inspector replaces the entries, with a reason (never an edit)."""
    cmd = RevisePlan(
        plan_id=plan_id,
        inspector_id=caller.principal.user_id,
        entries=_entries(body.entries),
        reason=body.reason,
    )
    return _accepted(response, plan_id, await plans.revise(cmd, caller, expected))


@router.post("/plans/{plan_id}/acknowledgement", response_model=Accepted)
async def acknowledge_plan(
    plan_id: PlanId,
    body: PlanAcknowledgement,
    caller: Caller,
    plans: Plans,
    response: Response,
    expected: IfMatch,
) -> BaseModel:
    """备案确认 — the office the plan is filed with confirms it, maybe with a comment."""
    by = caller.principal.user_id
    cmd = AcknowledgePlan(plan_id=plan_id, acknowledged_by=by, comment=body.comment)
    return _accepted(response, plan_id, await plans.acknowledge(cmd, caller, expected))


@router.get("/plans", response_model=Page[PlanOut])
async def list_plans(
    principal: CurrentPrincipal,
    reads: PlanReads,
    paging: Paged,
    county: Annotated[str | None, Query(pattern=DIVISION_CODE)] = None,
    month: Annotated[PlausibleMonth | None, Query()] = None,
) -> Page[dict[str, Any]]:
    """Plans with their rule findings and the visits done so far: an office sees every
    plan filed in its jurisdiction (optionally one county), an inspector their own."""
    return await reads.page(principal, paging, county, month)


@router.get("/plans/{plan_id}", response_model=PlanOut)
async def get_plan(
    plan_id: PlanId, principal: CurrentPrincipal, reads: PlanReads, response: Response, fresh: Fresh
) -> dict[str, Any]:
    """One plan with its rule findings and the visits done so far (``ETag``: its version)."""
    plan = await reads.one(principal, plan_id, fresh)
    if isinstance(plan.get("version"), int):
        set_etag(response, plan["version"])
    return plan


@router.put("/frequency-rules", response_model=RulesSet)
async def set_rules(
    body: RulesIn, caller: Caller, plans: Plans, response: Response, expected: IfMatch
) -> dict[str, Any]:
    """设定督导频次要求 — an office sets the rules for its own jurisdiction (``If-Match``:
    the version the last answer's ``ETag`` gave; 412 when stale)."""
    ensure_role(caller.principal, *OFFICES)
    office = office_of(caller.principal)
    rules = FrequencyRules(**body.model_dump(exclude={"reason"}))
    version = await plans.set_rules(office, rules, body.reason, caller.ctx, expected)
    set_etag(response, version)
    return {"office": office.path, "version": version, **asdict(rules)}


@router.get("/frequency-rules", response_model=RulesOut)
async def get_rules(principal: CurrentPrincipal, reports: Reports) -> dict[str, Any]:
    """The rules that apply in the caller's jurisdiction (its own office's, or the nearest
    office above that set some, or the defaults)."""
    where = plan.office_of(principal.jurisdiction)
    rules, source = await reports.rules_for(where.path)
    return {"office": where.path, "source": source, **asdict(rules)}
