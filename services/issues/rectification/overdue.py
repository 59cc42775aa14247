"""The overdue sweep: one :class:`IssueOverdue` per deadline crossed, never for a closed issue.

Every ``overdue_sweep_seconds`` the sweep asks the read model for open issues whose
current deadline is before today (China time, from the runtime's clock) and that are
not yet marked overdue for it, and sends each
:class:`~services.issues.rectification.domain.MarkOverdue`.
The decision is the aggregate's, on its own stream: it emits nothing for a closed issue
or a deadline already reported, so a lagging read model, a restart, two sweeps at once
or a sweep after a crash can never produce a second event for the same crossing. An
approved extension sets a new deadline, whose lapse is a new crossing.

Tests move time by giving the runtime a clock, and call :meth:`OverdueSweep.sweep`
(or ``POST /admin/overdue-sweep``) instead of waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
from uuid import uuid4

import structlog

from services.issues.rectification import domain as i
from services.issues.rectification.service import SYSTEM, IssueService, UnknownIssue
from services.issues.rectification.view import VIEW
from shared.commands import CommandContext
from shared.projection import ReadModels
from shared.runtime import Runtime

log = structlog.get_logger(__name__)


class OverdueSweep:
    def __init__(self, runtime: Runtime, issues: IssueService, every_seconds: float) -> None:
        self._runtime = runtime
        self._issues = issues
        self._every = every_seconds
        self._stopping = asyncio.Event()

    async def sweep(self) -> list[str]:
        """Mark every open issue whose deadline has passed; the ids newly marked."""
        now = self._runtime.clock()
        today = i.local_day(now).isoformat()
        coll = await ReadModels(self._runtime.db, VIEW).collection("issues")
        due = coll.find(
            {"open": True, "overdue": False, "deadline": {"$lt": today}},
            projection={"_id": True},
        )
        candidates = [doc["_id"] async for doc in due]
        ctx = CommandContext(actor=SYSTEM, now=now, correlation_id=f"overdue-sweep-{uuid4()}")
        marked = []
        for issue_id in candidates:
            try:
                if await self._issues.mark_overdue(issue_id, now, ctx):
                    marked.append(issue_id)
            except UnknownIssue:  # in the read model, not in this store: another writer's
                log.warning("overdue_unknown_issue", issue_id=issue_id)
        if marked:
            log.info("issues_overdue", count=len(marked), day=today)
        return marked

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.sweep()
            except Exception:
                log.exception("overdue_sweep_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._every)

    async def stop(self) -> None:
        self._stopping.set()
