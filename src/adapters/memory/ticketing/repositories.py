"""In-memory twins of the event and ticketing repositories."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from adapters.memory.repository import MemoryTenantRepository
from domain.errors import Conflict
from domain.ticketing import Event, EventStatus, Order, OrderStatus, Ticket, TicketType


class MemoryEventRepository(MemoryTenantRepository):
    table_name = "events"

    async def add(self, event: Event) -> None:
        self._put(event.id, event)

    async def get(self, event_id: uuid.UUID) -> Event | None:
        found: Event | None = self._get(event_id)
        return found

    get_for_update = get

    async def reserve_seats(self, event: Event, lines: Sequence[tuple[TicketType, int]]) -> None:
        # The stored rows, not the (maybe stale) entities given: what the conditional UPDATEs read.
        stored: Event | None = self._get(event.id)
        seats = sum(n for _, n in lines)
        if (
            stored is None
            or stored.status != EventStatus.PUBLISHED
            or (stored.capacity is not None and stored.reserved + seats > stored.capacity)
        ):
            raise Conflict("sold out: the event is full")
        stored.reserved += seats
        ticket_types = self._store.table("ticket_types")
        for ticket_type, n in sorted(lines, key=lambda line: line[0].id):
            row: TicketType | None = ticket_types.get(ticket_type.id)
            fits = row is not None and row.organization_id == self._org and row.event_id == event.id
            if row is None or not fits or row.reserved + n > row.quantity:
                raise Conflict(f"sold out: no more '{ticket_type.name}' tickets")  # the unit of work restores
            row.reserved += n

    async def finished(self, now: datetime, *, limit: int) -> list[uuid.UUID]:
        due = [e for e in self._visible() if e.status == EventStatus.PUBLISHED and e.ends_at <= now]
        return [e.id for e in sorted(due, key=lambda e: e.ends_at)[:limit]]


class MemoryTicketTypeRepository(MemoryTenantRepository):
    table_name = "ticket_types"

    async def add(self, ticket_type: TicketType) -> None:
        self._put(ticket_type.id, ticket_type)

    async def get(self, ticket_type_id: uuid.UUID) -> TicketType | None:
        found: TicketType | None = self._get(ticket_type_id)
        return found

    async def list_for_update(self, event_id: uuid.UUID, ticket_type_ids: Sequence[uuid.UUID]) -> list[TicketType]:
        wanted = set(ticket_type_ids)
        return sorted((tt for tt in self._visible() if tt.event_id == event_id and tt.id in wanted), key=_by_id)

    list_of_event = list_for_update

    async def list_all_for_update(self, event_id: uuid.UUID) -> list[TicketType]:
        return sorted((tt for tt in self._visible() if tt.event_id == event_id), key=_by_id)


class MemoryOrderRepository(MemoryTenantRepository):
    table_name = "orders"

    async def add(self, order: Order, tickets: Sequence[Ticket] = ()) -> None:
        self._put(order.id, order)
        await MemoryTicketRepository(self._store, self._org).add_all(tickets)

    async def get(self, order_id: uuid.UUID) -> Order | None:
        found: Order | None = self._get(order_id)
        return found

    get_for_update = get

    async def event_id_of(self, order_id: uuid.UUID) -> uuid.UUID | None:
        order = await self.get(order_id)
        return None if order is None else order.event_id

    async def list_for_event_for_update(self, event_id: uuid.UUID, statuses: Sequence[OrderStatus]) -> list[Order]:
        return sorted((o for o in self._visible() if o.event_id == event_id and o.status in statuses), key=_by_id)

    async def expired_pending(self, now: datetime, *, limit: int) -> list[uuid.UUID]:
        due = [
            o
            for o in self._visible()
            if o.status == OrderStatus.PENDING and o.expires_at is not None and o.expires_at <= now
        ]
        return [o.id for o in sorted(due, key=lambda o: o.expires_at)[:limit]]


class MemoryTicketRepository(MemoryTenantRepository):
    table_name = "tickets"

    async def add_all(self, tickets: Sequence[Ticket]) -> None:
        codes = {t.code for t in self._visible()}
        for ticket in tickets:
            if ticket.code in codes:
                raise Conflict("ticket code collision; try again")
            self._put(ticket.id, ticket)

    async def list_for_order(self, order_id: uuid.UUID) -> list[Ticket]:
        return sorted((t for t in self._visible() if t.order_id == order_id), key=_by_id)

    async def get_by_code_for_update(self, code: str) -> Ticket | None:
        return next((t for t in self._visible() if t.code == code), None)


def _by_id(row: Any) -> uuid.UUID:
    identifier: uuid.UUID = row.id
    return identifier
