"""Application service of monthly plans (月计划) and offices' frequency rules."""

from __future__ import annotations

from collections.abc import Sequence

from services.visits.campaigns.domain import Campaign
from services.visits.campaigns.service import CampaignService
from services.visits.directory.service import DirectoryService, UnknownSchool
from services.visits.plans.domain import frequency, plan
from services.visits.plans.domain.frequency import FrequencyRules
from services.visits.plans.domain.plan import AcknowledgePlan, FilePlan, Plan, PlanFacts, RevisePlan
from services.visits.streams import stream_handler
from shared.auth import Principal, Role, ensure_inside, ensure_role, ensure_within
from shared.commands import (
    CallerContext,
    CommandContext,
    Forbidden,
    NotFound,
    StreamHandler,
    UnknownReference,
)
from shared.contracts.plans import PlanEntry
from shared.jurisdiction import Jurisdiction
from shared.runtime import Runtime


class UnknownPlan(NotFound):
    def __init__(self, plan_id: str) -> None:
        super().__init__(f"月计划 {plan_id} 不存在 (unknown plan)")


class PlanService:
    def __init__(
        self, runtime: Runtime, campaigns: CampaignService, directory: DirectoryService
    ) -> None:
        self._campaigns = campaigns
        self._directory = directory
        self._plans = stream_handler(runtime, Plan(), plan.evolve)
        self._rules: StreamHandler[FrequencyRules | None] = stream_handler(
            runtime, None, frequency.evolve_rules
        )

    async def load(self, plan_id: str) -> tuple[Plan, int]:
        loaded = await self._plans.load(plan.stream_id(plan_id))
        if not loaded.state.filed:
            raise UnknownPlan(plan_id)
        return loaded.state, loaded.version

    async def plan(self, plan_id: str) -> PlanFacts | None:
        """:class:`~services.visits.visit.ports.PlanLookup` for the visit lifecycle."""
        state = (await self._plans.load(plan.stream_id(plan_id))).state
        if not state.filed or state.inspector_id is None or state.office is None:
            return None
        return PlanFacts(plan_id, state.inspector_id, Jurisdiction.from_path(state.office))

    async def _references(
        self, entries: Sequence[PlanEntry], principal: Principal
    ) -> dict[str, Campaign]:
        """Check the entries' schools (registered, inside the caller's jurisdiction) and
        return the current state of the campaigns they name (each issued by an office
        over the entry's school, else 403)."""
        checked: dict[str, Jurisdiction] = {}
        for i, entry in enumerate(entries):
            if entry.school_id in checked:
                continue
            try:
                school, _ = await self._directory.load_school(entry.school_id)
            except UnknownSchool:
                raise UnknownReference(
                    f"body.entries.{i}.school_id",
                    f"学校 {entry.school_id} 不存在 (unknown school)",
                ) from None
            assert school.jurisdiction is not None
            ensure_within(principal, school.jurisdiction)
            checked[entry.school_id] = school.jurisdiction
        ids = {e.campaign_id for e in entries if e.campaign_id is not None}
        campaigns = {cid: await self._campaigns.state(cid) for cid in sorted(ids)}
        for entry in entries:  # a campaign of another office is not for this school
            named = campaigns.get(entry.campaign_id or "")
            if named is not None and named.office is not None:
                where = Jurisdiction.from_path(named.office)
                ensure_inside(where, checked[entry.school_id], f"专项督导 {entry.campaign_id} ")
        return campaigns

    async def file(self, cmd: FilePlan, caller: CallerContext) -> int:
        stream = plan.stream_id(cmd.plan_id)
        loaded = await self._plans.load(stream)
        if loaded.state.filed:  # refuse before looking anything up
            plan.file_plan(loaded.state, cmd, {})
        campaigns = await self._references(cmd.entries, caller.principal)
        events = plan.file_plan(loaded.state, cmd, campaigns)
        return await self._plans.append(
            stream, loaded.version, events, caller.ctx, Jurisdiction.from_path(cmd.office)
        )

    async def revise(self, cmd: RevisePlan, caller: CallerContext, expected: int | None) -> int:
        """The inspector who filed the plan replaces its entries."""
        ensure_role(caller.principal, Role.inspector)
        stream = plan.stream_id(cmd.plan_id)
        state, version = await self.load(cmd.plan_id)
        if state.inspector_id != caller.principal.user_id:
            raise Forbidden("只能调整本人的月计划 (you revise only your own plan)")
        StreamHandler.check_expected(stream, expected, version)
        campaigns = await self._references(cmd.entries, caller.principal)
        events = plan.revise(state, cmd, campaigns)
        assert state.office is not None
        return await self._plans.append(
            stream, version, events, caller.ctx, Jurisdiction.from_path(state.office)
        )

    async def acknowledge(
        self, cmd: AcknowledgePlan, caller: CallerContext, expected: int | None
    ) -> int:
        """The office the plan is filed with (a county's or a city's) confirms it."""
        ensure_role(caller.principal, Role.county_office, Role.city_office)
        stream = plan.stream_id(cmd.plan_id)
        state, version = await self.load(cmd.plan_id)
        assert state.office is not None
        office = Jurisdiction.from_path(state.office)
        ensure_within(caller.principal, office)
        StreamHandler.check_expected(stream, expected, version)
        events = plan.acknowledge(state, cmd)
        return await self._plans.append(stream, version, events, caller.ctx, office)

    async def set_rules(
        self,
        office: Jurisdiction,
        rules: FrequencyRules,
        reason: str,
        ctx: CommandContext,
        expected: int | None = None,
    ) -> int:
        """Set the office's rules; 412 when ``expected`` (``If-Match``) is not the rules
        stream's version (0: the office has set none yet)."""
        stream = frequency.rules_stream_id(office.path)
        loaded = await self._rules.load(stream)
        StreamHandler.check_expected(stream, expected, loaded.version)
        events = frequency.set_rules(loaded.state, office.path, rules, reason)
        return await self._rules.append(stream, loaded.version, events, ctx, office)
