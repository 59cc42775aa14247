"""HTTP routes of administrative divisions (行政区划): register, rename, read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.visits.deps import Directory
from services.visits.directory.api.access import (
    Name,
    Reason,
    ack,
    find_doc,
    page,
    tagged,
)
from services.visits.directory.api.answers import DivisionOut
from services.visits.directory.domain.division import RegisterDivision, RenameDivision, stream_id
from services.visits.names import DIVISION_CODE
from shared.auth import CurrentPrincipal
from shared.contracts.directory import DivisionLevel
from shared.paging import Page
from shared.params import PathId
from shared.routing import Caller, Fresh, IfMatch, PagedOrSkip, accepted_model
from shared.service import RuntimeDep

router = APIRouter(tags=["directory"])
Accepted = accepted_model("code", __name__)


class DivisionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=DIVISION_CODE, description="GB/T 2260 六位区划代码")
    name: Name
    level: DivisionLevel


class DivisionRename(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    reason: Reason


@router.post("/divisions", status_code=status.HTTP_201_CREATED, response_model=Accepted)
async def register_division(
    body: DivisionCreate, caller: Caller, directory: Directory, response: Response
) -> dict[str, Any]:
    """登记行政区划 — name a province, city or county (an office above or at it)."""
    cmd = RegisterDivision(**body.model_dump())
    written = await directory.handle(body.code, cmd, caller)
    return ack(response, "code", body.code, written.version, created="/divisions")


@router.patch("/divisions/{code}", response_model=Accepted)
async def rename_division(
    code: Annotated[str, Field(pattern=DIVISION_CODE)],
    body: DivisionRename,
    caller: Caller,
    directory: Directory,
    response: Response,
    expected: IfMatch,
) -> dict[str, Any]:
    """区划更名 — correct a division's name."""
    cmd = RenameDivision(code=code, **body.model_dump())
    written = await directory.handle(code, cmd, caller, expected)
    return ack(response, "code", code, written.version)


@router.get("/divisions", response_model=Page[DivisionOut])
async def list_divisions(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    paging: PagedOrSkip,
    parent_code: Annotated[str | None, Query(pattern=DIVISION_CODE)] = None,
    level: DivisionLevel | None = None,
) -> Page[dict[str, Any]]:
    """Division names (public facts: any signed-in user)."""
    query: dict[str, Any] = {}
    if parent_code is not None:
        query["parent_code"] = parent_code
    if level is not None:
        query["level"] = level.value
    return await page(runtime, "divisions", query, "code", paging)


@router.get("/divisions/{code}", response_model=DivisionOut)
async def get_division(
    code: PathId, principal: CurrentPrincipal, runtime: RuntimeDep, response: Response, fresh: Fresh
) -> dict[str, Any]:
    doc = await find_doc(runtime, "divisions", "division", code, fresh, stream_id(code))
    return tagged(response, doc)
