"""Rebuilds: a read model replayed from offset 0 into a new generation while the current
one keeps serving reads, then switched to by one write.

A rebuild of a projection whose active generation is *N* has two halves:

* **prepare** (:func:`next_generation`, :func:`rebuilding_runner`, :func:`replay`): a
  runner in rebuilding mode folds every topic of the projection from its first offset
  into generation *N+1*, up to the end offsets captured when the rebuild started (the
  target, :func:`capture_offsets`), then catches up to the log's end as it is by then.
  The live runner goes on folding into *N*, and readers keep reading *N*. Memory stays
  flat: the log is streamed through the runner's bounded working set, never held.
* **switch** (:meth:`shared.runtime.LiveProjection.switch`): the live runner stops, the
  prepared runner folds what arrived meanwhile, the pointer document
  (``projection_meta``, ``active_generation``) is set to *N+1* by one write
  (:func:`flip`), and the live runner starts again on *N+1* from the positions stored
  with it. Readers resolve the pointer per query (:class:`~shared.projection.ReadModels`).

A :class:`RebuildRecord` tells how far a rebuild is; its states move only forward,
by :func:`moved` (``preparing → replaying → switching → switched``, or ``failed`` from
any unfinished state). :mod:`shared.rebuilder` runs rebuilds and keeps the records.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from aiokafka import AIOKafkaProducer
from pydantic import BaseModel, ConfigDict
from pymongo.asynchronous.database import AsyncDatabase

from shared.commands import IllegalStep
from shared.consumer import ConsumerConfig, all_partitions
from shared.events import EventRegistry
from shared.kafka import make_consumer
from shared.projection import (
    META,
    Doc,
    Projection,
    ProjectionRunner,
    Tuning,
    activate,
    drop_generation,
)


class RebuildState(StrEnum):
    preparing = "preparing"
    """New generations chosen (leftovers of a crashed rebuild dropped), end offsets captured."""
    replaying = "replaying"
    """Folding the log into the new generations, to the targets, then catching up."""
    switching = "switching"
    """Pointers flipped one projection at a time; the old generations dropped after that."""
    switched = "switched"
    failed = "failed"


NEXT: dict[RebuildState, frozenset[RebuildState]] = {
    RebuildState.preparing: frozenset({RebuildState.replaying, RebuildState.failed}),
    RebuildState.replaying: frozenset({RebuildState.switching, RebuildState.failed}),
    RebuildState.switching: frozenset({RebuildState.switched, RebuildState.failed}),
}
"""The states a rebuild may move to; ``switched`` and ``failed`` are final."""


class PartitionProgress(BaseModel):
    """One partition of one projection's topics in a rebuild."""

    model_config = ConfigDict(frozen=True)

    projection: str
    topic: str
    """Without the deployment's topic prefix."""
    partition: int
    first: int
    """The partition's first offset when the rebuild started."""
    target: int
    """Its end offset then: the replay's target, before catching up."""
    position: int
    """The next offset folded into the new generation."""

    @property
    def replayed(self) -> int:
        return max(0, self.position - self.first)

    @property
    def targeted(self) -> int:
        return max(0, self.target - self.first)

    @property
    def reached(self) -> int:
        """Of the target, how much is replayed (catching up goes beyond the target)."""
        return min(self.replayed, self.targeted)


