"""Use cases of events, ticket types, orders, tickets and check-in.

One module per seam; this package re-exports them, so callers import from `application.ticketing`."""

from application.ticketing.access import require_chapter, visible_event
from application.ticketing.attendance import (
    CheckIn,
    CheckInCommand,
    CheckInResult,
    HolderResult,
    ListAttendees,
    ListAttendeesQuery,
    ListMyTickets,
    ListMyTicketsQuery,
)
from application.ticketing.events import (
    CancelEvent,
    CreateEvent,
    EventResult,
    GetEvent,
    ListEvents,
    ListEventsQuery,
    PublishEvent,
    UpdateEvent,
    UpdateEventCommand,
)
from application.ticketing.orders import (
    CancelOrder,
    GetOrder,
    OrderItemResult,
    OrderLine,
    OrderResult,
    PlaceOrder,
    PlaceOrderCommand,
    RefundOrder,
    TicketResult,
)
from application.ticketing.scheduled import EndFinishedEvents, ExpirePendingOrders
from application.ticketing.ticket_types import (
    CreateTicketType,
    CreateTicketTypeCommand,
    ListTicketTypes,
)

__all__ = [
    "CancelEvent",
    "CancelOrder",
    "CheckIn",
    "CheckInCommand",
    "CheckInResult",
    "CreateEvent",
    "CreateTicketType",
    "CreateTicketTypeCommand",
    "EndFinishedEvents",
    "EventResult",
    "ExpirePendingOrders",
    "GetEvent",
    "GetOrder",
    "HolderResult",
    "ListAttendees",
    "ListAttendeesQuery",
    "ListEvents",
    "ListEventsQuery",
    "ListMyTickets",
    "ListMyTicketsQuery",
    "ListTicketTypes",
    "OrderItemResult",
    "OrderLine",
    "OrderResult",
    "PlaceOrder",
    "PlaceOrderCommand",
    "PublishEvent",
    "RefundOrder",
    "TicketResult",
    "UpdateEvent",
    "UpdateEventCommand",
    "require_chapter",
    "visible_event",
]
