"""Events, ticket types, orders and tickets: the rules of selling seats.

One module per aggregate; this package re-exports their public names, so callers import from
`domain.ticketing` and never need to know which module holds what.
"""

from domain.ticketing.events import (
    MAX_CAPACITY,
    MAX_DESCRIPTION,
    Event,
    EventDetails,
    EventStatus,
    EventVisibility,
    require_visible,
)
from domain.ticketing.orders import (
    ORDER_TTL,
    SEAT_HOLDING,
    Order,
    OrderItem,
    OrderStatus,
    release_seats,
    retake_seats,
)
from domain.ticketing.rules import check_aware, check_currency, check_timezone
from domain.ticketing.ticket_types import MAX_PER_ORDER_LIMIT, MAX_PRICE_CENTS, MAX_TICKET_QUANTITY, TicketType
from domain.ticketing.tickets import Ticket, is_ticket_code, new_ticket_code

__all__ = [
    "MAX_CAPACITY",
    "MAX_DESCRIPTION",
    "MAX_PER_ORDER_LIMIT",
    "MAX_PRICE_CENTS",
    "MAX_TICKET_QUANTITY",
    "ORDER_TTL",
    "SEAT_HOLDING",
    "Event",
    "EventDetails",
    "EventStatus",
    "EventVisibility",
    "Order",
    "OrderItem",
    "OrderStatus",
    "Ticket",
    "TicketType",
    "check_aware",
    "check_currency",
    "check_timezone",
    "is_ticket_code",
    "new_ticket_code",
    "release_seats",
    "require_visible",
    "retake_seats",
]
