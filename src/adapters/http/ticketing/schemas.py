"""Bodies of events, ticket types, orders, tickets and check-in."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from adapters.http.schema_kit import Input, Name, Patch, Timezone

Title = Annotated[str, Meta(min_length=1, max_length=200)]
Description = Annotated[str, Meta(max_length=10_000)]
Venue = Annotated[str, Meta(max_length=300)]
Url = Annotated[str, Meta(max_length=2000, pattern=r"^https?://")]
Capacity = Annotated[int, Meta(ge=1, le=1_000_000)]
Currency = Annotated[str, Meta(pattern=r"^[A-Za-z]{3}$", examples=["EUR"])]
PriceCents = Annotated[int, Meta(ge=0, le=100_000_000)]
Quantity = Annotated[int, Meta(ge=1, le=1_000_000)]
PerOrder = Annotated[int, Meta(ge=1, le=100)]
TicketCode = Annotated[str, Meta(min_length=1, max_length=64)]
Visibility = Annotated[
    Literal["public", "members"], Meta(description="public: on the organization's public pages; members: members only")
]
AwareDatetime = Annotated[datetime, Meta(tz=True, description="ISO 8601 with a UTC offset")]


class CreateEventBody(Input, frozen=True):
    title: Title
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    timezone: Timezone
    description: Description = ""
    chapter_id: uuid.UUID | None = None
    venue: Venue | None = None
    online_url: Url | None = None
    capacity: Capacity | None = None
    visibility: Visibility = "members"


class UpdateEventBody(Patch, frozen=True):
    """Only the fields sent change; null clears an optional field."""

    title: Title | UnsetType = UNSET
    starts_at: AwareDatetime | UnsetType = UNSET
    ends_at: AwareDatetime | UnsetType = UNSET
    timezone: Timezone | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    chapter_id: uuid.UUID | UnsetType | None = UNSET
    venue: Venue | UnsetType | None = UNSET
    online_url: Url | UnsetType | None = UNSET
    capacity: Capacity | UnsetType | None = UNSET
    visibility: Visibility | UnsetType = UNSET


class EventOut(Struct):
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


class EventPage(Struct):
    items: list[EventOut]
    next_cursor: str | None


class CreateTicketTypeBody(Input, frozen=True):
    name: Name
    price_cents: PriceCents
    currency: Currency
    quantity: Quantity
    sales_start: AwareDatetime | None = None
    sales_end: AwareDatetime | None = None
    max_per_order: PerOrder = 10


class TicketTypeOut(Struct):
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


class TicketTypeList(Struct):
    items: list[TicketTypeOut]


# --- orders and tickets ---------------------------------------------------------------------------


class OrderItemBody(Input, frozen=True):
    ticket_type_id: uuid.UUID
    quantity: Annotated[int, Meta(ge=1, le=100)]


class PlaceOrderBody(Input, frozen=True):
    items: Annotated[list[OrderItemBody], Meta(min_length=1, max_length=20)]


class OrderItemOut(Struct):
    ticket_type_id: uuid.UUID
    quantity: int
    unit_price_cents: int


class TicketOut(Struct):
    id: uuid.UUID
    code: str
    ticket_type_id: uuid.UUID


class PaymentOut(Struct):
    client_secret: str
    payment_intent_id: str


class OrderOut(Struct):
    id: uuid.UUID
    event_id: uuid.UUID
    buyer_id: uuid.UUID
    status: str
    items: list[OrderItemOut]
    total_cents: int
    currency: str
    created_at: datetime
    expires_at: datetime | None
    paid_at: datetime | None
    payment: PaymentOut | None
    tickets: list[TicketOut]


class HolderOut(Struct):
    user_id: uuid.UUID
    name: str
    email: str


class AttendeeOut(Struct):
    ticket_id: uuid.UUID
    code: str
    ticket_type_id: uuid.UUID
    holder: HolderOut
    checked_in_at: datetime | None
    issued_at: datetime


class AttendeePage(Struct):
    items: list[AttendeeOut]
    next_cursor: str | None


class CheckInBody(Input, frozen=True):
    ticket_code: TicketCode


class CheckInOut(Struct):
    ticket_id: uuid.UUID
    code: str
    ticket_type_id: uuid.UUID
    holder: HolderOut
    checked_in_at: datetime


class MyTicketOut(Struct):
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


class MyTicketPage(Struct):
    items: list[MyTicketOut]
    next_cursor: str | None
