"""The complaint aggregate (举报投诉) as a checked state machine.

Pure: ``decide(state, command, seal)`` returns the events to append or raises
:class:`~shared.commands.IllegalStep` (HTTP 409) with a zh-CN reason; :func:`evolve`
folds one event into the state. No I/O and no clock: the day of receipt and the
listed inspectors enter through :class:`ReceiveComplaint`, "today" through
:func:`answer_overdue`, and ``seal`` (the complaint's data key, like the clock brought
by the caller) turns the words of a command into the sealed text its event carries —
commands hold free text in clear, events never do. Who may take a step (the routed
inspector, the county office) is the application service's question (403), not this
package's.

Statuses::

    received ─(same command)─▶ routed ─accept─▶ accepted ─verify─▶ verified
    verified ─answer─▶ answered ─close─▶ closed
    routed ─reject─▶ rejected (不予受理)
    routed | accepted ─reroute (county office)─▶ routed
    verified | answered ─link issue (substantiated or partly, once)─▶ same status
    any status ─erase (county office)─▶ same status, ``erased``: no step after it

The package: :mod:`.state` (the slim state, the statuses, the guards and the step
registries), one module a step with its commands, its ``decide`` functions and the
``evolve`` functions of its events — :mod:`.intake` (receive, re-route),
:mod:`.handling` (accept, reject, verify, link the issue, answer, close),
:mod:`.erasure`; :func:`decide` and :func:`evolve` look them up by type.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.issues.complaints.domain.erasure import Erase, erase
from services.issues.complaints.domain.handling import (
    Accept,
    Answer,
    Close,
    LinkIssue,
    Reject,
    Verify,
    accept,
    answer,
    close,
    link_issue,
    reject,
    verify,
)
from services.issues.complaints.domain.intake import (
    ReceiveComplaint,
    Reroute,
    receive,
    reroute,
)
from services.issues.complaints.domain.state import (
    AWAITING_ANSWER,
    DECIDERS,
    ROUTER,
    STATUS_LABELS,
    STEPS,
    SUBSTANTIATED,
    Complaint,
    Seal,
    Status,
    answer_overdue,
    due_on,
    stream_id,
)
from shared.events import EventPayload

Command = ReceiveComplaint | Reroute | Accept | Reject | Verify | LinkIssue | Answer | Close | Erase


def decide(state: Complaint, cmd: Command, seal: Seal) -> list[EventPayload]:
    """One entry point for every command (used by the service and the property tests)."""
    step = DECIDERS.get(type(cmd))
    if step is None:
        raise TypeError(f"unknown command {cmd!r}")
    return step(state, cmd, seal)


def evolve(state: Complaint, event: EventPayload) -> Complaint:
    return STEPS.evolve(state, event)


def replay(events: Sequence[EventPayload]) -> Complaint:
    return STEPS.replay(events)


__all__ = [
    "AWAITING_ANSWER",
    "DECIDERS",
    "ROUTER",
    "STATUS_LABELS",
    "STEPS",
    "SUBSTANTIATED",
    "Accept",
    "Answer",
    "Close",
    "Command",
    "Complaint",
    "Erase",
    "LinkIssue",
    "ReceiveComplaint",
    "Reject",
    "Reroute",
    "Seal",
    "Status",
    "Verify",
    "accept",
    "answer",
    "answer_overdue",
    "close",
    "decide",
    "due_on",
    "erase",
    "evolve",
    "link_issue",
    "receive",
    "reject",
    "replay",
    "reroute",
    "stream_id",
    "verify",
]
