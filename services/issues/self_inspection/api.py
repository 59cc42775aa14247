"""HTTP routes of monthly self-inspection (月自查问题报告单) and weekly zone consolidation."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.issues.deps import Directory, SelfInspections
from services.issues.rectification.service import OFFICES
from services.issues.self_inspection import domain as si
from services.issues.self_inspection.commands import (
    ConsolidateWeek,
    FileReport,
    ReviseReport,
    UnknownReport,
    parse_week,
)
from shared.answers import Document, Located
from shared.auth import CurrentPrincipal, Principal, Role, ensure_role, ensure_sees, scope_filter
from shared.directory.filters import ensure_filter_within
from shared.jurisdiction import Jurisdiction
from shared.paging import Page, find_page, paged
from shared.params import PlausibleMonth, PlausibleWeek
from shared.routing import Caller, Fresh, IfMatch, Paged, set_etag


class ReportDoc(Located):
    """A monthly self-inspection report (月自查问题报告单); the list leaves out ``history``."""

    report_id: str
    school_id: str
    county: str
    zone_id: str
    month: str
    status: str
    late: bool
    deadline: str
    revision: int
    problem_count: int
    safety_hazards: int
    problems: list[dict[str, Any]]
    tracked: list[dict[str, Any]]
    version: int


class ZoneWeek(Document):
    """A zone's ISO week: each school's reports of the months it touches, the counts, the
    consolidation (if recorded)."""

    zone_id: str
    week: str
    months: list[str]
    schools: list[dict[str, Any]]
    consolidation: dict[str, Any] | None


router = APIRouter(tags=["self-inspection"])

ID = r"^[0-9A-Za-z_-]{2,40}$"
REPORT_ID = r"^[0-9A-Za-z_-]{2,40}-[0-9]{4}-(0[1-9]|1[0-2])$"
DIVISION_CODE = r"^[0-9]{6}$"
READERS = (*OFFICES, Role.inspector, Role.zone_leader, Role.integrator, Role.principal)


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school_id: str = Field(pattern=ID)
    month: PlausibleMonth = Field(examples=["2026-11"])
    problems: list[si.ProblemFacts] = Field(default_factory=list, max_length=50)
    no_problems: bool = Field(default=False, description="本月自查未发现问题")
    note: str = Field(default="", max_length=2000)


class ReportRevision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    problems: list[si.ProblemIn] = Field(default_factory=list, max_length=50)
    no_problems: bool = False
    reason: str = Field(min_length=2, max_length=500)


class TrackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    report_id: str = Field(pattern=REPORT_ID)
    problem_no: int = Field(ge=1, le=10_000)


class ConsolidationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    week: PlausibleWeek = Field(examples=["2026-W48"])
    note: str = Field(default="", max_length=2000)
    track: list[TrackIn] = Field(default_factory=list, max_length=200)
    amendment: bool = Field(default=False, description="补充汇总: amend a recorded week")
    reason: str = Field(default="", max_length=500)


class ReportOut(BaseModel):
    report_id: str
    version: int
    revision: int
    late: bool
    deadline: date | None
    problem_nos: list[int]


class ConsolidationOut(BaseModel):
    consolidation_id: str
    version: int
    week: str
    amendment: int
    reports: int
    unfiled: list[dict[str, Any]]
    problems: int
    safety_hazards: int
    problems_by_item: dict[str, int]
    tracked: list[str]
    already_tracked: list[str]


def _ensure_sees(principal: Principal, where: Jurisdiction) -> None:
    ensure_role(principal, *READERS)
    ensure_sees(principal, where)


def _report_out(report: si.Report, version: int) -> dict[str, Any]:
    return {
        "report_id": report.report_id,
        "version": version,
        "revision": report.revision,
        "late": report.late,
        "deadline": report.deadline,
        "problem_nos": [p.problem_no for p in report.problems],
    }


@router.post("/self-inspections", status_code=status.HTTP_201_CREATED, response_model=ReportOut)
async def file_report(
    body: ReportCreate, reports: SelfInspections, caller: Caller, response: Response
) -> dict[str, Any]:
    """报送月自查问题报告单 — the school's principal files the month's report (once)."""
    cmd = FileReport(body.month, tuple(body.problems), body.no_problems, body.note)
    written = await reports.handle(body.school_id, cmd, caller)
    set_etag(response, written.version)
    response.headers["Location"] = f"/self-inspections/{written.report.report_id}"
    return _report_out(written.report, written.version)


@router.post("/self-inspections/{report_id}/revisions", response_model=ReportOut)
async def revise_report(
    report_id: Annotated[str, Path(pattern=REPORT_ID)],
    body: ReportRevision,
    reports: SelfInspections,
    caller: Caller,
    response: Response,
    expected: IfMatch,
) -> dict[str, Any]:
    """修订自查报告 — the principal replaces the problem list, with a reason (``If-Match``)."""
    cmd = ReviseReport(tuple(body.problems), body.no_problems, body.reason)
    written = await reports.handle(report_id, cmd, caller, expected)
    set_etag(response, written.version)
    return _report_out(written.report, written.version)


def _scope(principal: Principal, county: str | None, school: str | None) -> dict[str, Any]:
    ensure_role(principal, *READERS)
    return scope_filter(principal, county=county, school_id=school)


@router.get("/self-inspections", response_model=Page[ReportDoc])
async def list_reports(
    principal: CurrentPrincipal,
    reports: SelfInspections,
    directory: Directory,
    paging: Paged,
    school: Annotated[str | None, Query(pattern=ID)] = None,
    county: Annotated[str | None, Query(pattern=DIVISION_CODE)] = None,
    zone: Annotated[str | None, Query(pattern=ID)] = None,
    month: Annotated[PlausibleMonth | None, Query()] = None,
    report_status: Annotated[Literal["filed", "late"] | None, Query(alias="status")] = None,
) -> Page[dict[str, Any]]:
    """Reports in the caller's jurisdiction (a principal: their school's), newest month first."""
    query = _scope(principal, county, school)
    await ensure_filter_within(principal, directory, school_id=school, zone_id=zone)
    if zone is not None:
        query["zone_id"] = zone
    if month is not None:
        query["month"] = month
    if report_status is not None:
        query["status"] = report_status
    coll = await reports.read_models.collection("reports")
    shown = {"history": False, "_id": False}
    total, rows = await find_page(coll, query, [("month", -1), ("_id", 1)], paging, shown)
    return paged(total, rows, paging)


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "_id"}


@router.get("/self-inspections/{report_id}", response_model=ReportDoc)
async def get_report(
    report_id: Annotated[str, Path(pattern=REPORT_ID)],
    principal: CurrentPrincipal,
    reports: SelfInspections,
    response: Response,
    fresh: Fresh,
) -> dict[str, Any]:
    """One report with its current problems, what is tracked, and its history."""
    coll = await reports.read_models.collection("reports")
    await fresh.at_least(coll, {"_id": report_id}, si.stream_id(report_id))
    doc = await coll.find_one({"_id": report_id})
    if doc is None:
        raise UnknownReport(report_id)
    where = Jurisdiction(
        province=doc["province"],
        city=doc["city"],
        county=doc.get("county"),
        school=doc["school_id"],
    )
    _ensure_sees(principal, where)
    set_etag(response, doc["version"])
    return _public(doc)


@router.get("/zones/{zone_id}/self-inspections", response_model=ZoneWeek)
async def zone_week(
    zone_id: Annotated[str, Path(pattern=ID)],
    principal: CurrentPrincipal,
    service: SelfInspections,
    week: Annotated[PlausibleWeek, Query(examples=["2026-W48"])],
) -> dict[str, Any]:
    """责任区每周汇总 — every school of the zone with its report status for the months the
    ISO week touches (filed / late / missing / not_due), problems by item, safety hazards,
    and the week's recorded consolidation if there is one."""
    zone = await service.readable_zone(principal, zone_id)
    parsed = parse_week(week, "query.week")
    summary, docs, names = await service.week_view(zone, parsed)
    rows = []
    for row in summary.rows:
        doc = docs.get(si.report_id(row.school_id, row.month))
        entry: dict[str, Any] = {
            "school_id": row.school_id,
            "school_name": names.get(row.school_id),
            "month": row.month,
            "status": row.status,
            "report_id": None,
        }
        if doc is not None:
            entry.update(
                report_id=doc["report_id"],
                revision=doc["revision"],
                filed_at=doc["filed_at"],
                no_problems=doc["no_problems"],
                problem_count=doc["problem_count"],
                safety_hazards=doc["safety_hazards"],
                by_item=doc["by_item"],
                problems=doc["problems"],
                tracked=doc["tracked"],
            )
        rows.append(entry)
    consolidation = await service.consolidation(zone_id, parsed)
    return {
        "zone_id": zone_id,
        "zone_name": zone.name,
        "week": parsed.label,
        "week_starts_on": parsed.starts_on,
        "week_ends_on": parsed.ends_on,
        "months": list(parsed.months),
        "deadlines": {m: service.deadline(m) for m in parsed.months},
        "as_of": service.today(),
        "counts": summary.status_counts(),
        "problems": summary.problems,
        "safety_hazards": summary.safety_hazards,
        "problems_by_item": summary.problems_by_item(),
        "schools": rows,
        "consolidation": None if consolidation is None else _public(consolidation),
    }


