"""Ports of events and ticketing: repositories (write side) and queries (read side).

Locking contract of the write side (docs/decisions/ticketing-capacity.md): whoever changes seat
counters locks, in this order and only in this order, the event row, then its ticket types by id,
then orders, then tickets. *_for_update methods take those row locks until the unit of work ends.
Placing an order takes the same two locks, last and in the same order, through `reserve_seats`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.ports.community import ChapterMemberRepository, ChapterRepository
from application.ports.idempotency import IdempotencyKeyRepository
from application.ports.persistence import UnitOfWork
from domain.ticketing import Event, Order, OrderStatus, Ticket, TicketType


class EventRepository(Protocol):
    async def add(self, event: Event) -> None: ...

    async def get(self, event_id: uuid.UUID) -> Event | None: ...

    async def get_for_update(self, event_id: uuid.UUID) -> Event | None:
        """Locks the event row: the first lock of every seat-changing transaction."""
        ...

    async def finished(self, now: datetime, *, limit: int) -> list[uuid.UUID]:
        """Ids of published events whose ends_at has passed."""
        ...

    async def reserve_seats(self, event: Event, lines: Sequence[tuple[TicketType, int]]) -> None:
        """Takes the seats, atomically per row and in the lock order (the event, then its ticket types by
        id): each counter grows only if it stays within its bound — and the event's only while it is
        published. Raises Conflict as soon as one has no room; the caller's unit of work then rolls back
        whatever this took. The counters of the given entities are not read (they may be stale)."""
        ...


class TicketTypeRepository(Protocol):
    async def add(self, ticket_type: TicketType) -> None: ...

    async def get(self, ticket_type_id: uuid.UUID) -> TicketType | None: ...

    async def list_for_update(self, event_id: uuid.UUID, ticket_type_ids: Sequence[uuid.UUID]) -> list[TicketType]:
        """Locks the given ticket types of the event in id order; ids of other events are left out."""
        ...

    async def list_all_for_update(self, event_id: uuid.UUID) -> list[TicketType]:
        """Locks every ticket type of the event, in id order."""
        ...

    async def list_of_event(self, event_id: uuid.UUID, ticket_type_ids: Sequence[uuid.UUID]) -> list[TicketType]:
        """The given ticket types of the event, in id order, read without any lock (their counters may be
        stale by the time they are used: only `EventRepository.reserve_seats` decides)."""
        ...


class OrderRepository(Protocol):
    async def add(self, order: Order, tickets: Sequence[Ticket] = ()) -> None:
        """The order with its items and (a paid order's) tickets, written together."""
        ...

    async def get(self, order_id: uuid.UUID) -> Order | None: ...

    async def event_id_of(self, order_id: uuid.UUID) -> uuid.UUID | None:
        """Without a lock: tells which event to lock first."""
        ...

    async def get_for_update(self, order_id: uuid.UUID) -> Order | None: ...

    async def list_for_event_for_update(self, event_id: uuid.UUID, statuses: Sequence[OrderStatus]) -> list[Order]:
        """Locks the event's orders in those statuses, in id order."""
        ...

    async def expired_pending(self, now: datetime, *, limit: int) -> list[uuid.UUID]:
        """Ids of pending orders whose expires_at has passed."""
        ...


class TicketRepository(Protocol):
    async def add_all(self, tickets: Sequence[Ticket]) -> None:
        """Raises Conflict when a code is taken (never in practice: 128 random bits)."""
        ...

    async def list_for_order(self, order_id: uuid.UUID) -> list[Ticket]: ...

    async def get_by_code_for_update(self, code: str) -> Ticket | None: ...


class TenantDirectory(Protocol):
    async def organization_ids(self) -> list[uuid.UUID]:
        """Every organization (a global table): system jobs walk the tenants one transaction each."""
        ...


class TicketingUnitOfWork(UnitOfWork, Protocol):
    events: EventRepository
    ticket_types: TicketTypeRepository
    orders: OrderRepository
    tickets: TicketRepository
    chapters: ChapterRepository
    chapter_members: ChapterMemberRepository
    tenants: TenantDirectory
    idempotency_keys: IdempotencyKeyRepository


class TicketingUnitOfWorkFactory(Protocol):
    def __call__(
        self, organization_id: uuid.UUID | None = None, user_id: uuid.UUID | None = None
    ) -> TicketingUnitOfWork: ...


@dataclass(frozen=True)
class EventView:
    id: uuid.UUID
    title: str
    description: str
    status: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venue: str | None
    online_url: str | None
    chapter_id: uuid.UUID | None
    capacity: int | None
    reserved: int
    created_at: datetime
    visibility: str

    @classmethod
    def of(cls, e: Event) -> EventView:
        return cls(
            id=e.id,
            title=e.title,
            description=e.description,
            status=e.status.value,
            starts_at=e.starts_at,
            ends_at=e.ends_at,
            timezone=e.timezone,
            venue=e.venue,
            online_url=e.online_url,
            chapter_id=e.chapter_id,
            capacity=e.capacity,
            reserved=e.reserved,
            created_at=e.created_at,
            visibility=e.visibility.value,
        )


@dataclass(frozen=True)
class EventFilter:
    chapter_id: uuid.UUID | None = None
    starts_after: datetime | None = None
    starts_before: datetime | None = None
    status: str | None = None
    # Who sees drafts: everything (admins), or the drafts of the chapters they lead.
    all_drafts: bool = False
    draft_chapter_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class TicketTypeView:
    id: uuid.UUID
    event_id: uuid.UUID
    name: str
    price_cents: int
    currency: str
    quantity: int
    reserved: int
    sales_start: datetime | None
    sales_end: datetime | None
    max_per_order: int
    created_at: datetime

    @classmethod
    def of(cls, tt: TicketType) -> TicketTypeView:
        return cls(
            id=tt.id,
            event_id=tt.event_id,
            name=tt.name,
            price_cents=tt.price_cents,
            currency=tt.currency,
            quantity=tt.quantity,
            reserved=tt.reserved,
            sales_start=tt.sales_start,
            sales_end=tt.sales_end,
            max_per_order=tt.max_per_order,
            created_at=tt.created_at,
        )


@dataclass(frozen=True)
class HolderView:
    user_id: uuid.UUID
    name: str
    email: str


@dataclass(frozen=True)
class AttendeeView:
    ticket_id: uuid.UUID
    code: str
    ticket_type_id: uuid.UUID
    holder: HolderView
    checked_in_at: datetime | None
    issued_at: datetime


@dataclass(frozen=True)
class MyTicketView:
    ticket_id: uuid.UUID
    code: str
    organization_id: uuid.UUID
    event_id: uuid.UUID
    event_title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    ticket_type_id: uuid.UUID
    order_id: uuid.UUID
    checked_in_at: datetime | None
    issued_at: datetime


Key = tuple[datetime, uuid.UUID]


@dataclass(frozen=True)
class SeatsLeft:
    per_ticket_type: dict[uuid.UUID, int]
    event: int | None
    max_per_order: dict[uuid.UUID, int]


class TicketingQueries(Protocol):
    async def list_events(
        self, organization_id: uuid.UUID, flt: EventFilter, *, limit: int, after: Key | None
    ) -> list[EventView]:
        """Ordered by (starts_at, id), strictly after the key."""
        ...

    async def list_ticket_types(self, organization_id: uuid.UUID, event_id: uuid.UUID) -> list[TicketTypeView]: ...

    async def seats_left(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, ticket_type_ids: Sequence[uuid.UUID]
    ) -> SeatsLeft:
        """A hint read without any lock, outside any unit of work: seats left per ticket type of the
        event among those ids, and in the event (None: no capacity). Published events only."""
        ...

    async def list_attendees(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, *, limit: int, after: Key | None
    ) -> list[AttendeeView]:
        """Valid (not void) tickets ordered by (issued_at, id)."""
        ...

    async def list_my_tickets(self, user_id: uuid.UUID, *, limit: int, after: Key | None) -> list[MyTicketView]:
        """The user's valid tickets in every organization, ordered by (issued_at, id)."""
        ...

    async def chapters_led_by(self, organization_id: uuid.UUID, user_id: uuid.UUID) -> list[uuid.UUID]: ...
