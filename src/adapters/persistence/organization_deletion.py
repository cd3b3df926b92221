"""The purge of an organization after its grace period, on PostgreSQL.

The tables come from the metadata (every tenant table, children before parents), so a table added later is
purged without anyone remembering it. Each batch is one short transaction scoped to the organization (RLS)
that deletes by primary key, organization_id first, so it stays a single-shard statement under Citus.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
import sqlalchemy as sa

from adapters.persistence.all_tables import tenant_tables
from adapters.persistence.scope import SET_TENANT


def _delete_statement(table: sa.Table) -> str:
    keys = ", ".join(c.name for c in table.primary_key.columns)
    return (
        f"DELETE FROM {table.name} WHERE organization_id = $1 AND ({keys}) IN "
        f"(SELECT {keys} FROM {table.name} WHERE organization_id = $1 LIMIT $2)"
    )


class PgOrganizationPurger:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._statements = [_delete_statement(t) for t in reversed(tenant_tables())]

    async def due(self, scheduled_before: datetime) -> list[uuid.UUID]:
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT id FROM organizations WHERE deleting_at IS NOT NULL AND deleting_at < $1 ORDER BY id",
                scheduled_before,
            )
        return [r["id"] for r in rows]

    async def purge_batch(self, organization_id: uuid.UUID, batch_size: int) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(SET_TENANT, organization_id)
            for statement in self._statements:
                status = await conn.execute(statement, organization_id, batch_size)
                deleted = int(status.split()[-1])
                if deleted:
                    return deleted
        return 0

    async def forget(self, organization_id: uuid.UUID) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("DELETE FROM billing_customers WHERE organization_id = $1", organization_id)
            await conn.execute("DELETE FROM organizations WHERE id = $1 AND deleting_at IS NOT NULL", organization_id)
