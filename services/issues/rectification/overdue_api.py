"""``POST /admin/overdue-sweep``: run the overdue sweep now (platform operators only).

The sweep crosses every county (it marks every open issue past its deadline, wherever
it is) and answers with the marked ids, so it is an operator's tool: the ``admin`` role
only. Offices need not call it — the service runs it every minute.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.issues.rectification.overdue import OverdueSweep
from shared.auth import CurrentPrincipal, Role, ensure_role

router = APIRouter(tags=["admin"])


@router.post("/admin/overdue-sweep")
async def sweep_now(principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """立即检查逾期 — mark every open issue whose deadline has passed (normally every minute)."""
    ensure_role(principal, Role.admin)
    sweep: OverdueSweep = request.app.state.overdue_sweep
    marked = await sweep.sweep()
    return {"marked": len(marked), "issue_ids": marked}
