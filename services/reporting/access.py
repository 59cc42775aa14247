"""Who reads and who publishes a unit's figures (one table for every reporting route)."""

from __future__ import annotations

from typing import Any

from shared.auth import Principal, Role, ensure_role, ensure_sees
from shared.jurisdiction import Jurisdiction

OFFICES = (Role.county_office, Role.city_office, Role.province_office, Role.zone_leader)
READERS = (*OFFICES, Role.integrator)
"""Who reads unit roll-ups; integrators read the aggregates, not school cards."""
PUBLISHERS = (Role.county_office, Role.city_office, Role.province_office)
"""Who publishes a unit's monthly report: the offices, inside their jurisdiction."""


def where(unit: dict[str, Any]) -> Jurisdiction:
    """Where a unit lies (its province, city, county and school)."""
    fields = {k: unit[k] for k in ("province", "city", "county") if unit.get(k)}
    if unit.get("school_id"):
        fields["school"] = unit["school_id"]
    return Jurisdiction(**fields)


def authorize(
    principal: Principal, level: str, unit: dict[str, Any], *, listed: bool = False
) -> None:
    """Offices and integrators read inside their jurisdiction; a principal reads their
    own school's card only, an inspector the cards of the schools they are listed at
    now (``listed``: the caller's listing at the unit's school, read by the route);
    403 otherwise."""
    own = principal.has_any(Role.principal) and principal.jurisdiction.school == unit["school_id"]
    if level == "school" and (own or (listed and principal.has_any(Role.inspector))):
        return
    ensure_role(principal, *(OFFICES if level == "school" else READERS))
    ensure_sees(principal, where(unit))


def authorize_items(principal: Principal, level: str, unit: dict[str, Any]) -> None:
    """The items behind a figure: as :func:`authorize`, but for offices (and a principal
    for their own school) only — integrators read aggregates, never items."""
    authorize(principal, level, unit)
    if not principal.has_any(Role.principal):
        ensure_role(principal, *OFFICES)


def authorize_inspector(principal: Principal, inspector_id: str, doc: dict[str, Any]) -> None:
    """An inspector reads their own figures; an office those of an inspector registered
    inside its jurisdiction (403 otherwise)."""
    if principal.user_id == inspector_id:
        return
    ensure_role(principal, Role.county_office, Role.city_office, Role.province_office)
    fields = {k: doc[k] for k in ("province", "city", "county") if doc.get(k)}
    ensure_sees(principal, Jurisdiction(**fields))


def visible_children(principal: Principal, children: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The children a reader may see figures of: a school's figures (a zone's children)
    are for offices only — integrators read the aggregates, never a school's."""
    if principal.has_any(*OFFICES):
        return children
    return [child for child in children if child["level"] != "school"]


PUBLISHES = {
    "zone": (Role.county_office,),
    "county": (Role.county_office, Role.city_office),
    "city": (Role.city_office,),
    "province": (Role.province_office,),
}
"""Who publishes a level's monthly report: a county office its county and its zones, a
city office its city and its counties, the province office its province."""


def authorize_publish(principal: Principal, unit: dict[str, Any]) -> None:
    """The office that answers for the unit, inside its jurisdiction (403 otherwise:
    a province or city office does not publish a zone's report for it)."""
    ensure_role(principal, *PUBLISHES.get(str(unit.get("level")), PUBLISHERS))
    ensure_sees(principal, where(unit))
