"""Routes of events, ticket types, orders, tickets and check-in."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import Controller, get, patch, post
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK
from msgspec.structs import asdict

from adapters.http.schema_kit import Cursor, Id, IdempotencyKey, Limit, to_struct
from adapters.http.ticketing.schemas import (
    AttendeePage,
    CheckInBody,
    CheckInOut,
    CreateEventBody,
    CreateTicketTypeBody,
    EventOut,
    EventPage,
    MyTicketPage,
    OrderOut,
    PlaceOrderBody,
    TicketTypeList,
    TicketTypeOut,
    UpdateEventBody,
)
from application.ticketing import (
    CancelEvent,
    CancelOrder,
    CheckIn,
    CheckInCommand,
    CreateEvent,
    CreateTicketType,
    CreateTicketTypeCommand,
    GetEvent,
    GetOrder,
    ListAttendees,
    ListAttendeesQuery,
    ListEvents,
    ListEventsQuery,
    ListMyTickets,
    ListMyTicketsQuery,
    ListTicketTypes,
    OrderLine,
    PlaceOrder,
    PlaceOrderCommand,
    PublishEvent,
    RefundOrder,
    UpdateEvent,
    UpdateEventCommand,
)
from domain.permissions import Actor, Principal
from domain.ticketing import EventDetails, EventStatus

When = Annotated[datetime | None, Parameter(required=False, description="ISO 8601 with a UTC offset")]


class EventController(Controller):
    path = "/api/orgs/{org_id:uuid}/events"
    tags = ["events"]

    @get("", summary="Events by start time; members see published ones, managers drafts too")
    async def list_events(
        self,
        actor: FromDishka[Actor],
        use_case: FromDishka[ListEvents],
        chapter_id: Annotated[uuid.UUID | None, Parameter(required=False)] = None,
        starts_after: When = None,
        starts_before: When = None,
        status: Annotated[EventStatus | None, Parameter(required=False)] = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> EventPage:
        query = ListEventsQuery(
            chapter_id=chapter_id,
            starts_after=starts_after,
            starts_before=starts_before,
            status=status,
            limit=limit,
            cursor=cursor,
        )
        return to_struct(await use_case.execute(actor, query), EventPage)

    @post("", summary="Create an event (a draft); admins, or the leads of its chapter")
    async def create(
        self, data: JSONBody[CreateEventBody], actor: FromDishka[Actor], use_case: FromDishka[CreateEvent]
    ) -> EventOut:
        return to_struct(await use_case.execute(actor, EventDetails(**asdict(data))), EventOut)

    @get("/{event_id:uuid}", summary="Read an event")
    async def read(self, event_id: Id, actor: FromDishka[Actor], use_case: FromDishka[GetEvent]) -> EventOut:
        return to_struct(await use_case.execute(actor, event_id), EventOut)

    @patch("/{event_id:uuid}", summary="Edit an event; only the fields sent change")
    async def update(
        self, event_id: Id, data: JSONBody[UpdateEventBody], actor: FromDishka[Actor], use_case: FromDishka[UpdateEvent]
    ) -> EventOut:
        result = await use_case.execute(actor, UpdateEventCommand(event_id=event_id, changes=data.changes()))
        return to_struct(result, EventOut)

    @post("/{event_id:uuid}/publish", status_code=HTTP_200_OK, summary="Publish a draft")
    async def publish(self, event_id: Id, actor: FromDishka[Actor], use_case: FromDishka[PublishEvent]) -> EventOut:
        return to_struct(await use_case.execute(actor, event_id), EventOut)

    @post(
        "/{event_id:uuid}/cancel",
        status_code=HTTP_200_OK,
        summary="Cancel an event: pending orders are cancelled, paid ones marked for refund",
    )
    async def cancel(self, event_id: Id, actor: FromDishka[Actor], use_case: FromDishka[CancelEvent]) -> EventOut:
        return to_struct(await use_case.execute(actor, event_id), EventOut)

    @get("/{event_id:uuid}/ticket-types", summary="The event's ticket types")
    async def ticket_types(
        self, event_id: Id, actor: FromDishka[Actor], use_case: FromDishka[ListTicketTypes]
    ) -> TicketTypeList:
        return to_struct({"items": await use_case.execute(actor, event_id)}, TicketTypeList)

    @post("/{event_id:uuid}/ticket-types", summary="Add a ticket type (price 0 = free RSVP)")
    async def create_ticket_type(
        self,
        event_id: Id,
        data: JSONBody[CreateTicketTypeBody],
        actor: FromDishka[Actor],
        use_case: FromDishka[CreateTicketType],
    ) -> TicketTypeOut:
        command = CreateTicketTypeCommand(event_id=event_id, **asdict(data))
        return to_struct(await use_case.execute(actor, command), TicketTypeOut)

    @post(
        "/{event_id:uuid}/orders",
        summary="Order tickets: free → paid with tickets; otherwise pending until paid (15 min); sold out → 409",
    )
    async def place_order(
        self,
        event_id: Id,
        data: JSONBody[PlaceOrderBody],
        actor: FromDishka[Actor],
        use_case: FromDishka[PlaceOrder],
        idempotency_key: IdempotencyKey = None,
    ) -> OrderOut:
        lines = tuple(OrderLine(item.ticket_type_id, item.quantity) for item in data.items)
        command = PlaceOrderCommand(event_id=event_id, items=lines, idempotency_key=idempotency_key)
        return to_struct(await use_case.execute(actor, command), OrderOut)

    @get("/{event_id:uuid}/attendees", summary="Valid tickets with their holders (leads and admins)")
    async def attendees(
        self,
        event_id: Id,
        actor: FromDishka[Actor],
        use_case: FromDishka[ListAttendees],
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> AttendeePage:
        page = await use_case.execute(actor, ListAttendeesQuery(event_id=event_id, limit=limit, cursor=cursor))
        return to_struct(page, AttendeePage)

    @post(
        "/{event_id:uuid}/check-ins",
        status_code=HTTP_200_OK,
        summary="Check a ticket in by its code: 200 with the holder, 409 the second time",
    )
    async def check_in(
        self, event_id: Id, data: JSONBody[CheckInBody], actor: FromDishka[Actor], use_case: FromDishka[CheckIn]
    ) -> CheckInOut:
        result = await use_case.execute(actor, CheckInCommand(event_id=event_id, ticket_code=data.ticket_code))
        return to_struct(result, CheckInOut)


class OrderController(Controller):
    path = "/api/orgs/{org_id:uuid}/orders"
    tags = ["events"]

    @get("/{order_id:uuid}", summary="An order with its tickets (its buyer, or who manages the event)")
    async def read(self, order_id: Id, actor: FromDishka[Actor], use_case: FromDishka[GetOrder]) -> OrderOut:
        return to_struct(await use_case.execute(actor, order_id), OrderOut)

    @post("/{order_id:uuid}/cancel", status_code=HTTP_200_OK, summary="Cancel a pending (or free) order")
    async def cancel(self, order_id: Id, actor: FromDishka[Actor], use_case: FromDishka[CancelOrder]) -> OrderOut:
        return to_struct(await use_case.execute(actor, order_id), OrderOut)

    @post(
        "/{order_id:uuid}/refund",
        status_code=HTTP_200_OK,
        summary="Refund a paid order (or one marked for refund): the payment goes back through Stripe",
    )
    async def refund(self, order_id: Id, actor: FromDishka[Actor], use_case: FromDishka[RefundOrder]) -> OrderOut:
        return to_struct(await use_case.execute(actor, order_id), OrderOut)


class MyTicketsController(Controller):
    path = "/api/me/tickets"
    tags = ["events"]

    @get("", summary="My valid tickets in every organization")
    async def mine(
        self,
        principal: FromDishka[Principal],
        use_case: FromDishka[ListMyTickets],
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> MyTicketPage:
        page = await use_case.execute(principal, ListMyTicketsQuery(limit=limit, cursor=cursor))
        return to_struct(page, MyTicketPage)