@router.post(
    "/zones/{zone_id}/self-inspection-consolidations",
    status_code=201,
    response_model=ConsolidationOut,
)
async def record_consolidation(
    zone_id: Annotated[str, Path(pattern=ID)],
    body: ConsolidationCreate,
    reports: SelfInspections,
    caller: Caller,
    response: Response,
    expected: IfMatch,
) -> dict[str, Any]:
    """记录每周汇总 — the zone leader (or the zone's office) records the week's consolidation,
    taking up listed problems for tracking (each opens a rectification issue). A week is
    consolidated once; later changes are ``amendment: true`` with a ``reason``."""
    cmd = ConsolidateWeek(
        week=body.week,
        tracks=tuple((t.report_id, t.problem_no) for t in body.track),
        note=body.note,
        amendment=body.amendment,
        reason=body.reason,
    )
    result = await reports.handle(zone_id, cmd, caller, expected)
    event = result.event
    set_etag(response, result.version)
    response.headers["Location"] = f"/zones/{zone_id}/self-inspections?week={event.week}"
    return {
        "consolidation_id": event.consolidation_id,
        "version": result.version,
        "week": event.week,
        "amendment": getattr(event, "amendment", 0),
        "reports": len(event.reports),
        "unfiled": [u.model_dump(mode="json") for u in event.unfiled],
        "problems": event.problems,
        "safety_hazards": event.safety_hazards,
        "problems_by_item": event.problems_by_item,
        "tracked": [t.issue_id for t in event.tracked],
        "already_tracked": list(result.already_tracked),
    }
