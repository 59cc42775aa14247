"""Application service of special campaigns (专项督导): issue, amend, close."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from services.visits.checklists import ChecklistService
from services.visits.directory import DirectoryService, UnknownSchool
from services.visits.domain import campaign
from services.visits.domain.campaign import AmendCampaign, Campaign, CloseCampaign, IssueCampaign
from services.visits.domain.checklist import FieldProblem
from shared.commands import CommandContext, StreamHandler
from shared.events import registry
from shared.jurisdiction import Jurisdiction
from shared.runtime import Runtime

Authorize = Callable[[Jurisdiction], None]


class UnknownCampaign(LookupError):
    pass


class CampaignService:
    def __init__(
        self, runtime: Runtime, checklists: ChecklistService, directory: DirectoryService
    ) -> None:
        self._checklists = checklists
        self._directory = directory
        self._campaigns = StreamHandler[Campaign](
            runtime.store,
            registry,
            source="/duxue/visits",
            initial=Campaign(),
            evolve=campaign.evolve,
            new_id=runtime.new_id,
            on_append=runtime.relay.notify,
            service=runtime.service,
        )

    async def state(self, campaign_id: str) -> Campaign:
        """The campaign as its stream says (``Campaign()`` when it was never issued)."""
        return (await self._campaigns.load(campaign.stream_id(campaign_id))).state

    async def load(self, campaign_id: str) -> tuple[Campaign, int]:
        loaded = await self._campaigns.load(campaign.stream_id(campaign_id))
        if not loaded.state.issued:
            raise UnknownCampaign(campaign_id)
        return loaded.state, loaded.version

    async def _check_schools(
        self, school_ids: Sequence[str], field: str, authorize: Authorize
    ) -> None:
        """Every target school is registered and inside the caller's jurisdiction."""
        for i, school_id in enumerate(school_ids):
            try:
                school, _ = await self._directory.load_school(school_id)
            except UnknownSchool:
                raise FieldProblem(
                    f"{field}.{i}", f"学校 {school_id} 不存在 (unknown school)"
                ) from None
            assert school.jurisdiction is not None
            authorize(school.jurisdiction)

    async def issue(self, cmd: IssueCampaign, ctx: CommandContext, authorize: Authorize) -> int:
        stream = campaign.stream_id(cmd.campaign_id)
        loaded = await self._campaigns.load(stream)
        template, _ = await self._checklists.state(cmd.checklist_id)
        events = campaign.issue(loaded.state, cmd, template)
        await self._check_schools(cmd.school_ids, "body.school_ids", authorize)
        return await self._campaigns.append(
            stream, loaded.version, events, ctx, Jurisdiction.from_path(cmd.office)
        )

    async def amend(
        self,
        cmd: AmendCampaign,
        expected_version: int | None,
        ctx: CommandContext,
        authorize: Authorize,
    ) -> int:
        stream = campaign.stream_id(cmd.campaign_id)
        state, version = await self.load(cmd.campaign_id)
        assert state.office is not None
        office = Jurisdiction.from_path(state.office)
        authorize(office)
        StreamHandler.check_expected(stream, expected_version, version)
        events = campaign.amend(state, cmd)
        if cmd.school_ids is not None:
            await self._check_schools(cmd.school_ids, "body.school_ids", authorize)
        return await self._campaigns.append(stream, version, events, ctx, office)

    async def close(
        self,
        cmd: CloseCampaign,
        expected_version: int | None,
        ctx: CommandContext,
        authorize: Authorize,
    ) -> int:
        stream = campaign.stream_id(cmd.campaign_id)
        state, version = await self.load(cmd.campaign_id)
        assert state.office is not None
        office = Jurisdiction.from_path(state.office)
        authorize(office)
        StreamHandler.check_expected(stream, expected_version, version)
        events = campaign.close(state, cmd)
        return await self._campaigns.append(stream, version, events, ctx, office)
