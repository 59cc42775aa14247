"""Receiving a complaint and routing it (转办), on receipt and by the county office (改派)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from services.issues.complaints.domain.state import (
    ROUTER,
    Complaint,
    Seal,
    Status,
    decides,
    due_on,
    evolves,
    require,
    text_required,
)
from shared.commands import IllegalStep
from shared.contracts.complaints import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintReceived,
    ComplaintRouted,
)
from shared.events import EventPayload


@dataclass(frozen=True)
class ReceiveComplaint:
    complaint_id: str
    tracking_no: str
    school_id: str
    school_name: str
    channel: ComplaintChannel
    category: ComplaintCategory
    subject: str
    content: str
    anonymous: bool
    has_contact: bool
    received_by: str
    received_on: date
    answer_days: int
    listed_inspector_ids: tuple[str, ...]
    """The school's listed inspectors on the day of receipt (empty: 未挂牌)."""


@dataclass(frozen=True)
class Reroute:
    by: str
    inspector_ids: tuple[str, ...]
    """Empty: to the county office itself."""
    reason: str


@decides(ReceiveComplaint)
def receive(state: Complaint, cmd: ReceiveComplaint, seal: Seal) -> list[EventPayload]:
    if state.status != Status.none:
        raise IllegalStep(f"举报投诉 {cmd.complaint_id} 已登记 (complaint already received)")
    text_required(cmd.subject, "须写明投诉事项 (subject required)")
    text_required(cmd.content, "须写明投诉内容 (content required)")
    if cmd.anonymous and cmd.has_contact:
        raise IllegalStep("匿名投诉不留联系方式 (an anonymous complaint has no contact)")
    if cmd.answer_days < 1:
        raise IllegalStep("答复期限至少一天 (answer_days must be at least 1)")
    listed = tuple(dict.fromkeys(cmd.listed_inspector_ids))
    return [
        ComplaintReceived(
            complaint_id=cmd.complaint_id,
            tracking_no=cmd.tracking_no,
            school_id=cmd.school_id,
            school_name=cmd.school_name,
            channel=cmd.channel,
            category=cmd.category,
            subject=seal(cmd.subject),
            content=seal(cmd.content),
            anonymous=cmd.anonymous,
            has_contact=cmd.has_contact,
            received_by=cmd.received_by,
            received_on=cmd.received_on,
            answer_due_on=due_on(cmd.received_on, cmd.answer_days),
        ),
        ComplaintRouted(
            complaint_id=cmd.complaint_id,
            to_inspector_ids=list(listed),
            to_county_office=not listed,
            unlisted=not listed,
            routed_by=ROUTER,
        ),
    ]


@decides(Reroute)
def reroute(state: Complaint, cmd: Reroute, seal: Seal) -> list[EventPayload]:
    require(state, Status.routed, Status.accepted, doing="改派")
    text_required(cmd.reason, "改派须说明理由 (a reason is required)")
    targets = tuple(dict.fromkeys(cmd.inspector_ids))
    if state.status == Status.routed and set(targets) == set(state.routed_to):
        raise IllegalStep("已转办给这些督学，无需改派 (already routed there)")
    return [
        ComplaintRouted(
            complaint_id=state.complaint_id,
            to_inspector_ids=list(targets),
            to_county_office=not targets,
            unlisted=state.unlisted,
            routed_by=cmd.by,
            reason=seal(cmd.reason),
        )
    ]


@evolves(ComplaintReceived)
def received(state: Complaint, event: ComplaintReceived) -> Complaint:
    return Complaint(
        status=Status.received,
        complaint_id=event.complaint_id,
        tracking_no=event.tracking_no,
        school_id=event.school_id,
        category=event.category,
        anonymous=event.anonymous,
        has_contact=event.has_contact,
        received_on=event.received_on,
        answer_due_on=event.answer_due_on,
    )


@evolves(ComplaintRouted)
def routed(state: Complaint, event: ComplaintRouted) -> Complaint:
    return replace(
        state,
        status=Status.routed,
        routed_to=tuple(event.to_inspector_ids),
        to_county_office=event.to_county_office,
        unlisted=event.unlisted,
        accepted_by=None,
        accepted_as_office=False,
    )
