"""The public side: an organization's page, its public events with seats left, its calendar. No token.

A draft, a members-only event, another organization's event and an unknown one all look the same: 404."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from application.pagination import PageQuery, clamp_limit, decode_cursor, page_of
from application.ports.public import (
    PublicChapterRow,
    PublicEventFilter,
    PublicEventRow,
    PublicOrganizationRow,
    PublicQueries,
    PublicTicketTypeRow,
)
from application.ports.queries import Page
from domain.errors import InvalidInput, NotFound
from domain.organizations import check_slug
from domain.ticketing import check_aware

CALENDAR_LIMIT = 500


@dataclass(frozen=True)
class PublicTicketTypeView:
    id: uuid.UUID
    name: str
    price_cents: int
    currency: str
    sales_start: datetime | None
    sales_end: datetime | None
    max_per_order: int
    seats_left: int


@dataclass(frozen=True)
class PublicEventView:
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
    ticket_types: list[PublicTicketTypeView]


@dataclass(frozen=True)
class PublicOrganizationView:
    id: uuid.UUID
    name: str
    slug: str
    chapters: list[PublicChapterRow]


@dataclass(frozen=True)
class PublicCalendarView:
    organization: PublicOrganizationRow
    events: list[PublicEventRow]


def event_view(row: PublicEventRow, ticket_types: list[PublicTicketTypeRow]) -> PublicEventView:
    """Seats left: a ticket type is bounded by its own quantity and by the event's capacity."""
    room = None if row.capacity is None else max(0, row.capacity - row.reserved)
    types = [
        PublicTicketTypeView(
            id=tt.id,
            name=tt.name,
            price_cents=tt.price_cents,
            currency=tt.currency,
            sales_start=tt.sales_start,
            sales_end=tt.sales_end,
            max_per_order=tt.max_per_order,
            seats_left=max(0, tt.quantity - tt.reserved) if room is None else min(room, tt.quantity - tt.reserved),
        )
        for tt in ticket_types
    ]
    sold_by_types = sum(t.seats_left for t in types)
    return PublicEventView(
        id=row.id,
        title=row.title,
        description=row.description,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        timezone=row.timezone,
        venue=row.venue,
        online_url=row.online_url,
        chapter_id=row.chapter_id,
        capacity=row.capacity,
        seats_left=sold_by_types if room is None else min(room, sold_by_types),
        ticket_types=types,
    )


def _slug(raw: str) -> str:
    """A malformed slug names no organization: 404 like an unknown one."""
    try:
        return check_slug(raw)
    except InvalidInput:
        raise NotFound("organization not found") from None


async def public_organization(queries: PublicQueries, slug: str) -> PublicOrganizationRow:
    org = await queries.organization(_slug(slug))
    if org is None:
        raise NotFound("organization not found")
    return org


def _chapter_slug(raw: str | None) -> str | None:
    return None if raw is None else check_slug(raw)


class GetPublicOrganization:
    def __init__(self, queries: PublicQueries) -> None:
        self._queries = queries

    async def execute(self, slug: str) -> PublicOrganizationView:
        org = await public_organization(self._queries, slug)
        chapters = await self._queries.chapters(org.id)
        return PublicOrganizationView(id=org.id, name=org.name, slug=org.slug, chapters=chapters)


@dataclass(frozen=True, kw_only=True)
class ListPublicEventsQuery(PageQuery):
    slug: str
    chapter: str | None = None
    starts_after: datetime | None = None
    starts_before: datetime | None = None


class ListPublicEvents:
    def __init__(self, queries: PublicQueries) -> None:
        self._queries = queries

    async def execute(self, query: ListPublicEventsQuery) -> Page[PublicEventView]:
        limit = clamp_limit(query.limit, default=20)
        for bound, name in ((query.starts_after, "starts_after"), (query.starts_before, "starts_before")):
            if bound is not None:
                check_aware(bound, name)
        after = decode_cursor(query.cursor)
        flt = PublicEventFilter(
            chapter_slug=_chapter_slug(query.chapter),
            starts_after=query.starts_after,
            starts_before=query.starts_before,
        )
        org = await public_organization(self._queries, query.slug)
        rows = await self._queries.events(org.id, flt, limit=limit + 1, after=after)
        page = page_of(rows, limit, lambda r: (r.starts_at, r.id))
        types = await self._queries.ticket_types(org.id, [r.id for r in page.items]) if page.items else []
        by_event: dict[uuid.UUID, list[PublicTicketTypeRow]] = {}
        for tt in types:
            by_event.setdefault(tt.event_id, []).append(tt)
        return Page(items=[event_view(r, by_event.get(r.id, [])) for r in page.items], next_cursor=page.next_cursor)


class GetPublicEvent:
    def __init__(self, queries: PublicQueries) -> None:
        self._queries = queries

    async def execute(self, slug: str, event_id: uuid.UUID) -> PublicEventView:
        org = await public_organization(self._queries, slug)
        row = await self._queries.event(org.id, event_id)
        if row is None:
            raise NotFound("event not found")
        return event_view(row, await self._queries.ticket_types(org.id, [row.id]))


class GetPublicCalendar:
    def __init__(self, queries: PublicQueries) -> None:
        self._queries = queries

    async def execute(self, slug: str, chapter: str | None = None) -> PublicCalendarView:
        chapter_slug = _chapter_slug(chapter)
        org = await public_organization(self._queries, slug)
        rows = await self._queries.calendar(org.id, chapter_slug, limit=CALENDAR_LIMIT)
        return PublicCalendarView(organization=org, events=rows)
