"""What every thin route is made of: the caller, the expected version, the ETag, a page.

A route turns a request into a command and hands it to its service with
:data:`Caller` (the verified principal and the command's context) and :data:`IfMatch`
(the version the client expects, ``None`` when it sent none); it answers with the
written version as ``ETag`` through :func:`set_etag`. Lists answer a :class:`Page`
whose filters were applied before ``offset``/``limit``, so a page is never short
while rows remain.
"""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Header, Request, Response
from pydantic import BaseModel

from shared.auth import CurrentPrincipal
from shared.commands import CallerContext
from shared.http import parse_if_match
from shared.service import command_context

T = TypeVar("T")


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


class Page(BaseModel, Generic[T]):
    """One page of a list: the rows matching the filters, counted before paging."""

    total: int
    """How many rows match the filters (all pages)."""
    offset: int
    limit: int
    items: list[T]
