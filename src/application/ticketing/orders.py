"""Use cases of orders: place, read, cancel, refund."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from application import idempotency
from application.community import chapter_role_of
from application.ports.clock import Clock
from application.ports.payments import PaymentGateway
from application.ports.ticketing import TicketingQueries, TicketingUnitOfWork, TicketingUnitOfWorkFactory
from application.ticket_payments import OrderPayments, PaymentResult, refund_key
from application.ticketing.access import visible_event
from domain.errors import Conflict, InvalidInput, NotFound
from domain.permissions import Actor, ChapterRole, Permission
from domain.ticketing import Order, OrderStatus, Ticket, release_seats


@dataclass(frozen=True)
class OrderLine:
    ticket_type_id: uuid.UUID
    quantity: int


@dataclass(frozen=True)
class PlaceOrderCommand:
    event_id: uuid.UUID
    items: tuple[OrderLine, ...]
    # A repeat of the key answers with the order it first placed (see application.idempotency).
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        items = sorted((str(line.ticket_type_id), line.quantity) for line in self.items)
        return idempotency.fingerprint({"event_id": str(self.event_id), "items": items})


ORDERS_SCOPE = "orders"


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
        """A member's order, or (Actor.buyer) a public buyer's: one path, the same guarantees."""
        actor.require(Permission.ORDERS_PLACE)
        if not command.items:
            raise InvalidInput("an order needs at least one item")
        wanted = {line.ticket_type_id: line.quantity for line in command.items}
        if len(wanted) != len(command.items):
            raise InvalidInput("each ticket type may appear once per order")
        key = idempotency.checked_key(command.idempotency_key) if command.idempotency_key is not None else None
        digest, placed = command.fingerprint(), None
        if key is not None:  # a retry: before the sold-out look, which the first attempt may have made true
            async with self._uow(actor.organization_id, actor.user_id) as uow:
                placed = await idempotency.held(uow.idempotency_keys, actor.user_id, ORDERS_SCOPE, key, digest)
            if placed is not None:
                return await self._replay(actor, placed)
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
            event, _ = await visible_event(uow, actor, command.event_id)
            if actor.is_buyer and not event.on_public_side:
                raise NotFound("event not found")  # members-only events do not exist for buyers
            ticket_types = await uow.ticket_types.list_of_event(event.id, sorted(wanted))
            if len(ticket_types) != len(wanted):
                raise NotFound("ticket type not found")
            lines = [(tt, wanted[tt.id]) for tt in ticket_types]
            order = Order.draft(actor, event, lines, now=now)
            if key is not None:  # the key commits with the order, or neither does
                placed = await idempotency.claim(
                    uow.idempotency_keys, actor.user_id, ORDERS_SCOPE, key, digest, order.id
                )
            # Taken: a concurrent request with the same key placed its order first; this one writes nothing.
            if placed is None:
                tickets = order.issue_tickets(now) if order.status == OrderStatus.PAID else []
                await uow.orders.add(order, tickets)
                uow.collect(order)
                await uow.write_events()  # outbox and audit rows before the locks too: they need none
                await uow.events.reserve_seats(event, lines)  # the locks, last; Conflict rolls everything back
                await uow.commit()  # so the locks are held for the counter UPDATEs and COMMIT only
        if placed is not None:
            return await self._replay(actor, placed)  # nothing of this attempt was committed
        # After the commit: the provider is never waited on with rows locked.
        return OrderResult.of(order, tickets, await self._payments.payment_of(order))

    async def _replay(self, actor: Actor, order_id: uuid.UUID) -> OrderResult:
        """The answer to a repeated key: the order it placed, as the first answer gave it."""
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            order = await uow.orders.get(order_id)
            if order is None:  # the organization's data is kept with its keys; only a purge could do this
                raise NotFound("order not found")
            tickets = await uow.tickets.list_for_order(order.id)
        return OrderResult.of(order, tickets, await self._payments.payment_of(order))


async def _visible_order(
    uow: TicketingUnitOfWork, actor: Actor, order: Order | None
) -> tuple[Order, ChapterRole | None]:
    """The buyer and those who manage the event's orders see an order; to anyone else it does not exist."""
    if order is None:
        raise NotFound("order not found")
    event = await uow.events.get(order.event_id)
    role = await chapter_role_of(uow.chapter_members, actor, event.chapter_id if event else None)
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
