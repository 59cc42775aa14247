"""The visit's printed documents: the 《责任督学工作手册》 entry and the 反馈清单 as PDFs.

Filled from the ``visits_visits`` read model (what happened) and the directory (display
names of the school and the inspectors); rendered by :mod:`services.visits.visit.documents`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response

from services.visits.visit import documents
from services.visits.visit.ports import DirectoryLookup
from services.visits.visit.queries import VisitQueries
from shared.auth import CurrentPrincipal
from shared.contracts.visits import DisputeOutcome, MajorKind, Method, Severity, Verdict, VisitKind
from shared.params import PathId
from shared.service import RuntimeDep

router = APIRouter(prefix="/visits", tags=["visits"])


class _Names:
    def __init__(self, directory: DirectoryLookup) -> None:
        self._directory = directory
        self._cache: dict[str, str] = {}

    async def inspector(self, inspector_id: str | None) -> str:
        if inspector_id is None:
            return ""
        if inspector_id not in self._cache:
            facts = await self._directory.inspector(inspector_id)
            self._cache[inspector_id] = facts.name if facts else inspector_id
        return self._cache[inspector_id]

    async def school(self, school_id: str) -> str:
        facts = await self._directory.school(school_id)
        return facts.name if facts else school_id


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _problems(doc: dict[str, Any]) -> tuple[documents.ProblemEntry, ...]:
    agreed = doc.get("agreed_problems") or []
    issued = (doc.get("feedback") or {}).get("problems", [])
    source = agreed or issued
    return tuple(
        documents.ProblemEntry(
            point_no=p["point_no"],
            item_title=p["item_title"],
            description=p["description"],
            requirement=p["requirement"],
            deadline=date.fromisoformat(p.get("deadline") or p["proposed_deadline"]),
            severity=Severity(p["severity"]),
            major_kind=MajorKind(p["major_kind"]) if p.get("major_kind") else None,
        )
        for p in source
    )


def _highlights(doc: dict[str, Any]) -> tuple[documents.HighlightEntry, ...]:
    return tuple(
        documents.HighlightEntry(item_title=h["item_title"], description=h["description"])
        for h in (doc.get("feedback") or {}).get("highlights", [])
    )


def _disputes(doc: dict[str, Any]) -> tuple[documents.DisputeEntry, ...]:
    if not doc.get("dispute"):
        return ()
    outcomes = {r["point_no"]: r for r in (doc.get("resolution") or {}).get("resolutions", [])}
    return tuple(
        documents.DisputeEntry(
            point_no=p["point_no"],
            reason=p["reason"],
            outcome=DisputeOutcome(outcomes[p["point_no"]]["outcome"])
            if p["point_no"] in outcomes
            else None,
            note=outcomes.get(p["point_no"], {}).get("note", ""),
        )
        for p in doc["dispute"]["points"]
    )


async def _record(doc: dict[str, Any], names: _Names) -> documents.VisitRecord:
    sign_ins = []
    for s in doc["sign_ins"]:
        loc = s.get("location")
        place = f"{loc['latitude']:.5f}, {loc['longitude']:.5f}" if loc else "未提供位置"
        sign_ins.append(
            documents.SignInEntry(
                inspector_name=await names.inspector(s["inspector_id"]),
                signed_in_at=datetime.fromisoformat(s["signed_in_at"]),
                place=place,
                distance_m=s.get("distance_m"),
                flagged=s["flagged"],
                flag_note=s.get("flag_reason"),
            )
        )
    items = [
        documents.ItemEntry(
            title=f["item_title"],
            verdict=Verdict(f["verdict"]),
            methods=tuple(Method(m) for m in f["methods"]),
            notes=f["notes"],
            evidence_count=len(f.get("evidence", [])),
            inspector_name=await names.inspector(f["inspector_id"]),
        )
        for f in doc["findings"]
        if not f.get("withdrawn")
    ]
    ack = doc.get("acknowledgement") or {}
    return documents.VisitRecord(
        visit_id=doc["visit_id"],
        school_name=await names.school(doc["school_id"]),
        county=doc.get("county") or doc["city"],
        zone=doc.get("zone_id"),
        visit_date=date.fromisoformat(doc["planned_on"]),
        kind=VisitKind(doc["kind"]),
        announced=doc["announced"],
        inspectors=tuple([await names.inspector(i) for i in doc["team"]]),
        purpose=doc["purpose"],
        focus=doc.get("focus", ""),
        sign_ins=tuple(sign_ins),
        items=tuple(items),
        problems=_problems(doc),
        highlights=_highlights(doc),
        disputes=_disputes(doc),
        summary=(doc.get("closed") or {}).get("summary")
        or (doc.get("feedback") or {}).get("summary", ""),
        signatures=documents.Signatures(
            inspector=await names.inspector(doc["lead_inspector_id"]),
            principal=ack.get("signer_name"),
            signed_on=_day(ack.get("at")),
        ),
    )


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f"inline; filename*=UTF-8''{name}"},
    )


@router.get(
    "/{visit_id}/record.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "zh-CN A4 PDF"}},
)
async def visit_record_pdf(
    visit_id: PathId, principal: CurrentPrincipal, runtime: RuntimeDep, request: Request
) -> Response:
    """《责任督学工作手册》 entry of the visit, as a zh-CN PDF."""
    doc = await VisitQueries(runtime.db).one(visit_id, principal)
    record = await _record(doc, _Names(request.app.state.directory_lookup))
    return _pdf(documents.render_visit_record(record), f"visit-record-{visit_id}.pdf")


@router.get(
    "/{visit_id}/feedback.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "zh-CN A4 PDF"}},
)
async def feedback_list_pdf(
    visit_id: PathId, principal: CurrentPrincipal, runtime: RuntimeDep, request: Request
) -> Response:
    """《责任督学挂牌督导反馈清单》 of the visit, as a zh-CN PDF (once it is issued)."""
    doc = await VisitQueries(runtime.db).one(visit_id, principal)
    if not doc.get("feedback"):
        raise HTTPException(409, "反馈清单尚未出具 (the feedback list is not issued yet)")
    names = _Names(request.app.state.directory_lookup)
    ack = doc.get("acknowledgement") or {}
    feedback = documents.FeedbackList(
        visit_id=visit_id,
        school_name=await names.school(doc["school_id"]),
        county=doc.get("county"),
        visit_date=date.fromisoformat(doc["planned_on"]),
        inspectors=tuple([await names.inspector(i) for i in doc["team"]]),
        highlights=_highlights(doc),
        problems=_problems(doc),
        disputes=_disputes(doc),
        summary=doc["feedback"].get("summary", ""),
        principal_name=ack.get("signer_name"),
        signed_on=_day(ack.get("at")),
    )
    return _pdf(documents.render_feedback_list(feedback), f"feedback-{visit_id}.pdf")
