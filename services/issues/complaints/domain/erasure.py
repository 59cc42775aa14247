"""Erasure of the personal data (删除个人信息): the record of it; the service deletes the
key and the contact before (see docs/complaints.md)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from services.issues.complaints.domain.state import (
    STATUS_LABELS,
    Complaint,
    Seal,
    decides,
    evolves,
    require,
)
from shared.contracts.complaints import ComplaintErased, ErasureReason
from shared.events import EventPayload


@dataclass(frozen=True)
class Erase:
    """Record that the complaint's key and contact were deleted (the service deletes them)."""

    by: str
    reason: ErasureReason
    request_ref: str | None
    contact_removed: bool


def erase(state: Complaint, cmd: Erase) -> list[EventPayload]:
    require(state, *STATUS_LABELS, doing="再次删除个人信息")
    return [
        ComplaintErased(
            complaint_id=state.complaint_id,
            erased_by=cmd.by,
            reason=cmd.reason,
            request_ref=cmd.request_ref,
            contact_removed=cmd.contact_removed,
        )
    ]


@decides(Erase)
def _erase(state: Complaint, cmd: Erase, seal: Seal) -> list[EventPayload]:
    return erase(state, cmd)  # seals no words


@evolves(ComplaintErased)
def erased(state: Complaint, event: ComplaintErased) -> Complaint:
    return replace(state, erased=True)
