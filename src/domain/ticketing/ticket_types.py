"""Ticket types: what an event sells, at what price, how many, and when."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import Conflict, InvalidInput
from domain.events import Aggregate, DomainEvent
from domain.identity import clean_name
from domain.ids import new_id
from domain.permissions import Actor, ChapterRole, Permission
from domain.ticketing.events import Event, EventStatus
from domain.ticketing.rules import check_aware, check_currency, check_range

MAX_TICKET_QUANTITY = 1_000_000
MAX_PER_ORDER_LIMIT = 100
MAX_PRICE_CENTS = 100_000_000


@dataclass(eq=False)
class TicketType(Aggregate):
    organization_id: uuid.UUID
    event_id: uuid.UUID
    name: str
    price_cents: int
    currency: str
    quantity: int
    created_at: datetime
    sales_start: datetime | None = None
    sales_end: datetime | None = None
    max_per_order: int = 10
    # Seats held by pending and paid orders of this type; changed under this row's lock.
    reserved: int = 0
    id: uuid.UUID = field(default_factory=new_id)

    @classmethod
    def define(
        cls,
        actor: Actor,
        event: Event,
        *,
        chapter_role: ChapterRole | None,
        name: str,
        price_cents: int,
        currency: str,
        quantity: int,
        now: datetime,
        sales_start: datetime | None = None,
        sales_end: datetime | None = None,
        max_per_order: int = 10,
    ) -> TicketType:
        actor.require_in_chapter(Permission.EVENTS_MANAGE, chapter_role)
        if event.status not in (EventStatus.DRAFT, EventStatus.PUBLISHED):
            raise Conflict(f"a {event.status.value} event takes no new ticket types")
        if sales_start is not None:
            check_aware(sales_start, "sales_start")
        if sales_end is not None:
            check_aware(sales_end, "sales_end")
        if sales_start is not None and sales_end is not None and sales_end <= sales_start:
            raise InvalidInput("sales_end must be after sales_start")
        ticket_type = cls(
            organization_id=event.organization_id,
            event_id=event.id,
            name=clean_name(name),
            price_cents=check_range(price_cents, "price_cents", 0, MAX_PRICE_CENTS),
            currency=check_currency(currency),
            quantity=check_range(quantity, "quantity", 1, MAX_TICKET_QUANTITY),
            sales_start=sales_start,
            sales_end=sales_end,
            max_per_order=check_range(max_per_order, "max_per_order", 1, MAX_PER_ORDER_LIMIT),
            created_at=now,
        )
        ticket_type.record(
            DomainEvent.of(
                "ticket_type.created",
                event.organization_id,
                {"event_id": str(event.id), "ticket_type_id": str(ticket_type.id), "name": ticket_type.name},
                actor.user_id,
            )
        )
        return ticket_type

    @property
    def available(self) -> int:
        return max(0, self.quantity - self.reserved)

    def check_on_sale(self, now: datetime) -> None:
        if self.sales_start is not None and now < self.sales_start:
            raise Conflict(f"sales of '{self.name}' have not started")
        if self.sales_end is not None and now >= self.sales_end:
            raise Conflict(f"sales of '{self.name}' have ended")

    def check_order(self, seats: int, now: datetime) -> None:
        """The rules of buying `seats` now: sales window, bounds per order, and seats left by the counter
        as read (only under the row lock is that last answer final)."""
        self.check_on_sale(now)
        if seats < 1:
            raise InvalidInput("quantity must be at least 1")
        if seats > self.max_per_order:
            raise InvalidInput(f"at most {self.max_per_order} '{self.name}' tickets per order")
        if seats > self.available:
            raise Conflict(f"sold out: {self.available} '{self.name}' tickets left")

    def release(self, seats: int) -> None:
        self.reserved = max(0, self.reserved - seats)
