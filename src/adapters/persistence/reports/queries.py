"""The rows of reports, streamed with asyncpg server-side cursors inside a tenant-scoped transaction."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg

from adapters.persistence.scope import SET_TENANT
from application.ports.reports import REPORT_HEADERS, CsvRow

_CURSOR_PREFETCH = 500


_MEMBERS = """
SELECT m.user_id, u.name, u.email, m.role, m.joined_at
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.organization_id = $1
ORDER BY m.joined_at, m.user_id
"""

_ATTENDEES = """
SELECT t.id, t.code, t.ticket_type_id, u.id, u.name, u.email, t.checked_in_at
FROM tickets t JOIN users u ON u.id = t.holder_id
WHERE t.organization_id = $1 AND t.event_id = $2 AND t.voided_at IS NULL
ORDER BY t.issued_at, t.id
"""


def _text(value: object) -> str:
    if value is None:
        return ""
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if isoformat is not None else str(value)


class PgReportSource:
    """Server-side cursors inside a transaction scoped to the tenant (RLS stands behind the WHERE)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    def header(self, kind: str) -> CsvRow:
        return REPORT_HEADERS[kind]

    def members(self, organization_id: uuid.UUID) -> AsyncIterator[CsvRow]:
        return self._stream(organization_id, _MEMBERS, organization_id)

    def attendees(self, organization_id: uuid.UUID, event_id: uuid.UUID) -> AsyncIterator[CsvRow]:
        return self._stream(organization_id, _ATTENDEES, organization_id, event_id)

    async def event_exists(self, organization_id: uuid.UUID, event_id: uuid.UUID) -> bool:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(SET_TENANT, organization_id)
            found = await conn.fetchval(
                "SELECT 1 FROM events WHERE organization_id = $1 AND id = $2", organization_id, event_id
            )
        return found is not None

    async def _stream(self, organization_id: uuid.UUID, query: str, *args: object) -> AsyncIterator[CsvRow]:
        async with self._pool.acquire() as conn, conn.transaction(readonly=True):
            await conn.execute(SET_TENANT, organization_id)
            async for record in conn.cursor(query, *args, prefetch=_CURSOR_PREFETCH):
                yield tuple(_text(value) for value in record)
