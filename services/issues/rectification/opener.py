"""The opener: every agreed problem of a visit's signed feedback list becomes an issue, once.

A reactor (:mod:`shared.reactor`) on the visits topic. Issues open on the principal's
signature (:class:`FeedbackAcknowledged`), whether the list was signed as issued or
after a dispute was resolved: the signed list carries the problems that stand (amended
as resolved; withdrawn points are not in it, so they open nothing). A resolution alone
(``DisputeResolved``) opens nothing: the school has not signed yet (see "The visit
lifecycle" in docs/architecture.md). Each problem opens the issue whose id is derived
from the visit and the finding (:func:`issue_id_for`), so a replayed or twice-delivered
event — or a signature after issues were opened on a resolution by an older version of
this reactor — finds its issues already open and appends nothing.

The issue keeps the visit's where (the school's jurisdiction), and the visit event's
correlation id; its causation id is the visit event's id, so an issue's timeline leads
back to the feedback that caused it.
"""

from __future__ import annotations

import structlog

from services.issues.rectification import domain as i
from services.issues.rectification.service import SYSTEM, IssueService, issue_id_for
from shared import topics
from shared.commands import CommandContext
from shared.contracts.visits import FeedbackAcknowledged
from shared.envelope import EventEnvelope
from shared.events import EventPayload

log = structlog.get_logger(__name__)


def visit_issue_id(visit_id: str, finding_id: str) -> str:
    return issue_id_for("visit_finding", visit_id, finding_id)


class IssueOpener:
    name = "issues_opener"
    topics: tuple[str, ...] = (topics.VISITS,)
    handles = frozenset({FeedbackAcknowledged.event_type})

    def __init__(self, issues: IssueService) -> None:
        self._issues = issues

    async def react(self, event: EventEnvelope, payload: EventPayload) -> None:
        if not isinstance(payload, FeedbackAcknowledged):
            return
        ctx = CommandContext(
            actor=SYSTEM,
            now=event.occurred_at,
            correlation_id=event.correlation_id,
            causation_id=str(event.event_id),
        )
        for problem in payload.problems:
            issue_id = visit_issue_id(payload.visit_id, problem.finding_id)
            cmd = i.open_from_agreed(issue_id, payload.visit_id, payload.school_id, problem)
            opened = await self._issues.open(cmd, ctx, event.jurisdiction)
            log.info(
                "issue_opened" if opened else "issue_already_open",
                issue_id=issue_id,
                visit_id=payload.visit_id,
                finding_id=problem.finding_id,
            )
