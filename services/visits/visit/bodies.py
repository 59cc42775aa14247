"""The request bodies of the visit lifecycle's routes (a finding's are its FindingFacts)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from services.visits.names import ID
from services.visits.visit import domain as v
from shared.contracts.directory import Location
from shared.contracts.visits import (
    DisputeOutcome,
    EvidenceRef,
    MajorKind,
    Method,
    Severity,
    Verdict,
    VisitKind,
)
from shared.params import MAX_VERSION, PlausibleDate

Text = Annotated[str, Field(max_length=2000)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def fields(body: BaseModel) -> dict[str, Any]:
    """A body's fields for the frozen command of the same names: lists as tuples, nested
    models as they are."""
    return {name: tuple(x) if isinstance(x, list) else x for name, x in body}


class PlanBody(_Body):
    kind: VisitKind = VisitKind.routine
    school_id: str = Field(pattern=ID)
    planned_on: PlausibleDate
    announced: bool = True
    purpose: str = Field(min_length=2, max_length=500)
    focus: Text = ""
    team: list[Annotated[str, Field(pattern=ID)]] = Field(default_factory=list, max_length=12)
    """Inspector ids; none: the calling inspector alone, or for an office the lead it
    names (an office naming neither is 422 ``body.team``)."""
    lead_inspector_id: str | None = Field(default=None, pattern=ID)
    checklist_id: str | None = Field(default=None, pattern=ID)
    checklist_version: int | None = Field(default=None, ge=1, le=MAX_VERSION)
    item_codes: list[str] | None = Field(default=None, min_length=1, max_length=50)
    assignments: dict[str, str] = Field(default_factory=dict)
    """item code → inspector id (comprehensive visits)."""
    campaign_id: str | None = Field(default=None, pattern=ID)
    plan_id: str | None = Field(default=None, max_length=80)
    follows_up: list[str] = Field(default_factory=list, max_length=50)
    visit_id: str | None = Field(default=None, pattern=ID)


class SignInBody(_Body):
    location: Location | None = None


# A finding as the inspector states it (FindingFacts) and, optionally, the id it is to
# have. No docstring: it would become the schema's description in the OpenAPI.
class FindingBody(v.FindingFacts):
    finding_id: str | None = Field(default=None, pattern=ID)


class CorrectionBody(_Body):
    reason: str = Field(min_length=2, max_length=500)
    verdict: Verdict | None = None
    notes: str | None = Field(default=None, max_length=2000)
    methods: list[Method] | None = Field(default=None, min_length=1, max_length=6)
    severity: Severity | None = None
    major_kind: MajorKind | None = None
    requirement: str | None = Field(default=None, max_length=1000)
    proposed_deadline: PlausibleDate | None = None
    evidence: list[EvidenceRef] | None = Field(default=None, max_length=30)
    withdrawn: bool = False


class SummaryBody(_Body):
    summary: Text = ""


class ReasonBody(_Body):
    reason: str = Field(min_length=2, max_length=500)


class RescheduleBody(ReasonBody):
    planned_on: PlausibleDate


class AcknowledgeBody(_Body):
    signer_name: str = Field(min_length=2, max_length=50)


class DisputedPointBody(_Body):
    point_no: int = Field(ge=1, le=1000)
    reason: str = Field(min_length=2, max_length=1000)


class DisputeBody(_Body):
    points: list[DisputedPointBody] = Field(min_length=1, max_length=50)


class ResolutionBody(_Body):
    point_no: int = Field(ge=1, le=1000)
    outcome: DisputeOutcome
    note: str = Field(min_length=2, max_length=1000)
    description: str | None = Field(default=None, max_length=2000)
    requirement: str | None = Field(default=None, max_length=1000)
    severity: Severity | None = None
    deadline: PlausibleDate | None = None


class ResolveBody(_Body):
    resolutions: list[ResolutionBody] = Field(min_length=1, max_length=50)
