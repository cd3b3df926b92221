"""Scheduled maintenance on PostgreSQL: one short transaction per organization, scoped by RLS."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from adapters.persistence.scope import SET_TENANT
from application.ports.scheduled import ReminderDue

_REMINDERS = """
SELECT e.organization_id, e.id, e.title, e.starts_at, e.timezone, u.id, u.email
FROM events e
JOIN tickets t ON t.organization_id = e.organization_id AND t.event_id = e.id AND t.voided_at IS NULL
JOIN users u ON u.id = t.holder_id
WHERE e.organization_id = $1 AND e.status = 'published' AND e.starts_at > $2 AND e.starts_at <= $3
GROUP BY e.organization_id, e.id, e.title, e.starts_at, e.timezone, u.id, u.email
ORDER BY e.starts_at, e.id, u.id
"""

_PURGE = """
DELETE FROM invitations WHERE organization_id = $1 AND accepted_at IS NULL AND expires_at < $2
"""


class PgMaintenanceQueries:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def organization_ids(self) -> list[uuid.UUID]:
        async with self._pool.acquire() as conn:
            return [
                r["id"]
                for r in await conn.fetch(
                    "SELECT id FROM organizations WHERE suspended_at IS NULL AND deleting_at IS NULL"
                )
            ]

    async def reminders_due(
        self, organization_id: uuid.UUID, starts_after: datetime, starts_before: datetime
    ) -> list[ReminderDue]:
        async with self._pool.acquire() as conn, conn.transaction(readonly=True):
            await conn.execute(SET_TENANT, organization_id)
            rows = await conn.fetch(_REMINDERS, organization_id, starts_after, starts_before)
        return [ReminderDue(*row) for row in rows]

    async def purge_expired_invitations(self, organization_id: uuid.UUID, expired_before: datetime) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(SET_TENANT, organization_id)
            status = await conn.execute(_PURGE, organization_id, expired_before)
        return int(status.split()[-1])
