"""Payments of ticket orders: the PaymentIntent of a pending paid order, and Stripe's word that it was paid.

- A paid order's PaymentIntent is created after the order's transaction commits (no row lock is held while the
  provider is called), with the idempotency key `ticket-order:{order_id}:intent`, and its id is stored on the
  order. If the provider fails, the order stays pending with `payment: null`; the buyer's next GET of the order
  tries again with the same key (so a retry never makes a second payment).
- `payment_intent.succeeded` finds the order through the tenant's repositories and pays it only if the order
  holds that very PaymentIntent. A payment arriving after the order expired takes the seats again when they are
  free, else the money goes back. See docs/ticket-payments.md.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from application.ports.clock import Clock
from application.ports.payments import PaymentGateway, PaymentGatewayError, WebhookEvent
from application.ports.ticketing import TicketingUnitOfWork, TicketingUnitOfWorkFactory
from application.ports.webhooks import WebhookUnitOfWork
from domain.errors import Conflict
from domain.ticketing import Event, Order, OrderStatus, release_seats, retake_seats

PAYMENT_EVENT_TYPES = ("payment_intent.succeeded", "charge.refunded")


def intent_key(order_id: uuid.UUID) -> str:
    return f"ticket-order:{order_id}:intent"


def refund_key(order_id: uuid.UUID) -> str:
    return f"ticket-order:{order_id}:refund"


@dataclass(frozen=True)
class PaymentResult:
    client_secret: str
    payment_intent_id: str


class OrderPayments:
    """Starts (or reads back) the PaymentIntent of a pending paid order. Never raises for the provider's
    failures: the order is kept and the answer says `payment: null`, to be retried."""

    def __init__(self, uow: TicketingUnitOfWorkFactory, gateway: PaymentGateway) -> None:
        self._uow, self._gateway = uow, gateway

    async def payment_of(self, order: Order) -> PaymentResult | None:
        if order.status != OrderStatus.PENDING or order.total_cents == 0:
            return None
        try:
            if order.payment_intent_id is not None:
                intent = await self._gateway.retrieve_payment_intent(order.payment_intent_id)
            else:
                intent = await self._gateway.create_payment_intent(
                    amount_cents=order.total_cents,
                    currency=order.currency.lower(),
                    metadata={"organization_id": str(order.organization_id), "order_id": str(order.id)},
                    idempotency_key=intent_key(order.id),
                )
                if not await self._store(order, intent.id):
                    return None
        except PaymentGatewayError:
            return None  # the provider failed: the order stays pending; a GET of it tries again
        return PaymentResult(client_secret=intent.client_secret, payment_intent_id=intent.id)

    async def _store(self, order: Order, payment_intent_id: str) -> bool:
        async with self._uow(order.organization_id) as uow:
            stored = await uow.orders.get_for_update(order.id)
            if stored is None or stored.status != OrderStatus.PENDING:
                return False  # expired or cancelled meanwhile: no payment to offer
            try:
                stored.start_payment(payment_intent_id)
            except Conflict:
                return False  # a concurrent request stored another one; the next GET reads that one
            await uow.commit()
        order.payment_intent_id = payment_intent_id
        return True


def _metadata_of(event: WebhookEvent) -> dict[str, Any]:
    metadata = event.data_object.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class PaymentIntentEventHandler:
    """`payment_intent.succeeded` pays the order; `charge.refunded` (a refund made at Stripe) refunds it.

    The tenant comes from metadata["organization_id"] as a hint only: the order is then looked up in that
    tenant, and must hold the event's PaymentIntent id, so metadata naming another organization's order, or an
    order paid by another intent, changes nothing.
    """

    def __init__(self, gateway: PaymentGateway, clock: Clock) -> None:
        self._gateway, self._clock = gateway, clock

    async def organization_of(self, uow: WebhookUnitOfWork, event: WebhookEvent) -> uuid.UUID | None:
        return _uuid(_metadata_of(event).get("organization_id"))

    async def apply(self, uow: WebhookUnitOfWork, event: WebhookEvent) -> str:
        payment_intent_id = (
            event.data_object.get("id")
            if event.type.startswith("payment_intent.")
            else event.data_object.get("payment_intent")
        )
        order_id = _uuid(_metadata_of(event).get("order_id"))
        if order_id is None or not isinstance(payment_intent_id, str):
            return "ignored: no order named"
        # The event first, like every writer of the event's orders.
        event_id = await uow.orders.event_id_of(order_id)
        ticket_event = await uow.events.get_for_update(event_id) if event_id else None
        order = await uow.orders.get_for_update(order_id)
        if ticket_event is None or order is None:
            return "ignored: no such order in this organization"
        if not order.pays_with(payment_intent_id):
            return "ignored: not the order's payment"
        if event.type == "charge.refunded":
            if event.data_object.get("refunded") is not True:
                return "no change: a partial refund"  # Stripe sends charge.refunded for those too
            return await self._refunded(uow, order, ticket_event)
        return await self._succeeded(uow, order, ticket_event)

    async def _succeeded(self, uow: TicketingUnitOfWork, order: Order, ticket_event: Event) -> str:
        now = self._clock.now()
        if order.status == OrderStatus.PENDING:
            order.mark_paid(now)
        elif order.status == OrderStatus.EXPIRED:
            ticket_types = await uow.ticket_types.list_for_update(order.event_id, order.ticket_type_ids())
            if retake_seats(order, ticket_event, ticket_types):
                order.pay_late(now)
            else:
                await self._refund(order)
                order.refund_unfulfilled(now)
                uow.collect(order)
                return "refunded: paid after expiry and sold out"
        elif order.status == OrderStatus.CANCELLED:
            await self._refund(order)  # cancelled while the buyer was paying: the money goes back
            return "refunded: the order was cancelled"
        else:
            return f"no change: the order is {order.status.value}"
        tickets = order.issue_tickets(now)
        await uow.tickets.add_all(tickets)
        uow.collect(order)
        return "applied"

    async def _refunded(self, uow: TicketingUnitOfWork, order: Order, ticket_event: Event) -> str:
        if order.status not in (OrderStatus.PAID, OrderStatus.REFUND_PENDING):
            return f"no change: the order is {order.status.value}"
        now = self._clock.now()
        held = order.holds_seats
        order.refund_at_provider(now)
        if held:
            ticket_types = await uow.ticket_types.list_for_update(order.event_id, order.ticket_type_ids())
            release_seats(order, ticket_event, ticket_types)
        for ticket in await uow.tickets.list_for_order(order.id):
            ticket.void(now)
        uow.collect(order)
        return "applied"

    async def _refund(self, order: Order) -> None:
        assert order.payment_intent_id is not None
        await self._gateway.refund_payment_intent(
            payment_intent_id=order.payment_intent_id, idempotency_key=refund_key(order.id)
        )
