"""An inspector's own figures: visits and days on site per month against the frequency
rules, problems found and issues verified."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from services.reporting.access import authorize_inspector
from services.reporting.deps import InspectorsDep, PeriodDep
from shared.auth import CurrentPrincipal

router = APIRouter(tags=["reports"])


InspectorPath = Annotated[str, Path(pattern=r"^[0-9A-Za-z_.-]{1,64}$", description="督学编号")]


class InspectorMonth(BaseModel):
    month: str
    visits: int
    days_on_site: int
    """Distinct days of the month with a sign-in (workload)."""
    meets: bool
    required: int | None = None
    counties_without_visit: list[str] | None = None
    city_direct_visits: int | None = None


class InspectorFigures(BaseModel):
    inspector_id: str
    level: str
    province: str
    city: str
    county: str | None
    months: list[InspectorMonth]
    months_meeting_rule: int
    visits: int
    days_on_site: int
    """Days on site over the period's months (workload)."""
    problems_found: int
    """Issues opened in the period for which the inspector is responsible."""
    issues_verified: int
    """Closures the inspector verified in the period."""
    listed_schools: list[str]
    listed_schools_not_visited: list[str]


@router.get("/reports/inspectors/{inspector_id}", response_model=InspectorFigures)
async def inspector_figures(
    inspector_id: InspectorPath,
    period: PeriodDep,
    principal: CurrentPrincipal,
    inspectors: InspectorsDep,
) -> dict[str, Any]:
    """督学履职统计 — an inspector's visits against the frequency rules (own figures, or
    an office inside whose jurisdiction the inspector is registered)."""
    doc = await inspectors.inspector(inspector_id)
    authorize_inspector(principal, inspector_id, doc)
    return await inspectors.figures(doc, period)