class RebuildRecord(BaseModel):
    """How far one rebuild of a service's read models is."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    projections: list[str]
    state: RebuildState = RebuildState.preparing
    previous: dict[str, int] = {}
    """The generation each projection served from when the rebuild started."""
    generations: dict[str, int] = {}
    """The new generation of each projection."""
    partitions: list[PartitionProgress] = []
    started_at: datetime
    replay_started_at: datetime | None = None
    switched_at: datetime | None = None
    """When the last pointer was flipped: from then on, every read is of a new generation."""
    finished_at: datetime | None = None
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.state not in NEXT

    def replayed(self) -> int:
        return sum(p.replayed for p in self.partitions)

    def targeted(self) -> int:
        return sum(p.targeted for p in self.partitions)

    def progress(self, projection: str | None = None) -> float:
        """Share of the target replayed (0..1); 1 for an empty log."""
        rows = [p for p in self.partitions if projection in (None, p.projection)]
        targeted = sum(p.targeted for p in rows)
        if not targeted:
            return 1.0 if rows or self.state is not RebuildState.preparing else 0.0
        return round(sum(p.reached for p in rows) / targeted, 4)

    def events_per_second(self, now: datetime) -> float:
        """Records replayed per second since the replay began (until it finished)."""
        if self.replay_started_at is None:
            return 0.0
        until = self.switched_at or self.finished_at or now
        seconds = (until - self.replay_started_at).total_seconds()
        return round(self.replayed() / seconds, 1) if seconds > 0 else 0.0


def moved(
    record: RebuildRecord, to: RebuildState, now: datetime, **changes: object
) -> RebuildRecord:
    """The record in state ``to`` (``IllegalStep`` when the machine does not allow it)."""
    if to not in NEXT.get(record.state, frozenset()):
        raise IllegalStep(
            f"重建不能从 {record.state} 转为 {to} (cannot go from {record.state} to {to})"
        )
    stamps: dict[RebuildState, str] = {
        RebuildState.replaying: "replay_started_at",
        RebuildState.switched: "finished_at",
        RebuildState.failed: "finished_at",
    }
    if to in stamps:
        changes[stamps[to]] = now
    return record.model_copy(update={"state": to, **changes})


def with_positions(
    record: RebuildRecord, projection: str, positions: dict[str, int], prefix: str
) -> RebuildRecord:
    """The record with a projection's positions (``"<topic>:<partition>"`` → next offset,
    topics with their prefix) as its runner holds them; positions never move back."""
    rows = [
        p.model_copy(
            update={
                "position": max(
                    p.position, positions.get(f"{prefix}{p.topic}:{p.partition}", p.position)
                )
            }
        )
        if p.projection == projection
        else p
        for p in record.partitions
    ]
    return record.model_copy(update={"partitions": rows})


def targets(record: RebuildRecord, projection: str, prefix: str) -> dict[str, int]:
    """The end offsets captured for a projection, as its runner names partitions."""
    return {
        f"{prefix}{p.topic}:{p.partition}": p.target
        for p in record.partitions
        if p.projection == projection
    }


# -- the generation primitives ---------------------------------------------------------
async def next_generation(db: AsyncDatabase[Doc], projection: Projection) -> tuple[int, int]:
    """The active generation and the one a rebuild fills: the next, emptied of what a
    crashed rebuild may have left there."""
    current = await activate(db, projection.name)
    await drop_generation(db, projection, current + 1)
    return current, current + 1


async def drop_other_generations(
    db: AsyncDatabase[Doc], projection: Projection, keep: int
) -> list[int]:
    """Drop every generation of the projection but ``keep`` (the old one after a switch,
    and any a rebuild interrupted mid-switch left); the generations dropped."""
    pattern = re.compile(rf"^rm_{re.escape(projection.name)}_g([0-9]+)_")
    found = {
        int(m.group(1))
        for name in await db.list_collection_names()
        if (m := pattern.match(name)) is not None
    }
    dropped = sorted(found - {keep})
    for generation in dropped:
        await drop_generation(db, projection, generation)
    return dropped


async def capture_offsets(
    config: ConsumerConfig, projection: Projection, prefix: str
) -> list[PartitionProgress]:
    """The first and end offsets of every partition of the projection's topics, now."""
    consumer = make_consumer(
        config.bootstrap_servers,
        group_id=config.group_id(f"rebuild.{projection.name}"),
        client_id=f"rebuild-{projection.name}",
    )
    await consumer.start()
    try:
        assigned = await all_partitions(consumer, tuple(prefix + t for t in projection.topics))
        firsts = await consumer.beginning_offsets(assigned)
        ends = await consumer.end_offsets(assigned)
    finally:
        await consumer.stop()
    return [
        PartitionProgress(
            projection=projection.name,
            topic=tp.topic.removeprefix(prefix),
            partition=tp.partition,
            first=firsts[tp],
            target=ends[tp],
            position=firsts[tp],
        )
        for tp in assigned
    ]


def rebuilding_runner(
    projection: Projection,
    db: AsyncDatabase[Doc],
    registry: EventRegistry,
    config: ConsumerConfig,
    producer: AIOKafkaProducer,
    generation: int,
    tuning: Tuning | None = None,
) -> ProjectionRunner:
    """A runner that fills an inactive generation (no redo records: a crash there means
    the rebuild starts over)."""
    return ProjectionRunner(
        projection, db, registry, config, producer, generation, tuning, rebuilding=True
    )


async def replay(runner: ProjectionRunner, end_offsets: dict[str, int] | None = None) -> None:
    """Fold the log into the runner's generation up to ``end_offsets`` (the log's end
    now, when not given), then catch up to the log's end as it is by then."""
    if end_offsets is not None:
        await runner.run(end_offsets=end_offsets)
    await runner.run(until_end=True)


async def flip(db: AsyncDatabase[Doc], projection: str, generation: int) -> None:
    """Make ``generation`` the one every read resolves to: one write of the pointer."""
    await db[META].update_one(
        {"_id": projection}, {"$set": {"active_generation": generation}}, upsert=True
    )
