"""The public side's read port: what anyone may see of an organization, without a token.

Every read goes through the tenant scope: `organization` resolves the slug in the tenant registry (a
global table) and scopes the reads that follow to that organization, so row-level security stands behind
each of them exactly as for a member's request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.ports.ticketing import Key
from domain.ticketing import Event


@dataclass(frozen=True)
class PublicOrganizationRow:
    id: uuid.UUID
    name: str
    slug: str


@dataclass(frozen=True)
class PublicChapterRow:
    id: uuid.UUID
    name: str
    slug: str
    city: str | None
    timezone: str | None


@dataclass(frozen=True)
class PublicEventRow:
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

    @classmethod
    def of(cls, e: Event) -> PublicEventRow:
        return cls(
            id=e.id,
            title=e.title,
            description=e.description,
            status=e.status.value,
            starts_at=e.starts_at,
            ends_at=e.ends_at,
            timezone=e.timezone,
            venue=e.venue,
            online_url=e.online_url,
            chapter_id=e.chapter_id,
            capacity=e.capacity,
            reserved=e.reserved,
            created_at=e.created_at,
        )


@dataclass(frozen=True)
class PublicTicketTypeRow:
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


@dataclass(frozen=True)
class PublicEventFilter:
    chapter_slug: str | None = None
    starts_after: datetime | None = None
    starts_before: datetime | None = None


class PublicQueries(Protocol):
    async def organization(self, slug: str) -> PublicOrganizationRow | None:
        """The organization of that slug (None when unknown or suspended); later reads are scoped to it."""
        ...

    async def chapters(self, organization_id: uuid.UUID) -> list[PublicChapterRow]:
        """Ordered by name, then id."""
        ...

    async def events(
        self, organization_id: uuid.UUID, flt: PublicEventFilter, *, limit: int, after: Key | None
    ) -> list[PublicEventRow]:
        """Published public events ordered by (starts_at, id), strictly after the key."""
        ...

    async def event(self, organization_id: uuid.UUID, event_id: uuid.UUID) -> PublicEventRow | None:
        """The event if it is published and public."""
        ...

    async def calendar(
        self, organization_id: uuid.UUID, chapter_slug: str | None, *, limit: int
    ) -> list[PublicEventRow]:
        """Public events that were published (published, cancelled or ended), by start time."""
        ...

    async def ticket_types(self, organization_id: uuid.UUID, event_ids: list[uuid.UUID]) -> list[PublicTicketTypeRow]:
        """Ticket types of those events, ordered by (created_at, id)."""
        ...
