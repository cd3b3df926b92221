"""Use cases of events, ticket types, orders, tickets and check-in."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from application.pagination import clamp_limit, decode_cursor, encode_cursor
from application.ports.clock import Clock
from application.ports.payments import PaymentGateway
from application.ports.queries import Page
from application.ports.ticketing import (
    AttendeeView,
    EventFilter,
    EventView,
    MyTicketView,
    TicketingQueries,
    TicketingUnitOfWork,
    TicketingUnitOfWorkFactory,
    TicketTypeView,
)
from application.ticket_payments import OrderPayments, PaymentResult, refund_key
from domain.errors import Conflict, InvalidInput, NotFound
from domain.permissions import Actor, ChapterRole, Permission, Principal
from domain.ticketing import (
    Event,
    EventDetails,
    EventStatus,
    Order,
    OrderStatus,
    Ticket,
    TicketType,
    check_aware,
    is_ticket_code,
    release_seats,
    require_visible,
)


async def chapter_role_of(uow: TicketingUnitOfWork, actor: Actor, chapter_id: uuid.UUID | None) -> ChapterRole | None:
    """The actor's role in a chapter (None outside any chapter)."""
    if chapter_id is None:
        return None
    member = await uow.chapter_members.get(chapter_id, actor.user_id)
    return None if member is None else member.role


async def _require_chapter(uow: TicketingUnitOfWork, chapter_id: uuid.UUID | None) -> None:
    if chapter_id is not None and await uow.chapters.get(chapter_id) is None:
        raise NotFound("chapter not found")


def _page(rows: Sequence[Any], limit: int, key: Any) -> Page[Any]:
    if len(rows) <= limit:
        return Page(items=list(rows), next_cursor=None)
    at, row_id = key(rows[limit - 1])
    return Page(items=list(rows[:limit]), next_cursor=encode_cursor(at, row_id))


# --- events ---------------------------------------------------------------------------------------


# An event as use cases return it: the same shape as the read side's view, so one type serves both.
EventResult = EventView


class CreateEvent:
    def __init__(self, uow: TicketingUnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, actor: Actor, details: EventDetails) -> EventResult:
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            await _require_chapter(uow, details.chapter_id)
            role = await chapter_role_of(uow, actor, details.chapter_id)
            event = Event.plan(actor, details, chapter_role=role, now=self._clock.now())
            await uow.events.add(event)
            uow.collect(event)
            await uow.commit()
        return EventResult.of(event)


class GetEvent:
    def __init__(self, uow: TicketingUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, event_id: uuid.UUID) -> EventResult:
        actor.require(Permission.EVENTS_READ)
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            event = await uow.events.get(event_id)
            role = await chapter_role_of(uow, actor, event.chapter_id if event else None)
            return EventResult.of(require_visible(event, actor, role))


@dataclass(frozen=True)
class UpdateEventCommand:
    event_id: uuid.UUID
    # Only the fields the client sent, by EventDetails field name.
    changes: dict[str, Any]


class UpdateEvent:
    def __init__(self, uow: TicketingUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, command: UpdateEventCommand) -> EventResult:
        unknown = set(command.changes) - {f.name for f in dataclasses.fields(EventDetails)}
        if unknown:
            raise InvalidInput(f"unknown fields: {', '.join(sorted(unknown))}")
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            event = await uow.events.get_for_update(command.event_id)
            role = await chapter_role_of(uow, actor, event.chapter_id if event else None)
            event = require_visible(event, actor, role)
            details = dataclasses.replace(event.details(), **command.changes)
            if details.chapter_id != event.chapter_id:
                # Moving an event needs the right over both chapters.
                await _require_chapter(uow, details.chapter_id)
                actor.require_in_chapter(
                    Permission.EVENTS_MANAGE, await chapter_role_of(uow, actor, details.chapter_id)
                )
            event.revise(actor, details, chapter_role=role)
            uow.collect(event)
            await uow.commit()
        return EventResult.of(event)


class PublishEvent:
    def __init__(self, uow: TicketingUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, event_id: uuid.UUID) -> EventResult:
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            event = await uow.events.get_for_update(event_id)
            role = await chapter_role_of(uow, actor, event.chapter_id if event else None)
            event = require_visible(event, actor, role)
            event.publish(actor, chapter_role=role)
            uow.collect(event)
            await uow.commit()
        return EventResult.of(event)


