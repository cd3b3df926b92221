"""SQLAlchemy repositories of events and ticketing.

Every query names the unit of work's organization (RLS stands behind it). The *_for_update methods
take row locks (SELECT ... FOR NO KEY UPDATE) in id order; `reserve_seats` takes them with conditional
UPDATEs. `lock=False` exists only for the test-only negative control of the concurrency suite
(TICKETING_UNSAFE_NO_LOCKS, honoured with APP_ENV=test): no FOR UPDATE, and seats taken by writing
back counters read earlier without a lock, checked in Python — the lost update the locks prevent.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from adapters.persistence.errors import translate_integrity_error
from adapters.persistence.repository import TenantRepository
from adapters.persistence.ticketing import tables as t
from adapters.persistence.ticketing.order_inserts import insert_order
from domain.errors import Conflict
from domain.ticketing import Event, EventStatus, Order, OrderStatus, Ticket, TicketType

# The hot path's statements as fixed text: nothing to build or to derive a cache key from per call.
_TAKE_EVENT_SEATS = sa.text(
    """UPDATE events SET reserved = reserved + :seats
       WHERE organization_id = :org AND id = :id AND status = 'published'
         AND (capacity IS NULL OR reserved + :seats <= capacity)
       RETURNING id"""
)
_TAKE_TICKET_TYPE_SEATS = sa.text(
    """UPDATE ticket_types SET reserved = reserved + :seats
       WHERE organization_id = :org AND id = :id AND event_id = :event_id AND reserved + :seats <= quantity
       RETURNING id"""
)


class SqlaEventRepository(TenantRepository):
    async def add(self, event: Event) -> None:
        await self._add(event)

    async def get(self, event_id: uuid.UUID) -> Event | None:
        found: Event | None = await self._get(Event, event_id)
        return found

    async def get_for_update(self, event_id: uuid.UUID) -> Event | None:
        found: Event | None = await self._get(Event, event_id, for_update=True)
        return found

    async def reserve_seats(self, event: Event, lines: Sequence[tuple[TicketType, int]]) -> None:
        # Core statements on the session's connection: each UPDATE takes the row lock (FOR NO KEY UPDATE
        # strength, so other orders' foreign-key checks on these rows do not wait) and checks the bound
        # in one round trip. Event first, then ticket types by id: the lock order of every seat writer.
        seats = sum(n for _, n in lines)
        if self._lock:
            took = await self._session.scalar(_TAKE_EVENT_SEATS, {"org": self._org, "id": event.id, "seats": seats})
        else:
            took = await self._unsafe_write_back(t.events, event.id, event.reserved, seats, event.capacity)
        if took is None:
            raise Conflict("sold out: the event is full")
        for ticket_type, n in sorted(lines, key=lambda line: line[0].id):
            if self._lock:
                took = await self._session.scalar(
                    _TAKE_TICKET_TYPE_SEATS, {"org": self._org, "id": ticket_type.id, "event_id": event.id, "seats": n}
                )
            else:
                took = await self._unsafe_write_back(
                    t.ticket_types, ticket_type.id, ticket_type.reserved, n, ticket_type.quantity
                )
            if took is None:
                raise Conflict(f"sold out: no more '{ticket_type.name}' tickets")

    async def _unsafe_write_back(
        self, table: sa.Table, row_id: uuid.UUID, read: int, seats: int, bound: int | None
    ) -> uuid.UUID | None:
        """Negative control only: check the counter as read earlier, then overwrite it (a lost update)."""
        if bound is not None and read + seats > bound:
            return None
        await self._session.execute(
            sa.update(table)
            .where(table.c.organization_id == self._org, table.c.id == row_id)
            .values(reserved=read + seats)
        )
        return row_id

    async def finished(self, now: datetime, *, limit: int) -> list[uuid.UUID]:
        rows = await self._session.scalars(
            sa.select(t.events.c.id)
            .where(
                t.events.c.organization_id == self._org,
                t.events.c.status == EventStatus.PUBLISHED.value,
                t.events.c.ends_at <= now,
            )
            .order_by(t.events.c.ends_at)
            .limit(limit)
        )
        return list(rows.all())


class SqlaTicketTypeRepository(TenantRepository):
    async def add(self, ticket_type: TicketType) -> None:
        await self._add(ticket_type)

    async def get(self, ticket_type_id: uuid.UUID) -> TicketType | None:
        found: TicketType | None = await self._get(TicketType, ticket_type_id)
        return found

    async def list_for_update(self, event_id: uuid.UUID, ticket_type_ids: Sequence[uuid.UUID]) -> list[TicketType]:
        if not ticket_type_ids:
            return []
        statement = (
            sa.select(TicketType)
            .where(
                t.ticket_types.c.organization_id == self._org,
                t.ticket_types.c.event_id == event_id,
                t.ticket_types.c.id.in_(list(ticket_type_ids)),
            )
            .order_by(t.ticket_types.c.id)  # the lock order: LockRows sits above the Sort
        )
        return list((await self._session.scalars(self._locked(statement))).all())

    async def list_of_event(self, event_id: uuid.UUID, ticket_type_ids: Sequence[uuid.UUID]) -> list[TicketType]:
        if not ticket_type_ids:
            return []
        rows = await self._session.scalars(
            sa.select(TicketType)
            .where(
                t.ticket_types.c.organization_id == self._org,
                t.ticket_types.c.event_id == event_id,
                t.ticket_types.c.id.in_(list(ticket_type_ids)),
            )
            .order_by(t.ticket_types.c.id)
        )
        return list(rows.all())

    async def list_all_for_update(self, event_id: uuid.UUID) -> list[TicketType]:
        statement = (
            sa.select(TicketType)
            .where(t.ticket_types.c.organization_id == self._org, t.ticket_types.c.event_id == event_id)
            .order_by(t.ticket_types.c.id)
        )
        return list((await self._session.scalars(self._locked(statement))).all())


class SqlaOrderRepository(TenantRepository):
    async def add(self, order: Order, tickets: Sequence[Ticket] = ()) -> None:
        # Core text, not the ORM: nothing here is read back or changed later in the unit of work.
        params = {
            "org": order.organization_id,
            "id": order.id,
            "event_id": order.event_id,
            "buyer_id": order.buyer_id,
            "currency": order.currency,
            "total_cents": order.total_cents,
            "status": order.status.value,
            "created_at": order.created_at,
            "expires_at": order.expires_at,
            "paid_at": order.paid_at,
            "closed_at": order.closed_at,
        }
        for i, item in enumerate(order.items):
            params |= {f"it{i}": item.ticket_type_id, f"iq{i}": item.quantity, f"ip{i}": item.unit_price_cents}
        for i, ticket in enumerate(tickets):
            params |= {
                f"k{i}": ticket.id,
                f"kt{i}": ticket.ticket_type_id,
                f"kh{i}": ticket.holder_id,
                f"kc{i}": ticket.code,
                f"ki{i}": ticket.issued_at,
            }
        try:
            await self._session.execute(insert_order(len(order.items), len(tickets)), params)
        except IntegrityError as exc:
            raise translate_integrity_error(exc) from None

    async def get(self, order_id: uuid.UUID) -> Order | None:
        found: Order | None = await self._get(Order, order_id)
        return found

    async def event_id_of(self, order_id: uuid.UUID) -> uuid.UUID | None:
        found: uuid.UUID | None = await self._session.scalar(
            sa.select(t.orders.c.event_id).where(t.orders.c.organization_id == self._org, t.orders.c.id == order_id)
        )
        return found

    async def get_for_update(self, order_id: uuid.UUID) -> Order | None:
        found: Order | None = await self._get(Order, order_id, for_update=True)
        return found

    async def list_for_event_for_update(self, event_id: uuid.UUID, statuses: Sequence[OrderStatus]) -> list[Order]:
        statement = (
            sa.select(Order)
            .where(
                t.orders.c.organization_id == self._org,
                t.orders.c.event_id == event_id,
                t.orders.c.status.in_([s.value for s in statuses]),
            )
            .order_by(t.orders.c.id)
        )
        return list((await self._session.scalars(self._locked(statement))).all())

    async def expired_pending(self, now: datetime, *, limit: int) -> list[uuid.UUID]:
        rows = await self._session.scalars(
            sa.select(t.orders.c.id)
            .where(
                t.orders.c.organization_id == self._org,
                t.orders.c.status == OrderStatus.PENDING.value,
                t.orders.c.expires_at <= now,
            )
            .order_by(t.orders.c.expires_at)
            .limit(limit)
        )
        return list(rows.all())


class SqlaTicketRepository(TenantRepository):
    async def add_all(self, tickets: Sequence[Ticket]) -> None:
        if tickets:
            await self._add(*tickets)

    async def list_for_order(self, order_id: uuid.UUID) -> list[Ticket]:
        rows = await self._session.scalars(
            sa.select(Ticket)
            .where(t.tickets.c.organization_id == self._org, t.tickets.c.order_id == order_id)
            .order_by(t.tickets.c.id)
        )
        return list(rows.all())

    async def get_by_code_for_update(self, code: str) -> Ticket | None:
        statement = sa.select(Ticket).where(t.tickets.c.organization_id == self._org, t.tickets.c.code == code)
        found: Ticket | None = await self._session.scalar(self._locked(statement))
        return found
