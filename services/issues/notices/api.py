"""HTTP routes of rectification notices (《督导整改通知书》): issue, print, receipt.

``POST /issues/{id}/notice``           an office issues the numbered notice (201)
``GET  /issues/{id}/notice.pdf``        the notice with its receipt slip, zh-CN A4
``POST /issues/{id}/notice/receipt``    the school's receipt (回执) is recorded (201)

Both steps answer the issue's new version as ``ETag`` and take ``If-Match`` (412 when
stale, checked before a notice number is reserved).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from services.issues.deps import Notices
from services.issues.notices.documents import render_notice
from shared.auth import CurrentPrincipal
from shared.params import PlausibleDate
from shared.routing import Caller, IfMatch, set_etag

router = APIRouter(prefix="/issues", tags=["notices"])

IssueId = Annotated[str, Path(pattern=r"^[0-9A-Za-z_-]{1,64}$", description="整改问题编号")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class NoticeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deadline: PlausibleDate = Field(description="限期整改的最后一天")
    note: Text = Field(default="", description="其他要求（可选）")


class ReceiptBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    received_by: Name = Field(description="学校签收人姓名")
    received_on: PlausibleDate = Field(description="签收日期")


class IssuedNoticeOut(BaseModel):
    issue_id: str
    notice_no: str
    issued_on: str
    deadline: str
    version: int


class ReceiptOut(BaseModel):
    issue_id: str
    received_by: str
    received_on: str
    version: int


@router.post(
    "/{issue_id}/notice", status_code=status.HTTP_201_CREATED, response_model=IssuedNoticeOut
)
async def issue_notice(
    issue_id: IssueId,
    body: NoticeBody,
    notices: Notices,
    caller: Caller,
    response: Response,
    expected: IfMatch,
) -> dict[str, Any]:
    """下发《督导整改通知书》 — a county (city, province) office orders a major problem fixed
    by a deadline; the notice is numbered per office and year (e.g. 游教督整〔2026〕3号)."""
    issued = await notices.issue(issue_id, body.deadline, body.note, caller, expected)
    set_etag(response, issued.version)
    response.headers["Location"] = f"/issues/{issue_id}/notice.pdf"
    return {
        "issue_id": issue_id,
        "notice_no": issued.notice_no,
        "issued_on": issued.issued_on.isoformat(),
        "deadline": issued.deadline.isoformat(),
        "version": issued.version,
    }


@router.get(
    "/{issue_id}/notice.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "A4 PDF"}},
)
async def notice_pdf(issue_id: IssueId, principal: CurrentPrincipal, notices: Notices) -> Response:
    """《督导整改通知书》 as a PDF (A4, zh-CN) with the tear-off receipt (回执)."""
    document = await notices.document(issue_id, principal)
    data = await run_in_threadpool(render_notice, document)
    name = quote(f"督导整改通知书-{document.notice_no}.pdf")
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f"inline; filename*=UTF-8''{name}"},
    )


@router.post(
    "/{issue_id}/notice/receipt", status_code=status.HTTP_201_CREATED, response_model=ReceiptOut
)
async def record_receipt(
    issue_id: IssueId,
    body: ReceiptBody,
    notices: Notices,
    caller: Caller,
    response: Response,
    expected: IfMatch,
) -> dict[str, Any]:
    """登记通知书回执 — the school's principal (or an office) records who received it, when."""
    version = await notices.record_receipt(
        issue_id, body.received_by, body.received_on, caller, expected
    )
    set_etag(response, version)
    return {
        "issue_id": issue_id,
        "received_by": body.received_by,
        "received_on": body.received_on.isoformat(),
        "version": version,
    }
