"""In-memory twin of the public side's read port."""

from __future__ import annotations

import uuid

from adapters.memory.repository import rows_after
from adapters.memory.store import MemoryStore
from application.ports.public import (
    PublicChapterRow,
    PublicEventFilter,
    PublicEventRow,
    PublicOrganizationRow,
    PublicTicketTypeRow,
)
from application.ports.ticketing import Key
from domain.ticketing import Event, EventStatus, EventVisibility


class MemoryPublicQueries:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def organization(self, slug: str) -> PublicOrganizationRow | None:
        for org in self._store.organizations.values():
            if org.slug == slug and org.suspended_at is None:
                return PublicOrganizationRow(id=org.id, name=org.name, slug=org.slug)
        return None

    def _chapter_id(self, organization_id: uuid.UUID, slug: str) -> uuid.UUID | None:
        for c in self._store.table("chapters").values():
            if c.organization_id == organization_id and c.slug == slug:
                return c.id  # type: ignore[no-any-return]
        return None

    async def chapters(self, organization_id: uuid.UUID) -> list[PublicChapterRow]:
        rows = [c for c in self._store.table("chapters").values() if c.organization_id == organization_id]
        return [
            PublicChapterRow(id=c.id, name=c.name, slug=c.slug, city=c.city, timezone=c.timezone)
            for c in sorted(rows, key=lambda c: (c.name, c.id))
        ]

    def _public(self, organization_id: uuid.UUID, chapter_slug: str | None) -> list[Event]:
        chapter_id = None if chapter_slug is None else self._chapter_id(organization_id, chapter_slug)
        return [
            e
            for e in self._store.table("events").values()
            if e.organization_id == organization_id
            and e.visibility == EventVisibility.PUBLIC
            and (chapter_slug is None or (chapter_id is not None and e.chapter_id == chapter_id))
        ]

    async def events(
        self, organization_id: uuid.UUID, flt: PublicEventFilter, *, limit: int, after: Key | None
    ) -> list[PublicEventRow]:
        rows = [
            e
            for e in self._public(organization_id, flt.chapter_slug)
            if e.status == EventStatus.PUBLISHED
            and (flt.starts_after is None or e.starts_at >= flt.starts_after)
            and (flt.starts_before is None or e.starts_at < flt.starts_before)
        ]
        return [PublicEventRow.of(e) for e in rows_after(rows, lambda e: (e.starts_at, e.id), after)[:limit]]

    async def event(self, organization_id: uuid.UUID, event_id: uuid.UUID) -> PublicEventRow | None:
        e = self._store.table("events").get(event_id)
        if e is None or e.organization_id != organization_id or not e.on_public_side:
            return None
        return PublicEventRow.of(e)

    async def calendar(
        self, organization_id: uuid.UUID, chapter_slug: str | None, *, limit: int
    ) -> list[PublicEventRow]:
        rows = [e for e in self._public(organization_id, chapter_slug) if e.status != EventStatus.DRAFT]
        return [PublicEventRow.of(e) for e in sorted(rows, key=lambda e: (e.starts_at, e.id))[:limit]]

    async def ticket_types(self, organization_id: uuid.UUID, event_ids: list[uuid.UUID]) -> list[PublicTicketTypeRow]:
        wanted = set(event_ids)
        rows = [
            tt
            for tt in self._store.table("ticket_types").values()
            if tt.organization_id == organization_id and tt.event_id in wanted
        ]
        return [
            PublicTicketTypeRow(
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
            )
            for tt in sorted(rows, key=lambda tt: (tt.created_at, tt.id))
        ]
