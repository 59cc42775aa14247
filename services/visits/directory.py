"""Application service of the directory: commands in, events stored."""

from __future__ import annotations

from collections.abc import Callable

from services.visits.domain import school
from services.visits.domain.school import CorrectSchoolDetails, RegisterSchool, School
from shared.commands import CommandContext, StreamHandler
from shared.events import registry
from shared.jurisdiction import Jurisdiction
from shared.runtime import Runtime


class UnknownSchool(LookupError):
    pass


class DirectoryService:
    def __init__(self, runtime: Runtime) -> None:
        self._schools = StreamHandler[School](
            runtime.store,
            registry,
            source="/duxue/visits",
            initial=School(),
            evolve=school.evolve,
            new_id=runtime.new_id,
            on_append=runtime.relay.notify,
            service=runtime.service,
        )

    async def register_school(self, cmd: RegisterSchool, ctx: CommandContext) -> int:
        stream = school.stream_id(cmd.school_id)
        loaded = await self._schools.load(stream)
        events = school.register(loaded.state, cmd)
        return await self._schools.append(
            stream, loaded.version, events, ctx, school.jurisdiction_of(cmd)
        )

    async def load_school(self, school_id: str) -> tuple[School, int]:
        loaded = await self._schools.load(school.stream_id(school_id))
        if not loaded.state.registered:
            raise UnknownSchool(school_id)
        return loaded.state, loaded.version

    async def correct_school(
        self,
        cmd: CorrectSchoolDetails,
        expected_version: int | None,
        ctx: CommandContext,
        authorize: Callable[[Jurisdiction], None],
    ) -> int:
        stream = school.stream_id(cmd.school_id)
        state, version = await self.load_school(cmd.school_id)
        assert state.jurisdiction is not None
        authorize(state.jurisdiction)
        StreamHandler.check_expected(stream, expected_version, version)
        events = school.correct(state, cmd)
        return await self._schools.append(stream, version, events, ctx, state.jurisdiction)
