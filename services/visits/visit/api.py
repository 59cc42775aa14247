"""HTTP routes of the visit lifecycle (五环节): plan, sign in, record, feedback, answer, close.

Every write is a command on the visit's stream and answers with the stream's new
version in ``ETag``; writes that edit something already recorded (finding corrections)
take ``If-Match``. Reads come from the ``visits_visits`` read model, except the timeline,
which is the stream itself.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import BaseModel

from services.visits.deps import DirectoryFacts, VisitReads, Visits
from services.visits.names import DIVISION_CODE, ID
from services.visits.visit import domain as v
from services.visits.visit.bodies import (
    AcknowledgeBody,
    CorrectionBody,
    DisputeBody,
    FindingBody,
    PlanBody,
    ReasonBody,
    RescheduleBody,
    ResolveBody,
    SignInBody,
    SummaryBody,
    fields,
)
from services.visits.visit.planning import PlanRequest
from services.visits.visit.queries import visible
from services.visits.visit.service import VisitService
from shared.answers import Located, TimelineEntry
from shared.auth import CurrentPrincipal, ensure_sees
from shared.commands import CallerContext
from shared.contracts.visits import (
    VisitKind,
)
from shared.directory.filters import ensure_filter_within
from shared.http import timeline_entry
from shared.paging import Page
from shared.params import PathId
from shared.routing import Caller, Fresh, IfMatch, PagedOrSkip, accept, accepted_model, set_etag
from shared.service import RuntimeDep


class VisitOut(Located):
    """A visit with its sign-ins, findings, feedback list and outcome."""

    visit_id: str
    school_id: str
    county: str | None
    kind: str
    stage: str
    stage_label: str
    planned_on: str
    announced: bool
    lead_inspector_id: str
    team: list[str]
    sign_ins: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    version: int


router = APIRouter(prefix="/visits", tags=["visits"])


Accepted = accepted_model("visit_id", __name__, finding_id=str)


class Sender:
    """Sends a route's command to the visit's stream and answers it (the stream's new
    version as ``ETag``): the caller, the service and the response, as one dependency."""

    def __init__(
        self,
        caller: CallerContext,
        visits: VisitService,
        response: Response,
        expected: int | None = None,
    ) -> None:
        self.caller = caller
        self.by = caller.principal.user_id
        self.visits = visits
        self.response = response
        self.expected = expected
        """The request's ``If-Match``: every command route honours it (412 when stale)."""

    async def __call__(
        self, visit_id: str, cmd: v.Command, expected: int | None = None, **extra: str
    ) -> BaseModel:
        expected = self.expected if expected is None else expected
        version = await self.visits.handle(visit_id, cmd, self.caller, expected)
        return accept(self.response, Accepted, version, visit_id=visit_id, **extra)


def _sender(caller: Caller, visits: Visits, response: Response, expected: IfMatch) -> Sender:
    return Sender(caller, visits, response, expected)


Send = Annotated[Sender, Depends(_sender)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Accepted)
async def plan_visit(body: PlanBody, send: Send) -> BaseModel:
    """安排督导 — plan a visit (督前制蓝本)."""
    req = PlanRequest(**{**fields(body), "assignments": tuple(body.assignments.items())})
    visit_id, version = await send.visits.plan(req, send.caller)
    send.response.headers["Location"] = f"/visits/{visit_id}"
    return accept(send.response, Accepted, version, visit_id=visit_id)


@router.post("/{visit_id}/reschedule", response_model=Accepted)
async def reschedule_visit(
    visit_id: PathId, body: RescheduleBody, send: Send, expected: IfMatch
) -> BaseModel:
    """改期 — move a visit that has not started."""
    cmd = v.RescheduleVisit(planned_on=body.planned_on, reason=body.reason)
    return await send(visit_id, cmd, expected)


@router.post("/{visit_id}/cancel", response_model=Accepted)
async def cancel_visit(
    visit_id: PathId, body: ReasonBody, send: Send, expected: IfMatch
) -> BaseModel:
    """取消 — cancel a visit that has not started."""
    return await send(visit_id, v.CancelVisit(reason=body.reason), expected)


@router.post("/{visit_id}/sign-in", response_model=Accepted)
async def sign_in(visit_id: PathId, body: SignInBody, send: Send) -> BaseModel:
    """签到 — sign in at the school; time is the server's, place is checked, not trusted."""
    return await send(visit_id, v.SignIn(send.by, send.caller.ctx.now, body.location, None, 0.0))


@router.post("/{visit_id}/findings", status_code=201, response_model=Accepted)
async def record_finding(
    visit_id: PathId, body: FindingBody, send: Send, runtime: RuntimeDep, expected: IfMatch
) -> BaseModel:
    """记录督导情况 — record one checklist item (fine / highlight / problem) with evidence."""
    finding_id = body.finding_id or runtime.new_id().hex[:16]
    cmd = v.RecordFinding(finding_id, send.by, v.FindingFacts.of(body))
    return await send(visit_id, cmd, expected, finding_id=finding_id)


