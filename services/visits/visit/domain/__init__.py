"""The visit aggregate: the five steps of a visit (五环节) as a checked state machine.

Pure: ``decide`` functions take the current :class:`Visit` and a command and return the
events to append (or raise :class:`~shared.commands.IllegalStep`, HTTP 409, with a zh-CN
reason); :func:`evolve` folds one event into the state. No I/O, no clock: facts the
decisions need (the school's location, the sign-in radius, who is the zone leader)
arrive inside the commands.

Stages::

    planned ─sign in─▶ on_site ─[merge]─ feedback ─▶ feedback_issued
    planned ─cancel─▶ cancelled
    feedback_issued ─acknowledge─▶ acknowledged ─close─▶ closed
    feedback_issued ─dispute─▶ disputed ─resolve─▶ dispute_resolved ─acknowledge─▶ acknowledged

Comprehensive visits are merged by the zone leader before feedback. Every list ends
signed by the principal (签收): directly, or after the disputed points were resolved, in
which case the signature is over the resolved list (the record that both sides agreed).
Only a signed list can be closed.

The package: :mod:`.state` (the slim state and the guards), :mod:`.facts` (a finding's
fields, stated once), one module per step with its commands, its ``decide`` functions
and the ``evolve`` functions of its events (:mod:`.planning`, :mod:`.on_site`,
:mod:`.finding`, :mod:`.feedback`), registered in :mod:`.steps`; :func:`decide` and
:func:`evolve` look them up by type.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.visits.visit.domain.facts import FindingFacts, event_fields
from services.visits.visit.domain.feedback import (
    Acknowledge,
    CloseVisit,
    Dispute,
    IssueFeedback,
    Resolution,
    ResolveDispute,
)
from services.visits.visit.domain.finding import CorrectFinding, RecordFinding, check_facts
from services.visits.visit.domain.on_site import MergeFindings, SignIn, distance_m
from services.visits.visit.domain.planning import CancelVisit, PlanVisit, RescheduleVisit, plan
from services.visits.visit.domain.state import STAGE_LABELS, Finding, Stage, Visit, stream_id
from services.visits.visit.domain.steps import DECIDERS, EVOLVERS
from shared.events import EventPayload

__all__ = [
    "STAGE_LABELS",
    "Acknowledge",
    "CancelVisit",
    "CloseVisit",
    "Command",
    "CorrectFinding",
    "Dispute",
    "Finding",
    "FindingFacts",
    "IssueFeedback",
    "MergeFindings",
    "PlanVisit",
    "RecordFinding",
    "RescheduleVisit",
    "Resolution",
    "ResolveDispute",
    "SignIn",
    "Stage",
    "Visit",
    "check_facts",
    "decide",
    "distance_m",
    "event_fields",
    "evolve",
    "plan",
    "replay",
    "stream_id",
]

Command = (
    PlanVisit
    | RescheduleVisit
    | CancelVisit
    | SignIn
    | RecordFinding
    | CorrectFinding
    | MergeFindings
    | IssueFeedback
    | Acknowledge
    | Dispute
    | ResolveDispute
    | CloseVisit
)


def decide(state: Visit, cmd: Command) -> list[EventPayload]:
    """The events a command leads to, by the step registered for its type."""
    step = DECIDERS.get(type(cmd))
    if step is None:
        raise TypeError(f"unknown command {cmd!r}")
    return step(state, cmd)


def evolve(state: Visit, event: EventPayload) -> Visit:
    step = EVOLVERS.get(type(event))
    if step is None:
        raise ValueError(f"a visit stream cannot hold {event.event_type}")
    return step(state, event)


def replay(events: Sequence[EventPayload]) -> Visit:
    state = Visit()
    for event in events:
        state = evolve(state, event)
    return state
