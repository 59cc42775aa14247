"""``POST /admin/overdue-sweep``: run the overdue sweep now (offices and operators)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.issues.overdue import OverdueSweep
from shared.auth import CurrentPrincipal, Role, ensure_role

router = APIRouter(tags=["admin"])


@router.post("/admin/overdue-sweep")
async def sweep_now(principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """立即检查逾期 — mark every open issue whose deadline has passed (normally every minute)."""
    ensure_role(principal, Role.admin, Role.province_office, Role.city_office, Role.county_office)
    sweep: OverdueSweep = request.app.state.overdue_sweep
    marked = await sweep.sweep()
    return {"marked": len(marked), "issue_ids": marked}
