"""Application service of special campaigns (专项督导): issue, amend, close.

Every command first authorizes: the office of the campaign it names (an existing
campaign, even on ``issue``, so a 409 never tells another county that an id is taken)
and every target it names — each zone and school must exist in the event store and lie
inside the caller's jurisdiction (422 naming the field / 403) — and only then asks the
campaign's state machine whether the step is legal (409).
"""

from __future__ import annotations

from collections.abc import Sequence

from services.visits.campaigns import domain as campaign
from services.visits.campaigns.domain import AmendCampaign, Campaign, CloseCampaign, IssueCampaign
from services.visits.checklists.service import ChecklistService
from services.visits.directory.service import DirectoryService, UnknownSchool
from services.visits.names import OFFICES
from services.visits.streams import stream_handler
from shared.auth import Principal, ensure_role, ensure_within
from shared.commands import CallerContext, NotFound, StreamHandler, UnknownReference
from shared.jurisdiction import Jurisdiction
from shared.runtime import Runtime


class UnknownCampaign(NotFound):
    def __init__(self, campaign_id: str) -> None:
        super().__init__(f"专项督导 {campaign_id} 不存在 (unknown campaign)")


class CampaignService:
    def __init__(
        self, runtime: Runtime, checklists: ChecklistService, directory: DirectoryService
    ) -> None:
        self._checklists = checklists
        self._directory = directory
        self._campaigns = stream_handler(runtime, Campaign(), campaign.evolve)

    async def state(self, campaign_id: str) -> Campaign:
        """The campaign as its stream says (``Campaign()`` when it was never issued)."""
        return (await self._campaigns.load(campaign.stream_id(campaign_id))).state

    async def load(self, campaign_id: str) -> tuple[Campaign, int]:
        loaded = await self._campaigns.load(campaign.stream_id(campaign_id))
        if not loaded.state.issued:
            raise UnknownCampaign(campaign_id)
        return loaded.state, loaded.version

    async def _check_targets(
        self,
        zone_ids: Sequence[str] | None,
        school_ids: Sequence[str] | None,
        principal: Principal,
    ) -> None:
        """Every target zone and school exists (event store) and is inside the caller's
        jurisdiction."""
        for i, school_id in enumerate(school_ids or ()):
            try:
                school, _ = await self._directory.load_school(school_id)
            except UnknownSchool:
                raise UnknownReference(
                    f"body.school_ids.{i}", f"学校 {school_id} 不存在 (unknown school)"
                ) from None
            assert school.jurisdiction is not None
            ensure_within(principal, school.jurisdiction)
        for i, zone_id in enumerate(zone_ids or ()):
            zone, _ = await self._directory.zone_state(zone_id)
            if not zone.established or zone.jurisdiction is None:
                raise UnknownReference(
                    f"body.zone_ids.{i}", f"责任区 {zone_id} 不存在 (unknown zone)"
                )
            ensure_within(principal, zone.jurisdiction)

    async def issue(self, cmd: IssueCampaign, caller: CallerContext) -> int:
        stream = campaign.stream_id(cmd.campaign_id)
        loaded = await self._campaigns.load(stream)
        if loaded.state.office is not None:  # an id already taken: whose is it?
            ensure_within(caller.principal, Jurisdiction.from_path(loaded.state.office))
        await self._check_targets(cmd.zone_ids, cmd.school_ids, caller.principal)
        template, _ = await self._checklists.state(cmd.checklist_id)
        events = campaign.issue(loaded.state, cmd, template)
        return await self._campaigns.append(
            stream, loaded.version, events, caller.ctx, Jurisdiction.from_path(cmd.office)
        )

    async def amend(self, cmd: AmendCampaign, caller: CallerContext, expected: int | None) -> int:
        stream = campaign.stream_id(cmd.campaign_id)
        state, version, office = await self._owned(cmd.campaign_id, caller)
        await self._check_targets(cmd.zone_ids, cmd.school_ids, caller.principal)
        StreamHandler.check_expected(stream, expected, version)
        events = campaign.amend(state, cmd)
        return await self._campaigns.append(stream, version, events, caller.ctx, office)

    async def close(self, cmd: CloseCampaign, caller: CallerContext, expected: int | None) -> int:
        stream = campaign.stream_id(cmd.campaign_id)
        state, version, office = await self._owned(cmd.campaign_id, caller)
        StreamHandler.check_expected(stream, expected, version)
        events = campaign.close(state, cmd)
        return await self._campaigns.append(stream, version, events, caller.ctx, office)

    async def _owned(
        self, campaign_id: str, caller: CallerContext
    ) -> tuple[Campaign, int, Jurisdiction]:
        """An issued campaign an office may change: one inside the caller's jurisdiction
        (403 for a caller who is not an office, 404 unknown); with its office."""
        ensure_role(caller.principal, *OFFICES)
        state, version = await self.load(campaign_id)
        assert state.office is not None
        office = Jurisdiction.from_path(state.office)
        ensure_within(caller.principal, office)
        return state, version, office
