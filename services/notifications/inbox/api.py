"""The in-app inbox (站内消息): a person's own messages, unread count, mark read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from services.notifications.channels.contacts import ContactBook
from services.notifications.channels.wecom import UnsafeTarget, check_target
from services.notifications.inbox.mailboxes import mailboxes_of, own_mailboxes
from services.notifications.inbox.queries import InboxQueries
from services.notifications.inbox.service import InboxService
from shared.auth import FORBIDDEN, CurrentPrincipal
from shared.commands import Forbidden, InvalidField
from shared.params import Skip
from shared.routing import Caller, Page, from_state

router = APIRouter(tags=["inbox"])


QueriesDep = Annotated[InboxQueries, Depends(from_state("inbox_queries", InboxQueries))]
InboxDep = Annotated[InboxService, Depends(from_state("inbox", InboxService))]
ContactsDep = Annotated[ContactBook, Depends(from_state("contacts", ContactBook))]
Mailbox = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z_]{1,20}:[0-9A-Za-z_.-]{1,64}$", description="信箱 (one of your mailboxes)"
    ),
]
NotificationPath = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="消息编号")]


class Unread(BaseModel):
    unread: int


class Marked(BaseModel):
    marked: int


class ContactUpdate(BaseModel):
    """Absent fields stay as they were; ``null`` clears one. The answer is what is stored."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(
        default=None, max_length=254, pattern=r"^[^@\s]{1,64}@[^@\s]{1,189}\.[A-Za-z]{2,24}$"
    )
    phone: str | None = Field(default=None, pattern=r"^1[3-9][0-9]{9}$", description="手机号")
    wecom_robot_url: str | None = Field(
        default=None, max_length=500, description="企业微信群机器人地址 (an office's group robot)"
    )


@router.get("/inbox", response_model=Page[dict[str, Any]])
async def inbox(
    principal: CurrentPrincipal,
    queries: QueriesDep,
    offset: Skip = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    unread: Annotated[bool, Query(description="只看未读")] = False,
    mailbox: Mailbox = None,
) -> Page[dict[str, Any]]:
    boxes = own_mailboxes(principal, mailbox)
    total, items = await queries.page(boxes, unread, offset, limit) if boxes else (0, [])
    return Page[dict[str, Any]](total=total, offset=offset, limit=limit, items=items)


@router.get("/inbox/unread-count", response_model=Unread)
async def unread_count(
    principal: CurrentPrincipal, queries: QueriesDep, mailbox: Mailbox = None
) -> Unread:
    boxes = own_mailboxes(principal, mailbox)
    return Unread(unread=await queries.unread(boxes) if boxes else 0)


@router.post("/inbox/{notification_id}/read", response_model=Marked)
async def mark_read(notification_id: NotificationPath, caller: Caller, inbox: InboxDep) -> Marked:
    return Marked(marked=int(await inbox.mark_read(notification_id, caller)))


@router.post("/inbox/read-all", response_model=Marked)
async def mark_all_read(caller: Caller, inbox: InboxDep) -> Marked:
    return Marked(marked=await inbox.mark_all_read(caller))


@router.put("/me/contact", response_model=ContactUpdate)
async def set_contact(
    body: ContactUpdate, principal: CurrentPrincipal, contacts: ContactsDep, request: Request
) -> ContactUpdate:
    """Your e-mail address for messages (kept by this service only, never on the log)."""
    boxes = mailboxes_of(principal)
    if not boxes:
        raise Forbidden(f"您的角色没有信箱 ({FORBIDDEN})")
    values = body.model_dump(exclude_unset=True)
    url = values.get("wecom_robot_url")
    if url is not None:
        try:
            check_target(url, allow_private=request.app.state.allow_private_targets)
        except UnsafeTarget as exc:
            raise InvalidField("body.wecom_robot_url", str(exc)) from exc
    for box in boxes:
        await contacts.set(box, values)
    return ContactUpdate(**await contacts.own(boxes[0]))


@router.get("/me/contact", response_model=ContactUpdate)
async def get_contact(principal: CurrentPrincipal, contacts: ContactsDep) -> ContactUpdate:
    """The contact details you set (the directory's numbers are used where none is set)."""
    boxes = mailboxes_of(principal)
    if not boxes:
        raise Forbidden(f"您的角色没有信箱 ({FORBIDDEN})")
    return ContactUpdate(**await contacts.own(boxes[0]))
