"""One page of a list, the same for every list route: ``{total, offset, limit, items}``.

A list route takes :class:`Paging` (``offset`` ≥ 0, 1 ≤ ``limit`` ≤ :data:`MAX_LIMIT`,
see :data:`shared.routing.Paged`) and answers a :class:`Page`. Every filter is applied
before paging, so ``total`` counts the rows the caller may see and a page is short only
at the end. The order is always total: :func:`find_page` breaks ties by ``_id``, so
walking the pages visits every row once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from pymongo.asynchronous.collection import AsyncCollection

T = TypeVar("T")

DEFAULT_LIMIT = 100
"""Rows in a page when the client names no ``limit``."""
MAX_LIMIT = 1000
"""The most rows one page may hold (page on with ``offset``)."""
MAX_OFFSET = 100_000
"""The most rows a page may skip (narrow with filters to go deeper)."""

Sort = list[tuple[str, int]]


@dataclass(frozen=True)
class Paging:
    """Which rows of a list the client asked for."""

    offset: int = 0
    limit: int = DEFAULT_LIMIT


class Page(BaseModel, Generic[T]):
    """One page of a list: the rows matching the filters, counted before paging."""

    total: int
    """How many rows match the filters (all pages)."""
    offset: int
    limit: int
    items: list[T]


def total_order(sort: Sort) -> Sort:
    """``sort`` with ``_id`` as the last key, so no two rows tie."""
    return sort if any(key == "_id" for key, _ in sort) else [*sort, ("_id", 1)]


async def find_page(
    collection: AsyncCollection[dict[str, Any]],
    query: dict[str, Any],
    sort: Sort,
    paging: Paging,
    projection: dict[str, Any] | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """``(total, rows)``: the documents matching ``query`` counted, and the page asked
    for in ``sort`` order (ties broken by ``_id``); ``_id`` is left out of the rows
    unless ``projection`` says otherwise."""
    shown = {"_id": False} if projection is None else projection
    total = await collection.count_documents(query)
    cursor = collection.find(query, projection=shown).sort(total_order(sort))
    rows = [doc async for doc in cursor.skip(paging.offset).limit(paging.limit)]
    return total, rows


def page_of(rows: Sequence[T], paging: Paging) -> Page[T]:
    """The page of ``rows`` (already filtered and ordered) that ``paging`` asks for: for
    lists whose filter is a rule in code over a small collection."""
    chosen = list(rows[paging.offset : paging.offset + paging.limit])
    return Page[T](total=len(rows), offset=paging.offset, limit=paging.limit, items=chosen)


def paged(total: int, rows: list[T], paging: Paging) -> Page[T]:
    """The :class:`Page` of the ``rows`` that :func:`find_page` found."""
    return Page[T](total=total, offset=paging.offset, limit=paging.limit, items=rows)
