"""The id patterns, role groups and office rule every feature of the visits service names."""

from __future__ import annotations

from shared.auth import Principal, Role
from shared.commands import Forbidden
from shared.jurisdiction import Jurisdiction

ID = r"^[0-9A-Za-z_-]{2,40}$"
"""A school, zone, inspector, visit, campaign or checklist id."""
DIVISION_CODE = r"^[0-9]{6}$"
"""A GB/T 2260 division code (province, city, county)."""
OFFICES = (Role.county_office, Role.city_office, Role.province_office)
FIELD_STAFF = (Role.inspector, Role.zone_leader)
OFFICE_LEVELS = ("province", "city", "county")


def office_of(principal: Principal) -> Jurisdiction:
    """The caller's office jurisdiction; 403 for a zone- or school-level account."""
    where = principal.jurisdiction
    if where.level not in OFFICE_LEVELS:
        raise Forbidden(
            "只有县(区)及以上督导室可以执行此操作 (an office of a county or above is needed)"
        )
    return where
