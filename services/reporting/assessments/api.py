"""Routes of assessments (结果运用): an office's formula versions for a target, changing
and activating them (the office itself: province, city or county), and rankings under
the nearest office's formula."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from services.reporting.assessments.domain.offices import Office
from services.reporting.assessments.service import AssessmentService, own_office
from services.reporting.deps import PeriodDep
from services.reporting.rollups.api import PeriodPublic, UnitPublic
from shared.auth import CurrentPrincipal, Principal
from shared.contracts.assessments import PROVINCE, IndicatorWeight
from shared.params import MAX_VERSION
from shared.routing import Caller, IfMatch, set_etag

router = APIRouter(tags=["assessments"])

WITHIN = r"^(province|city|county|zone):[0-9A-Za-z_-]{1,60}$"
OFFICE = r"^(province|city|county):[0-9A-Za-z_-]{1,40}$"


class Target(StrEnum):
    school = "school"
    zone = "zone"
    inspector = "inspector"


class FormulaChange(BaseModel):
    indicators: tuple[IndicatorWeight, ...] = Field(
        min_length=1, max_length=20, description="考核指标及权重（权重之和为 1）"
    )
    note: str | None = Field(default=None, max_length=500, description="修订说明")


class FormulaActivation(BaseModel):
    version: int | None = Field(
        default=None, ge=1, le=MAX_VERSION, description="启用的版本（缺省：最新版）"
    )


class FormulaVersion(BaseModel):
    version: int
    indicators: list[IndicatorWeight]
    note: str | None
    changed_at: datetime
    changed_by: str
    last_activated_at: datetime | None


class CatalogueEntry(BaseModel):
    indicator: str
    label: str
    lower_is_better: bool


class OfficePublic(BaseModel):
    level: str
    code: str


class Formulas(BaseModel):
    province: str
    office: OfficePublic
    """Whose formula: the province office's, a city's or a county's."""
    target: str
    latest_version: int
    active_version: int | None
    versions: list[FormulaVersion]
    catalogue: list[CatalogueEntry]


class RankedRow(BaseModel):
    code: str
    level: str
    parent: str | None
    province: str | None
    city: str | None
    county: str | None
    score: float | None
    rank: int | None
    indicators: dict[str, float | int | None]
    missing: list[str]
    """The formula's indicators without a value (left out of the score)."""
    active_score: float | None
    """The score under the active version, when another version was asked for."""
    active_rank: int | None


class Rankings(BaseModel):
    target: str
    within: UnitPublic
    office: OfficePublic
    """The office whose formula ranks: the nearest one with a formula above ``within``."""
    period: PeriodPublic
    version: int
    active_version: int | None
    formula: list[IndicatorWeight]
    rows: list[RankedRow]


def get_assessments(request: Request) -> AssessmentService:
    assessments: AssessmentService = request.app.state.assessments
    return assessments


AssessmentsDep = Annotated[AssessmentService, Depends(get_assessments)]
TargetPath = Annotated[
    Target, Path(description="考核对象：school 学校、zone 责任区、inspector 督学")
]
ProvinceQuery = Annotated[
    str | None, Query(pattern=PROVINCE, description="省代码（缺省：本人所在省）")
]
Within = Annotated[
    str | None,
    Query(pattern=WITHIN, description="排名范围 <层级>:<代码>（缺省：本人所在单位）"),
]
VersionQuery = Annotated[
    int | None, Query(ge=1, le=MAX_VERSION, description="考核方案版本（缺省：启用版）")
]
OfficeQuery = Annotated[
    str | None,
    Query(
        pattern=OFFICE,
        description="督导室 <层级>:<代码>，如 county:510704（缺省：本人所在督导室）",
    ),
]
BASE = "/reports/assessments/formulas/{target}"


async def _office(
    assessments: AssessmentService,
    principal: Principal,
    office: str | None,
    province: str | None,
) -> Office:
    if office is None:
        return own_office(principal, province)
    level, code = office.split(":", 1)
    return await assessments.office(level, code)


@router.get(BASE, response_model=Formulas)
async def formulas(
    target: TargetPath,
    principal: CurrentPrincipal,
    assessments: AssessmentsDep,
    response: Response,
    province: ProvinceQuery = None,
    office: OfficeQuery = None,
) -> dict[str, Any]:
    """考核方案的各版本 — every version of an office's formula for the target and the
    active one (readers inside the office's jurisdiction, or under the office)."""
    where = await _office(assessments, principal, office, province)
    answer = await assessments.formulas(principal, target.value, where)
    set_etag(response, answer["latest_version"])
    return answer


@router.put(BASE, response_model=Formulas)
async def change(
    target: TargetPath,
    body: FormulaChange,
    caller: Caller,
    expected: IfMatch,
    assessments: AssessmentsDep,
    response: Response,
    province: ProvinceQuery = None,
    office: OfficeQuery = None,
) -> dict[str, Any]:
    """修订考核方案（本级督导室）— write the next version of the caller's office's formula
    for the target (``If-Match``: the latest version seen); the first version is active
    at once. Another office than the caller's own: 403."""
    where = await _office(assessments, caller.principal, office, province)
    answer = await assessments.change(
        caller, target.value, where, body.indicators, body.note, expected
    )
    set_etag(response, answer["latest_version"])
    return answer


@router.post(BASE + "/activate", response_model=Formulas)
async def activate(
    target: TargetPath,
    body: FormulaActivation,
    caller: Caller,
    expected: IfMatch,
    assessments: AssessmentsDep,
    response: Response,
    province: ProvinceQuery = None,
    office: OfficeQuery = None,
) -> dict[str, Any]:
    """启用考核方案的某一版（本级督导室）— the office's rankings switch to that version."""
    where = await _office(assessments, caller.principal, office, province)
    answer = await assessments.activate(caller, target.value, where, body.version, expected)
    set_etag(response, answer["latest_version"])
    return answer


@router.get("/reports/assessments/{target}/rankings", response_model=Rankings)
async def rankings(
    target: TargetPath,
    period: PeriodDep,
    principal: CurrentPrincipal,
    assessments: AssessmentsDep,
    within: Within = None,
    version: VersionQuery = None,
) -> dict[str, Any]:
    """考核排名 — schools, zones or inspectors in a unit ranked by their score for a
    period, under the nearest office's active formula (county, city, province) or
    another version of it (scores side by side)."""
    place: tuple[str, str] | None = None
    if within is not None:
        level, code = within.split(":", 1)
        place = (level, code)
    return await assessments.rankings(principal, target.value, period, place, version)
