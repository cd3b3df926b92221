"""SQL adapters of background work: the outbox relay, handler idempotency and dead letters."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from adapters.persistence.jobs.tables import dead_letters, outbox, processed_events
from application.ports.jobs import DeadLetter, OutboxBacklog, OutboxEvent, Publish

_CLAIM_UNPUBLISHED = (
    sa.select(
        outbox.c.id,
        outbox.c.organization_id,
        outbox.c.name,
        outbox.c.payload,
        outbox.c.actor_id,
        outbox.c.occurred_at,
    )
    .where(outbox.c.published_at.is_(None))
    .order_by(outbox.c.occurred_at)
    .with_for_update(skip_locked=True)
)


# Served by the partial index on unpublished rows: as cheap as the backlog is short.
_BACKLOG = sa.select(sa.func.count(), sa.func.min(outbox.c.occurred_at)).where(outbox.c.published_at.is_(None))


class SqlaOutbox:
    """Claims rows with ``FOR UPDATE SKIP LOCKED``: concurrent relays take disjoint batches, never wait."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def backlog(self) -> OutboxBacklog:
        async with self._engine.connect() as conn:
            count, oldest = (await conn.execute(_BACKLOG)).one()
        return OutboxBacklog(unpublished=int(count), oldest_occurred_at=oldest)

    async def relay_batch(self, limit: int, publish: Publish) -> int:
        async with self._engine.begin() as conn:
            rows = (await conn.execute(_CLAIM_UNPUBLISHED.limit(limit))).all()
            if not rows:
                return 0
            events = [
                OutboxEvent(
                    id=r.id,
                    name=r.name,
                    organization_id=r.organization_id,
                    payload=dict(r.payload),
                    actor_id=r.actor_id,
                    occurred_at=r.occurred_at,
                )
                for r in rows
            ]
            # Published before marked: a crash in between publishes again (handlers dedupe by event id);
            # a failed publish raises here and the transaction rolls back, leaving the rows waiting.
            await publish(events)
            await conn.execute(
                sa.update(outbox)
                .where(outbox.c.id.in_([e.id for e in events]))
                .values(published_at=sa.func.now(), attempts=outbox.c.attempts + 1)
            )
            return len(events)


class SqlaProcessedEvents:
    """One row per (handler, event id), inserted in a transaction held while the handler runs.

    A concurrent delivery of the same event blocks on the primary key until the first one finishes:
    committed, it sees a conflict (skip); rolled back (the handler failed), it takes over.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def claim(self, handler: str, event_id: uuid.UUID) -> AsyncIterator[bool]:
        async with self._engine.begin() as conn:
            inserted = await conn.execute(
                pg_insert(processed_events)
                .values(handler=handler, event_id=event_id)
                .on_conflict_do_nothing()
                .returning(processed_events.c.event_id)
            )
            yield inserted.first() is not None


def _letter(row: Any) -> DeadLetter:
    return DeadLetter(
        id=row.id,
        task_name=row.task_name,
        args=list(row.args),
        kwargs=dict(row.kwargs),
        labels=dict(row.labels),
        error=row.error,
        attempts=row.attempts,
        failed_at=row.failed_at,
        replayed_at=row.replayed_at,
    )


class SqlaDeadLetters:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, letter: DeadLetter) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.insert(dead_letters).values(
                    id=letter.id,
                    task_name=letter.task_name,
                    args=letter.args,
                    kwargs=letter.kwargs,
                    labels=letter.labels,
                    error=letter.error,
                    attempts=letter.attempts,
                    failed_at=letter.failed_at,
                )
            )

    async def list(self, *, include_replayed: bool = False, limit: int = 100) -> list[DeadLetter]:
        query = sa.select(dead_letters).order_by(dead_letters.c.failed_at.desc()).limit(limit)
        if not include_replayed:
            query = query.where(dead_letters.c.replayed_at.is_(None))
        async with self._engine.connect() as conn:
            return [_letter(r) for r in (await conn.execute(query)).all()]

    async def get(self, letter_id: uuid.UUID) -> DeadLetter | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(dead_letters).where(dead_letters.c.id == letter_id))).first()
        return _letter(row) if row is not None else None

    async def mark_replayed(self, letter_id: uuid.UUID, now: datetime) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(sa.update(dead_letters).where(dead_letters.c.id == letter_id).values(replayed_at=now))


class SqlaProcessedEventRepository:
    """``processed_events`` in the unit of work's session: the claim commits with the handler's effect."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, handler: str, event_id: uuid.UUID) -> bool:
        inserted = await self._session.execute(
            pg_insert(processed_events)
            .values(handler=handler, event_id=event_id)
            .on_conflict_do_nothing()
            .returning(processed_events.c.event_id)
        )
        return inserted.first() is not None
