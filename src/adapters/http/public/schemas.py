"""Bodies of the public side: what anyone may read of an organization and its public events."""

from __future__ import annotations

import uuid
from datetime import datetime

from msgspec import Struct


class PublicChapterOut(Struct):
    id: uuid.UUID
    name: str
    slug: str
    city: str | None
    timezone: str | None


class PublicOrganizationOut(Struct):
    id: uuid.UUID
    name: str
    slug: str
    chapters: list[PublicChapterOut]


class PublicTicketTypeOut(Struct):
    id: uuid.UUID
    name: str
    price_cents: int
    currency: str
    sales_start: datetime | None
    sales_end: datetime | None
    max_per_order: int
    seats_left: int


class PublicEventOut(Struct):
    id: uuid.UUID
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venue: str | None
    online_url: str | None
    chapter_id: uuid.UUID | None
    capacity: int | None
    seats_left: int
    ticket_types: list[PublicTicketTypeOut]


class PublicEventPage(Struct):
    items: list[PublicEventOut]
    next_cursor: str | None
