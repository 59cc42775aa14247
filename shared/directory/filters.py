"""List filters that name a school, a zone or an inspector: 403 when outside the caller's reach.

:func:`shared.auth.scope_filter` already refuses a ``county=`` (or, for a principal, a
``school_id=``) that differs from the caller's own; a school or zone id carries no
place, so it is resolved from the service's own directory read model first. A filter
outside the caller's jurisdiction is 403, not an empty list (docs/architecture.md). An
unknown id keeps the empty list: it names nothing the caller could be refused.
"""

from __future__ import annotations

from shared.auth import FORBIDDEN, Principal, ensure_sees, sees, without_zone
from shared.commands import Forbidden
from shared.directory.lookup import ReadModelDirectory


async def ensure_filter_within(
    principal: Principal,
    directory: ReadModelDirectory,
    *,
    school_id: str | None = None,
    zone_id: str | None = None,
    inspector_id: str | None = None,
) -> None:
    """403 unless each named school and zone (``None``: not asked) is one the caller
    :func:`~shared.auth.sees`, and the named inspector's place and the caller's overlap
    (one holds the other: a principal may ask for an inspector of their county, a county
    office not for another county's); unknown ids pass (the list is then empty)."""
    if school_id is not None:
        school = await directory.school(school_id)
        if school is not None:
            ensure_sees(principal, school.jurisdiction)
    if zone_id is not None:
        zone = await directory.zone_place(zone_id)
        if zone is not None:
            ensure_sees(principal, zone)
    if inspector_id is not None:
        inspector = await directory.inspector(inspector_id)
        if inspector is not None and not (
            sees(principal, inspector.jurisdiction)
            or without_zone(inspector.jurisdiction).contains(without_zone(principal.jurisdiction))
        ):
            raise Forbidden(FORBIDDEN)
