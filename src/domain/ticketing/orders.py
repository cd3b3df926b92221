"""Events, ticket types, orders and tickets: the rules of selling seats.

Seat accounting lives on the rows that callers lock: `TicketType.reserved` and `Event.reserved` count
the seats held by pending and paid orders. Placing an order checks the rules here (`Order.draft`), then
the store takes the seats with one conditional update per row, in the fixed lock order; giving seats back
happens while the unit of work holds row locks on the event and its ticket types (see
docs/decisions/ticketing-capacity.md). Either way the capacity holds whatever the concurrency.
"""

from __future__ import annotations

import re
import secrets
import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

from domain.errors import Conflict, InvalidInput, NotFound
from domain.events import Aggregate, DomainEvent
from domain.identity import check_text, clean_name
from domain.ids import new_id
from domain.permissions import Actor, ChapterRole, Permission

ORDER_TTL = timedelta(minutes=15)
MAX_CAPACITY = 1_000_000
MAX_TICKET_QUANTITY = 1_000_000
MAX_PER_ORDER_LIMIT = 100
MAX_PRICE_CENTS = 100_000_000
MAX_DESCRIPTION = 10_000
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_timezone(name: str) -> str:
    if name not in _timezones():
        raise InvalidInput(f"timezone '{name[:64]}' is not an IANA timezone")
    return name


def check_aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{what} must carry a UTC offset")
    return value


def check_currency(raw: str) -> str:
    currency = raw.strip().upper()
    if not _CURRENCY.match(currency):
        raise InvalidInput("currency must be a three-letter ISO 4217 code")
    return currency


def _optional_text(raw: str | None, what: str, max_length: int) -> str | None:
    if raw is None:
        return None
    text = check_text(raw, what).strip()
    if len(text) > max_length:
        raise InvalidInput(f"{what} must have at most {max_length} characters")
    return text or None