class CancelEvent:
    """Cancels the event, its pending orders, and marks its paid orders for refund; tickets become void."""

    def __init__(self, uow: TicketingUnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, actor: Actor, event_id: uuid.UUID) -> EventResult:
        now = self._clock.now()
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            event = await uow.events.get_for_update(event_id)
            role = await chapter_role_of(uow, actor, event.chapter_id if event else None)
            event = require_visible(event, actor, role)
            event.cancel(actor, chapter_role=role)
            ticket_types = await uow.ticket_types.list_all_for_update(event.id)
            orders = await uow.orders.list_for_event_for_update(event.id, [OrderStatus.PENDING, OrderStatus.PAID])
            for order in orders:
                order.cancel_with_event(actor, now)
                release_seats(order, event, ticket_types)
                for ticket in await uow.tickets.list_for_order(order.id):
                    ticket.void(now)
            uow.collect(event, *orders)
            await uow.commit()
        return EventResult.of(event)


@dataclass(frozen=True)
class ListEventsQuery:
    chapter_id: uuid.UUID | None = None
    starts_after: datetime | None = None
    starts_before: datetime | None = None
    status: EventStatus | None = None
    limit: int | None = None
    cursor: str | None = None


class ListEvents:
    def __init__(self, queries: TicketingQueries) -> None:
        self._queries = queries

    async def execute(self, actor: Actor, query: ListEventsQuery) -> Page[EventView]:
        actor.require(Permission.EVENTS_READ)
        limit = clamp_limit(query.limit)
        for bound, name in ((query.starts_after, "starts_after"), (query.starts_before, "starts_before")):
            if bound is not None:
                check_aware(bound, name)
        all_drafts = actor.can(Permission.EVENTS_MANAGE)
        led: tuple[uuid.UUID, ...] = ()
        if not all_drafts:
            led = tuple(await self._queries.chapters_led_by(actor.organization_id, actor.user_id))
        flt = EventFilter(
            chapter_id=query.chapter_id,
            starts_after=query.starts_after,
            starts_before=query.starts_before,
            status=None if query.status is None else query.status.value,
            all_drafts=all_drafts,
            draft_chapter_ids=led,
        )
        rows = await self._queries.list_events(
            actor.organization_id, flt, limit=limit + 1, after=decode_cursor(query.cursor)
        )
        return _page(rows, limit, lambda r: (r.starts_at, r.id))


# --- ticket types ---------------------------------------------------------------------------------


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
            event = await uow.events.get_for_update(command.event_id)
            role = await chapter_role_of(uow, actor, event.chapter_id if event else None)
            event = require_visible(event, actor, role)
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
        return ticket_type_view(ticket_type)


def ticket_type_view(tt: TicketType) -> TicketTypeView:
    return TicketTypeView(
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


class ListTicketTypes:
    def __init__(self, uow: TicketingUnitOfWorkFactory, queries: TicketingQueries) -> None:
        self._uow, self._queries = uow, queries

    async def execute(self, actor: Actor, event_id: uuid.UUID) -> list[TicketTypeView]:
        actor.require(Permission.EVENTS_READ)
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            event = await uow.events.get(event_id)
            require_visible(event, actor, await chapter_role_of(uow, actor, event.chapter_id if event else None))
        return await self._queries.list_ticket_types(actor.organization_id, event_id)


# --- orders ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderLine:
    ticket_type_id: uuid.UUID
    quantity: int


@dataclass(frozen=True)
class PlaceOrderCommand:
    event_id: uuid.UUID
    items: tuple[OrderLine, ...]


@dataclass(frozen=True)
class OrderItemResult:
    ticket_type_id: uuid.UUID
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True)
class TicketResult:
    id: uuid.UUID
    code: str
    ticket_type_id: uuid.UUID