@router.patch("/{visit_id}/findings/{finding_id}", response_model=Accepted)
async def correct_finding(
    visit_id: PathId, finding_id: PathId, body: CorrectionBody, send: Send, expected: IfMatch
) -> BaseModel:
    """更正记录 — correct (or withdraw) a finding before feedback; a new event, never an edit."""
    cmd = v.CorrectFinding(finding_id=finding_id, inspector_id=send.by, **fields(body))
    return await send(visit_id, cmd, expected, finding_id=finding_id)


@router.post("/{visit_id}/merge", response_model=Accepted)
async def merge_findings(visit_id: PathId, body: SummaryBody, send: Send) -> BaseModel:
    """汇总 — the zone leader merges a comprehensive visit's findings into one report."""
    cmd = v.MergeFindings(by=send.by, by_zone_leader=True, summary=body.summary)
    return await send(visit_id, cmd)


@router.post("/{visit_id}/feedback", response_model=Accepted)
async def issue_feedback(visit_id: PathId, body: SummaryBody, send: Send) -> BaseModel:
    """出具反馈清单 — issue the feedback list: highlights and problems with requirements."""
    return await send(visit_id, v.IssueFeedback(by=send.by, summary=body.summary))


@router.post("/{visit_id}/acknowledgement", response_model=Accepted)
async def acknowledge(visit_id: PathId, body: AcknowledgeBody, send: Send) -> BaseModel:
    """校长签收 — the principal signs the feedback list."""
    return await send(visit_id, v.Acknowledge(by=send.by, signer_name=body.signer_name))


@router.post("/{visit_id}/disputes", response_model=Accepted)
async def dispute(visit_id: PathId, body: DisputeBody, send: Send) -> BaseModel:
    """申辩 — the school disputes named points with reasons."""
    points = tuple((p.point_no, p.reason) for p in body.points)
    return await send(visit_id, v.Dispute(by=send.by, points=points))


@router.post("/{visit_id}/dispute-resolution", response_model=Accepted)
async def resolve_dispute(visit_id: PathId, body: ResolveBody, send: Send) -> BaseModel:
    """处理申辩 — uphold, amend or withdraw each disputed point."""
    resolutions = tuple(v.Resolution(**r.model_dump()) for r in body.resolutions)
    return await send(visit_id, v.ResolveDispute(by=send.by, resolutions=resolutions))


@router.post("/{visit_id}/close", response_model=Accepted)
async def close_visit(visit_id: PathId, body: SummaryBody, send: Send) -> BaseModel:
    """办结 — close the visit; its record is archived."""
    return await send(visit_id, v.CloseVisit(by=send.by, summary=body.summary))


# ---------------------------------------------------------------- reads


@router.get("/{visit_id}", response_model=VisitOut)
async def get_visit(
    visit_id: PathId,
    principal: CurrentPrincipal,
    reads: VisitReads,
    response: Response,
    fresh: Fresh,
) -> dict[str, Any]:
    """一次督导的全部情况 — a visit with sign-ins, findings, feedback and outcome
    (``min_version``: once the read model shows that version)."""
    visit = await reads.one(visit_id, principal, fresh)
    if isinstance(visit.get("version"), int):
        set_etag(response, visit["version"])
    return visit


@router.get("", response_model=Page[VisitOut])
async def list_visits(
    principal: CurrentPrincipal,
    reads: VisitReads,
    facts: DirectoryFacts,
    paging: PagedOrSkip,
    school_id: Annotated[str | None, Query(pattern=ID)] = None,
    county: Annotated[str | None, Query(pattern=DIVISION_CODE)] = None,
    stage: Annotated[v.Stage | None, Query()] = None,
    kind: Annotated[VisitKind | None, Query()] = None,
    inspector_id: Annotated[str | None, Query(pattern=ID)] = None,
    campaign_id: Annotated[str | None, Query(pattern=ID)] = None,
) -> Page[dict[str, Any]]:
    """Visits the caller sees (zones ignored), newest planned day first, with filters."""
    await ensure_filter_within(principal, facts, school_id=school_id, inspector_id=inspector_id)
    return await reads.page(
        principal,
        paging,
        school_id=school_id,
        county=county,
        stage=stage.value if stage else None,
        kind=kind.value if kind else None,
        team=inspector_id,
        campaign_id=campaign_id,
    )


@router.get("/{visit_id}/timeline", response_model=list[TimelineEntry])
async def timeline(
    visit_id: PathId, principal: CurrentPrincipal, runtime: RuntimeDep
) -> list[dict[str, Any]]:
    """督导全过程 — every event of the visit's stream, in order, with who, when and why.

    Read from the stream itself (not the read model), so it is complete the moment a
    command is accepted.
    """
    events = await runtime.store.load(v.stream_id(visit_id))
    if not events:
        raise HTTPException(404, f"督导 {visit_id} 不存在 (unknown visit)")
    ensure_sees(principal, events[0].jurisdiction)
    first = {"announced": events[0].payload.get("announced"), "stage": "planned"}
    if len(events) > 1 and events[1].event_type != "cn.duxue.visits.visit_cancelled":
        first["stage"] = "on_site"
    if not visible(principal, first):
        raise HTTPException(404, f"督导 {visit_id} 不存在 (unknown visit)")
    return [timeline_entry(e) for e in events]