def _check_range(value: int, what: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidInput(f"{what} must be between {low} and {high}")
    return value


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    ENDED = "ended"


@dataclass(frozen=True)
class EventDetails:
    """The editable part of an event; validated as a whole, so a PATCH cannot break a rule."""

    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    description: str = ""
    venue: str | None = None
    online_url: str | None = None
    chapter_id: uuid.UUID | None = None
    capacity: int | None = None

    def validated(self) -> EventDetails:
        starts_at = check_aware(self.starts_at, "starts_at")
        ends_at = check_aware(self.ends_at, "ends_at")
        if ends_at <= starts_at:
            raise InvalidInput("ends_at must be after starts_at")
        online_url = _optional_text(self.online_url, "online_url", 2000)
        if online_url is not None and not _URL.match(online_url):
            raise InvalidInput("online_url must be an http(s) URL")
        if self.capacity is not None:
            _check_range(self.capacity, "capacity", 1, MAX_CAPACITY)
        return EventDetails(
            title=clean_name(self.title, what="title"),
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=check_timezone(self.timezone),
            description=_optional_text(self.description, "description", MAX_DESCRIPTION) or "",
            venue=_optional_text(self.venue, "venue", 300),
            online_url=online_url,
            chapter_id=self.chapter_id,
            capacity=self.capacity,
        )


@dataclass(eq=False)
class Event(Aggregate):
    organization_id: uuid.UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    created_by: uuid.UUID
    created_at: datetime
    description: str = ""
    venue: str | None = None
    online_url: str | None = None
    chapter_id: uuid.UUID | None = None
    capacity: int | None = None
    # Seats held by pending and paid orders across every ticket type; changed under the event's row lock.
    reserved: int = 0
    status: EventStatus = EventStatus.DRAFT
    id: uuid.UUID = field(default_factory=new_id)

    @classmethod
    def plan(cls, actor: Actor, details: EventDetails, *, chapter_role: ChapterRole | None, now: datetime) -> Event:
        actor.require_in_chapter(Permission.EVENTS_MANAGE, chapter_role)
        valid = details.validated()
        event = cls(
            organization_id=actor.organization_id,
            title=valid.title,
            starts_at=valid.starts_at,
            ends_at=valid.ends_at,
            timezone=valid.timezone,
            description=valid.description,
            venue=valid.venue,
            online_url=valid.online_url,
            chapter_id=valid.chapter_id,
            capacity=valid.capacity,
            created_by=actor.user_id,
            created_at=now,
        )
        event._record(actor, "event.created", title=event.title)
        return event

    def details(self) -> EventDetails:
        return EventDetails(
            title=self.title,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            timezone=self.timezone,
            description=self.description,
            venue=self.venue,
            online_url=self.online_url,
            chapter_id=self.chapter_id,
            capacity=self.capacity,
        )

    def revise(self, actor: Actor, details: EventDetails, *, chapter_role: ChapterRole | None) -> None:
        """chapter_role: the actor's role in the event's chapter (and in the new one, if it moves)."""
        actor.require_in_chapter(Permission.EVENTS_MANAGE, chapter_role)
        if self.status in (EventStatus.CANCELLED, EventStatus.ENDED):
            raise Conflict(f"a {self.status.value} event cannot be edited")
        valid = details.validated()
        if valid.capacity is not None and valid.capacity < self.reserved:
            raise Conflict(f"capacity cannot go below the {self.reserved} seats already taken")
        self.title, self.starts_at, self.ends_at, self.timezone = (
            valid.title,
            valid.starts_at,
            valid.ends_at,
            valid.timezone,
        )
        self.description, self.venue, self.online_url = valid.description, valid.venue, valid.online_url
        self.chapter_id, self.capacity = valid.chapter_id, valid.capacity
        self._record(actor, "event.updated", title=self.title)

    def publish(self, actor: Actor, *, chapter_role: ChapterRole | None) -> None:
        actor.require_in_chapter(Permission.EVENTS_MANAGE, chapter_role)
        if self.status != EventStatus.DRAFT:
            raise Conflict(f"only a draft can be published; this event is {self.status.value}")
        self.status = EventStatus.PUBLISHED
        self._record(actor, "event.published")

    def cancel(self, actor: Actor, *, chapter_role: ChapterRole | None) -> None:
        """The caller cancels the event's orders too (cancel_with_event) in the same transaction."""
        actor.require_in_chapter(Permission.EVENTS_MANAGE, chapter_role)
        if self.status not in (EventStatus.DRAFT, EventStatus.PUBLISHED):
            raise Conflict(f"a {self.status.value} event cannot be cancelled")
        self.status = EventStatus.CANCELLED
        self._record(actor, "event.cancelled")

    def end(self, now: datetime) -> None:
        if self.status != EventStatus.PUBLISHED:
            raise Conflict(f"a {self.status.value} event cannot end")
        if now < self.ends_at:
            raise Conflict("the event has not finished yet")
        self.status = EventStatus.ENDED
        self.record(DomainEvent(name="event.ended", organization_id=self.organization_id, payload=self._ids()))

    def visible_to(self, actor: Actor, chapter_role: ChapterRole | None) -> bool:
        """Members see published events; those who manage the event see drafts too."""
        return self.status != EventStatus.DRAFT or actor.can_in_chapter(Permission.EVENTS_MANAGE, chapter_role)

    def check_room(self, seats: int) -> None:
        """Room for `seats` by the counter as read; only under the row lock is that answer final."""
        if self.capacity is not None and self.reserved + seats > self.capacity:
            raise Conflict("sold out: the event is full")

    def reserve(self, seats: int) -> None:
        self.check_room(seats)
        self.reserved += seats

    def release(self, seats: int) -> None:
        self.reserved = max(0, self.reserved - seats)

    def _ids(self) -> dict[str, str]:
        return {"event_id": str(self.id)}

    def _record(self, actor: Actor, name: str, **payload: str) -> None:
        self.record(
            DomainEvent(
                name=name,
                organization_id=self.organization_id,
                payload={**self._ids(), **payload},
                actor_id=actor.user_id,
            )
        )


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
            price_cents=_check_range(price_cents, "price_cents", 0, MAX_PRICE_CENTS),
            currency=check_currency(currency),
            quantity=_check_range(quantity, "quantity", 1, MAX_TICKET_QUANTITY),
            sales_start=sales_start,
            sales_end=sales_end,
            max_per_order=_check_range(max_per_order, "max_per_order", 1, MAX_PER_ORDER_LIMIT),
            created_at=now,
        )
        ticket_type.record(
            DomainEvent(
                name="ticket_type.created",
                organization_id=event.organization_id,
                payload={"event_id": str(event.id), "ticket_type_id": str(ticket_type.id), "name": ticket_type.name},
                actor_id=actor.user_id,
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

    def reserve(self, seats: int, now: datetime) -> None:
        self.check_order(seats, now)
        self.reserved += seats

    def release(self, seats: int) -> None:
        self.reserved = max(0, self.reserved - seats)


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REFUND_PENDING = "refund_pending"  # the event was cancelled: money goes back with the payments work
    REFUNDED = "refunded"


SEAT_HOLDING = frozenset({OrderStatus.PENDING, OrderStatus.PAID})


@dataclass(eq=False)
class OrderItem:
    organization_id: uuid.UUID
    order_id: uuid.UUID
    ticket_type_id: uuid.UUID
    quantity: int
    unit_price_cents: int


@dataclass(eq=False)
class Order(Aggregate):
    organization_id: uuid.UUID
    event_id: uuid.UUID
    buyer_id: uuid.UUID
    currency: str
    total_cents: int
    status: OrderStatus
    created_at: datetime
    items: list[OrderItem] = field(default_factory=list)
    expires_at: datetime | None = None
    paid_at: datetime | None = None
    closed_at: datetime | None = None  # when it expired, was cancelled or refunded
    payment_intent_id: str | None = None  # the provider's payment of a paid order, once started
    id: uuid.UUID = field(default_factory=new_id)

    @classmethod
    def place(cls, actor: Actor, event: Event, lines: Sequence[tuple[TicketType, int]], *, now: datetime) -> Order:
        """Drafts the order and reserves its seats on the ticket types and the event in memory (the caller
        holds their row locks, or is the only writer)."""
        order = cls.draft(actor, event, lines, now=now)
        for ticket_type, seats in lines:
            ticket_type.reserved += seats
        event.reserved += order.seats
        return order

    @classmethod
    def draft(cls, actor: Actor, event: Event, lines: Sequence[tuple[TicketType, int]], *, now: datetime) -> Order:
        """The order, once every rule holds; the counters stay untouched: the caller takes the seats
        atomically in the store (`reserve_seats`: a conditional update under the row lock) and rolls
        back if they are gone. The seats-left checks here, on counters read without a lock, only turn
        away early those who would be refused anyway (seats come back only through cancellations).

        A free order is paid at once; any other waits for its payment until expires_at.
        """
        actor.require(Permission.ORDERS_PLACE)
        if event.status != EventStatus.PUBLISHED:
            raise Conflict(f"this event is {event.status.value}: it sells no tickets")
        if now >= event.ends_at:
            raise Conflict("this event is over")
        if not lines:
            raise InvalidInput("an order needs at least one item")
        if len({tt.id for tt, _ in lines}) != len(lines):
            raise InvalidInput("each ticket type may appear once per order")
        for ticket_type, _ in lines:
            if ticket_type.event_id != event.id or ticket_type.organization_id != event.organization_id:
                raise NotFound("ticket type not found")
        priced_currencies = {tt.currency for tt, _ in lines if tt.price_cents > 0}
        if len(priced_currencies) > 1:
            raise InvalidInput("every paid ticket of an order must be in the same currency")
        currency = next(iter(priced_currencies), lines[0][0].currency)
        for ticket_type, seats in lines:
            ticket_type.check_order(seats, now)
        event.check_room(sum(seats for _, seats in lines))
        order_id = new_id()
        items = [
            OrderItem(
                organization_id=event.organization_id,
                order_id=order_id,
                ticket_type_id=tt.id,
                quantity=seats,
                unit_price_cents=tt.price_cents,
            )
            for tt, seats in lines
        ]
        total = sum(item.quantity * item.unit_price_cents for item in items)
        free = total == 0
        order = cls(
            id=order_id,
            organization_id=event.organization_id,
            event_id=event.id,
            buyer_id=actor.user_id,
            currency=currency,
            total_cents=total,
            status=OrderStatus.PAID if free else OrderStatus.PENDING,
            created_at=now,
            items=items,
            expires_at=None if free else now + ORDER_TTL,
            paid_at=now if free else None,
        )
        order._record("order.placed", actor.user_id, status=order.status.value, total_cents=total)
        return order

    @property
    def seats(self) -> int:
        return sum(item.quantity for item in self.items)

    @property
    def holds_seats(self) -> bool:
        return self.status in SEAT_HOLDING

    def ticket_type_ids(self) -> list[uuid.UUID]:
        return sorted(item.ticket_type_id for item in self.items)

    def issue_tickets(self, now: datetime) -> list[Ticket]:
        """One ticket per seat, each with an unguessable code (128 random bits)."""
        if self.status != OrderStatus.PAID:
            raise Conflict("only a paid order has tickets")
        return [
            Ticket(
                organization_id=self.organization_id,
                event_id=self.event_id,
                order_id=self.id,
                ticket_type_id=item.ticket_type_id,
                holder_id=self.buyer_id,
                code=new_ticket_code(),
                issued_at=now,
            )
            for item in self.items
            for _ in range(item.quantity)
        ]

    def mark_paid(self, now: datetime, *, actor_id: uuid.UUID | None = None) -> None:
        """The payment arrived (the payments work calls this; an operator or a test may too)."""
        if self.status != OrderStatus.PENDING:
            raise Conflict(f"a {self.status.value} order cannot be paid")
        self.status, self.paid_at, self.expires_at = OrderStatus.PAID, now, None
        self._record("order.paid", actor_id)

    def start_payment(self, payment_intent_id: str) -> None:
        """The provider's payment for this order exists; only a payment naming it may pay the order."""
        if self.status != OrderStatus.PENDING:
            raise Conflict(f"a {self.status.value} order takes no payment")
        if self.payment_intent_id not in (None, payment_intent_id):
            raise Conflict("this order has another payment already")
        self.payment_intent_id = payment_intent_id

    def pays_with(self, payment_intent_id: str | None) -> bool:
        return self.payment_intent_id is not None and self.payment_intent_id == payment_intent_id

    def pay_late(self, now: datetime) -> None:
        """The payment of an expired order arrived and its seats were taken again: the order is paid."""
        if self.status != OrderStatus.EXPIRED:
            raise Conflict(f"a {self.status.value} order is not paid late")
        self.status, self.paid_at, self.closed_at, self.expires_at = OrderStatus.PAID, now, None, None
        self._record("order.paid", None, late=1)

    def refund_at_provider(self, now: datetime) -> None:
        """The payment was refunded at the provider (e.g. from Stripe's dashboard): the order follows."""
        if self.status not in (OrderStatus.PAID, OrderStatus.REFUND_PENDING):
            raise Conflict(f"a {self.status.value} order cannot be refunded")
        self.status, self.closed_at = OrderStatus.REFUNDED, now
        self._record("order.refunded", None, reason="refunded at the payment provider")

    def refund_unfulfilled(self, now: datetime) -> None:
        """The payment of an expired order arrived with no seats left: the money goes back."""
        if self.status != OrderStatus.EXPIRED:
            raise Conflict(f"a {self.status.value} order is not refunded as unfulfilled")
        self.status, self.closed_at = OrderStatus.REFUNDED, now
        self._record("order.refunded", None, reason="paid after expiry, sold out")

    def expire(self, now: datetime) -> None:
        if self.status != OrderStatus.PENDING:
            raise Conflict(f"a {self.status.value} order cannot expire")
        if self.expires_at is None or now < self.expires_at:
            raise Conflict("this order has not expired yet")
        self.status, self.closed_at = OrderStatus.EXPIRED, now
        self._record("order.expired", None)

    def cancel(self, actor: Actor, *, chapter_role: ChapterRole | None, now: datetime) -> None:
        """The buyer, or whoever manages orders, cancels a pending order or a free paid one."""
        if actor.user_id != self.buyer_id:
            actor.require_in_chapter(Permission.ORDERS_MANAGE, chapter_role)
        free_and_paid = self.status == OrderStatus.PAID and self.total_cents == 0
        if self.status != OrderStatus.PENDING and not free_and_paid:
            if self.status == OrderStatus.PAID:
                raise Conflict("a paid order is refunded, not cancelled")
            raise Conflict(f"a {self.status.value} order cannot be cancelled")
        self.status, self.closed_at = OrderStatus.CANCELLED, now
        self._record("order.cancelled", actor.user_id)

    def refund(self, actor: Actor, *, chapter_role: ChapterRole | None, now: datetime) -> None:
        """State only here: the money goes back through the payments work."""
        actor.require_in_chapter(Permission.ORDERS_MANAGE, chapter_role)
        if self.status not in (OrderStatus.PAID, OrderStatus.REFUND_PENDING):
            raise Conflict(f"a {self.status.value} order cannot be refunded")
        if self.total_cents == 0:
            raise Conflict("a free order is cancelled, not refunded")
        self.status, self.closed_at = OrderStatus.REFUNDED, now
        self._record("order.refunded", actor.user_id)

    def cancel_with_event(self, actor: Actor, now: datetime) -> None:
        """The event was cancelled: pending and free orders are cancelled, paid ones marked for refund."""
        if self.status == OrderStatus.PENDING or (self.status == OrderStatus.PAID and self.total_cents == 0):
            self.status, self.closed_at = OrderStatus.CANCELLED, now
            self._record("order.cancelled", actor.user_id, reason="event cancelled")
        elif self.status == OrderStatus.PAID:
            self.status = OrderStatus.REFUND_PENDING
            self._record("order.refund_requested", actor.user_id, reason="event cancelled")

    def _record(self, name: str, actor_id: uuid.UUID | None, **payload: str | int) -> None:
        self.record(
            DomainEvent(
                name=name,
                organization_id=self.organization_id,
                payload={"order_id": str(self.id), "event_id": str(self.event_id), **payload},
                actor_id=actor_id,
            )
        )


def release_seats(order: Order, event: Event, ticket_types: Sequence[TicketType]) -> None:
    """Give an order's seats back (it stopped holding them); the caller holds the row locks."""
    by_id = {tt.id: tt for tt in ticket_types}
    for item in order.items:
        ticket_type = by_id.get(item.ticket_type_id)
        if ticket_type is not None:
            ticket_type.release(item.quantity)
    event.release(order.seats)


def retake_seats(order: Order, event: Event, ticket_types: Sequence[TicketType]) -> bool:
    """Take an expired order's seats again if they are all still free (the caller holds the row locks).

    Capacity only: the buyer paid within the order's terms, so the sales window no longer applies."""
    by_id = {tt.id: tt for tt in ticket_types}
    if event.capacity is not None and event.reserved + order.seats > event.capacity:
        return False
    for item in order.items:
        ticket_type = by_id.get(item.ticket_type_id)
        if ticket_type is None or ticket_type.available < item.quantity:
            return False
    for item in order.items:
        by_id[item.ticket_type_id].reserved += item.quantity
    event.reserved += order.seats
    return True


_TICKET_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def new_ticket_code() -> str:
    return secrets.token_urlsafe(16)


def is_ticket_code(raw: str) -> bool:
    """Could this be one of our codes (base64url)? Anything else cannot match a ticket."""
    return bool(_TICKET_CODE.match(raw))


@dataclass(eq=False)
class Ticket(Aggregate):
    organization_id: uuid.UUID
    event_id: uuid.UUID
    order_id: uuid.UUID
    ticket_type_id: uuid.UUID
    holder_id: uuid.UUID
    code: str
    issued_at: datetime
    checked_in_at: datetime | None = None
    checked_in_by: uuid.UUID | None = None
    voided_at: datetime | None = None
    id: uuid.UUID = field(default_factory=new_id)

    def check_in(self, actor: Actor, *, chapter_role: ChapterRole | None, now: datetime) -> None:
        actor.require_in_chapter(Permission.TICKETS_CHECK_IN, chapter_role)
        if self.voided_at is not None:
            raise Conflict("this ticket is void (its order was cancelled or refunded)")
        if self.checked_in_at is not None:
            raise Conflict(f"already checked in at {self.checked_in_at.isoformat()}")
        self.checked_in_at, self.checked_in_by = now, actor.user_id
        self.record(
            DomainEvent(
                name="ticket.checked_in",
                organization_id=self.organization_id,
                payload={"ticket_id": str(self.id), "event_id": str(self.event_id)},
                actor_id=actor.user_id,
            )
        )

    def void(self, now: datetime) -> None:
        if self.voided_at is None:
            self.voided_at = now


def require_visible(event: Event | None, actor: Actor, chapter_role: ChapterRole | None) -> Event:
    """A draft is invisible (404) to those who may not manage it, like another organization's event."""
    if event is None or not event.visible_to(actor, chapter_role):
        raise NotFound("event not found")
    return event
