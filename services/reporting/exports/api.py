"""Every roll-up table as a download: ``<the JSON route's path>.csv`` (Excel-safe: BOM,
formula cells neutralised) or ``.xlsx`` (numbers as numbers, text never a formula), read
and scoped exactly as the JSON route (docs/reporting.md, "Exports").

Registered before the JSON routes: ``…/behind/{figure}`` would otherwise take
``visits.csv`` as a figure and answer 422.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from services.reporting.access import (
    authorize,
    authorize_inspector,
    authorize_items,
    visible_children,
)
from services.reporting.assessments.api import (
    AssessmentsDep,
    Rankings,
    TargetPath,
    VersionQuery,
    Within,
)
from services.reporting.assessments.domain.indicators import CATALOGUE
from services.reporting.deps import InspectorsDep, PeriodDep, RollupsDep
from services.reporting.exports import tables
from services.reporting.inspectors.api import InspectorPath
from services.reporting.rollups.api import CodePath, Level, LevelPath, listed_now
from services.reporting.rollups.behind_api import (
    MAX_PAGE,
    BehindCodePath,
    BehindDep,
    BehindFigurePath,
    BehindLevelPath,
)
from services.reporting.rollups.domain.units import unit_id
from shared.auth import CurrentPrincipal
from shared.exports import MEDIA_TYPE, XLSX_MEDIA_TYPE, csv_response, xlsx_response

router = APIRouter(tags=["reports"])

MAX_EXPORT_ROWS = 10_000
"""Rows behind a figure in one download (the JSON route pages them)."""


class TableFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


FormatPath = Annotated[TableFormat, Path(description="csv 或 xlsx")]
TABLE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {MEDIA_TYPE: {}, XLSX_MEDIA_TYPE: {}}}
}


def _download(fmt: TableFormat, name: str, sheet: str, table: tables.Table) -> Response:
    header, rows = table
    if fmt == TableFormat.csv:
        return csv_response(f"{name}.csv", header, rows)
    return xlsx_response(f"{name}.xlsx", header, rows, sheet=sheet)


@router.get(
    "/reports/units/{level}/{code}/children.{fmt}",
    response_class=Response,
    responses=TABLE_RESPONSES,
)
async def children_table(
    level: LevelPath,
    code: CodePath,
    fmt: FormatPath,
    period: PeriodDep,
    principal: CurrentPrincipal,
    rollups: RollupsDep,
) -> Response:
    """下级单位统计表 — the children's figures (sheet 下级单位统计)."""
    unit = await rollups.unit(level.value, code)
    authorize(principal, level, unit)
    children = visible_children(principal, await rollups.children(level.value, code))
    found = await rollups.figures([ch["unit"] for ch in children], period)
    names = await rollups.names(children)
    rows = [
        {"unit": ch, "name": names[ch["unit"]], "figures": found[ch["unit"]]} for ch in children
    ]
    name = f"rollup-{level.value}-{code}-{period.label}"
    return _download(fmt, name, "下级单位统计", tables.children({"children": rows}))


@router.get(
    "/reports/units/school/{code}/months.{fmt}",
    response_class=Response,
    responses=TABLE_RESPONSES,
)
async def school_months_table(
    code: CodePath,
    fmt: FormatPath,
    period: PeriodDep,
    principal: CurrentPrincipal,
    rollups: RollupsDep,
    inspectors: InspectorsDep,
) -> Response:
    """学校逐月情况 — a school card's months (sheet 学校逐月情况)."""
    unit = await rollups.unit("school", code)
    listed = await listed_now(principal, Level.school, code, inspectors)
    authorize(principal, "school", unit, listed=listed)
    months = await rollups.school_months(code, period)
    name = f"school-{code}-{period.label}"
    return _download(fmt, name, "学校逐月情况", tables.school_months({"months": months}))


@router.get(
    "/reports/inspectors/{inspector_id}/months.{fmt}",
    response_class=Response,
    responses=TABLE_RESPONSES,
)
async def inspector_months_table(
    inspector_id: InspectorPath,
    fmt: FormatPath,
    period: PeriodDep,
    principal: CurrentPrincipal,
    inspectors: InspectorsDep,
) -> Response:
    """督学逐月履职 — an inspector's months against the rules, and the period's totals."""
    doc = await inspectors.inspector(inspector_id)
    authorize_inspector(principal, inspector_id, doc)
    figures = await inspectors.figures(doc, period)
    name = f"inspector-{inspector_id}-{period.label}"
    return _download(fmt, name, "督学逐月履职", tables.inspector_months(figures))


@router.get(
    "/reports/assessments/{target}/rankings.{fmt}",
    response_class=Response,
    responses=TABLE_RESPONSES,
)
async def rankings_table(
    target: TargetPath,
    fmt: FormatPath,
    period: PeriodDep,
    principal: CurrentPrincipal,
    assessments: AssessmentsDep,
    rollups: RollupsDep,
    within: Within = None,
    version: VersionQuery = None,
) -> Response:
    """考核排名 — the ranked schools, zones or inspectors (sheet 考核排名), named."""
    place: tuple[str, str] | None = None
    if within is not None:
        level, code = within.split(":", 1)
        place = (level, code)
    found = await assessments.rankings(principal, target.value, period, place, version)
    answer = Rankings.model_validate(found).model_dump()  # the JSON route's answer
    if target.value != "inspector":
        rows = answer["rows"]
        names = await rollups.names([{**r, "unit": unit_id(r["level"], r["code"])} for r in rows])
        answer["rows"] = [{**r, "name": names[unit_id(r["level"], r["code"])]} for r in rows]
    labels = {name: i.label for name, i in CATALOGUE[target.value].items()}
    name = f"rankings-{target.value}-v{answer['version']}-{period.label}"
    return _download(fmt, name, "考核排名", tables.rankings(answer, labels))


@router.get(
    "/reports/units/{level}/{code}/behind/{figure}.{fmt}",
    response_class=Response,
    responses=TABLE_RESPONSES,
)
async def behind_table(
    level: BehindLevelPath,
    code: BehindCodePath,
    figure: BehindFigurePath,
    fmt: FormatPath,
    period: PeriodDep,
    principal: CurrentPrincipal,
    rollups: RollupsDep,
    behind: BehindDep,
) -> Response:
    """统计明细 — every visit, issue or complaint behind the figure (at most
    ``MAX_EXPORT_ROWS``), day by day (sheet 统计明细)."""
    unit = await rollups.unit(level.value, code)
    authorize_items(principal, level.value, unit)
    items: list[dict[str, Any]] = []
    while len(items) < MAX_EXPORT_ROWS:
        total, rows = await behind.page(
            unit_id(level.value, code), figure.value, period, len(items), MAX_PAGE
        )
        items += rows
        if not rows or len(items) >= total:
            break
    name = f"behind-{level.value}-{code}-{figure.value}-{period.label}"
    return _download(fmt, name, "统计明细", tables.behind(items[:MAX_EXPORT_ROWS]))
