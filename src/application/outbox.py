"""The outbox relay and event dispatch: at-least-once delivery made exactly-once in effect.

The unit of work writes every domain event into the outbox in the request's transaction. ``RelayOutbox``
moves committed rows to the job queue; a job runs ``DispatchEvent``, which gives the event to each
interested handler once per (handler, event id), however often the queue delivers it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from application.ports.clock import Clock
from application.ports.jobs import (
    DeadLetter,
    DeadLetters,
    EventPublisher,
    JobQueue,
    Outbox,
    OutboxBacklog,
    OutboxEvent,
    ProcessedEvents,
)
from domain.errors import NotFound

logger = logging.getLogger(__name__)

RELAY_BATCH_SIZE = 200


class RelayOutbox:
    """Publishes one batch of outbox rows; several relays may run at once (rows are locked, skipped)."""

    def __init__(self, outbox: Outbox, publisher: EventPublisher) -> None:
        self._outbox, self._publisher = outbox, publisher

    async def execute(self, limit: int = RELAY_BATCH_SIZE) -> int:
        return await self._outbox.relay_batch(limit, self._publisher.publish)

    async def drain(self, limit: int = RELAY_BATCH_SIZE) -> int:
        """Relay until the outbox is empty (or publishing fails, which raises)."""
        total = 0
        while published := await self.execute(limit):
            total += published
        return total


@dataclass(frozen=True)
class OutboxLag:
    unpublished: int
    oldest_age_seconds: float  # 0 when nothing waits


class MeasureOutboxLag:
    """How far the relay is behind: a growing age means events (emails, notifications) are held up."""

    def __init__(self, outbox: Outbox, clock: Clock) -> None:
        self._outbox, self._clock = outbox, clock

    async def execute(self) -> OutboxLag:
        backlog: OutboxBacklog = await self._outbox.backlog()
        if backlog.oldest_occurred_at is None:
            return OutboxLag(unpublished=backlog.unpublished, oldest_age_seconds=0.0)
        age = (self._clock.now() - backlog.oldest_occurred_at).total_seconds()
        return OutboxLag(unpublished=backlog.unpublished, oldest_age_seconds=max(age, 0.0))


class EventHandler(Protocol):
    """Reacts to some domain events. ``name`` keys idempotency: rename it and events run again.

    ``claims_in_transaction``: the handler claims (name, event id) itself inside the unit of work of its
    effect (``ProcessedEventRepository``), so the effect and the record commit together — exactly once
    even if the worker dies mid-job. Otherwise dispatch claims around the call (right for email, where
    a crash between the send and the record can still repeat the send).
    """

    name: str
    event_names: frozenset[str]
    claims_in_transaction: bool

    async def handle(self, event: OutboxEvent) -> None: ...


class EventHandlers:
    """The registry of handlers; composition roots add to it."""

    def __init__(self, handlers: Iterable[EventHandler] = ()) -> None:
        self._handlers: list[EventHandler] = list(handlers)

    def add(self, handler: EventHandler) -> None:
        self._handlers.append(handler)

    def for_event(self, event_name: str) -> list[EventHandler]:
        return [h for h in self._handlers if event_name in h.event_names]


@dataclass(frozen=True)
class DispatchResult:
    ran: tuple[str, ...]
    skipped: tuple[str, ...]


class DispatchEvent:
    """Runs every handler of an event at most once in effect; a failure re-raises for the job's retry."""

    def __init__(self, handlers: EventHandlers, processed: ProcessedEvents) -> None:
        self._handlers, self._processed = handlers, processed

    async def execute(self, event: OutboxEvent) -> DispatchResult:
        ran: list[str] = []
        skipped: list[str] = []
        failure: Exception | None = None
        for handler in self._handlers.for_event(event.name):
            try:
                if handler.claims_in_transaction:
                    await handler.handle(event)
                    ran.append(handler.name)
                    continue
                async with self._processed.claim(handler.name, event.id) as first_time:
                    if not first_time:
                        skipped.append(handler.name)
                        continue
                    await handler.handle(event)
                    ran.append(handler.name)
            except Exception as error:  # the other handlers still run; the retry skips the done ones
                logger.exception("handler %s failed on event %s (%s)", handler.name, event.id, event.name)
                failure = failure or error
        if failure is not None:
            raise failure
        return DispatchResult(ran=tuple(ran), skipped=tuple(skipped))


class ListDeadLetters:
    def __init__(self, letters: DeadLetters) -> None:
        self._letters = letters

    async def execute(self, include_replayed: bool = False) -> list[DeadLetter]:
        return await self._letters.list(include_replayed=include_replayed)


class ReplayDeadLetter:
    """Re-queues a dead job with a fresh retry budget; a replayed letter is not replayed again.

    Queued first, marked second: a crash in between leaves the letter replayable, and the job's handlers
    are idempotent, so a second replay costs nothing."""

    def __init__(self, letters: DeadLetters, queue: JobQueue, clock: Clock) -> None:
        self._letters, self._queue, self._clock = letters, queue, clock

    async def execute(self, letter_id: uuid.UUID) -> DeadLetter:
        letter = await self._letters.get(letter_id)
        if letter is None or letter.replayed_at is not None:
            raise NotFound("no dead letter with this id waiting for replay")
        await self._queue.enqueue(letter.task_name, *letter.args, **letter.kwargs)
        await self._letters.mark_replayed(letter_id, self._clock.now())
        return letter
