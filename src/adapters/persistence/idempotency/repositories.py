"""Idempotency keys in the unit of work's session: stored in the same transaction as what they created."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.idempotency.tables import idempotency_keys
from application.ports.idempotency import IdempotencyRecord


class SqlaIdempotencyKeyRepository:
    def __init__(self, session: AsyncSession, organization_id: uuid.UUID | None) -> None:
        self._session, self._org = session, organization_id

    async def get(self, user_id: uuid.UUID, scope: str, key: str) -> IdempotencyRecord | None:
        row = (
            await self._session.execute(
                sa.select(idempotency_keys.c.fingerprint, idempotency_keys.c.resource_id).where(
                    idempotency_keys.c.organization_id == self._org,
                    idempotency_keys.c.user_id == user_id,
                    idempotency_keys.c.scope == scope,
                    idempotency_keys.c.key == key,
                )
            )
        ).first()
        return IdempotencyRecord(row.fingerprint, row.resource_id) if row is not None else None

    async def claim(
        self, user_id: uuid.UUID, scope: str, key: str, record: IdempotencyRecord
    ) -> IdempotencyRecord | None:
        # ON CONFLICT waits for a concurrent holder of the key; the read after it sees that one's commit.
        inserted = await self._session.execute(
            pg_insert(idempotency_keys)
            .values(
                organization_id=self._org,
                user_id=user_id,
                scope=scope,
                key=key,
                fingerprint=record.fingerprint,
                resource_id=record.resource_id,
            )
            .on_conflict_do_nothing()
            .returning(idempotency_keys.c.key)
        )
        if inserted.first() is not None:
            return None
        return await self.get(user_id, scope, key)