@dataclass(frozen=True)
class OrderResult:
    id: uuid.UUID
    event_id: uuid.UUID
    buyer_id: uuid.UUID
    status: str
    items: list[OrderItemResult]
    total_cents: int
    currency: str
    created_at: datetime
    expires_at: datetime | None
    paid_at: datetime | None
    # For the buyer of a pending paid order: what Stripe.js needs to pay (None if the provider failed).
    payment: PaymentResult | None
    tickets: list[TicketResult]

    @classmethod
    def of(cls, order: Order, tickets: Sequence[Ticket], payment: PaymentResult | None = None) -> OrderResult:
        return cls(
            id=order.id,
            event_id=order.event_id,
            buyer_id=order.buyer_id,
            status=order.status.value,
            items=[OrderItemResult(i.ticket_type_id, i.quantity, i.unit_price_cents) for i in order.items],
            total_cents=order.total_cents,
            currency=order.currency,
            created_at=order.created_at,
            expires_at=order.expires_at,
            paid_at=order.paid_at,
            payment=payment,
            tickets=[
                TicketResult(t.id, t.code, t.ticket_type_id)
                for t in sorted(tickets, key=lambda t: t.id)
                if t.voided_at is None
            ],
        )


class PlaceOrder:
    """Writes the order (and its outbox and audit rows) first and takes the seats last: the row locks
    (event, then ticket types by id) are held for the counter UPDATEs and COMMIT only. Capacity holds
    across processes because each counter grows in one conditional UPDATE (see ticketing-capacity.md)."""

    def __init__(
        self, uow: TicketingUnitOfWorkFactory, queries: TicketingQueries, clock: Clock, payments: OrderPayments
    ) -> None:
        self._uow, self._queries, self._clock, self._payments = uow, queries, clock, payments

    async def execute(self, actor: Actor, command: PlaceOrderCommand) -> OrderResult:
        actor.require(Permission.ORDERS_PLACE)
        if not command.items:
            raise InvalidInput("an order needs at least one item")
        wanted = {line.ticket_type_id: line.quantity for line in command.items}
        if len(wanted) != len(command.items):
            raise InvalidInput("each ticket type may appear once per order")
        # In a rush most attempts find the seats gone: one lock-free look on the read side answers them
        # 409 without opening a transaction. Seats only come back through cancellations, so such an
        # answer is the one the client would have had a moment earlier. The conditional updates decide
        # the rest. Anything else (unknown, draft, over max per order) goes on to the checks that say why.
        left = await self._queries.seats_left(actor.organization_id, command.event_id, sorted(wanted))
        for tt_id, seats in wanted.items():
            if seats <= left.max_per_order.get(tt_id, 0) and left.per_ticket_type[tt_id] < seats:
                raise Conflict("sold out")
        if left.event is not None and left.event < sum(wanted.values()):
            raise Conflict("sold out: the event is full")
        now = self._clock.now()
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            # Read without locks: the rules (visibility, status, sales window, max per order, currency)
            # do not depend on the counters, and the counters read here only turn away early those who
            # would be refused anyway. reserve_seats decides under the locks.
            event = await uow.events.get(command.event_id)
            role = await chapter_role_of(uow, actor, event.chapter_id if event else None)
            event = require_visible(event, actor, role)
            ticket_types = await uow.ticket_types.list_of_event(event.id, sorted(wanted))
            if len(ticket_types) != len(wanted):
                raise NotFound("ticket type not found")
            lines = [(tt, wanted[tt.id]) for tt in ticket_types]
            order = Order.draft(actor, event, lines, now=now)
            tickets = order.issue_tickets(now) if order.status == OrderStatus.PAID else []
            await uow.orders.add(order, tickets)
            uow.collect(order)
            await uow.write_events()  # outbox and audit rows before the locks too: they need none
            await uow.events.reserve_seats(event, lines)  # the locks, last; Conflict rolls everything back
            await uow.commit()  # so the locks are held for the counter UPDATEs and COMMIT only
        # After the commit: the provider is never waited on with rows locked.
        return OrderResult.of(order, tickets, await self._payments.payment_of(order))


async def _visible_order(
    uow: TicketingUnitOfWork, actor: Actor, order: Order | None
) -> tuple[Order, ChapterRole | None]:
    """The buyer and those who manage the event's orders see an order; to anyone else it does not exist."""
    if order is None:
        raise NotFound("order not found")
    event = await uow.events.get(order.event_id)
    role = await chapter_role_of(uow, actor, event.chapter_id if event else None)
    if order.buyer_id != actor.user_id and not actor.can_in_chapter(Permission.ORDERS_MANAGE, role):
        raise NotFound("order not found")
    return order, role


