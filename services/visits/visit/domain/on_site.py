"""Step 2, on site (督中查问题): sign in where the school is; merge a team's findings.

Recording and correcting findings are :mod:`.finding`'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime

from services.visits.visit.domain.state import Stage, Visit, require_stage
from services.visits.visit.domain.steps import decides, evolves
from shared.commands import IllegalStep
from shared.contracts.directory import Location
from shared.contracts.visits import FindingsMerged, InspectorSignedIn, VisitKind
from shared.events import EventPayload


@dataclass(frozen=True)
class SignIn:
    inspector_id: str
    at: datetime
    location: Location | None
    school_location: Location | None
    radius_m: float


@dataclass(frozen=True)
class MergeFindings:
    by: str
    by_zone_leader: bool
    summary: str


def distance_m(a: Location, b: Location) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))


@decides(SignIn)
def sign_in(state: Visit, cmd: SignIn) -> list[EventPayload]:
    require_stage(state, Stage.planned, Stage.on_site, doing="签到")
    if cmd.inspector_id not in state.team:
        raise IllegalStep("您不是本次督导的督学，不能签到 (not a member of this visit's team)")
    if cmd.inspector_id in state.signed_in:
        raise IllegalStep("您已签到 (already signed in)")
    distance: float | None = None
    reason: str | None = None
    if cmd.location is None:
        reason = "签到未提供位置 (no location given)"
    elif cmd.school_location is None:
        reason = "学校未登记位置，无法核对签到地点 (the school has no location on record)"
    else:
        distance = round(distance_m(cmd.location, cmd.school_location), 1)
        if distance > cmd.radius_m:
            reason = (
                f"签到地点距学校 {distance:.0f} 米，超出 {cmd.radius_m:.0f} 米范围 "
                "(sign-in farther than the allowed radius)"
            )
    return [
        InspectorSignedIn(
            visit_id=state.visit_id,
            inspector_id=cmd.inspector_id,
            signed_in_at=cmd.at,
            location=cmd.location,
            distance_m=distance,
            radius_m=cmd.radius_m,
            flagged=reason is not None,
            flag_reason=reason,
        )
    ]


@decides(MergeFindings)
def merge(state: Visit, cmd: MergeFindings) -> list[EventPayload]:
    require_stage(state, Stage.on_site, doing="汇总督导报告")
    if state.kind != VisitKind.comprehensive:
        raise IllegalStep("只有综合督导需要汇总 (only comprehensive visits are merged)")
    if not cmd.by_zone_leader:
        raise IllegalStep("由责任区组长汇总督导报告 (the zone leader merges the report)")
    if state.merged:
        raise IllegalStep("督导报告已汇总 (already merged)")
    standing = state.standing_findings
    missing = sorted(
        code for code, _ in state.assignments if all(f.facts.item_code != code for f in standing)
    )
    if missing:
        raise IllegalStep(f"以下事项尚无记录：{'、'.join(missing)} (items without findings)")
    return [
        FindingsMerged(
            visit_id=state.visit_id,
            merged_by=cmd.by,
            finding_ids=[f.finding_id for f in standing],
            summary=cmd.summary,
        )
    ]


@evolves(InspectorSignedIn)
def signed_in(state: Visit, event: InspectorSignedIn) -> Visit:
    return replace(state, stage=Stage.on_site, signed_in=(*state.signed_in, event.inspector_id))


@evolves(FindingsMerged)
def merged(state: Visit, event: FindingsMerged) -> Visit:
    return replace(state, merged=True, merged_by=event.merged_by)
