"""HTTP helpers shared by the checklist, campaign and plan routes (an api module)."""

from __future__ import annotations

from fastapi import HTTPException, status

from services.visits.names import OFFICE_LEVELS
from shared.auth import Principal
from shared.commands import Forbidden
from shared.jurisdiction import Jurisdiction


def not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, what)


def office_of(principal: Principal) -> Jurisdiction:
    """The caller's office jurisdiction; 403 for a zone- or school-level account."""
    where = principal.jurisdiction
    if where.level not in OFFICE_LEVELS:
        raise Forbidden(
            "只有县(区)及以上督导室可以执行此操作 (an office of a county or above is needed)"
        )
    return where
