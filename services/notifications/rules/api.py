"""An office's notification rules: read the versions, set a new one (valid from now)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import BaseModel, Field

from services.notifications.rules.book import RuleBook
from services.notifications.rules.domain import DEFAULT_RULES, Rule, RuleSet, in_force, next_version
from shared.auth import CurrentPrincipal, Principal, Role, ensure_role, ensure_within
from shared.commands import FieldProblem
from shared.eventstore import ConcurrencyConflict, StalePrecondition
from shared.jurisdiction import Jurisdiction
from shared.routing import IfMatch, from_state, set_etag
from shared.runtime import utcnow

router = APIRouter(prefix="/notification-rules", tags=["rules"])
CountyPath = Annotated[str, Path(pattern=r"^[0-9]{6}$", description="县(区)代码")]


BookDep = Annotated[RuleBook, Depends(from_state("rule_book", RuleBook))]


class RulesUpdate(BaseModel):
    rules: list[Rule] = Field(min_length=1, max_length=100)


class RulesPublic(BaseModel):
    in_force: RuleSet
    versions: list[RuleSet]


def _county_office(principal: Principal, county: str) -> None:
    ensure_role(principal, Role.county_office)
    mine = principal.jurisdiction
    where = Jurisdiction(province=mine.province, city=mine.city or "0", county=county)
    ensure_within(principal, where)


@router.get("/{county}", response_model=RulesPublic)
async def rules(
    county: CountyPath, principal: CurrentPrincipal, book: BookDep, response: Response
) -> RulesPublic:
    _county_office(principal, county)
    versions = await book.versions(county)
    set_etag(response, max((v.version for v in versions), default=0))
    return RulesPublic(in_force=in_force(versions, utcnow()), versions=versions)


@router.put("/{county}", response_model=RuleSet, status_code=status.HTTP_201_CREATED)
async def set_rules(
    county: CountyPath,
    body: RulesUpdate,
    principal: CurrentPrincipal,
    book: BookDep,
    expected: IfMatch,
    response: Response,
) -> RuleSet:
    """A new version of the county office's rules, in force from now (the defaults are
    version 0: ``GET`` shows them until the office sets its own)."""
    _county_office(principal, county)
    versions = await book.versions(county)
    current = max((v.version for v in versions), default=DEFAULT_RULES.version)
    if expected is not None and expected != current:
        raise StalePrecondition(f"rules-{county}", expected, current)
    try:
        new = next_version(county, versions, body.rules, utcnow())
    except ValueError as exc:
        field, _, message = str(exc).partition(": ")
        raise FieldProblem(f"body.{field}", message) from exc
    if not await book.add(new):
        raise ConcurrencyConflict(f"rules-{county}", current, new.version)
    set_etag(response, new.version)
    return new
