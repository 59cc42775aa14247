"""HTTP routes of the evidence store: upload, download (integrity-checked), metadata."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from tempfile import SpooledTemporaryFile
from typing import Annotated, Any
from urllib.parse import quote
from uuid import uuid4

from fastapi import APIRouter, FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel

from services.visits.api import ID, school_jurisdiction
from services.visits.directory_view import VIEW as DIRECTORY_VIEW
from services.visits.evidence import EvidenceCorrupted, GridFSEvidence, StoredEvidence
from services.visits.evidence_types import EXTENSIONS, SizeClass, safe_file_name
from services.visits.evidence_upload import Received, Refused, receive
from services.visits.settings import VisitsSettings
from shared.auth import CurrentPrincipal, Principal, Role, ensure_role, ensure_within
from shared.http import error_body
from shared.jurisdiction import Jurisdiction
from shared.projection import ReadModels
from shared.runtime import Runtime
from shared.service import RuntimeDep

router = APIRouter(prefix="/evidence", tags=["evidence"])

UPLOADERS = (
    Role.inspector,
    Role.zone_leader,
    Role.county_office,
    Role.city_office,
    Role.province_office,
)
VISIT_ID = re.compile(r"^[0-9A-Za-z_-]{2,64}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
INLINE = ("image/", "audio/", "application/pdf")
SWEEP_AFTER = timedelta(hours=1)
READ_PIECE = 64 * 1024

CORRUPTED_MESSAGE = (
    "证据文件已损坏：存储的内容与上传时记录的校验值不一致，请联系督导室并重新上传该证据"
    " (evidence corrupted: the stored bytes no longer match the sha256 recorded at upload)"
)


class EvidenceOut(BaseModel):
    evidence_id: str
    sha256: str
    size: int
    media_type: str
    file_name: str
    school_id: str
    visit_id: str | None
    uploaded_by: str
    uploaded_at: str
    created: bool = True
    """False when the same bytes were already stored for this school (that one is returned)."""


async def start_evidence(runtime: Runtime, app: FastAPI) -> None:
    """Wire the evidence store into the app (called from ``bootstrap``)."""
    settings = runtime.settings
    assert isinstance(settings, VisitsSettings)
    store = GridFSEvidence(runtime.db, chunk_size_bytes=settings.evidence_chunk_bytes)
    await store.prepare()
    await store.sweep_interrupted(runtime.clock() - SWEEP_AFTER)
    app.state.evidence = store
    app.state.evidence_limits = {
        SizeClass.image: settings.evidence_max_image_bytes,
        SizeClass.audio: settings.evidence_max_audio_bytes,
        SizeClass.document: settings.evidence_max_document_bytes,
    }


def _store(request: Request) -> GridFSEvidence:
    store: GridFSEvidence = request.app.state.evidence
    return store


def _refused(exc: Refused) -> JSONResponse:
    body = error_body(
        exc.status, exc.message, errors=[{"field": exc.field, "message": exc.message}]
    )
    return JSONResponse(body, status_code=exc.status)


async def _school_doc(runtime: Runtime, school_id: str) -> dict[str, Any] | None:
    schools = await ReadModels(runtime.db, DIRECTORY_VIEW).collection("schools")
    return await schools.find_one({"_id": school_id})


def _school_id(fields: Mapping[str, str]) -> str:
    school_id = fields.get("school_id", "")
    if not re.fullmatch(ID, school_id):
        raise Refused(422, "body.school_id", "学校标识无效或缺失 (school_id is missing or invalid)")
    return school_id


def _declared_sha256(fields: Mapping[str, str]) -> str:
    declared = fields.get("sha256", "").lower()
    if not SHA256.fullmatch(declared):
        raise Refused(
            422, "body.sha256", "sha256 须为 64 位十六进制校验值 (sha256 must be 64 hex digits)"
        )
    return declared


def _visit_id(fields: Mapping[str, str]) -> str | None:
    visit_id = fields.get("visit_id") or None
    if visit_id is not None and not VISIT_ID.fullmatch(visit_id):
        raise Refused(422, "body.visit_id", "走访标识无效 (visit_id is invalid)")
    return visit_id


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "school_id", "sha256"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "school_id": {"type": "string"},
                        "visit_id": {"type": "string"},
                        "sha256": {"type": "string", "description": "the client's hash"},
                    },
                }
            }
        },
    }
}


@router.post(
    "",
    status_code=201,
    response_model=EvidenceOut,
    openapi_extra=_UPLOAD_BODY,
    responses={413: {}, 415: {}, 422: {}, 403: {}, 404: {}},
)
async def upload_evidence(
    request: Request, principal: CurrentPrincipal, runtime: RuntimeDep
) -> Response:
    """上传证据 — upload a photo, recording or document of a visit (multipart).

    Images up to 10 MiB, audio 50 MiB, documents 20 MiB (settings). The declared
    ``sha256`` must match the bytes. Uploading the same bytes for the same school again
    returns the evidence already stored (200, ``created: false``).
    """
    ensure_role(principal, *UPLOADERS)
    where: list[Jurisdiction] = []

    async def admit(fields: Mapping[str, str]) -> None:
        # The fields usually precede the file: refuse before reading its bytes.
        if "school_id" in fields and not where:
            where.append(await _authorize(runtime, principal, fields))

    length = request.headers.get("content-length")
    try:
        received = await receive(
            request.headers.get("content-type", ""),
            int(length) if length and length.isdigit() else None,
            request.stream(),
            request.app.state.evidence_limits,
            admit,
        )
    except Refused as exc:
        return _refused(exc)
    with received.spool:
        try:
            return await _keep(request, runtime, principal, received, where)
        except Refused as exc:
            return _refused(exc)


async def _authorize(
    runtime: Runtime, principal: Principal, fields: Mapping[str, str]
) -> Jurisdiction:
    school_id = _school_id(fields)
    doc = await _school_doc(runtime, school_id)
    if doc is None:
        raise Refused(404, "body.school_id", f"学校 {school_id} 不存在 (unknown school)")
    jurisdiction = school_jurisdiction(doc)
    ensure_within(principal, jurisdiction)
    return jurisdiction


async def _keep(
    request: Request,
    runtime: Runtime,
    principal: Principal,
    received: Received,
    where: list[Jurisdiction],
) -> Response:
    fields = received.fields
    school_id = _school_id(fields)
    declared = _declared_sha256(fields)
    visit_id = _visit_id(fields)
    jurisdiction = where[0] if where else await _authorize(runtime, principal, fields)
    if declared != received.sha256:
        raise Refused(
            422,
            "body.sha256",
            "文件校验值与声明的 sha256 不一致，文件未保存"
            f" (declared sha256 does not match the bytes: they hash to {received.sha256})",
        )
    store = _store(request)
    existing = await store.same_bytes(school_id, received.sha256)
    if existing is not None and existing.media_type == received.media_type:
        return _answer(existing, created=False)
    evidence_id = uuid4().hex
    stored = await store.store(
        evidence_id,
        received.spool,
        file_name=safe_file_name(received.file_name, evidence_id, received.media_type),
        sha256=received.sha256,
        media_type=received.media_type,
        school_id=school_id,
        visit_id=visit_id,
        uploaded_by=principal.user_id,
        jurisdiction=jurisdiction.path,
        now=runtime.clock(),
    )
    return _answer(stored, created=True)


def _answer(stored: StoredEvidence, created: bool) -> JSONResponse:
    body = EvidenceOut(**stored.public(), created=created).model_dump(mode="json")
    return JSONResponse(
        body,
        status_code=201 if created else 200,
        headers={"Location": f"/evidence/{stored.evidence_id}", "ETag": f'"{stored.sha256}"'},
    )


async def _visible(
    request: Request, runtime: Runtime, principal: Principal, evidence_id: str
) -> StoredEvidence:
    stored = await _store(request).record(evidence_id)
    if stored is None:
        raise HTTPException(404, f"证据 {evidence_id} 不存在 (unknown evidence)")
    doc = await _school_doc(runtime, stored.school_id)
    where = school_jurisdiction(doc) if doc else Jurisdiction.from_path(stored.jurisdiction)
    ensure_within(principal, where)
    return stored


def content_disposition(file_name: str, media_type: str) -> str:
    """``inline``/``attachment`` with an ASCII fallback and the UTF-8 name (RFC 5987/6266)."""
    kind = "inline" if media_type.startswith(INLINE) else "attachment"
    if file_name.isascii() and file_name.isprintable():
        fallback = file_name.replace("\\", "_").replace('"', "_")
    else:
        fallback = f"evidence.{EXTENSIONS.get(media_type, 'bin')}"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


async def _pieces(spool: SpooledTemporaryFile[bytes]) -> AsyncIterator[bytes]:
    try:
        while piece := spool.read(READ_PIECE):
            yield piece
    finally:
        spool.close()


@router.get("/{evidence_id}", responses={200: {"content": {"application/octet-stream": {}}}})
async def download_evidence(
    evidence_id: str,
    principal: CurrentPrincipal,
    request: Request,
    runtime: RuntimeDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """下载证据 — the bytes, checked against their sha256 before they are sent.

    A file whose stored bytes no longer match answers **502** ``evidence_corrupted``
    (the store behind this service returned something other than what was recorded:
    a server-side fault, not the caller's, and not one a retry fixes).
    """
    stored: StoredEvidence = await _visible(request, runtime, principal, evidence_id)
    etag = f'"{stored.sha256}"'
    if if_none_match is not None and etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers={"ETag": etag})
    try:
        spool = await _store(request).read_verified(stored)
    except EvidenceCorrupted:
        body = {"error": "evidence_corrupted", "message": CORRUPTED_MESSAGE}
        return JSONResponse(
            {**body, "evidence_id": evidence_id},
            status_code=502,
            headers={"Cache-Control": "no-store"},
        )
    return StreamingResponse(
        _pieces(spool),
        media_type=stored.media_type,
        headers={
            "Content-Length": str(stored.size),
            "ETag": etag,
            "Content-Disposition": content_disposition(stored.file_name, stored.media_type),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=86400",
        },
    )


@router.get("/{evidence_id}/meta", response_model=EvidenceOut)
async def evidence_meta(
    evidence_id: str, principal: CurrentPrincipal, request: Request, runtime: RuntimeDep
) -> EvidenceOut:
    """证据信息 — what was recorded about a piece of evidence (never its bytes)."""
    stored: StoredEvidence = await _visible(request, runtime, principal, evidence_id)
    return EvidenceOut(**stored.public())
