"""A monthly plan as the office sees it: the plan, the rules' findings, the visits done.

Reads the ``visits_plans`` read model (plans, rules, inspectors' visits) and the
directory's ``visits_directory`` schools (where each school is) and hands them to the
pure :func:`services.visits.plans.domain.frequency.evaluate`. An inspector's listed schools
come from a :class:`ListedSchools` source when one is wired (the directory's listings);
without one the listed-school rule is skipped and the report says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import date
from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase

from services.visits.directory.view import VIEW as DIRECTORY_VIEW
from services.visits.plans.domain.frequency import (
    FrequencyRules,
    InspectorLevel,
    SchoolPlace,
    VisitDay,
    evaluate,
)
from services.visits.plans.rules import default_rules
from services.visits.plans.view import PlansView, signin_key
from shared.jurisdiction import Jurisdiction
from shared.projection import ReadModels

RULE_FIELDS = tuple(FrequencyRules.__dataclass_fields__)


class ListedSchools(Protocol):
    async def listed_schools(self, inspector_id: str, month: str) -> list[str] | None:
        """Schools the inspector is listed at (挂牌) during the month; None if unknown."""
        ...


class PlanReports:
    def __init__(
        self, db: AsyncDatabase[dict[str, Any]], listings: ListedSchools | None = None
    ) -> None:
        self._plans = ReadModels(db, PlansView.name)
        self._directory = ReadModels(db, DIRECTORY_VIEW)
        self._listings = listings

    async def rules_for(self, office: str) -> tuple[FrequencyRules, str]:
        """The rules of the nearest office at or above ``office`` that set its own, else
        the defaults; with the office path they came from (``default`` for defaults)."""
        rules = await self._plans.collection("rules")
        parts = Jurisdiction.from_path(office).parts()
        for depth in range(len(parts), 0, -1):
            path = "/".join(parts[:depth])
            doc = await rules.find_one({"_id": path})
            if doc is not None:
                return FrequencyRules(**{k: int(doc[k]) for k in RULE_FIELDS}), path
        return default_rules(), "default"

    async def visits_done(self, inspector_id: str, month: str) -> tuple[list[VisitDay], int]:
        """The visits the inspector signed in at during the month, and how many closed."""
        visits = await self._plans.collection("inspector_visits")
        done: list[VisitDay] = []
        closed = 0
        async for doc in visits.find({"signin_keys": signin_key(inspector_id, month)}):
            if doc["status"] == "cancelled" or doc["school_id"] is None:
                continue
            day = next(s["on"] for s in doc["signins"] if s["inspector_id"] == inspector_id)
            done.append(VisitDay(doc["school_id"], date.fromisoformat(day)))
            closed += doc["status"] == "closed"
        return sorted(done, key=lambda v: (v.on, v.school_id)), closed

    async def places(self, school_ids: Iterable[str]) -> dict[str, SchoolPlace]:
        schools = await self._directory.collection("schools")
        found: dict[str, SchoolPlace] = {}
        for school_id in sorted(set(school_ids)):
            doc = await schools.find_one({"_id": school_id}, projection=["county"])
            if doc is not None:
                found[school_id] = SchoolPlace(county=doc.get("county"))
        return found

    async def report(self, plan: dict[str, Any]) -> dict[str, Any]:
        """The plan document with ``rules``, ``findings`` (planned), ``visits_done`` and
        ``done_findings`` (the month so far)."""
        office = Jurisdiction.from_path(plan["office"])
        level = InspectorLevel.county if office.county else InspectorLevel.city
        rules, source = await self.rules_for(plan["office"])
        planned = [
            VisitDay(e["school_id"], date.fromisoformat(e["planned_on"])) for e in plan["entries"]
        ]
        done, closed = await self.visits_done(plan["inspector_id"], plan["month"])
        listed = (
            await self._listings.listed_schools(plan["inspector_id"], plan["month"])
            if self._listings
            else None
        )
        places = (
            await self.places([v.school_id for v in (*planned, *done)])
            if level is InspectorLevel.city
            else None
        )
        common: dict[str, Any] = {"listed_schools": listed, "places": places}
        findings = evaluate(rules, level, planned, planned=True, **common)
        done_findings = evaluate(rules, level, done, planned=False, **common)
        skipped = [] if listed is not None else ["listed_school_days"]
        if level is InspectorLevel.city:
            skipped.append("county_coverage")
        body = {k: v for k, v in plan.items() if k not in ("_id", "province", "city")}
        return {
            **body,
            "level": level.value,
            "rules": {**asdict(rules), "source": source},
            "findings": [asdict(f) for f in findings],
            "visits_done": {
                "signed_in": len(done),
                "closed": closed,
                "days": [{"school_id": v.school_id, "on": v.on.isoformat()} for v in done],
            },
            "done_findings": [asdict(f) for f in done_findings],
            "rules_not_checked": skipped,
        }
