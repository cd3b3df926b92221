"""A suspended organization's pending orders still expire and give their seats back (both stores)."""

from __future__ import annotations

from datetime import timedelta

from application.ticketing import ExpirePendingOrders
from tests.fixtures.backends import Backend
from tests.payments.test_use_cases import pending_order


async def test_pending_orders_of_a_suspended_organization_expire(backend: Backend) -> None:
    b = backend
    (_, member), (event, _), order = await pending_order(b, capacity=2)
    async with b.uow(member.organization_id) as uow:
        organization = await uow.organizations.get(member.organization_id)
        organization.suspended_at = b.clock.now()
        uow.collect(organization)
        await uow.commit()
    b.clock.advance(timedelta(minutes=16))

    assert await ExpirePendingOrders(b.uow, b.clock).execute() >= 1

    async with b.uow(member.organization_id) as uow:
        expired = await uow.orders.get_for_update(order.id)
        seats_held = (await uow.events.get_for_update(event.id)).reserved
    assert expired is not None and expired.status == "expired"
    assert seats_held == 0
