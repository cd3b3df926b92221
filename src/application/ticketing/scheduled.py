"""Ticketing work the scheduler runs: expire unpaid orders, end finished events."""

from __future__ import annotations

import uuid
from datetime import datetime

from application.ports.clock import Clock
from application.ports.ticketing import TicketingUnitOfWorkFactory
from domain.ticketing import EventStatus, OrderStatus, release_seats


async def _organization_ids(uow: TicketingUnitOfWorkFactory) -> list[uuid.UUID]:
    """Every tenant: system jobs walk them one transaction each, under each one's RLS."""
    async with uow() as system:
        return await system.tenants.organization_ids()


class ExpirePendingOrders:
    """Pending orders past expires_at give their seats back. The scheduler runs it; so may an operator.

    One transaction per order, each locking event, ticket types, then the order, like every seat change.
    """

    def __init__(self, uow: TicketingUnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, batch_size: int = 500) -> int:
        now = self._clock.now()
        expired = 0
        for organization_id in await _organization_ids(self._uow):
            async with self._uow(organization_id) as uow:
                order_ids = await uow.orders.expired_pending(now, limit=batch_size)
            for order_id in order_ids:
                expired += await self._expire_one(organization_id, order_id, now)
        return expired

    async def _expire_one(self, organization_id: uuid.UUID, order_id: uuid.UUID, now: datetime) -> int:
        async with self._uow(organization_id) as uow:
            event_id = await uow.orders.event_id_of(order_id)
            event = await uow.events.get_for_update(event_id) if event_id else None
            order = await uow.orders.get_for_update(order_id)
            if event is None or order is None or order.status != OrderStatus.PENDING:
                return 0  # paid or cancelled meanwhile
            ticket_types = await uow.ticket_types.list_for_update(event.id, order.ticket_type_ids())
            order.expire(now)
            release_seats(order, event, ticket_types)
            uow.collect(order)
            await uow.commit()
        return 1


class EndFinishedEvents:
    """Published events past their end become `ended` (the scheduler runs it with the jobs work)."""

    def __init__(self, uow: TicketingUnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, batch_size: int = 500) -> int:
        now = self._clock.now()
        ended = 0
        for organization_id in await _organization_ids(self._uow):
            async with self._uow(organization_id) as uow:
                for event_id in await uow.events.finished(now, limit=batch_size):
                    event = await uow.events.get_for_update(event_id)
                    if event is not None and event.status == EventStatus.PUBLISHED:
                        event.end(now)
                        uow.collect(event)
                        ended += 1
                await uow.commit()
        return ended
