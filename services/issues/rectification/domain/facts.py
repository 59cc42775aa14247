"""What the school and the inspector state at a step, stated once: each value object is
the request body of its route, the payload of its command and, field for field, what its
event states (``RectificationPlanSubmitted``, ``ProgressReported``,
``DeadlineExtensionRequested``, ``IssueEscalated`` in shared/contracts/issues.py, whose
JSON stays as it was).

The bounds are the request's (422 naming the field); the domain's rules (steps in order
of their due dates, a note or evidence, a later deadline …) are the steps' (409). ``of``
takes facts as they are, without the request's bounds, for a command built in code.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Self, cast

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.visits import EvidenceRef
from shared.params import PlausibleDate

Text = Annotated[str, Field(min_length=2, max_length=2000)]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class _Facts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def of(cls, *values: Any) -> Self:
        """The facts in the order of their fields, taken as they are."""
        facts = cls.model_construct(**dict(zip(cls.model_fields, values, strict=False)))
        return cast(Self, facts)

    def event_fields(self) -> dict[str, Any]:
        """The facts as their event states them (the event validates them into its own
        types: a step into a ``PlanStep``, a tuple into a list)."""
        return self.model_dump()


class StepFacts(_Facts):
    """One step (milestone) of a plan: what, who, by when."""

    description: str = Field(min_length=2, max_length=500)
    owner: Name
    due_on: PlausibleDate


class PlanFacts(_Facts):
    """The school's plan (整改方案)."""

    steps: tuple[StepFacts, ...] = Field(min_length=1, max_length=30)
    timetable: bool = False
    """The problem cannot be fixed at once: the steps are a timetable of milestones."""

    @classmethod
    def of(cls, *steps: tuple[str, str, date], timetable: bool = False) -> PlanFacts:
        return cls.model_construct(
            steps=tuple(
                StepFacts.model_construct(description=d, owner=o, due_on=due) for d, o, due in steps
            ),
            timetable=timetable,
        )


class ProgressFacts(_Facts):
    """Progress on the rectification (整改进展), with its evidence (uploaded first)."""

    note: Text
    evidence: tuple[EvidenceRef, ...] = Field(default_factory=tuple, max_length=30)

    @classmethod
    def of(cls, note: str, *evidence: EvidenceRef) -> ProgressFacts:
        return cls.model_construct(note=note, evidence=evidence)


class ExtensionFacts(_Facts):
    """A request for a later deadline (申请延期)."""

    new_deadline: PlausibleDate
    reason: Text


class EscalationFacts(_Facts):
    """A written report to a body (上报) of a problem the school cannot fix itself."""

    to_body: Name
    """The local government or department, e.g. 县住建局."""
    report: Text
