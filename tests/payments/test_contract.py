"""The order's payment on both stores (memory twin and PostgreSQL): the stored PaymentIntent id, a payment that
arrives in time, and one that arrives after expiry and takes the seats again through the locked rows."""

from __future__ import annotations

from datetime import timedelta

from domain.permissions import Role
from domain.ticketing import release_seats
from tests.fixtures.backends import Backend
from tests.fixtures.ticketing import deliver, place, published_event


async def test_payments_are_stored_and_paid_on_both_stores(backend: Backend) -> None:
    b = backend
    org_id, (admin, member) = await b.organization(Role.OWNER, Role.MEMBER)
    event, tt = await published_event(b, admin, capacity=3, price_cents=900, quantity=3)
    on_time = await place(b, member, event.id, (tt.id, 1))
    late = await place(b, member, event.id, (tt.id, 2))
    assert on_time.payment is not None and late.payment is not None

    async with b.uow(org_id) as uow:
        assert (await uow.orders.get(on_time.id)).payment_intent_id == on_time.payment.payment_intent_id
    assert (await deliver(b, *b.gateway.succeed_payment_intent(on_time.payment.payment_intent_id))).outcome == "applied"

    b.clock.advance(timedelta(minutes=16))
    # Expire just this order, as the expiry job does (the job itself would sweep every test's organization).
    async with b.uow(org_id) as uow:
        locked_event = await uow.events.get_for_update(event.id)
        order = await uow.orders.get_for_update(late.id)
        order.expire(b.clock.now())
        release_seats(order, locked_event, await uow.ticket_types.list_for_update(event.id, [tt.id]))
        uow.collect(order)
        await uow.commit()
    assert (await deliver(b, *b.gateway.succeed_payment_intent(late.payment.payment_intent_id))).outcome == "applied"

    async with b.uow(org_id) as uow:
        assert (await uow.orders.get(on_time.id)).status.value == "paid"
        assert (await uow.orders.get(late.id)).status.value == "paid"
        assert len(await uow.tickets.list_for_order(late.id)) == 2
        assert (await uow.events.get(event.id)).reserved == 3
        assert (await uow.ticket_types.get(tt.id)).reserved == 3
