"""Which mailboxes a caller reads: their own, by role and place (pure)."""

from __future__ import annotations

from services.notifications.recipients.resolve import inspector_box, office_box, principal_box
from shared.auth import FORBIDDEN, Principal, Role
from shared.commands import Forbidden


def mailboxes_of(principal: Principal) -> list[str]:
    """The caller's own mailboxes: an inspector's (and zone leader's) by user id, a
    principal's by their school, an office's by its division."""
    roles, where = principal.roles, principal.jurisdiction
    boxes: list[str] = []
    if Role.inspector in roles or Role.zone_leader in roles:
        boxes.append(inspector_box(principal.user_id))
    if Role.principal in roles and where.school:
        boxes.append(principal_box(where.school))
    if Role.county_office in roles and where.county:
        boxes.append(office_box("county", where.county))
    if Role.city_office in roles and where.city and not where.county:
        boxes.append(office_box("city", where.city))
    return boxes


def own_mailboxes(principal: Principal, asked: str | None) -> list[str]:
    """The caller's mailboxes, or the one asked for if it is theirs (403 otherwise)."""
    mine = mailboxes_of(principal)
    if asked is None:
        return mine
    if asked not in mine:
        raise Forbidden(f"只能查看本人的消息 ({FORBIDDEN})")
    return [asked]
