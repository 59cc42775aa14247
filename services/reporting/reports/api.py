"""Routes of published monthly reports: publish or re-issue, list the versions, read one
version with its changes, and the version in force at a past moment."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import AwareDatetime, BaseModel, Field

from services.reporting.deps import ReportsDep
from services.reporting.rollups.api import CodePath, UnitPublic
from shared.auth import CurrentPrincipal
from shared.contracts.reporting import Figures
from shared.params import PlausibleMonth
from shared.routing import Caller, IfMatch, set_etag

router = APIRouter(tags=["reports"])


class ReportLevel(StrEnum):
    province = "province"
    city = "city"
    county = "county"
    zone = "zone"


class ReportPublish(BaseModel):
    note: str | None = Field(default=None, max_length=500, description="重新发布的原因")


class Change(BaseModel):
    figure: str
    before: Any
    after: Any


class VersionSummary(BaseModel):
    version: int
    published_at: datetime
    published_by: str
    note: str | None


class ReportVersions(BaseModel):
    unit: UnitPublic
    month: str
    versions: list[VersionSummary]


class ReportVersion(VersionSummary):
    unit: UnitPublic
    month: str
    figures: Figures
    previous_version: int | None
    changes: list[Change]


LevelPath = Annotated[ReportLevel, Path(description="层级")]
MonthPath = Annotated[PlausibleMonth, Path(description="月份 YYYY-MM")]
BASE = "/reports/units/{level}/{code}/monthly/{month}"


@router.post(BASE, response_model=ReportVersion, status_code=201)
async def publish(
    level: LevelPath,
    code: CodePath,
    month: MonthPath,
    body: ReportPublish,
    caller: Caller,
    expected: IfMatch,
    reports: ReportsDep,
    response: Response,
) -> dict[str, Any]:
    """发布（或重新发布）月度统计报告 — publish the unit's figures for an ended month."""
    answer = await reports.publish(caller, level.value, code, month, body.note, expected)
    set_etag(response, answer["version"])
    return answer


@router.get(BASE, response_model=ReportVersions)
async def versions(
    level: LevelPath,
    code: CodePath,
    month: MonthPath,
    principal: CurrentPrincipal,
    reports: ReportsDep,
) -> dict[str, Any]:
    """月报的各版本 — every published version of the unit's report for the month."""
    return await reports.versions(principal, level.value, code, month)


@router.get(BASE + "/versions/{version}", response_model=ReportVersion)
async def version(
    level: LevelPath,
    code: CodePath,
    month: MonthPath,
    version: Annotated[int, Path(ge=1, le=100_000)],
    principal: CurrentPrincipal,
    reports: ReportsDep,
) -> dict[str, Any]:
    """月报的某一版及其与上一版的差异 — one version and what changed against the one before."""
    return await reports.version(principal, level.value, code, month, version)


@router.get(BASE + "/known-at", response_model=ReportVersion)
async def known_at(
    level: LevelPath,
    code: CodePath,
    month: MonthPath,
    at: Annotated[AwareDatetime, Query(description="时刻（含时区）：当时已知的版本")],
    principal: CurrentPrincipal,
    reports: ReportsDep,
) -> dict[str, Any]:
    """某时刻已知的月报 — the version in force at a past moment (published by then)."""
    return await reports.known_at(principal, level.value, code, month, at)
