"""Runs rebuilds of a service's read models (see :mod:`shared.rebuild`), one at a time,
while the current generations keep serving; records how far each is.

:meth:`Rebuilds.begin` records a rebuild and answers at once; a background task
(:meth:`Rebuilds.run`) chooses the new generations, captures every topic's end offsets,
replays each projection in turn (one
working set at a time beside the live ones), switches them one after another, waits
``drop_after`` seconds (a read that resolved the old pointer just before the flip
finishes on the old collections) and drops every other generation. Progress is kept in
memory, written to ``projection_rebuilds`` every ``save_every`` seconds and on every
change of state, and exported as ``duxue_rebuild_progress_ratio`` and
``duxue_rebuild_events_replayed_total``. A process that stops mid-rebuild leaves a
record that :meth:`Rebuilds.recover` marks failed on the next start (its unfinished
generation is dropped by the next rebuild).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

import structlog

from shared import metrics
from shared.commands import IllegalStep, NotFound
from shared.projection import ProjectionRunner, activate, drop_generation
from shared.rebuild import (
    PartitionProgress,
    RebuildRecord,
    RebuildState,
    capture_offsets,
    drop_other_generations,
    moved,
    next_generation,
    rebuilding_runner,
    replay,
    targets,
    with_positions,
)

if TYPE_CHECKING:
    from shared.runtime import LiveProjection, Runtime

log = structlog.get_logger(__name__)

RECORDS = "projection_rebuilds"


async def _no_hold(record: RebuildRecord) -> None:
    return None


class Rebuilds:
    """Rebuilds of the named live projections of one service, at most one at a time."""

    def __init__(
        self,
        runtime: Runtime,
        names: Sequence[str],
        drop_after: float = 2.0,
        save_every: float = 1.0,
    ) -> None:
        self._rt = runtime
        self._names = list(names)
        self._drop_after = drop_after
        self._save_every = save_every
        self._records = runtime.db[RECORDS]
        self._prefix = runtime.settings.kafka_topic_prefix
        self.current: RebuildRecord | None = None
        """The running rebuild's record, fresher than the stored one."""
        self._task: asyncio.Task[None] | None = None
        self._queue: asyncio.Queue[tuple[RebuildRecord, list[LiveProjection]] | None] = (
            asyncio.Queue()
        )
        self._held: list[LiveProjection] = []
        self.before_switch: Callable[[RebuildRecord], Awaitable[None]] = _no_hold
        """Awaited when every new generation is prepared, before the first switch (a
        test holds a rebuild there to look at it)."""

    async def recover(self) -> None:
        """Mark the rebuilds a stopped process left unfinished as failed."""
        now = self._rt.clock()
        async for doc in self._records.find({}):  # a few documents: one per rebuild
            record = RebuildRecord.model_validate(_loaded(doc))
            if not record.finished:
                failed = moved(
                    record, RebuildState.failed, now, error="服务重启，重建中断 (interrupted)"
                )
                await self._save(failed)

    async def begin(self) -> RebuildRecord:
        """Start a rebuild (``IllegalStep`` while one runs); answers once it is recorded."""
        lives = [self._rt.projections[name] for name in self._names]
        if self._held or any(live.rebuilding.locked() for live in lives):
            raise IllegalStep("已有重建正在进行 (a rebuild is already running)")
        for live in lives:
            await live.rebuilding.acquire()
        self._held = lives
        record = RebuildRecord(
            id=self._rt.new_id(), projections=self._names, started_at=self._rt.clock()
        )
        try:
            await self._save(record)
        except Exception:
            self._release()
            raise
        self.current = record
        self._queue.put_nowait((record, lives))
        return record

    async def run(self) -> None:
        """Run the rebuilds begun, one at a time, until :meth:`stop`."""
        while (job := await self._queue.get()) is not None:
            self._task = asyncio.create_task(self._run(*job), name=f"rebuild-{job[0].id}")
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def find(self, rebuild_id: UUID) -> RebuildRecord:
        if self.current is not None and self.current.id == rebuild_id:
            return self.current
        doc = await self._records.find_one({"_id": str(rebuild_id)})
        if doc is None:
            raise NotFound(f"没有重建 {rebuild_id} (unknown rebuild)")
        return RebuildRecord.model_validate(_loaded(doc))

    async def stop(self) -> None:
        """Cancel a running rebuild (the service stops; the record stays unfinished)."""
        self._queue.put_nowait(None)
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    # -- the background task ------------------------------------------------------------
    async def _run(self, record: RebuildRecord, lives: list[LiveProjection]) -> None:
        rt = self._rt
        try:
            previous: dict[str, int] = {}
            generations: dict[str, int] = {}
            rows: list[PartitionProgress] = []
            for live in lives:
                name = live.projection.name
                previous[name], generations[name] = await next_generation(rt.db, live.projection)
                rows += await capture_offsets(rt.consumer_config, live.projection, self._prefix)
            record = await self._update(
                moved(
                    record,
                    RebuildState.replaying,
                    rt.clock(),
                    previous=previous,
                    generations=generations,
                    partitions=rows,
                )
            )
            runners = []
            for live in lives:
                runner = rebuilding_runner(
                    live.projection,
                    rt.db,
                    rt.registry,
                    rt.consumer_config,
                    rt.producer,
                    generations[live.projection.name],
                )
                async with self._watching(runner):
                    await replay(runner, targets(record, runner.projection.name, self._prefix))
                runners.append(runner)
            await self.before_switch(self._latest())
            await self._update(moved(self._latest(), RebuildState.switching, rt.clock()))
            for live, runner in zip(lives, runners, strict=True):
                async with self._watching(runner):
                    await live.switch(runner)
            await self._update(self._latest().model_copy(update={"switched_at": rt.clock()}))
            await asyncio.sleep(self._drop_after)
            for live in lives:
                await drop_other_generations(
                    rt.db, live.projection, generations[live.projection.name]
                )
            await self._update(moved(self._latest(), RebuildState.switched, rt.clock()))
        except Exception as exc:
            log.exception("rebuild_failed", rebuild=str(record.id))
            await self._failed(lives, repr(exc))
        finally:
            self._release()

    async def _failed(self, lives: list[LiveProjection], reason: str) -> None:
        """Record the failure; drop the new generations no read was switched to."""
        record = self._latest()
        if record.finished:
            return
        with contextlib.suppress(Exception):
            for live in lives:
                name = live.projection.name
                new = record.generations.get(name)
                if new is not None and await activate(self._rt.db, name) != new:
                    await drop_generation(self._rt.db, live.projection, new)
        await self._update(
            moved(record, RebuildState.failed, self._rt.clock(), error=reason[:2000])
        )

    @contextlib.asynccontextmanager
    async def _watching(self, runner: ProjectionRunner) -> AsyncIterator[None]:
        """Follow a runner's positions into the record and the metrics while it folds."""
        done = asyncio.Event()

        async def follow() -> None:  # never cancelled inside a save: saves stay in order
            while not done.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), timeout=self._save_every)
                await self._observe(runner)

        task = asyncio.create_task(follow(), name=f"rebuild-watch-{runner.projection.name}")
        try:
            yield
        finally:
            done.set()
            await task

    async def _observe(self, runner: ProjectionRunner) -> None:
        name = runner.projection.name
        before = self._latest()
        after = with_positions(before, name, dict(runner.positions), self._prefix)
        for old, new in zip(before.partitions, after.partitions, strict=True):
            if new.position > old.position:
                metrics.REBUILD_EVENTS.labels(name, new.topic).inc(new.position - old.position)
        metrics.REBUILD_PROGRESS.labels(name).set(after.progress(name))
        await self._update(after)

    # -- the record ---------------------------------------------------------------------
    def _latest(self) -> RebuildRecord:
        assert self.current is not None
        return self.current

    async def _update(self, record: RebuildRecord) -> RebuildRecord:
        self.current = record
        await self._save(record)
        return record

    async def _save(self, record: RebuildRecord) -> None:
        doc = record.model_dump(mode="json")
        doc["_id"] = doc.pop("id")
        await self._records.replace_one({"_id": doc["_id"]}, doc, upsert=True)

    def _release(self) -> None:
        for live in self._held:
            live.rebuilding.release()
        self._held = []


def _loaded(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "id": doc["_id"]}
