"""Who may take which step of a complaint, and what a step looks up first.

:data:`PERMISSIONS` is keyed by command type: the rule gets what the caller sees of the
case (:class:`~services.issues.complaints.access.Access`, from the one load of the
stream) and raises :class:`~shared.commands.Forbidden` (403). :data:`PREPARE` completes
or checks a command with I/O before it is decided (the county office accepting as the
office, the revisit of the same school, the re-route's inspectors of the county).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from services.issues.complaints import domain as c
from services.issues.complaints.access import Access, is_county_office_of
from shared.auth import Principal, without_zone
from shared.commands import Forbidden, InvalidField, NotFound
from shared.jurisdiction import Jurisdiction

if TYPE_CHECKING:
    from services.issues.complaints.service import ComplaintService


@dataclass(frozen=True)
class LoadedComplaint:
    state: c.Complaint
    version: int
    jurisdiction: Jurisdiction


class UnknownComplaint(NotFound):
    def __init__(self, complaint_id: str) -> None:
        super().__init__(f"举报投诉 {complaint_id} 不存在 (unknown complaint)")


NOT_HANDLER = (
    "只有承办该投诉的责任督学或学校所在县督导室可以办理 "
    "(only the inspector handling the complaint or the county office)"
)
NOT_DIRECTOR = "只有学校所在县督导室可以改派 (only the county office)"
NOT_ERASER = "只有学校所在县督导室可以删除投诉人个人信息 (only the county office)"

HandlerStep = c.Accept | c.Reject | c.Verify | c.Answer | c.Close
"""The steps any handler of the case may take."""
Step = HandlerStep | c.Reroute
"""The commands :meth:`ComplaintService.handle` takes (the linked issue and the erasure
have their own sequences: :meth:`~ComplaintService.open_issue`, :meth:`~ComplaintService.erase`)."""


def handler(seen: Access) -> None:
    if not seen.handles:
        raise Forbidden(NOT_HANDLER)


def director(seen: Access) -> None:
    if not seen.directs:
        raise Forbidden(NOT_DIRECTOR)


PERMISSIONS: dict[type, Callable[[Access], None]] = {
    c.Accept: handler,
    c.Reject: handler,
    c.Verify: handler,
    c.Answer: handler,
    c.Close: handler,
    c.Reroute: director,
}
"""Who may take each step of :meth:`ComplaintService.handle`, given what they see."""

Prepare = Callable[["ComplaintService", LoadedComplaint, Any, Principal], Awaitable[Any]]


async def _as_office(
    service: ComplaintService, current: LoadedComplaint, cmd: c.Accept, who: Principal
) -> c.Accept:
    """The county office accepts as the office unless the case is routed to it."""
    as_office = who.user_id not in current.state.routed_to and is_county_office_of(
        who, current.jurisdiction
    )
    return replace(cmd, as_office=as_office)


async def _visit_of_the_school(
    service: ComplaintService, current: LoadedComplaint, cmd: c.Verify, who: Principal
) -> c.Verify:
    if cmd.visit_id:
        await service.issues.visits.ensure_visit_of(
            cmd.visit_id, current.state.school_id, "body.visit_id"
        )
    return cmd


async def _inspectors_of_the_county(
    service: ComplaintService, current: LoadedComplaint, cmd: c.Reroute, who: Principal
) -> c.Reroute:
    county = without_zone(current.jurisdiction).model_copy(update={"school": None})
    for n, inspector_id in enumerate(cmd.inspector_ids):
        facts = await service.directory.inspector(inspector_id)
        if facts is None or not facts.jurisdiction.contains(county):
            raise InvalidField(
                f"body.inspector_ids.{n}",
                f"督学 {inspector_id} 不存在或不属于该县 (unknown inspector here)",
            )
    return cmd


PREPARE: dict[type, Prepare] = {
    c.Accept: _as_office,
    c.Verify: _visit_of_the_school,
    c.Reroute: _inspectors_of_the_county,
}
"""What a step needs looked up or completed before it is decided."""
