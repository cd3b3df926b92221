"""Ports of background work: the outbox the relay drains, where events go, idempotency and dead letters."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class OutboxEvent:
    """A domain event as stored in the outbox: what handlers receive (JSON-safe payload)."""

    id: uuid.UUID
    name: str
    organization_id: uuid.UUID | None
    payload: dict[str, Any]
    actor_id: uuid.UUID | None
    occurred_at: datetime


Publish = Callable[[Sequence[OutboxEvent]], Awaitable[None]]


@dataclass(frozen=True)
class OutboxBacklog:
    """Rows not yet handed to the queue: how many, and when the oldest one occurred (None when none)."""

    unpublished: int
    oldest_occurred_at: datetime | None


class Outbox(Protocol):
    async def backlog(self) -> OutboxBacklog:
        """One cheap look at the unpublished rows (for the lag metrics)."""
        ...

    async def relay_batch(self, limit: int, publish: Publish) -> int:
        """Lock up to ``limit`` unpublished rows (skipping rows another relay holds), hand them to
        ``publish`` and mark them published in the same transaction. If ``publish`` raises, nothing is
        marked and the rows wait for the next round. Returns how many rows were published."""
        ...


class EventPublisher(Protocol):
    """Hands events to the job queue (taskiq); raises when the queue is unreachable."""

    async def publish(self, events: Sequence[OutboxEvent]) -> None: ...


class ProcessedEvents(Protocol):
    def claim(self, handler: str, event_id: uuid.UUID) -> AbstractAsyncContextManager[bool]:
        """Enter: True when ``handler`` has not yet processed ``event_id`` (the claim is then held, so a
        concurrent delivery waits and sees False). A clean exit records the event as processed; an
        exception releases the claim so a redelivery runs again."""
        ...


class ProcessedEventRepository(Protocol):
    """The same record as ``ProcessedEvents``, inside a unit of work: a handler whose effect is in the
    database claims the event in the effect's own transaction, so effect and record commit together."""

    async def claim(self, handler: str, event_id: uuid.UUID) -> bool:
        """True the first time; False when (handler, event id) is already recorded. Waits for a concurrent
        transaction holding the same claim."""
        ...


@dataclass(frozen=True)
class DeadLetter:
    id: uuid.UUID
    task_name: str
    args: list[Any]
    kwargs: dict[str, Any]
    labels: dict[str, Any]
    error: str
    attempts: int
    failed_at: datetime
    replayed_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class DeadLetters(Protocol):
    async def add(self, letter: DeadLetter) -> None: ...

    async def list(self, *, include_replayed: bool = False, limit: int = 100) -> list[DeadLetter]: ...

    async def get(self, letter_id: uuid.UUID) -> DeadLetter | None: ...

    async def mark_replayed(self, letter_id: uuid.UUID, now: datetime) -> None: ...


class JobQueue(Protocol):
    """Queues a job by task name (used to replay dead letters and to fan out work)."""

    async def enqueue(self, task_name: str, *args: Any, **kwargs: Any) -> None: ...
