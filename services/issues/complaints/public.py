"""The public complaint form (举报投诉) behind the plate's QR code: no token needed.

``/public/complaints`` is limited per client IP, its body is read with a size cap (413)
and validated strictly (422 naming the field: unknown fields refused, lengths, phone and
e-mail formats, the school must exist). It answers a tracking number and a query code;
with both, anyone can read the status and the answer — never the internal handling.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from services.issues.complaints.receiving import PUBLIC
from services.issues.complaints.schemas import ID, PublicComplaintBody, PublicReceipt, PublicStatus
from services.issues.deps import ComplaintMaxBody, ComplaintReads, Complaints
from shared.commands import CommandContext
from shared.contracts.complaints import ComplaintChannel
from shared.ratelimit import rate_limited

LIMITER = "complaint_limiter"
TRACKING_NO = r"^TS[0-9]{14}$"
QUERY_CODE = r"^[0-9A-Za-z]{8}$"
M = TypeVar("M", bound=BaseModel)

public_router = APIRouter(
    prefix="/public",
    tags=["public"],
    dependencies=[Depends(rate_limited(LIMITER))],
)


# ---------------------------------------------------------------- the public form


async def read_body(
    request: Request, model: type[M], limit: int, fixed: dict[str, Any] | None = None
) -> M:
    """The JSON body as ``model``: 413 beyond ``limit`` bytes (never read whole), 422 per field.

    ``fixed`` are values the URL already gives (the school of a plate's QR code); the body
    may repeat them but not contradict them.
    """
    declared = request.headers.get("content-length", "")
    too_large = HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE,
        f"提交内容过大，不能超过 {limit} 字节 (body larger than {limit} bytes)",
    )
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > limit:
            raise too_large
    try:
        data = json.loads(bytes(raw))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise _invalid((), "请求内容不是有效的 JSON (body is not JSON)", "json_invalid") from None
    if isinstance(data, dict):
        for key, value in (fixed or {}).items():
            if data.setdefault(key, value) != value:
                raise _invalid((key,), f"与地址中的 {key} 不一致 (contradicts the URL)", "mismatch")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None


def _invalid(loc: tuple[str, ...], message: str, kind: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", *loc), "msg": message, "type": kind}])


async def _submit_public(
    service: Complaints,
    limit: int,
    request: Request,
    response: Response,
    fixed: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body = await read_body(request, PublicComplaintBody, limit, fixed)
    runtime = request.app.state.runtime
    ctx = CommandContext(
        actor=PUBLIC, now=runtime.clock(), correlation_id=request.state.correlation_id
    )
    receipt = await service.receive(body.intake(ComplaintChannel(body.channel)), ctx)
    response.headers["Location"] = f"/public/complaints/{receipt.tracking_no}"
    return {
        "tracking_no": receipt.tracking_no,
        "query_code": receipt.query_code,
        "answer_due_on": receipt.answer_due_on.isoformat(),
        "message": (
            "您的投诉已登记并转交责任督学办理。请妥善保存受理编号和查询码，"
            f"凭此查询办理进度；我们将在 {receipt.answer_due_on.isoformat()} 前答复。"
        ),
    }


@public_router.post(
    "/complaints", status_code=status.HTTP_201_CREATED, response_model=PublicReceipt
)
async def submit_public(
    service: Complaints, limit: ComplaintMaxBody, request: Request, response: Response
) -> dict[str, Any]:
    """提交举报投诉 — the public form (no account; limited per IP).

    Body: ``school_id``, ``category`` (enrolment, teaching, teacher_ethics,
    learning_load, administration, surroundings, safety, other), ``subject``,
    ``content``, ``channel`` (online | qr_code), ``anonymous``, ``contact``
    (``name``, ``phone``, ``email``, ``address``; phone or e-mail unless anonymous).
    Keep the tracking number and query code: they are the only way to follow the case.
    """
    return await _submit_public(service, limit, request, response)


@public_router.post(
    "/schools/{school_id}/complaints",
    status_code=status.HTTP_201_CREATED,
    response_model=PublicReceipt,
)
async def submit_from_plate(
    school_id: Annotated[str, Path(pattern=ID)],
    service: Complaints,
    limit: ComplaintMaxBody,
    request: Request,
    response: Response,
) -> dict[str, Any]:
    """扫码投诉 — the form behind the plate's QR code (``complaints_url`` of the plate):
    the same body, the school from the URL, channel ``qr_code``."""
    fixed = {"school_id": school_id, "channel": ComplaintChannel.qr_code.value}
    return await _submit_public(service, limit, request, response, fixed)


@public_router.get("/complaints/{tracking_no}", response_model=PublicStatus)
async def public_status(
    tracking_no: Annotated[str, Path(pattern=TRACKING_NO)],
    code: Annotated[str, Query(pattern=QUERY_CODE, description="查询码")],
    reads: ComplaintReads,
) -> dict[str, Any]:
    """查询办理进度 — status and answer only (with the query code); nothing internal."""
    return await reads.public_status(tracking_no, code)