class GetOrder:
    """The buyer of a pending paid order also gets its payment (started now if the first attempt failed)."""

    def __init__(self, uow: TicketingUnitOfWorkFactory, payments: OrderPayments) -> None:
        self._uow, self._payments = uow, payments

    async def execute(self, actor: Actor, order_id: uuid.UUID) -> OrderResult:
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            order, _ = await _visible_order(uow, actor, await uow.orders.get(order_id))
            tickets = await uow.tickets.list_for_order(order.id)
        payment = await self._payments.payment_of(order) if order.buyer_id == actor.user_id else None
        return OrderResult.of(order, tickets, payment)


class _CloseOrder:
    """Cancel and refund share the locking path: event, ticket types, then the order."""

    def __init__(self, uow: TicketingUnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    def _transition(self, order: Order, actor: Actor, role: ChapterRole | None, now: datetime) -> None:
        raise NotImplementedError

    async def _settle(self, order: Order) -> None:
        """Money the transition moves, before the commit: if the provider refuses, nothing changes."""

    async def execute(self, actor: Actor, order_id: uuid.UUID) -> OrderResult:
        now = self._clock.now()
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            event_id = await uow.orders.event_id_of(order_id)
            if event_id is None:
                raise NotFound("order not found")
            event = await uow.events.get_for_update(event_id)
            if event is None:
                raise NotFound("order not found")
            order, role = await _visible_order(uow, actor, await uow.orders.get_for_update(order_id))
            ticket_types = await uow.ticket_types.list_for_update(event.id, order.ticket_type_ids())
            held = order.holds_seats
            self._transition(order, actor, role, now)
            await self._settle(order)
            if held and not order.holds_seats:
                release_seats(order, event, ticket_types)
            tickets = await uow.tickets.list_for_order(order.id)
            for ticket in tickets:
                ticket.void(now)
            uow.collect(order)
            await uow.commit()
        return OrderResult.of(order, tickets)


class CancelOrder(_CloseOrder):
    def _transition(self, order: Order, actor: Actor, role: ChapterRole | None, now: datetime) -> None:
        order.cancel(actor, chapter_role=role, now=now)


class RefundOrder(_CloseOrder):
    """Paid and refund-pending orders (the event was cancelled): the order's payment goes back through the
    provider in the same transaction (idempotency key per order, so a retried request refunds once)."""

    def __init__(self, uow: TicketingUnitOfWorkFactory, clock: Clock, gateway: PaymentGateway) -> None:
        super().__init__(uow, clock)
        self._gateway = gateway

    def _transition(self, order: Order, actor: Actor, role: ChapterRole | None, now: datetime) -> None:
        order.refund(actor, chapter_role=role, now=now)

    async def _settle(self, order: Order) -> None:
        if order.payment_intent_id is not None:
            await self._gateway.refund_payment_intent(
                payment_intent_id=order.payment_intent_id, idempotency_key=refund_key(order.id)
            )


class MarkOrderPaid:
    """The payment of a pending order arrived: issue its tickets.

    The payments work calls this from its webhook; until then operators and tests do.
    """

    def __init__(self, uow: TicketingUnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, organization_id: uuid.UUID, order_id: uuid.UUID) -> OrderResult:
        now = self._clock.now()
        async with self._uow(organization_id) as uow:
            # The event first, like every writer of the event's orders (the tickets' foreign key to the
            # event would otherwise wait on a lock held by someone who waits on this order).
            event_id = await uow.orders.event_id_of(order_id)
            if event_id is None or await uow.events.get_for_update(event_id) is None:
                raise NotFound("order not found")
            order = await uow.orders.get_for_update(order_id)
            if order is None:
                raise NotFound("order not found")
            order.mark_paid(now)
            tickets = order.issue_tickets(now)
            await uow.tickets.add_all(tickets)
            uow.collect(order)
            await uow.commit()
        return OrderResult.of(order, tickets)


class ExpirePendingOrders:
    """Pending orders past expires_at give their seats back. The scheduler runs it; so may an operator.

    One transaction per order, each locking event, ticket types, then the order, like every seat change.
    """

    def __init__(self, uow: TicketingUnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, batch_size: int = 500) -> int:
        now = self._clock.now()
        async with self._uow() as uow:
            organization_ids = await uow.tenants.organization_ids()
        expired = 0
        for organization_id in organization_ids:
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
        async with self._uow() as uow:
            organization_ids = await uow.tenants.organization_ids()
        ended = 0
        for organization_id in organization_ids:
            async with self._uow(organization_id) as uow:
                for event_id in await uow.events.finished(now, limit=batch_size):
                    event = await uow.events.get_for_update(event_id)
                    if event is not None and event.status == EventStatus.PUBLISHED:
                        event.end(now)
                        uow.collect(event)
                        ended += 1
                await uow.commit()
        return ended


# --- tickets and check-in -------------------------------------------------------------------------


@dataclass(frozen=True)
class ListAttendeesQuery:
    event_id: uuid.UUID
    limit: int | None = None
    cursor: str | None = None


class ListAttendees:
    def __init__(self, uow: TicketingUnitOfWorkFactory, queries: TicketingQueries) -> None:
        self._uow, self._queries = uow, queries

    async def execute(self, actor: Actor, query: ListAttendeesQuery) -> Page[AttendeeView]:
        limit = clamp_limit(query.limit)
        after = decode_cursor(query.cursor)
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            event = await uow.events.get(query.event_id)
            role = await chapter_role_of(uow, actor, event.chapter_id if event else None)
            require_visible(event, actor, role)
            actor.require_in_chapter(Permission.ATTENDEES_READ, role)
        rows = await self._queries.list_attendees(actor.organization_id, query.event_id, limit=limit + 1, after=after)
        return _page(rows, limit, lambda r: (r.issued_at, r.ticket_id))


@dataclass(frozen=True)
class CheckInCommand:
    event_id: uuid.UUID
    ticket_code: str


@dataclass(frozen=True)
class HolderResult:
    user_id: uuid.UUID
    name: str
    email: str


@dataclass(frozen=True)
class CheckInResult:
    ticket_id: uuid.UUID
    code: str
    ticket_type_id: uuid.UUID
    holder: HolderResult
    checked_in_at: datetime


class CheckIn:
    """First scan 200 with the holder, a second 409; another event's or organization's code 404."""

    def __init__(self, uow: TicketingUnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, actor: Actor, command: CheckInCommand) -> CheckInResult:
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            event = await uow.events.get(command.event_id)
            role = await chapter_role_of(uow, actor, event.chapter_id if event else None)
            event = require_visible(event, actor, role)
            actor.require_in_chapter(Permission.TICKETS_CHECK_IN, role)
            ticket = (
                await uow.tickets.get_by_code_for_update(command.ticket_code)
                if is_ticket_code(command.ticket_code)
                else None
            )
            if ticket is None or ticket.event_id != event.id:
                raise NotFound("ticket not found")
            ticket.check_in(actor, chapter_role=role, now=self._clock.now())
            holder = await uow.users.get(ticket.holder_id)
            uow.collect(ticket)
            await uow.commit()
        assert ticket.checked_in_at is not None
        return CheckInResult(
            ticket_id=ticket.id,
            code=ticket.code,
            ticket_type_id=ticket.ticket_type_id,
            holder=HolderResult(
                user_id=ticket.holder_id,
                name=holder.name if holder else "",
                email=holder.email if holder else "",
            ),
            checked_in_at=ticket.checked_in_at,
        )


@dataclass(frozen=True)
class ListMyTicketsQuery:
    limit: int | None = None
    cursor: str | None = None


class ListMyTickets:
    def __init__(self, queries: TicketingQueries) -> None:
        self._queries = queries

    async def execute(self, principal: Principal, query: ListMyTicketsQuery) -> Page[MyTicketView]:
        limit = clamp_limit(query.limit)
        rows = await self._queries.list_my_tickets(
            principal.user_id, limit=limit + 1, after=decode_cursor(query.cursor)
        )
        return _page(rows, limit, lambda r: (r.issued_at, r.ticket_id))
