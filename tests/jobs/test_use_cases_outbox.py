"""The relay, dispatch and dead-letter use cases on the in-memory adapters."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from adapters.memory.jobs import MemoryDeadLetters, MemoryOutbox, MemoryProcessedEvents
from adapters.memory.store import MemoryStore
from application.outbox import DispatchEvent, EventHandlers, RelayOutbox, ReplayDeadLetter
from application.ports.jobs import DeadLetter, OutboxEvent
from domain.errors import NotFound
from domain.events import DomainEvent
from tests.fixtures.doubles import FixedClock, MemoryEventPublisher, MemoryJobQueue


def an_event(name: str = "thing.happened") -> DomainEvent:
    return DomainEvent(name=name, organization_id=uuid.uuid4(), payload={"n": 1}, actor_id=uuid.uuid4())


def as_outbox_event(event: DomainEvent) -> OutboxEvent:
    return OutboxEvent(
        id=event.id,
        name=event.name,
        organization_id=event.organization_id,
        payload=event.payload,
        actor_id=event.actor_id,
        occurred_at=event.occurred_at,
    )


class CountingHandler:
    name = "test.counting"
    event_names = frozenset({"thing.happened"})
    claims_in_transaction = False

    def __init__(self, failures: int = 0) -> None:
        self.calls: list[uuid.UUID] = []
        self.failures = failures

    async def handle(self, event: OutboxEvent) -> None:
        self.calls.append(event.id)
        if self.failures:
            self.failures -= 1
            raise RuntimeError("transient failure")


async def test_relay_publishes_each_row_once_and_marks_it() -> None:
    store = MemoryStore()
    store.outbox.extend([an_event(), an_event(), an_event()])
    publisher = MemoryEventPublisher()
    relay = RelayOutbox(MemoryOutbox(store), publisher)

    assert await relay.drain(limit=2) == 3
    assert await relay.drain() == 0
    assert [e.id for e in publisher.published] == [e.id for e in store.outbox]


async def test_rows_wait_while_the_queue_is_down_and_go_out_once_it_is_back() -> None:
    store = MemoryStore()
    store.outbox.extend([an_event(), an_event()])
    publisher = MemoryEventPublisher()
    relay = RelayOutbox(MemoryOutbox(store), publisher)

    publisher.fail = True
    with pytest.raises(ConnectionError):
        await relay.execute()
    assert publisher.published == []

    publisher.fail = False
    assert await relay.drain() == 2
    assert sorted(e.id for e in publisher.published) == sorted(e.id for e in store.outbox)


async def test_a_redelivered_event_runs_its_handler_once() -> None:
    handler = CountingHandler()
    dispatch = DispatchEvent(EventHandlers([handler]), MemoryProcessedEvents(MemoryStore()))
    event = as_outbox_event(an_event())

    first = await dispatch.execute(event)
    second = await dispatch.execute(event)

    assert handler.calls == [event.id]
    assert first.ran == ("test.counting",) and second.skipped == ("test.counting",)


async def test_two_concurrent_deliveries_of_one_event_run_the_handler_once() -> None:
    handler = CountingHandler()
    dispatch = DispatchEvent(EventHandlers([handler]), MemoryProcessedEvents(MemoryStore()))
    event = as_outbox_event(an_event())

    await asyncio.gather(dispatch.execute(event), dispatch.execute(event))

    assert handler.calls == [event.id]


async def test_a_failed_handler_runs_again_on_the_next_delivery() -> None:
    handler = CountingHandler(failures=1)
    dispatch = DispatchEvent(EventHandlers([handler]), MemoryProcessedEvents(MemoryStore()))
    event = as_outbox_event(an_event())

    with pytest.raises(RuntimeError):
        await dispatch.execute(event)
    result = await dispatch.execute(event)

    assert result.ran == ("test.counting",)
    assert handler.calls == [event.id, event.id]


async def test_events_without_a_handler_are_done_at_once() -> None:
    dispatch = DispatchEvent(EventHandlers([CountingHandler()]), MemoryProcessedEvents(MemoryStore()))
    result = await dispatch.execute(as_outbox_event(an_event("other.event")))
    assert result.ran == () and result.skipped == ()


async def test_replay_requeues_a_dead_letter_once() -> None:
    store = MemoryStore()
    letters, queue = MemoryDeadLetters(store), MemoryJobQueue()
    letter = DeadLetter(
        id=uuid.uuid4(),
        task_name="chapterhouse.events.dispatch",
        args=[{"id": "x"}],
        kwargs={},
        labels={},
        error="boom",
        attempts=5,
        failed_at=datetime.now(UTC),
    )
    await letters.add(letter)
    replay = ReplayDeadLetter(letters, queue, FixedClock())

    await replay.execute(letter.id)
    with pytest.raises(NotFound):
        await replay.execute(letter.id)

    assert queue.queued == [("chapterhouse.events.dispatch", ({"id": "x"},), {})]
    assert await letters.list() == []
    assert len(await letters.list(include_replayed=True)) == 1
