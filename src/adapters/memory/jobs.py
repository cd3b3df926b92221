"""In-memory twins of the outbox, handler idempotency, dead letters and the job queue."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from adapters.memory.store import MemoryStore
from application.ports.jobs import DeadLetter, OutboxBacklog, OutboxEvent, Publish


class MemoryOutbox:
    """Reads the store's outbox list; published ids are kept in the ``outbox_published`` table."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._relay_lock = asyncio.Lock()  # stands in for row locks: one relay round at a time

    async def backlog(self) -> OutboxBacklog:
        published = self._store.table("outbox_published")
        waiting = [e.occurred_at for e in self._store.outbox if e.id not in published]
        return OutboxBacklog(unpublished=len(waiting), oldest_occurred_at=min(waiting, default=None))

    async def relay_batch(self, limit: int, publish: Publish) -> int:
        async with self._relay_lock:
            published = self._store.table("outbox_published")
            events = [
                OutboxEvent(
                    id=e.id,
                    name=e.name,
                    organization_id=e.organization_id,
                    payload=dict(e.payload),
                    actor_id=e.actor_id,
                    occurred_at=e.occurred_at,
                )
                for e in self._store.outbox
                if e.id not in published
            ][:limit]
            if not events:
                return 0
            await publish(events)
            for event in events:
                published[event.id] = True
            return len(events)


class MemoryProcessedEvents:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._locks: dict[tuple[str, uuid.UUID], asyncio.Lock] = {}

    @asynccontextmanager
    async def claim(self, handler: str, event_id: uuid.UUID) -> AsyncIterator[bool]:
        key = (handler, event_id)
        async with self._locks.setdefault(key, asyncio.Lock()):
            if key in self._store.table("processed_events"):
                yield False
                return
            yield True
            self._store.table("processed_events")[key] = True  # only reached when the handler did not raise


class MemoryDeadLetters:
    # Tables are looked up on each call: a rolled-back memory unit of work replaces the store's dicts.
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    @property
    def _letters(self) -> dict[uuid.UUID, DeadLetter]:
        return self._store.table("dead_letters")

    async def add(self, letter: DeadLetter) -> None:
        self._letters[letter.id] = letter

    async def list(self, *, include_replayed: bool = False, limit: int = 100) -> list[DeadLetter]:
        letters = sorted(self._letters.values(), key=lambda letter: letter.failed_at, reverse=True)
        return [x for x in letters if include_replayed or x.replayed_at is None][:limit]

    async def get(self, letter_id: uuid.UUID) -> DeadLetter | None:
        return self._letters.get(letter_id)

    async def mark_replayed(self, letter_id: uuid.UUID, now: datetime) -> None:
        letter = self._letters.get(letter_id)
        if letter is not None:
            self._letters[letter_id] = dataclasses.replace(letter, replayed_at=now)


class MemoryProcessedEventRepository:
    """In a memory unit of work: the store's snapshot rollback undoes a claim whose effect was not committed."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def claim(self, handler: str, event_id: uuid.UUID) -> bool:
        processed = self._store.table("processed_events")
        if (handler, event_id) in processed:
            return False
        processed[(handler, event_id)] = True
        return True
