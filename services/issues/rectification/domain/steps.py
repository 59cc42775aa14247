"""The registry of the issue's steps (see :mod:`shared.steps`): each step module registers
its ``decide`` functions by command type and its ``evolve`` functions by event type."""

from __future__ import annotations

from services.issues.rectification.domain.state import Issue
from shared.steps import Steps

STEPS: Steps[Issue] = Steps(Issue, "an issue")
decides = STEPS.decides
evolves = STEPS.evolves
