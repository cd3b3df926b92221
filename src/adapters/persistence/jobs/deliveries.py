"""Delivery records of announcements on PostgreSQL: one autonomous transaction per record, tenant-scoped."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.jobs.tables import deliveries
from adapters.persistence.scope import SET_SCOPE_SQLA
from application.ports.announcements import DeliveryOutcome


class SqlaDeliveryRecords:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def reached(
        self, organization_id: uuid.UUID, announcement_id: uuid.UUID, channel: str, user_ids: list[uuid.UUID]
    ) -> set[uuid.UUID]:
        if not user_ids:
            return set()
        async with self._engine.begin() as conn:
            await conn.execute(SET_SCOPE_SQLA, {"org": organization_id, "uid": None})
            rows = await conn.execute(
                sa.select(deliveries.c.user_id).where(
                    deliveries.c.organization_id == organization_id,
                    deliveries.c.announcement_id == announcement_id,
                    deliveries.c.channel == channel,
                    deliveries.c.user_id.in_(user_ids),
                )
            )
            return {r.user_id for r in rows}

    async def record(
        self,
        organization_id: uuid.UUID,
        announcement_id: uuid.UUID,
        channel: str,
        user_id: uuid.UUID,
        outcome: DeliveryOutcome,
    ) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(SET_SCOPE_SQLA, {"org": organization_id, "uid": None})
            await conn.execute(
                pg_insert(deliveries)
                .values(
                    organization_id=organization_id,
                    announcement_id=announcement_id,
                    channel=channel,
                    user_id=user_id,
                    outcome=outcome.value,
                )
                .on_conflict_do_nothing()
            )
