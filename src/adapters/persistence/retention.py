"""The retention purge on PostgreSQL: each batch one DELETE of at most ``limit`` rows; tenant tables scoped
to one organization by RLS, like every other maintenance statement."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from adapters.persistence.scope import SET_TENANT

_OUTBOX = """DELETE FROM outbox WHERE id IN (
  SELECT id FROM outbox WHERE published_at IS NOT NULL AND published_at < $1 LIMIT $2)"""
_PROCESSED = """DELETE FROM processed_events WHERE (handler, event_id) IN (
  SELECT handler, event_id FROM processed_events WHERE processed_at < $1 LIMIT $2)"""
_STRIPE = """DELETE FROM stripe_events WHERE id IN (
  SELECT id FROM stripe_events WHERE received_at < $1 AND outcome <> 'processing' LIMIT $2)"""
_TOKENS = """DELETE FROM access_tokens WHERE id IN (
  SELECT id FROM access_tokens WHERE expires_at < $1 OR revoked_at < $1 LIMIT $2)"""
_INVITATIONS = """DELETE FROM invitations WHERE organization_id = $1 AND id IN (
  SELECT id FROM invitations WHERE organization_id = $1 AND accepted_at IS NULL AND expires_at < $2 LIMIT $3)"""
_FINISHED_REPORTS = """SELECT id, file_key FROM reports
  WHERE organization_id = $1 AND status IN ('ready', 'failed') AND completed_at < $2 ORDER BY completed_at LIMIT $3"""
_DELETE_REPORTS = "DELETE FROM reports WHERE organization_id = $1 AND id = ANY($2::uuid[])"


def _count(status: str) -> int:
    return int(status.split()[-1])


class PgRetentionStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def _delete(self, statement: str, *args: object) -> int:
        async with self._pool.acquire() as conn:
            return _count(await conn.execute(statement, *args))

    async def delete_published_outbox(self, published_before: datetime, limit: int) -> int:
        return await self._delete(_OUTBOX, published_before, limit)

    async def delete_processed_events(self, processed_before: datetime, limit: int) -> int:
        return await self._delete(_PROCESSED, processed_before, limit)

    async def delete_stripe_events(self, received_before: datetime, limit: int) -> int:
        return await self._delete(_STRIPE, received_before, limit)

    async def delete_expired_tokens(self, expired_before: datetime, limit: int) -> int:
        return await self._delete(_TOKENS, expired_before, limit)

    async def organization_ids(self) -> list[uuid.UUID]:
        async with self._pool.acquire() as conn:
            return [r["id"] for r in await conn.fetch("SELECT id FROM organizations ORDER BY id")]

    async def delete_expired_invitations(self, organization_id: uuid.UUID, expired_before: datetime, limit: int) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(SET_TENANT, organization_id)
            return _count(await conn.execute(_INVITATIONS, organization_id, expired_before, limit))

    async def finished_reports(
        self, organization_id: uuid.UUID, completed_before: datetime, limit: int
    ) -> list[tuple[uuid.UUID, str | None]]:
        async with self._pool.acquire() as conn, conn.transaction(readonly=True):
            await conn.execute(SET_TENANT, organization_id)
            rows = await conn.fetch(_FINISHED_REPORTS, organization_id, completed_before, limit)
        return [(row["id"], row["file_key"]) for row in rows]

    async def delete_reports(self, organization_id: uuid.UUID, report_ids: list[uuid.UUID]) -> int:
        if not report_ids:
            return 0
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(SET_TENANT, organization_id)
            return _count(await conn.execute(_DELETE_REPORTS, organization_id, report_ids))
