"""Routes of the reporting read models' rebuild: start one, follow it (docs/reporting.md,
"Rebuild")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from shared.auth import CurrentPrincipal, Role, ensure_role
from shared.rebuild import RebuildRecord, RebuildState
from shared.rebuilder import Rebuilds
from shared.runtime import Runtime

router = APIRouter(tags=["rebuilds"])


def get_rebuilds(request: Request) -> Rebuilds:
    rebuilds: Rebuilds = request.app.state.rebuilds
    return rebuilds


RebuildsDep = Annotated[Rebuilds, Depends(get_rebuilds)]


class TopicProgress(BaseModel):
    topic: str
    events_replayed: int
    """Records of the topic folded into the new generation (catching up goes beyond the target)."""
    events_target: int
    """Records up to the end offsets captured at the start."""
    end_offsets: dict[str, int]
    """The captured end offset of each partition (by partition number)."""


class ProjectionProgress(BaseModel):
    projection: str
    previous_generation: int | None
    generation: int | None
    progress: float
    topics: list[TopicProgress]


class RebuildPublic(BaseModel):
    id: UUID
    state: RebuildState
    progress: float
    """Share of the target replayed, 0..1."""
    events_replayed: int
    events_target: int
    events_per_second: float
    projections: list[ProjectionProgress]
    started_at: datetime
    replay_started_at: datetime | None
    switched_at: datetime | None
    finished_at: datetime | None
    error: str | None


def _public(record: RebuildRecord, now: datetime) -> RebuildPublic:
    projections = []
    for name in record.projections:
        rows = [p for p in record.partitions if p.projection == name]
        topics = [
            TopicProgress(
                topic=topic,
                events_replayed=sum(p.replayed for p in rows if p.topic == topic),
                events_target=sum(p.targeted for p in rows if p.topic == topic),
                end_offsets={str(p.partition): p.target for p in rows if p.topic == topic},
            )
            for topic in dict.fromkeys(p.topic for p in rows)
        ]
        projections.append(
            ProjectionProgress(
                projection=name,
                previous_generation=record.previous.get(name),
                generation=record.generations.get(name),
                progress=record.progress(name),
                topics=topics,
            )
        )
    return RebuildPublic(
        id=record.id,
        state=record.state,
        progress=record.progress(),
        events_replayed=record.replayed(),
        events_target=record.targeted(),
        events_per_second=record.events_per_second(now),
        projections=projections,
        started_at=record.started_at,
        replay_started_at=record.replay_started_at,
        switched_at=record.switched_at,
        finished_at=record.finished_at,
        error=record.error,
    )


def _now(request: Request) -> datetime:
    runtime: Runtime = request.app.state.runtime
    return runtime.clock()


@router.post("/reports/rebuilds", status_code=202, response_model=RebuildPublic)
async def start_rebuild(
    principal: CurrentPrincipal, rebuilds: RebuildsDep, request: Request
) -> RebuildPublic:
    """重建统计读模型 — replay every topic into new collections, then switch to them
    (province office; 409 while one runs)."""
    ensure_role(principal, Role.province_office)
    return _public(await rebuilds.begin(), _now(request))


@router.get("/reports/rebuilds/{rebuild_id}", response_model=RebuildPublic)
async def rebuild_status(
    rebuild_id: UUID, principal: CurrentPrincipal, rebuilds: RebuildsDep, request: Request
) -> RebuildPublic:
    """重建进度 — state, events replayed per topic against the captured end offsets, rate."""
    ensure_role(principal, Role.province_office)
    return _public(await rebuilds.find(rebuild_id), _now(request))
