"""Orders: seats bought, paid, expired, cancelled or refunded, and the seats they hold.

Seat accounting lives on the rows that callers lock: `TicketType.reserved` and `Event.reserved` count
the seats held by pending and paid orders. Placing an order checks the rules here (`Order.draft`), then
the store takes the seats with one conditional update per row, in the fixed lock order; giving seats back
happens while the unit of work holds row locks on the event and its ticket types (see
docs/decisions/ticketing-capacity.md). Either way the capacity holds whatever the concurrency.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from domain.errors import Conflict, InvalidInput, NotFound
from domain.events import Aggregate, DomainEvent
from domain.ids import new_id
from domain.permissions import Actor, ChapterRole, Permission
from domain.ticketing.events import Event, EventStatus
from domain.ticketing.ticket_types import TicketType
from domain.ticketing.tickets import Ticket, new_ticket_code

ORDER_TTL = timedelta(minutes=15)


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
        """The state change; RefundOrder gives the money back through the payment provider."""
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
            DomainEvent.of(
                name,
                self.organization_id,
                {"order_id": str(self.id), "event_id": str(self.event_id), **payload},
                actor_id,
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
