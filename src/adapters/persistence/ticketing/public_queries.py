"""Read side of the public pages: asyncpg on the request's connection, scoped to the organization of the slug.

The first statement resolves the slug in the tenant registry (a global table) and, in the same round trip,
sets the transaction's scope to that organization (or to none): every read after it runs under the same
row-level security as a member's request, and the scope a previous borrower left is gone either way."""

from __future__ import annotations

import uuid
from typing import Any

from adapters.persistence.connection import RequestConnection
from application.ports.public import (
    PublicChapterRow,
    PublicEventFilter,
    PublicEventRow,
    PublicOrganizationRow,
    PublicTicketTypeRow,
)
from application.ports.ticketing import Key

SCOPE_TO_SLUG = """
WITH org AS (SELECT id, name, slug FROM organizations WHERE slug = $1 AND suspended_at IS NULL)
SELECT (SELECT id FROM org) AS id, (SELECT name FROM org) AS name, (SELECT slug FROM org) AS slug,
       app_scope((SELECT id FROM org), NULL)::text AS _scope
"""

EVENT_COLUMNS = (
    "e.id, e.title, e.description, e.status, e.starts_at, e.ends_at, e.timezone, e.venue, e.online_url, "
    "e.chapter_id, e.capacity, e.reserved, e.created_at"
)


def public_events_sql(flt: PublicEventFilter, limit: int, after: Key | None) -> tuple[str, list[Any]]:
    """The page's statement; only the conditions in use are written (one plan per shape on the
    (organization_id, starts_at, id) index). Shared with the benchmark's bare-driver floor."""
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args) + 1}"

    where = ["e.organization_id = $1", "e.status = 'published'", "e.visibility = 'public'"]
    if flt.chapter_slug is not None:
        slug = arg(flt.chapter_slug)
        where.append(f"e.chapter_id = (SELECT c.id FROM chapters c WHERE c.organization_id = $1 AND c.slug = {slug})")
    if flt.starts_after is not None:
        where.append(f"e.starts_at >= {arg(flt.starts_after)}")
    if flt.starts_before is not None:
        where.append(f"e.starts_at < {arg(flt.starts_before)}")
    if after is not None:
        where.append(f"(e.starts_at, e.id) > ({arg(after[0])}, {arg(after[1])})")
    sql = (
        f"SELECT {EVENT_COLUMNS} FROM events e WHERE {' AND '.join(where)} "
        f"ORDER BY e.starts_at, e.id LIMIT {int(limit)}"
    )
    return sql, args


TICKET_TYPES_SQL = """SELECT id, event_id, name, price_cents, currency, quantity, reserved, sales_start, sales_end,
       max_per_order
FROM ticket_types WHERE organization_id = $1 AND event_id = ANY($2::uuid[]) ORDER BY created_at, id"""


class PgPublicQueries:
    def __init__(self, connection: RequestConnection) -> None:
        self._connection = connection

    async def organization(self, slug: str) -> PublicOrganizationRow | None:
        # for_authentication: this statement sets (or clears) the whole scope itself, in its one round trip.
        conn = await self._connection.for_authentication()
        row = await conn.fetchrow(SCOPE_TO_SLUG, slug)
        if row is None or row["id"] is None:
            return None
        return PublicOrganizationRow(id=row["id"], name=row["name"], slug=row["slug"])

    async def chapters(self, organization_id: uuid.UUID) -> list[PublicChapterRow]:
        conn = await self._connection.get()
        rows = await conn.fetch(
            "SELECT id, name, slug, city, timezone FROM chapters WHERE organization_id = $1 ORDER BY name, id",
            organization_id,
        )
        return [PublicChapterRow(*row) for row in rows]

    async def events(
        self, organization_id: uuid.UUID, flt: PublicEventFilter, *, limit: int, after: Key | None
    ) -> list[PublicEventRow]:
        sql, args = public_events_sql(flt, limit, after)
        conn = await self._connection.get()
        return [PublicEventRow(*row) for row in await conn.fetch(sql, organization_id, *args)]

    async def event(self, organization_id: uuid.UUID, event_id: uuid.UUID) -> PublicEventRow | None:
        conn = await self._connection.get()
        row = await conn.fetchrow(
            f"""SELECT {EVENT_COLUMNS} FROM events e
                WHERE e.organization_id = $1 AND e.id = $2 AND e.status = 'published' AND e.visibility = 'public'""",
            organization_id,
            event_id,
        )
        return None if row is None else PublicEventRow(*row)

    async def calendar(
        self, organization_id: uuid.UUID, chapter_slug: str | None, *, limit: int
    ) -> list[PublicEventRow]:
        conn = await self._connection.get()
        chapter = ""
        args: list[Any] = [organization_id]
        if chapter_slug is not None:
            chapter = "AND e.chapter_id = (SELECT c.id FROM chapters c WHERE c.organization_id = $1 AND c.slug = $2)"
            args.append(chapter_slug)
        rows = await conn.fetch(
            f"""SELECT {EVENT_COLUMNS} FROM events e
                WHERE e.organization_id = $1 AND e.visibility = 'public' AND e.status <> 'draft' {chapter}
                ORDER BY e.starts_at, e.id LIMIT {int(limit)}""",
            *args,
        )
        return [PublicEventRow(*row) for row in rows]

    async def ticket_types(self, organization_id: uuid.UUID, event_ids: list[uuid.UUID]) -> list[PublicTicketTypeRow]:
        conn = await self._connection.get()
        rows = await conn.fetch(TICKET_TYPES_SQL, organization_id, event_ids)
        return [PublicTicketTypeRow(*row) for row in rows]
