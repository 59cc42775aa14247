"""Number books as an application service: load, assign, append, retry on a collision.

:meth:`NumberBooks.assign` is idempotent per subject: it returns the subject's number
if the book holds one, else appends the next with optimistic concurrency and, when
another writer took that number first, reads the book again and retries. The office's
short name (简称) that starts every number comes from the ``office_abbreviations``
setting (division code → 简称), else the first character of the division's name in the
service's directory read model (游仙区 → 游), else the code itself.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.issues.directory_view import VIEW as DIRECTORY_VIEW
from services.issues.numbering import domain as nb
from shared.commands import CommandContext, StreamHandler
from shared.contracts.registers import NumberAssigned, NumberKind
from shared.eventstore import ConcurrencyConflict
from shared.jurisdiction import Jurisdiction
from shared.projection import ReadModels
from shared.runtime import Runtime

OFFICE_ROLES = {"county_office": "county", "city_office": "city", "province_office": "province"}
MAX_ATTEMPTS = 50


def office_of(role: str, where: Jurisdiction) -> Jurisdiction:
    """The office that acts for ``where`` in ``role``: a county/city/province office's own
    level, or (any other role, e.g. the service itself) the deepest office above ``where``."""
    level = OFFICE_ROLES.get(role)
    if level is None or getattr(where, level) is None:
        level = "county" if where.county else ("city" if where.city else "province")
    keep = ("province", "city", "county")[: ("province", "city", "county").index(level) + 1]
    return Jurisdiction(**{lvl: getattr(where, lvl) for lvl in keep})


def office_code(office: Jurisdiction) -> str:
    code: str = office.county or office.city or office.province
    return code


def abbreviation(code: str, configured: Mapping[str, str], division_name: str | None) -> str:
    """The office's 简称: configured, else the division name's first character, else the code."""
    if configured.get(code, "").strip():
        return configured[code].strip()
    if division_name and division_name.strip():
        return division_name.strip()[0]
    return code


class OfficeNames:
    """Names and short names of offices, from settings and the directory read model."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]], configured: Mapping[str, str]) -> None:
        self._models = ReadModels(db, DIRECTORY_VIEW)
        self._configured = dict(configured)

    async def division_name(self, code: str) -> str | None:
        divisions = await self._models.collection("divisions")
        doc = await divisions.find_one({"_id": code}, projection=["name"])
        return str(doc["name"]) if doc and doc.get("name") else None

    async def abbreviation(self, code: str) -> str:
        return abbreviation(code, self._configured, await self.division_name(code))

    async def office_name(self, code: str) -> str:
        """How the office signs, e.g. 游仙区教育督导室."""
        name = await self.division_name(code)
        return f"{name}教育督导室" if name else "教育督导室"


@dataclass(frozen=True)
class Assigned:
    number: str
    new: bool
    """False when the subject already held the number (a retry)."""


class NumberBooks:
    def __init__(self, runtime: Runtime, names: OfficeNames) -> None:
        self._store = runtime.store
        self._registry = runtime.registry
        self._names = names
        self._books = StreamHandler[nb.NumberBook](
            runtime.store,
            runtime.registry,
            source="/duxue/issues",
            initial=nb.NumberBook(),
            evolve=nb.evolve,
            new_id=runtime.new_id,
            on_append=runtime.relay.notify,
            service=runtime.service,
        )

    async def load(self, kind: NumberKind, office: str, year: int) -> tuple[nb.NumberBook, int]:
        envelopes = await self._store.load(nb.stream_id(kind, office, year))
        book = nb.replay(self._registry.parse(e) for e in envelopes)
        return book, len(envelopes)

    async def assign(
        self,
        kind: NumberKind,
        office: Jurisdiction,
        year: int,
        subject_id: str,
        ctx: CommandContext,
    ) -> Assigned:
        """The subject's number in the office's book of ``year`` (assigned now if new)."""
        code = office_code(office)
        stream = nb.stream_id(kind, code, year)
        short = await self._names.abbreviation(code)
        for _ in range(MAX_ATTEMPTS):
            book, version = await self.load(kind, code, year)
            held = book.number_of(subject_id)
            if held is not None:
                return Assigned(held, new=False)
            cmd = nb.AssignNumber(kind, code, year, subject_id, short)
            [event] = nb.assign(book, cmd)
            try:
                await self._books.append(stream, version, [event], ctx, office)
            except ConcurrencyConflict:
                await asyncio.sleep(random.uniform(0.005, 0.05))
                continue
            assert isinstance(event, NumberAssigned)
            return Assigned(event.number, new=True)
        current = await self._store.version(stream)
        raise ConcurrencyConflict(stream, current, current)
