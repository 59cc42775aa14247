"""Bulk roster import (花名册导入): ``POST /directory/imports`` and its template.

The file is the multipart field ``file`` (XLSX or CSV, see docs/roster-import.md);
``?dry_run=true`` validates and answers the diff only; ``?county=`` names the county
(default: the caller's); ``?end_missing=true`` ends the listings at the file's schools
that it no longer names (on ``?ends_on=``, default today). Answers: 201 imported (or
resumed), 200 unchanged, already imported or validated, 422 with every row error
(nothing imported), 413 too large, 415 not XLSX or CSV.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from services.visits.deps import Roster
from services.visits.directory.api.access import find_doc, where_of
from services.visits.directory.api.answers import ImportRecord, ImportSummary
from services.visits.directory.domain.division import jurisdiction_of
from services.visits.directory.roster.format import TooLarge, UnknownFormat, write_xlsx
from services.visits.directory.roster.importer import ImportOutcome, RosterInvalid
from services.visits.names import DIVISION_CODE, OFFICES
from shared.auth import CurrentPrincipal, ensure_role, ensure_sees, ensure_within
from shared.commands import CallerContext, FieldProblem
from shared.contracts.directory import DivisionLevel
from shared.http import error_body, reads_own_body
from shared.jurisdiction import Jurisdiction
from shared.params import PathId, PlausibleDate
from shared.service import RuntimeDep, command_context

router = APIRouter(prefix="/directory/imports", tags=["directory"])

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_UPLOAD_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


def _too_large(limit: int) -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE,
        f"文件超过 {limit // (1024 * 1024)} MiB 上限 (file larger than {limit} bytes)",
    )


async def _read_upload(request: Request, limit: int) -> tuple[bytes, str]:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise _too_large(limit)
    async with request.form(max_files=1, max_fields=5) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise FieldProblem(
                "body.file",
                "请以 multipart 字段 file 上传花名册文件 (multipart field 'file' missing)",
            )
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise _too_large(limit)
        return data, upload.filename or "roster"


def _body(outcome: ImportOutcome, county: str) -> dict[str, Any]:
    return {
        "import_id": outcome.import_id,
        "status": outcome.status,
        "county": county,
        "counts": outcome.counts,
        "written": outcome.written,
        "skipped": outcome.skipped,
        **({"diff": outcome.diff} if outcome.diff is not None else {}),
    }


@router.post(
    "",
    openapi_extra=_UPLOAD_SCHEMA,
    dependencies=[Depends(reads_own_body)],
    response_model=ImportSummary,
)
async def import_roster(
    request: Request,
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    importer: Roster,
    dry_run: bool = False,
    county: Annotated[str | None, Query(pattern=DIVISION_CODE)] = None,
    end_missing: bool = False,
    ends_on: PlausibleDate | None = None,
) -> JSONResponse:
    """导入花名册 — zones, inspectors, schools and listings of one county from XLSX or CSV."""
    ensure_role(principal, *OFFICES)
    code = county or principal.jurisdiction.county
    if code is None:
        raise FieldProblem("query.county", "请用 ?county= 指定县(区) (county is required)")
    derived = jurisdiction_of(code, DivisionLevel.county)
    mine = principal.jurisdiction
    target = Jurisdiction(
        province=mine.province,
        city=mine.city or derived.city,
        county=code,
    )
    ensure_within(principal, target)
    limit = int(getattr(runtime.settings, "roster_max_bytes", DEFAULT_MAX_BYTES))
    data, file_name = await _read_upload(request, limit)
    try:
        outcome = await importer.run(
            data,
            file_name,
            target,
            CallerContext(principal, command_context(request, principal)),
            dry_run=dry_run,
            end_missing=end_missing,
            ends_on=ends_on,
        )
    except UnknownFormat as exc:
        return JSONResponse(
            error_body(415, str(exc)), status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
        )
    except TooLarge as exc:  # unpacks too big, or too many rows
        return JSONResponse(
            error_body(413, str(exc)), status_code=status.HTTP_413_CONTENT_TOO_LARGE
        )
    except RosterInvalid as exc:
        return JSONResponse(
            error_body(
                422,
                f"花名册有 {len(exc.errors)} 处错误，未导入任何数据 "
                "(the roster has errors; nothing was imported)",
                errors=[e.as_dict() for e in exc.errors],
            ),
            status_code=422,
        )
    created = outcome.status in ("imported", "resumed")
    return JSONResponse(_body(outcome, code), status_code=201 if created else 200)


@router.get(
    "/template.xlsx",
    response_class=Response,
    responses={
        200: {
            "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}},
            "description": "the roster template",
        }
    },
)
async def template(principal: CurrentPrincipal) -> Response:
    """花名册模板 — an empty roster workbook with a 说明 (instructions) sheet."""
    return Response(
        write_xlsx({}, notes=True),
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": "attachment; filename=roster-template.xlsx"},
    )


@router.get("/{import_id}", response_model=ImportRecord)
async def get_import(
    import_id: PathId, principal: CurrentPrincipal, runtime: RuntimeDep
) -> dict[str, Any]:
    """An import's counts and status (``started`` or ``completed``)."""
    ensure_role(principal, *OFFICES)
    doc = await find_doc(runtime, "imports", "import", import_id)
    ensure_sees(principal, where_of(doc))
    return doc
