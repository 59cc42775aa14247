"""Webhook subscriptions for integrators: make one (its secret shown once), read its
delivery log, redeliver a delivery."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import uuid4

from fastapi import APIRouter, Depends, Path, Query, Request, status
from pydantic import BaseModel, Field

from services.notifications.channels.wecom import UnsafeTarget, check_target
from services.notifications.webhooks.sender import WebhookSender
from services.notifications.webhooks.signing import new_secret
from services.notifications.webhooks.subscriptions import Subscription, WebhookStore
from shared.auth import FORBIDDEN, CurrentPrincipal, Principal, Role, ensure_role, ensure_within
from shared.commands import Forbidden, InvalidField, NotFound
from shared.events import registry
from shared.jurisdiction import Jurisdiction
from shared.params import Skip
from shared.routing import Page, from_state
from shared.runtime import utcnow

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
IdPath = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]


StoreDep = Annotated[WebhookStore, Depends(from_state("webhooks", WebhookStore))]
SenderDep = Annotated[WebhookSender, Depends(from_state("webhook_sender", WebhookSender))]


class SubscriptionCreate(BaseModel):
    url: str = Field(max_length=500)
    event_types: list[str] = Field(min_length=1, max_length=100)
    jurisdiction: Jurisdiction | None = None
    """Where the events must have happened (default: the integrator's own jurisdiction)."""


class SubscriptionPublic(BaseModel):
    subscription_id: str
    url: str
    event_types: list[str]
    jurisdiction: Jurisdiction
    secret: str | None = None
    """The signing secret (``whsec_…``), shown only in the answer that made it."""


def _owned(principal: Principal, sub: Subscription) -> None:
    if sub.owner != principal.user_id and Role.admin not in principal.roles:
        raise Forbidden(f"不是您的订阅 ({FORBIDDEN})")


@router.post(
    "/subscriptions", response_model=SubscriptionPublic, status_code=status.HTTP_201_CREATED
)
async def subscribe(
    body: SubscriptionCreate, principal: CurrentPrincipal, store: StoreDep, request: Request
) -> SubscriptionPublic:
    ensure_role(principal, Role.integrator)
    where = body.jurisdiction or principal.jurisdiction
    ensure_within(principal, where)
    try:
        check_target(body.url, allow_private=request.app.state.allow_private_targets)
    except UnsafeTarget as exc:
        raise InvalidField("body.url", str(exc)) from exc
    for n, event_type in enumerate(body.event_types):
        if not registry.knows(event_type):
            raise InvalidField(f"body.event_types.{n}", f"未知的事件类型 {event_type}")
    sub = Subscription(
        subscription_id=str(uuid4()),
        owner=principal.user_id,
        url=body.url,
        event_types=tuple(body.event_types),
        jurisdiction=where,
        secret=new_secret(),
        created_at=utcnow(),
    )
    await store.add(sub)
    return SubscriptionPublic(
        **sub.model_dump(include={"subscription_id", "url", "jurisdiction", "secret"}),
        event_types=list(sub.event_types),
    )


@router.get("/subscriptions/{subscription_id}/deliveries", response_model=Page[dict[str, Any]])
async def deliveries(
    subscription_id: IdPath,
    principal: CurrentPrincipal,
    store: StoreDep,
    offset: Skip = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[dict[str, Any]]:
    sub = await store.subscription(subscription_id)
    if sub is None:
        raise NotFound(f"没有这个订阅 ({subscription_id})")
    _owned(principal, sub)
    total, items = await store.log(subscription_id, offset, limit)
    return Page[dict[str, Any]](total=total, offset=offset, limit=limit, items=items)


class Redelivered(BaseModel):
    delivery_id: str
    sent: bool


@router.post("/deliveries/{delivery_id}/redeliver", response_model=Redelivered)
async def redeliver(
    delivery_id: IdPath, principal: CurrentPrincipal, store: StoreDep, sender: SenderDep
) -> Redelivered:
    entry = await store.delivery(delivery_id)
    sub = None if entry is None else await store.subscription(entry["subscription_id"])
    if sub is None:
        raise NotFound(f"没有这次投递 ({delivery_id})")
    _owned(principal, sub)
    return Redelivered(delivery_id=delivery_id, sent=await sender.redeliver(delivery_id))
