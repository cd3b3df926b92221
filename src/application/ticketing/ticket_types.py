"""Use cases of ticket types: define one for an event, list an event's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from application.ports.clock import Clock
from application.ports.ticketing import TicketingQueries, TicketingUnitOfWorkFactory, TicketTypeView
from application.ticketing.access import visible_event
from domain.permissions import Actor, Permission
from domain.ticketing import TicketType


@dataclass(frozen=True)
class CreateTicketTypeCommand:
    event_id: uuid.UUID
    name: str
    price_cents: int
    currency: str
    quantity: int
    sales_start: datetime | None = None
    sales_end: datetime | None = None
    max_per_order: int = 10


class CreateTicketType:
    def __init__(self, uow: TicketingUnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, actor: Actor, command: CreateTicketTypeCommand) -> TicketTypeView:
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            event, role = await visible_event(uow, actor, command.event_id, lock=True)
            ticket_type = TicketType.define(
                actor,
                event,
                chapter_role=role,
                name=command.name,
                price_cents=command.price_cents,
                currency=command.currency,
                quantity=command.quantity,
                sales_start=command.sales_start,
                sales_end=command.sales_end,
                max_per_order=command.max_per_order,
                now=self._clock.now(),
            )
            await uow.ticket_types.add(ticket_type)
            uow.collect(ticket_type)
            await uow.commit()
        return TicketTypeView.of(ticket_type)


class ListTicketTypes:
    def __init__(self, uow: TicketingUnitOfWorkFactory, queries: TicketingQueries) -> None:
        self._uow, self._queries = uow, queries

    async def execute(self, actor: Actor, event_id: uuid.UUID) -> list[TicketTypeView]:
        actor.require(Permission.EVENTS_READ)
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            await visible_event(uow, actor, event_id)
        return await self._queries.list_ticket_types(actor.organization_id, event_id)
