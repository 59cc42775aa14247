"""What every thin route is made of: the caller, the expected version, the ETag, a page.

A route turns a request into a command and hands it to its service with
:data:`Caller` (the verified principal and the command's context) and :data:`IfMatch`
(the version the client expects, ``None`` when it sent none); it answers with the
written version as ``ETag`` through :func:`set_etag`. Lists answer a :class:`Page`
whose filters were applied before ``offset``/``limit``, so a page is never short
while rows remain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar, cast

from fastapi import Depends, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, create_model

from shared.auth import CurrentPrincipal
from shared.commands import CallerContext
from shared.freshness import Freshness
from shared.http import parse_if_match
from shared.paging import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, Page, Paging
from shared.params import MAX_VERSION
from shared.service import RuntimeDep, command_context

T = TypeVar("T")


def from_state(attribute: str, kind: type[T]) -> Callable[[Request], T]:
    """A dependency answering ``request.app.state.<attribute>`` typed as ``kind`` (what the
    service's bootstrap put there), for ``Annotated[kind, Depends(from_state(...))]``."""

    def get(request: Request) -> T:
        return cast(T, getattr(request.app.state, attribute))

    get.__name__ = f"state_{attribute}"
    return get


__all__ = [
    "Caller",
    "Fresh",
    "IfMatch",
    "MinVersionQuery",
    "Page",
    "Paged",
    "PagedOrSkip",
    "Paging",
    "accept",
    "accepted_model",
    "set_etag",
]


def _caller(request: Request, principal: CurrentPrincipal) -> CallerContext:
    return CallerContext(principal=principal, ctx=command_context(request, principal))


Caller = Annotated[CallerContext, Depends(_caller)]
"""The verified caller (401/403 as :func:`shared.auth.current_principal`) and the
context its command brings (actor, the clock's now, the correlation id)."""


def _if_match(if_match: Annotated[str | None, Header()] = None) -> int | None:
    return parse_if_match(if_match)


IfMatch = Annotated[int | None, Depends(_if_match)]
"""The stream version named by ``If-Match`` (``"3"`` or ``W/"3"``; 422 otherwise)."""


def set_etag(response: Response, version: int) -> None:
    """Tell the client the version it read or wrote, for its next ``If-Match``."""
    response.headers["ETag"] = f'"{version}"'


def accepted_model(
    key: str, module: str, name: str = "Accepted", **optional: type
) -> type[BaseModel]:
    """The answer model of a feature's commands: ``{key: id, "version": n}``, plus the
    ``optional`` fields (``None`` unless given). ``module`` is the feature's routes
    module, so the OpenAPI names each feature's model as it always has."""
    fields: dict[str, Any] = {key: (str, ...), "version": (int, ...)}
    fields.update({field: (kind | None, None) for field, kind in optional.items()})
    model: type[BaseModel] = create_model(name, __module__=module, **fields)
    return model


def accept(response: Response, model: type[BaseModel], version: int, **ids: str) -> BaseModel:
    """A command's answer: the ids and the version written, the version as ``ETag``."""
    set_etag(response, version)
    return model(version=version, **ids)


OFFSET_HELP = "跳过的条数 (rows to skip)"
LIMIT_HELP = f"每页条数，1 至 {MAX_LIMIT} (rows per page)"
SKIP_HELP = "offset 的旧名，下一版本删除 (deprecated alias of offset)"
Offset = Annotated[int | None, Query(ge=0, le=MAX_OFFSET, description=OFFSET_HELP)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=LIMIT_HELP)]
OldSkip = Annotated[int | None, Query(ge=0, le=MAX_OFFSET, deprecated=True, description=SKIP_HELP)]
BOTH = "offset 与 skip 不一致，请只用 offset (offset and skip disagree)"


def _paging(offset: Offset = None, limit: Limit = DEFAULT_LIMIT) -> Paging:
    return Paging(offset or 0, limit)


def _paging_or_skip(
    offset: Offset = None, limit: Limit = DEFAULT_LIMIT, skip: OldSkip = None
) -> Paging:
    if offset is not None and skip is not None and offset != skip:
        raise RequestValidationError(
            [{"loc": ("query", "skip"), "msg": BOTH, "type": "value_error"}]
        )
    return Paging(offset if offset is not None else (skip or 0), limit)


MIN_VERSION_HELP = (
    "等待读取模型达到的版本（上一步返回的 ETag），超时 503 "
    "(wait until the read model shows this version of the resource; 503 past 5 s)"
)
MinVersionQuery = Annotated[int | None, Query(ge=1, le=MAX_VERSION, description=MIN_VERSION_HELP)]


def _fresh(runtime: RuntimeDep, min_version: MinVersionQuery = None) -> Freshness:
    return Freshness(runtime.store, min_version)


Fresh = Annotated[Freshness, Depends(_fresh)]
"""``?min_version=n`` of a single-resource GET: read one's own write (see
:mod:`shared.freshness`; 503 when the read model has not shown it in time)."""

Paged = Annotated[Paging, Depends(_paging)]
"""``?offset=&limit=`` of a list route (422 naming the parameter out of bounds)."""
PagedOrSkip = Annotated[Paging, Depends(_paging_or_skip)]
""":data:`Paged` that also takes ``skip``, the old name of ``offset``, on the routes that
had it (deprecated; kept for one release)."""
