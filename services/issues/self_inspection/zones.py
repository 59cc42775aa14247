"""A zone as self-inspection needs it: its office, its leader, its schools today, and who
may read or consolidate its week.

- see a zone's week: the zone's leader, an inspector listed at one of its schools today,
  or an office whose jurisdiction holds the zone;
- record (or amend) a week's consolidation: the zone's leader, or the office the zone
  belongs to (its county office; the city office for a city-level zone).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.issues.rectification.service import OFFICES
from shared.auth import Principal, Role, without_zone
from shared.commands import Forbidden, NotFound
from shared.jurisdiction import Jurisdiction

CONSOLIDATORS = (Role.inspector, Role.zone_leader, Role.county_office, Role.city_office)
NOT_CONSOLIDATOR = "只有该责任区组长或所属督导室可以汇总 (only the zone's leader or its office)"


class UnknownZone(NotFound):
    def __init__(self, zone_id: str) -> None:
        super().__init__(f"责任区 {zone_id} 不存在 (unknown zone)")


@dataclass(frozen=True)
class ZoneFacts:
    zone_id: str
    name: str
    office: Jurisdiction
    """The office the zone belongs to: its county's (or its city's, for a city zone)."""
    leader_id: str | None

    @property
    def jurisdiction(self) -> Jurisdiction:
        if self.office.county is None:
            return self.office
        return self.office.model_copy(update={"zone": self.zone_id})


def may_lead(principal: Principal, zone: ZoneFacts) -> bool:
    return (
        principal.has_any(Role.inspector, Role.zone_leader)
        and zone.leader_id is not None
        and principal.user_id == zone.leader_id
    )


def offices_over(principal: Principal, zone: ZoneFacts) -> bool:
    """An office whose jurisdiction holds the zone."""
    return principal.has_any(*OFFICES) and without_zone(principal.jurisdiction).contains(
        zone.office
    )


def ensure_consolidator(principal: Principal, zone: ZoneFacts) -> None:
    """403 unless the zone's leader, or the zone's own office (county; city for a city zone)."""
    if Role.admin in principal.roles or may_lead(principal, zone):
        return
    own_office = without_zone(principal.jurisdiction) == zone.office
    if not (principal.has_any(Role.county_office, Role.city_office) and own_office):
        raise Forbidden(NOT_CONSOLIDATOR)
