"""Stripe webhooks: verified, processed exactly once per event id, never moving state backwards.

Extension point: a capability that reacts to other Stripe events (ticket orders: `payment_intent.succeeded`,
`charge.refunded`, ...) writes a WebhookHandler and registers it for its event types on the application's
WebhookHandlers (in its dishka provider, with `@decorate` on WebhookHandlers). The handler:
- `organization_of(uow, event)`: names the tenant from what the event carries, reading only global data in a
  unit of work without a tenant (e.g. a customer routing table, or metadata["organization_id"] as a *hint*);
- `apply(uow, event)`: runs in that tenant's unit of work (RLS set to it), in the same transaction as the
  record of the event id. It must look the object up through the tenant's repositories (so an id of another
  organization is simply not found), compare states or `event.created` so that late or reordered events
  change nothing, and never commit. It returns a short outcome ("applied", "ignored: ...") kept with the
  event record. Slow follow-ups (emails, refunds) go through domain events (outbox), not in the request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from application.ports.billing import BillingUnitOfWork, StripeEventRecord
from application.ports.clock import Clock
from application.ports.payments import WEBHOOK_MAX_TIMESTAMP, PaymentGateway, WebhookEvent
from application.ports.webhooks import WebhookUnitOfWork, WebhookUnitOfWorkFactory


class WebhookHandler(Protocol):
    async def organization_of(self, uow: WebhookUnitOfWork, event: WebhookEvent) -> uuid.UUID | None:
        """The organization the event is about, or None when it is none of ours (recorded, then ignored)."""
        ...

    async def apply(self, uow: WebhookUnitOfWork, event: WebhookEvent) -> str:
        """Apply the event's effects in the organization's unit of work (no commit); returns the outcome."""
        ...


class WebhookHandlers:
    """Event type -> handler. Unregistered types are acknowledged and recorded, with no effect."""

    def __init__(self) -> None:
        self._by_type: dict[str, WebhookHandler] = {}

    def register(self, event_type: str, handler: WebhookHandler) -> None:
        if event_type in self._by_type:
            raise ValueError(f"a handler for {event_type} is registered already")
        self._by_type[event_type] = handler

    def get(self, event_type: str) -> WebhookHandler | None:
        return self._by_type.get(event_type)


@dataclass(frozen=True)
class WebhookResult:
    event_id: str
    duplicate: bool
    outcome: str


class ProcessStripeWebhook:
    def __init__(
        self,
        uow: WebhookUnitOfWorkFactory,
        gateway: PaymentGateway,
        handlers: WebhookHandlers,
        clock: Clock,
    ) -> None:
        self._uow, self._gateway, self._handlers, self._clock = uow, gateway, handlers, clock

    async def execute(self, payload: bytes, signature_header: str) -> WebhookResult:
        # Raises InvalidWebhook (400) before anything is read or written.
        event = self._gateway.parse_webhook(payload, signature_header)
        handler = self._handlers.get(event.type)
        organization_id = None
        if handler is not None:
            async with self._uow() as uow:
                organization_id = await handler.organization_of(uow, event)
        async with self._uow(organization_id) as uow:
            record = StripeEventRecord(
                id=event.id,
                type=event.type,
                created=event.created,
                organization_id=organization_id,
                outcome="processing",
                received_at=self._clock.now(),
            )
            if not await uow.stripe_events.add_if_new(record):
                return WebhookResult(event.id, duplicate=True, outcome="duplicate")
            if handler is None:
                outcome = "ignored: no handler for this event type"
            elif organization_id is None:
                outcome = "ignored: not about any organization of ours"
            else:
                outcome = await handler.apply(uow, event)
            await uow.stripe_events.set_outcome(event.id, outcome)
            await uow.commit()
        return WebhookResult(event.id, duplicate=False, outcome=outcome)


SUBSCRIPTION_EVENT_TYPES = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
)


class SubscriptionEventHandler:
    """Mirrors `customer.subscription.*` into the organization's subscription row.

    The tenant comes from our own customer -> organization routing, never from the event's metadata; the event
    must name the organization's current subscription; and an event created before the state we hold changes
    nothing (OrganizationSubscription.mirror).
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def organization_of(self, uow: BillingUnitOfWork, event: WebhookEvent) -> uuid.UUID | None:
        customer_id = _id_of(event.data_object.get("customer"))
        return await uow.billing_customers.organization_of(customer_id) if customer_id else None

    async def apply(self, uow: BillingUnitOfWork, event: WebhookEvent) -> str:
        subscription = event.data_object
        row = await uow.subscriptions.get_for_update()
        if row is None or row.stripe_subscription_id is None:
            return "ignored: the organization has no subscription"
        if subscription.get("id") != row.stripe_subscription_id:
            return "ignored: not the organization's current subscription"
        if _id_of(subscription.get("customer")) != row.stripe_customer_id:
            return "ignored: the subscription belongs to another customer"
        status = subscription.get("status")
        if event.type == "customer.subscription.deleted":
            status = "canceled"
        if not isinstance(status, str):
            return "ignored: no status"
        price_id = _price_of(subscription)
        plan = await uow.plans.get_by_price(price_id) if price_id else None
        if plan is None:
            return f"ignored: no plan sells price {price_id}"
        period_end = subscription.get("current_period_end") or _first_item(subscription).get("current_period_end")
        changed = row.mirror(
            plan_id=plan.id,
            subscription_id=row.stripe_subscription_id,
            status=status,
            current_period_end=_timestamp(period_end),
            cancel_at_period_end=bool(subscription.get("cancel_at_period_end")),
            as_of=event.created,
            now=self._clock.now(),
        )
        uow.collect(row)
        return "applied" if changed else "no change: older than or equal to the state held"


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= WEBHOOK_MAX_TIMESTAMP:
        return None
    return datetime.fromtimestamp(value, UTC)


def _id_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def _first_item(subscription: dict[str, Any]) -> dict[str, Any]:
    items = subscription.get("items")
    data = items.get("data") if isinstance(items, dict) else None
    first = data[0] if isinstance(data, list) and data else None
    return first if isinstance(first, dict) else {}


def _price_of(subscription: dict[str, Any]) -> str | None:
    item = _first_item(subscription)
    return _id_of(item.get("price")) or _id_of(item.get("plan"))


def default_webhook_handlers(clock: Clock) -> WebhookHandlers:
    handlers = WebhookHandlers()
    subscription_events = SubscriptionEventHandler(clock)
    for event_type in SUBSCRIPTION_EVENT_TYPES:
        handlers.register(event_type, subscription_events)
    return handlers
