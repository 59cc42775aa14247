"""The issue aggregate: a problem's rectification (整改) as a checked state machine.

Pure: ``decide`` functions take the current :class:`Issue` and a command and return the
events to append (or raise :class:`~shared.commands.IllegalStep`, HTTP 409, with a zh-CN
reason); :func:`evolve` folds one event into the state. No I/O, no clock: the time
enters through commands (:class:`MarkOverdue` carries ``now``).

Stages::

    open ─plan─▶ plan_submitted ─progress─▶ in_progress ─submit─▶ awaiting_verification
    awaiting_verification ─verify─▶ closed (销号) ─reopen─▶ reopened ─plan─▶ plan_submitted
    awaiting_verification ─reject─▶ in_progress

Beside the stage, while the issue is not closed:

* a deadline extension may be pending; approval moves the deadline;
* an escalation (上报) is pending until the body answers it; the issue cannot be closed
  before that, so every problem keeps a visible owner;
* :func:`mark_overdue` emits :class:`IssueOverdue` once per deadline crossed;
* a major problem gets at most one formal notice (《督导整改通知书》), whose deadline
  becomes the issue's deadline.

The package: :mod:`.state` (the slim state and the guards), :mod:`.facts` (what a
step states, once for body, command and event), one module per step with its
commands, its ``decide`` functions and the ``evolve`` functions of its events
(:mod:`.opening`, :mod:`.rectifying`, :mod:`.deadlines`, :mod:`.escalation`,
:mod:`.notice`), registered in :mod:`.steps`; :func:`decide` and :func:`evolve` look
them up by type.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.issues.rectification.domain.deadlines import (
    ApproveExtension,
    DenyExtension,
    MarkOverdue,
    RequestExtension,
    mark_overdue,
)
from services.issues.rectification.domain.escalation import (
    Escalate,
    RecordEscalationAnswer,
    RecordEscalationReceipt,
)
from services.issues.rectification.domain.facts import (
    EscalationFacts,
    ExtensionFacts,
    PlanFacts,
    ProgressFacts,
    StepFacts,
)
from services.issues.rectification.domain.notice import IssueNotice, RecordNoticeReceipt
from services.issues.rectification.domain.opening import OpenIssue, open_from_agreed
from services.issues.rectification.domain.rectifying import (
    RejectVerification,
    Reopen,
    ReportProgress,
    SubmitForVerification,
    SubmitPlan,
    Verify,
)
from services.issues.rectification.domain.state import (
    OPEN_STAGES,
    STAGE_LABELS,
    Escalation,
    Issue,
    Stage,
    stream_id,
)
from services.issues.rectification.domain.steps import STEPS
from shared.deadlines import CHINA as CHINA  # deadlines are days in China
from shared.deadlines import local_day as local_day
from shared.events import EventPayload

__all__ = [
    "CHINA",
    "OPEN_STAGES",
    "STAGE_LABELS",
    "ApproveExtension",
    "Command",
    "DenyExtension",
    "Escalate",
    "Escalation",
    "EscalationFacts",
    "ExtensionFacts",
    "Issue",
    "IssueNotice",
    "MarkOverdue",
    "OpenIssue",
    "PlanFacts",
    "ProgressFacts",
    "RecordEscalationAnswer",
    "RecordEscalationReceipt",
    "RecordNoticeReceipt",
    "RejectVerification",
    "Reopen",
    "ReportProgress",
    "RequestExtension",
    "Stage",
    "StepFacts",
    "SubmitForVerification",
    "SubmitPlan",
    "Verify",
    "decide",
    "evolve",
    "local_day",
    "mark_overdue",
    "open_from_agreed",
    "replay",
    "stream_id",
]

Command = (
    OpenIssue
    | SubmitPlan
    | ReportProgress
    | SubmitForVerification
    | Verify
    | RejectVerification
    | Reopen
    | RequestExtension
    | ApproveExtension
    | DenyExtension
    | Escalate
    | RecordEscalationReceipt
    | RecordEscalationAnswer
    | MarkOverdue
    | IssueNotice
    | RecordNoticeReceipt
)


def decide(state: Issue, cmd: Command) -> list[EventPayload]:
    """One entry point for every command (used by the service and the property tests)."""
    return STEPS.decide(state, cmd)


def evolve(state: Issue, event: EventPayload) -> Issue:
    return STEPS.evolve(state, event)


def replay(events: Sequence[EventPayload]) -> Issue:
    return STEPS.replay(events)
