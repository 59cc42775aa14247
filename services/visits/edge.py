"""HTTP helpers shared by the checklist, campaign and plan routes."""

from __future__ import annotations

from fastapi import HTTPException, status
from fastapi.exceptions import RequestValidationError

from shared.auth import Principal, Role
from shared.commands import FieldProblem
from shared.jurisdiction import Jurisdiction

ID = r"^[0-9A-Za-z_-]{2,40}$"
OFFICES = (Role.county_office, Role.city_office, Role.province_office)
OFFICE_LEVELS = ("province", "city", "county")


def unprocessable(problem: FieldProblem) -> RequestValidationError:
    """A domain's complaint about one field, shaped like every other 422."""
    return RequestValidationError(
        [{"loc": tuple(problem.field.split(".")), "msg": problem.message, "type": "value_error"}]
    )


def not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, what)


def office_of(principal: Principal) -> Jurisdiction:
    """The caller's office jurisdiction; 403 for a zone- or school-level account."""
    where = principal.jurisdiction
    if where.level not in OFFICE_LEVELS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "只有县(区)及以上督导室可以执行此操作 (an office of a county or above is needed)",
        )
    return where


def related(principal: Principal, office: Jurisdiction) -> bool:
    """The caller sees an office's work when either jurisdiction contains the other."""
    return principal.can_access(office) or office.contains(principal.jurisdiction)
