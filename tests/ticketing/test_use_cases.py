"""Use cases of ticketing on the memory adapters: orders through their whole life, expiry, audit."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from application.ticket_payments import OrderPayments, PaymentIntentEventHandler
from application.ticketing import (
    CancelEvent,
    CheckIn,
    CheckInCommand,
    EndFinishedEvents,
    ExpirePendingOrders,
    GetEvent,
    GetOrder,
    RefundOrder,
)
from application.webhooks import ProcessStripeWebhook, WebhookHandlers
from domain.errors import Conflict, NotFound
from domain.permissions import Role
from tests.fixtures.backends import Backend
from tests.fixtures.ticketing import place, published_event


async def test_pending_orders_expire_after_fifteen_minutes_and_release_their_seats(memory_backend: Backend) -> None:
    b = memory_backend
    _, (admin, member) = await b.organization(Role.OWNER, Role.MEMBER)
    event, tt = await published_event(b, admin, capacity=3, price_cents=500, quantity=3)
    pending = await place(b, member, event.id, (tt.id, 3))
    assert pending.status == "pending" and pending.expires_at == b.clock.now() + timedelta(minutes=15)
    with pytest.raises(Conflict):
        await place(b, member, event.id, (tt.id, 1))

    expire = ExpirePendingOrders(b.uow, b.clock)
    b.clock.advance(timedelta(minutes=14))
    assert await expire.execute() == 0
    b.clock.advance(timedelta(minutes=1))
    assert await expire.execute() == 1
    assert (await GetOrder(b.uow, OrderPayments(b.uow, b.gateway)).execute(member, pending.id)).status == "expired"
    assert (await place(b, member, event.id, (tt.id, 3))).status == "pending"  # the seats are back


async def test_finished_events_end_and_sell_nothing_more(memory_backend: Backend) -> None:
    b = memory_backend
    _, (admin, member) = await b.organization(Role.OWNER, Role.MEMBER)
    event, tt = await published_event(b, admin)
    end = EndFinishedEvents(b.uow, b.clock)
    assert await end.execute() == 0
    b.clock.advance(timedelta(days=7, hours=2))
    assert await end.execute() == 1
    assert (await GetEvent(b.uow).execute(member, event.id)).status == "ended"
    with pytest.raises(Conflict):
        await place(b, member, event.id, (tt.id, 1))
    assert await end.execute() == 0


async def test_payment_issues_tickets_and_refund_voids_them(memory_backend: Backend) -> None:
    b = memory_backend
    _, (admin, member) = await b.organization(Role.OWNER, Role.MEMBER)
    event, tt = await published_event(b, admin, price_cents=2000)
    pending = await place(b, member, event.id, (tt.id, 2))
    assert pending.payment is not None
    handlers = WebhookHandlers()
    handlers.register("payment_intent.succeeded", PaymentIntentEventHandler(b.gateway, b.clock))
    webhook = ProcessStripeWebhook(b.uow, b.gateway, handlers, b.clock)
    paid_at_stripe = b.gateway.succeed_payment_intent(pending.payment.payment_intent_id)  # the buyer paid
    assert (await webhook.execute(*paid_at_stripe)).outcome == "applied"
    paid = await GetOrder(b.uow, OrderPayments(b.uow, b.gateway)).execute(member, pending.id)
    assert paid.status == "paid" and len(paid.tickets) == 2
    again = b.gateway.succeed_payment_intent(pending.payment.payment_intent_id)  # a new event id, same payment
    assert (await webhook.execute(*again)).outcome == "no change: the order is paid"
    checked = await CheckIn(b.uow, b.clock).execute(admin, CheckInCommand(event.id, paid.tickets[0].code))
    assert checked.holder.user_id == member.user_id

    refunded = await RefundOrder(b.uow, b.clock, b.gateway).execute(admin, pending.id)
    assert refunded.status == "refunded" and refunded.tickets == []
    with pytest.raises(Conflict, match="void"):
        await CheckIn(b.uow, b.clock).execute(admin, CheckInCommand(event.id, paid.tickets[1].code))


async def test_a_refused_order_writes_nothing(memory_backend: Backend) -> None:
    b = memory_backend
    _, (admin, member) = await b.organization(Role.OWNER, Role.MEMBER)
    event, tt = await published_event(b, admin, quantity=2)
    assert b.store is not None
    before_outbox = len(b.store.outbox)
    with pytest.raises(Conflict):
        await place(b, member, event.id, (tt.id, 3))
    with pytest.raises(NotFound):
        await place(b, member, event.id, (tt.id, 1), (uuid.uuid4(), 1))
    assert b.store.table("orders") == {} and b.store.table("tickets") == {}
    assert next(iter(b.store.table("ticket_types").values())).reserved == 0
    assert len(b.store.outbox) == before_outbox


async def test_every_mutating_use_case_leaves_an_audit_entry_with_its_actor(memory_backend: Backend) -> None:
    b = memory_backend
    org_id, (admin, member) = await b.organization(Role.OWNER, Role.MEMBER)
    event, tt = await published_event(b, admin)
    order = await place(b, member, event.id, (tt.id, 1))
    await CheckIn(b.uow, b.clock).execute(admin, CheckInCommand(event.id, order.tickets[0].code))
    await CancelEvent(b.uow, b.clock).execute(admin, event.id)
    assert b.store is not None
    entries = [(e.name, e.actor_id) for e in b.store.audit_log if e.organization_id == org_id]
    assert entries == [
        ("event.created", admin.user_id),
        ("event.published", admin.user_id),
        ("ticket_type.created", admin.user_id),
        ("order.placed", member.user_id),
        ("ticket.checked_in", admin.user_id),
        ("event.cancelled", admin.user_id),
        ("order.cancelled", admin.user_id),
    ]
