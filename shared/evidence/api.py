"""HTTP routes of the evidence store: upload, download (integrity-checked), metadata.

The same routes serve every service that takes evidence; what differs per service is
set once at start-up by :func:`start_evidence` on ``app.state``: the store (its own
GridFS bucket in its own database), the size limits (``EvidenceSettings``), where its
schools are (its own directory read model) and who may upload.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from tempfile import SpooledTemporaryFile
from typing import Annotated
from urllib.parse import quote
from uuid import uuid4

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel

from shared.auth import CurrentPrincipal, Principal, Role, ensure_role, ensure_sees, ensure_within
from shared.commands import Forbidden
from shared.directory.lookup import DirectoryLookup
from shared.evidence.media import EXTENSIONS, safe_file_name
from shared.evidence.settings import EvidenceSettings
from shared.evidence.store import EvidenceCorrupted, GridFSEvidence, StoredEvidence
from shared.evidence.upload import Received, Refused, receive
from shared.http import error_body, reads_own_body
from shared.jurisdiction import Jurisdiction
from shared.params import PathId
from shared.runtime import Runtime
from shared.service import RuntimeDep

router = APIRouter(prefix="/evidence", tags=["evidence"])

FIELD_STAFF_AND_OFFICES = (
    Role.inspector,
    Role.zone_leader,
    Role.county_office,
    Role.city_office,
    Role.province_office,
)
"""Who uploads in the visits service (the inspectors on site and the offices)."""

SCHOOL_ID = re.compile(r"^[0-9A-Za-z_-]{2,40}$")
LABEL_ID = re.compile(r"^[0-9A-Za-z_-]{2,64}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
INLINE = ("image/", "audio/", "application/pdf")
SWEEP_AFTER = timedelta(hours=1)
READ_PIECE = 64 * 1024

CORRUPTED_MESSAGE = (
    "证据文件已损坏：存储的内容与上传时记录的校验值不一致，请联系督导室并重新上传该证据"
    " (evidence corrupted: the stored bytes no longer match the sha256 recorded at upload)"
)


SchoolOf = Callable[[str], Awaitable[str | None]]
"""The school a visit or issue id names in this service (``None``: no such record)."""

LABELS = {"visit_id": "督导", "issue_id": "整改问题"}


@dataclass(frozen=True)
class EvidenceAccess:
    """Where the service's schools are, who may upload there, and what an upload may be
    labelled with.

    Every caller is scoped by the school's jurisdiction (403 outside it). A caller who
    may upload only as :attr:`Role.principal` must moreover be the principal *of that
    school* (their token's ``school`` is the upload's ``school_id``). ``labels`` holds,
    per label field (``visit_id``, ``issue_id``), how this service finds the school of
    the record it names; a label the service does not know is refused.
    """

    directory: DirectoryLookup
    uploaders: tuple[Role, ...]
    labels: Mapping[str, SchoolOf] = field(default_factory=dict)

    async def check_label(self, name: str, value: str | None, school_id: str) -> None:
        """422 ``body.<name>`` unless ``value`` names a record of ``school_id`` here."""
        if value is None:
            return
        what = LABELS.get(name, name)
        school_of = self.labels.get(name)
        if school_of is None:
            raise Refused(
                422, f"body.{name}", f"本服务的证据不能标记{what} (this service takes no {name})"
            )
        found = await school_of(value)
        if found is None:
            raise Refused(422, f"body.{name}", f"{what} {value} 不存在 (unknown {name[:-3]})")
        if found != school_id:
            raise Refused(
                422,
                f"body.{name}",
                f"{what} {value} 不属于学校 {school_id} (a {name[:-3]} of another school)",
            )

    def ensure_may_upload(self, principal: Principal, school_id: str, where: Jurisdiction) -> None:
        ensure_within(principal, where)
        others = tuple(r for r in self.uploaders if r is not Role.principal)
        if principal.has_any(*others):
            return
        if principal.jurisdiction.school != school_id:
            raise Forbidden(
                "校长只能为本校上传证据 (a principal uploads for their own school only)"
            )


class EvidenceOut(BaseModel):
    evidence_id: str
    sha256: str
    size: int
    media_type: str
    file_name: str
    school_id: str
    visit_id: str | None
    issue_id: str | None
    uploaded_by: str
    uploaded_at: str
    created: bool = True
    """False when the same bytes were already stored for this school (that one is returned)."""


async def start_evidence(
    runtime: Runtime,
    app: FastAPI,
    *,
    directory: DirectoryLookup,
    uploaders: tuple[Role, ...],
    labels: Mapping[str, SchoolOf] | None = None,
) -> GridFSEvidence:
    """Wire the evidence store into the app (called from the service's ``bootstrap``).

    ``runtime.settings`` must include :class:`EvidenceSettings`; ``directory`` is the
    service's own directory read model (``ReadModelDirectory(db, "<service>_directory")``).
    Afterwards ``app.state.evidence`` is the store (and the ``EvidenceLookup``).
    """
    settings = runtime.settings
    if not isinstance(settings, EvidenceSettings):  # pragma: no cover - a wiring mistake
        raise TypeError(f"{type(settings).__name__} does not include EvidenceSettings")
    store = GridFSEvidence(runtime.db, chunk_size_bytes=settings.evidence_chunk_bytes)
    await store.prepare()
    await store.sweep_interrupted(runtime.clock() - SWEEP_AFTER)
    app.state.evidence = store
    app.state.evidence_limits = settings.evidence_limits()
    app.state.evidence_access = EvidenceAccess(directory, uploaders, labels or {})
    return store


def _store(request: Request) -> GridFSEvidence:
    store: GridFSEvidence = request.app.state.evidence
    return store


def _access(request: Request) -> EvidenceAccess:
    access: EvidenceAccess = request.app.state.evidence_access
    return access


def _refused(exc: Refused) -> JSONResponse:
    body = error_body(
        exc.status, exc.message, errors=[{"field": exc.field, "message": exc.message}]
    )
    return JSONResponse(body, status_code=exc.status)


def _school_id(fields: Mapping[str, str]) -> str:
    school_id = fields.get("school_id", "")
    if not SCHOOL_ID.fullmatch(school_id):
        raise Refused(422, "body.school_id", "学校标识无效或缺失 (school_id is missing or invalid)")
    return school_id


def _declared_sha256(fields: Mapping[str, str]) -> str:
    declared = fields.get("sha256", "").lower()
    if not SHA256.fullmatch(declared):
        raise Refused(
            422, "body.sha256", "sha256 须为 64 位十六进制校验值 (sha256 must be 64 hex digits)"
        )
    return declared


def _label(fields: Mapping[str, str], name: str, what: str) -> str | None:
    value = fields.get(name) or None
    if value is not None and not LABEL_ID.fullmatch(value):
        raise Refused(422, f"body.{name}", f"{what}标识无效 ({name} is invalid)")
    return value


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
                        "visit_id": {"type": "string", "description": "what it is for"},
                        "issue_id": {"type": "string", "description": "what it is for"},
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
    responses={409: {}, 413: {}, 415: {}, 422: {}, 403: {}},
    dependencies=[Depends(reads_own_body)],  # the evidence limits apply (see receive())
)
async def upload_evidence(
    request: Request, principal: CurrentPrincipal, runtime: RuntimeDep
) -> Response:
    """上传证据 — upload a photo, recording or document (multipart).

    Images up to 10 MiB, audio 50 MiB, documents 20 MiB (settings). The declared
    ``sha256`` must match the bytes. ``visit_id`` / ``issue_id``, if given, name a visit
    or issue of that school known to this service (else 422). Uploading the same bytes for
    the same school again returns the evidence already stored (200, ``created: false``);
    labelled for another visit or issue than that one's, it is 409 (cite the stored one).
    """
    access = _access(request)
    ensure_role(principal, *access.uploaders)
    where: list[Jurisdiction] = []

    async def admit(fields: Mapping[str, str]) -> None:
        # The fields usually precede the file: refuse before reading its bytes.
        if "school_id" in fields and not where:
            where.append(await _authorize(access, principal, fields))

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
            return await _keep(request, runtime, access, principal, received, where)
        except Refused as exc:
            return _refused(exc)


async def _authorize(
    access: EvidenceAccess, principal: Principal, fields: Mapping[str, str]
) -> Jurisdiction:
    school_id = _school_id(fields)
    school = await access.directory.school(school_id)
    if school is None:
        raise Refused(422, "body.school_id", f"学校 {school_id} 不存在 (unknown school)")
    access.ensure_may_upload(principal, school_id, school.jurisdiction)
    return school.jurisdiction


async def _keep(
    request: Request,
    runtime: Runtime,
    access: EvidenceAccess,
    principal: Principal,
    received: Received,
    where: list[Jurisdiction],
) -> Response:
    fields = received.fields
    school_id = _school_id(fields)
    declared = _declared_sha256(fields)
    visit_id = _label(fields, "visit_id", "走访")
    issue_id = _label(fields, "issue_id", "整改问题")
    jurisdiction = where[0] if where else await _authorize(access, principal, fields)
    await access.check_label("visit_id", visit_id, school_id)
    await access.check_label("issue_id", issue_id, school_id)
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
        _ensure_same_record(existing, visit_id, issue_id)
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
        issue_id=issue_id,
        uploaded_by=principal.user_id,
        jurisdiction=jurisdiction.path,
        now=runtime.clock(),
    )
    return _answer(stored, created=True)


def _ensure_same_record(
    existing: StoredEvidence, visit_id: str | None, issue_id: str | None
) -> None:
    """The same bytes again are the evidence already stored — unless the upload labels
    them for another visit or issue than that one's: 409, naming the stored evidence
    (cite its id instead; one stored file keeps the one label it was uploaded with)."""
    for name, wanted, stored in (
        ("visit_id", visit_id, existing.visit_id),
        ("issue_id", issue_id, existing.issue_id),
    ):
        if wanted is not None and wanted != stored:
            label = f"{LABELS[name]} {stored}" if stored else "未标记"
            raise Refused(
                409,
                f"body.{name}",
                f"该文件已作为证据 {existing.evidence_id} 保存（{label}），请直接引用该证据"
                f" (the same bytes are already stored as evidence {existing.evidence_id}"
                f" under {name} {stored}; cite that evidence)",
            )


def _answer(stored: StoredEvidence, created: bool) -> JSONResponse:
    body = EvidenceOut(**stored.public(), created=created).model_dump(mode="json")
    return JSONResponse(
        body,
        status_code=201 if created else 200,
        headers={"Location": f"/evidence/{stored.evidence_id}", "ETag": f'"{stored.sha256}"'},
    )


async def _visible(request: Request, principal: Principal, evidence_id: str) -> StoredEvidence:
    stored = await _store(request).record(evidence_id)
    if stored is None:
        raise HTTPException(404, f"证据 {evidence_id} 不存在 (unknown evidence)")
    school = await _access(request).directory.school(stored.school_id)
    where = school.jurisdiction if school else Jurisdiction.from_path(stored.jurisdiction)
    ensure_sees(principal, where)
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


@router.get(
    "/{evidence_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the bytes"}},
)
async def download_evidence(
    evidence_id: PathId,
    principal: CurrentPrincipal,
    request: Request,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """下载证据 — the bytes, checked against their sha256 before they are sent.

    A file whose stored bytes no longer match answers **502** ``evidence_corrupted``
    (the store behind this service returned something other than what was recorded:
    a server-side fault, not the caller's, and not one a retry fixes).
    """
    stored: StoredEvidence = await _visible(request, principal, evidence_id)
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
    evidence_id: PathId, principal: CurrentPrincipal, request: Request
) -> EvidenceOut:
    """证据信息 — what was recorded about a piece of evidence (never its bytes)."""
    stored: StoredEvidence = await _visible(request, principal, evidence_id)
    return EvidenceOut(**stored.public())
