"""What an inspector states about one checklist item (督中查问题): the finding's fields,
stated once.

:class:`FindingFacts` is the request body of ``POST /visits/{id}/findings`` (with the
body's own ``finding_id``), the payload of :class:`~.finding.RecordFinding` and the
state of a recorded :class:`~.state.Finding`; :func:`event_fields` and
:meth:`FindingFacts.of` are the one place it meets the published ``FindingRecorded``
contract (shared/contracts/visits.py), whose JSON stays as it was.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.visits import EvidenceRef, MajorKind, Method, Severity, Verdict
from shared.params import PlausibleDate


class FindingFacts(BaseModel):
    """The bounds are the request's; the domain's rules (a problem needs a severity, a
    requirement and a deadline …) are :func:`~.finding.check_facts`'s."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_code: str = Field(min_length=1, max_length=40)
    verdict: Verdict
    notes: Annotated[str, Field(max_length=2000)] = ""
    methods: tuple[Method, ...] = Field(min_length=1, max_length=6)
    severity: Severity | None = None
    major_kind: MajorKind | None = None
    requirement: str | None = Field(default=None, max_length=1000)
    """For a problem: what the school must do (整改要求)."""
    proposed_deadline: PlausibleDate | None = None
    evidence: tuple[EvidenceRef, ...] = Field(default_factory=tuple, max_length=30)
    checks_finding_id: str | None = Field(default=None, max_length=80)
    """On a follow-up visit: the earlier finding this one checks."""

    @classmethod
    def of(cls, source: object) -> FindingFacts:
        """The facts of anything that states them (a request body, a ``FindingRecorded``),
        taken as they are: a stored event is never validated against today's bounds."""
        values = {name: getattr(source, name) for name in cls.model_fields}
        values["methods"] = tuple(values["methods"])
        values["evidence"] = tuple(values["evidence"])
        return cls.model_construct(**values)


def event_fields(facts: FindingFacts) -> dict[str, Any]:
    """The facts as ``FindingRecorded`` states them (lists where the contract has lists)."""
    values = {name: getattr(facts, name) for name in FindingFacts.model_fields}
    values["methods"] = list(facts.methods)
    values["evidence"] = list(facts.evidence)
    return values
