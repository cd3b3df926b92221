"""Ticket payments on the memory adapters: the PaymentIntent of a paid order, Stripe's payment events through
the billing webhook use case, late payments, refunds."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from application.ports.payments import PaymentGatewayError, PaymentIntentInfo
from application.ticket_payments import OrderPayments
from application.ticketing import ExpirePendingOrders, GetOrder, OrderResult, RefundOrder
from domain.permissions import Role
from tests.fixtures.backends import Backend
from tests.fixtures.ticketing import deliver, place, published_event


def stored_order(b: Backend, order_id: uuid.UUID) -> Any:
    assert b.store is not None
    return b.store.table("orders")[order_id]


def tickets_of(b: Backend, order_id: uuid.UUID) -> list[Any]:
    assert b.store is not None
    return [t for t in b.store.table("tickets").values() if t.order_id == order_id]


def outbox_names(b: Backend, order_id: uuid.UUID) -> list[str]:
    assert b.store is not None
    return [e.name for e in b.store.outbox if e.payload.get("order_id") == str(order_id)]


async def pending_order(b: Backend, *, quantity: int = 2, capacity: int | None = None) -> tuple[Any, Any, OrderResult]:
    _, (admin, member) = await b.organization(Role.OWNER, Role.MEMBER)
    event, tt = await published_event(b, admin, capacity=capacity, price_cents=1500, quantity=quantity)
    order = await place(b, member, event.id, (tt.id, quantity))
    return (admin, member), (event, tt), order


async def test_a_paid_order_starts_one_payment_intent_for_its_total(memory_backend: Backend) -> None:
    b = memory_backend
    (_, member), _, order = await pending_order(b)

    assert order.payment is not None and order.payment.client_secret
    intent = await b.gateway.retrieve_payment_intent(order.payment.payment_intent_id)
    assert (intent.amount_cents, intent.currency) == (3000, "eur")
    assert intent.metadata == {"organization_id": str(member.organization_id), "order_id": str(order.id)}
    assert stored_order(b, order.id).payment_intent_id == intent.id
    # The buyer reads the same payment back; nobody else gets the client secret.
    again = await GetOrder(b.uow, OrderPayments(b.uow, b.gateway)).execute(member, order.id)
    assert again.payment == order.payment


class FailingGateway:
    """Stripe unreachable on create; everything else as the memory twin."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.down = inner, True

    async def create_payment_intent(self, **kwargs: Any) -> PaymentIntentInfo:
        if self.down:
            raise PaymentGatewayError("payment provider unreachable", retryable=True)
        result: PaymentIntentInfo = await self.inner.create_payment_intent(**kwargs)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class RefundSpy:
    """The memory twin, remembering the refunds asked for."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.calls = inner, []

    async def refund_payment_intent(self, *, payment_intent_id: str, idempotency_key: str) -> Any:
        self.calls.append((payment_intent_id, idempotency_key))
        return await self.inner.refund_payment_intent(
            payment_intent_id=payment_intent_id, idempotency_key=idempotency_key
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_when_stripe_fails_the_order_stays_pending_and_the_buyers_get_retries(memory_backend: Backend) -> None:
    b = memory_backend
    gateway = FailingGateway(b.gateway)
    b.gateway = gateway  # type: ignore[assignment]
    (_, member), _, order = await pending_order(b)
    assert order.status == "pending" and order.payment is None
    assert stored_order(b, order.id).payment_intent_id is None

    gateway.down = False
    retried = await GetOrder(b.uow, OrderPayments(b.uow, gateway)).execute(member, order.id)  # type: ignore[arg-type]
    assert retried.status == "pending" and retried.payment is not None
    assert stored_order(b, order.id).payment_intent_id == retried.payment.payment_intent_id


async def test_payment_succeeded_pays_the_order_once_with_tickets(memory_backend: Backend) -> None:
    b = memory_backend
    (_, member), _, order = await pending_order(b)
    assert order.payment is not None
    payload, header = b.gateway.succeed_payment_intent(order.payment.payment_intent_id)

    first = await deliver(b, payload, header)
    second = await deliver(b, payload, header)

    assert (first.outcome, second.duplicate) == ("applied", True)
    assert stored_order(b, order.id).status == "paid" and len(tickets_of(b, order.id)) == 2
    assert outbox_names(b, order.id).count("order.paid") == 1  # the confirmation email's trigger
    # Another event id for the same payment (Stripe may send one twice under new ids) changes nothing.
    payload, header = b.gateway.signed_webhook(
        "payment_intent.succeeded", _intent_object(order, organization_id=str(member.organization_id))
    )
    assert (await deliver(b, payload, header)).outcome == "no change: the order is paid"
    assert len(tickets_of(b, order.id)) == 2


def _intent_object(order: OrderResult, **metadata: str) -> dict[str, Any]:
    assert order.payment is not None
    return {
        "id": order.payment.payment_intent_id,
        "object": "payment_intent",
        "status": "succeeded",
        "metadata": {"order_id": str(order.id), **metadata},
    }


async def test_an_event_naming_another_organizations_order_changes_nothing(memory_backend: Backend) -> None:
    b = memory_backend
    (_, mine), _, my_order = await pending_order(b)
    (_, theirs), _, their_order = await pending_order(b)
    assert my_order.payment is not None and their_order.payment is not None

    # My payment, their order id, my organization: their order is not found in my tenant.
    cross = _intent_object(my_order, organization_id=str(mine.organization_id))
    cross["metadata"]["order_id"] = str(their_order.id)
    # My payment, their order and organization: their order does not hold my payment.
    forged = _intent_object(my_order, organization_id=str(theirs.organization_id))
    forged["metadata"]["order_id"] = str(their_order.id)
    outcomes = [
        (await deliver(b, *b.gateway.signed_webhook("payment_intent.succeeded", o))).outcome for o in (cross, forged)
    ]

    assert outcomes == ["ignored: no such order in this organization", "ignored: not the order's payment"]
    assert stored_order(b, their_order.id).status == "pending" and tickets_of(b, their_order.id) == []
    assert stored_order(b, my_order.id).status == "pending"


async def test_a_late_payment_takes_the_seats_again_if_they_are_free(memory_backend: Backend) -> None:
    b = memory_backend
    _, (event, tt), order = await pending_order(b, capacity=2)
    b.clock.advance(timedelta(minutes=16))
    assert await ExpirePendingOrders(b.uow, b.clock).execute() == 1
    assert order.payment is not None

    result = await deliver(b, *b.gateway.succeed_payment_intent(order.payment.payment_intent_id))

    assert result.outcome == "applied"
    assert stored_order(b, order.id).status == "paid" and len(tickets_of(b, order.id)) == 2
    assert b.store is not None and b.store.table("events")[event.id].reserved == 2
    assert b.store.table("ticket_types")[tt.id].reserved == 2


async def test_a_late_payment_for_seats_sold_meanwhile_is_refunded(memory_backend: Backend) -> None:
    b = memory_backend
    b.gateway = refunds = RefundSpy(b.gateway)  # type: ignore[assignment]
    (_, member), (event, tt), order = await pending_order(b, capacity=2)
    b.clock.advance(timedelta(minutes=16))
    await ExpirePendingOrders(b.uow, b.clock).execute()
    assert (await place(b, member, event.id, (tt.id, 2))).status == "pending"  # someone took the seats
    assert order.payment is not None

    result = await deliver(b, *b.gateway.succeed_payment_intent(order.payment.payment_intent_id))

    assert result.outcome == "refunded: paid after expiry and sold out"
    assert stored_order(b, order.id).status == "refunded" and tickets_of(b, order.id) == []
    assert refunds.calls == [(order.payment.payment_intent_id, f"ticket-order:{order.id}:refund")]


async def test_refunding_a_paid_order_refunds_its_payment_and_charge_refunded_changes_nothing_more(
    memory_backend: Backend,
) -> None:
    b = memory_backend
    b.gateway = refunds = RefundSpy(b.gateway)  # type: ignore[assignment]
    (admin, _), _, order = await pending_order(b)
    assert order.payment is not None
    await deliver(b, *b.gateway.succeed_payment_intent(order.payment.payment_intent_id))

    refunded = await RefundOrder(b.uow, b.clock, b.gateway).execute(admin, order.id)

    assert refunded.status == "refunded"
    assert refunds.calls == [(order.payment.payment_intent_id, f"ticket-order:{order.id}:refund")]
    charge = {
        "id": "ch_1",
        "object": "charge",
        "refunded": True,
        "payment_intent": order.payment.payment_intent_id,
        "metadata": {"organization_id": str(admin.organization_id), "order_id": str(order.id)},
    }
    assert (await deliver(b, *b.gateway.signed_webhook("charge.refunded", charge))).outcome == (
        "no change: the order is refunded"
    )


async def test_a_refund_made_at_stripe_refunds_the_order_and_voids_its_tickets(memory_backend: Backend) -> None:
    b = memory_backend
    (admin, _), (event, _), order = await pending_order(b)
    assert order.payment is not None
    await deliver(b, *b.gateway.succeed_payment_intent(order.payment.payment_intent_id))
    charge = {
        "id": "ch_1",
        "object": "charge",
        "refunded": True,
        "payment_intent": order.payment.payment_intent_id,
        "metadata": {"organization_id": str(admin.organization_id), "order_id": str(order.id)},
    }
    partial = {**charge, "refunded": False}
    assert (await deliver(b, *b.gateway.signed_webhook("charge.refunded", partial))).outcome == (
        "no change: a partial refund"
    )

    assert (await deliver(b, *b.gateway.signed_webhook("charge.refunded", charge))).outcome == "applied"

    assert stored_order(b, order.id).status == "refunded"
    assert all(t.voided_at is not None for t in tickets_of(b, order.id))
    assert b.store is not None and b.store.table("events")[event.id].reserved == 0
