"""Contract tests: the same cases against the memory twins and the SQL adapters of the jobs ports."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from adapters.files.local import LocalFileStore
from adapters.memory.reports import MemoryFileStore
from adapters.persistence.jobs import tables as t
from application.ports.jobs import DeadLetter, OutboxEvent
from domain.errors import NotFound
from domain.events import DomainEvent
from entrypoints.database import create_engine
from entrypoints.settings import Settings
from tests.fixtures.backends import Backend


def events(n: int) -> list[DomainEvent]:
    return [DomainEvent(name="contract.test", organization_id=None, payload={"n": i}) for i in range(n)]


class Collector:
    def __init__(self, delay: float = 0.0) -> None:
        self.published: list[OutboxEvent] = []
        self.delay = delay

    async def __call__(self, batch: Sequence[OutboxEvent]) -> None:
        await asyncio.sleep(self.delay)
        self.published.extend(batch)


async def drain(backend: Backend, publish: Any) -> None:
    while await backend.outbox.relay_batch(50, publish):
        pass


async def test_relay_hands_over_each_row_once_with_its_fields(backend: Backend) -> None:
    mine = events(3)
    await backend.add_events(mine)
    collect = Collector()
    await drain(backend, collect)
    await drain(backend, collect)

    by_id = {e.id: e for e in collect.published}
    assert [sum(1 for e in collect.published if e.id == m.id) for m in mine] == [1, 1, 1]
    assert by_id[mine[2].id].name == "contract.test" and by_id[mine[2].id].payload == {"n": 2}


async def test_a_failed_publish_leaves_the_rows_waiting(backend: Backend) -> None:
    mine = events(2)
    await backend.add_events(mine)

    async def unreachable(batch: Sequence[OutboxEvent]) -> None:
        raise ConnectionError("redis is down")

    with pytest.raises(ConnectionError):
        await backend.outbox.relay_batch(50, unreachable)
    collect = Collector()
    await drain(backend, collect)
    assert {m.id for m in mine} <= {e.id for e in collect.published}


async def test_concurrent_relays_take_disjoint_rows(backend: Backend) -> None:
    mine = events(40)
    await backend.add_events(mine)
    first, second = Collector(delay=0.2), Collector(delay=0.2)
    await asyncio.gather(drain(backend, first), drain(backend, second))

    first_ids, second_ids = [e.id for e in first.published], [e.id for e in second.published]
    assert not set(first_ids) & set(second_ids)
    assert {m.id for m in mine} <= set(first_ids) | set(second_ids)


async def test_processed_events_claim_once_and_release_on_failure(backend: Backend) -> None:
    event_id = uuid.uuid4()
    with pytest.raises(RuntimeError):
        async with backend.processed_events.claim("contract", event_id) as first:
            assert first is True
            raise RuntimeError("handler failed")
    async with backend.processed_events.claim("contract", event_id) as again:
        assert again is True  # the failed run left no record
    async with backend.processed_events.claim("contract", event_id) as third:
        assert third is False
    async with backend.processed_events.claim("another-handler", event_id) as other:
        assert other is True


async def test_concurrent_claims_let_one_through(backend: Backend) -> None:
    event_id = uuid.uuid4()
    ran: list[bool] = []

    async def deliver() -> None:
        async with backend.processed_events.claim("contract-concurrent", event_id) as first:
            if first:
                await asyncio.sleep(0.1)
            ran.append(first)

    await asyncio.gather(deliver(), deliver(), deliver())
    assert sorted(ran) == [False, False, True]


async def test_claim_inside_a_unit_of_work_commits_with_it(backend: Backend) -> None:
    event_id = uuid.uuid4()
    async with backend.uow() as uow:
        assert await uow.processed_events.claim("contract-tx", event_id) is True
        # no commit: rolled back with the transaction
    async with backend.uow() as uow:
        assert await uow.processed_events.claim("contract-tx", event_id) is True
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.processed_events.claim("contract-tx", event_id) is False


async def test_dead_letters_list_get_and_mark_replayed(backend: Backend) -> None:
    now = datetime.now(UTC)
    older = DeadLetter(uuid.uuid4(), "task.a", [{"x": 1}], {"k": "v"}, {"l": 1}, "boom", 5, now - timedelta(1))
    newer = DeadLetter(uuid.uuid4(), "task.b", [], {}, {}, "bang", 3, now)
    await backend.dead_letters.add(older)
    await backend.dead_letters.add(newer)

    listed = [x.id for x in await backend.dead_letters.list(limit=1000)]
    assert listed.index(newer.id) < listed.index(older.id)
    got = await backend.dead_letters.get(older.id)
    assert got is not None and (got.args, got.kwargs, got.attempts, got.error) == ([{"x": 1}], {"k": "v"}, 5, "boom")

    await backend.dead_letters.mark_replayed(older.id, now)
    assert older.id not in [x.id for x in await backend.dead_letters.list(limit=1000)]
    assert older.id in [x.id for x in await backend.dead_letters.list(include_replayed=True, limit=1000)]
    assert await backend.dead_letters.get(uuid.uuid4()) is None


@pytest.fixture(params=["memory", "local"])
def file_store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    return MemoryFileStore() if request.param == "memory" else LocalFileStore(tmp_path)


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_file_store_round_trip(file_store: Any) -> None:
    size = await file_store.write("reports/org/r.csv", chunks(b"a,b\n", b"1,2\n"))
    assert size == 8
    assert b"".join([c async for c in file_store.read("reports/org/r.csv")]) == b"a,b\n1,2\n"
    await file_store.write("reports/org/r.csv", chunks(b"new"))
    assert b"".join([c async for c in file_store.read("reports/org/r.csv")]) == b"new"
    await file_store.delete("reports/org/r.csv")
    with pytest.raises(NotFound):
        [c async for c in file_store.read("reports/org/r.csv")]


async def test_local_file_store_refuses_keys_outside_its_root(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "files")
    with pytest.raises(ValueError):
        await store.write("../escape.csv", chunks(b"x"))


async def test_sql_outbox_marks_rows_published(postgres_backend: Backend, settings: Settings) -> None:
    backend = postgres_backend
    engine = create_engine(settings)
    try:
        mine = events(2)
        await backend.add_events(mine)
        await drain(backend, Collector())
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(t.outbox.c.published_at, t.outbox.c.attempts).where(
                        t.outbox.c.id.in_([e.id for e in mine])
                    )
                )
            ).all()
        assert len(rows) == 2 and all(r.published_at is not None and r.attempts == 1 for r in rows)
    finally:
        await engine.dispose()


async def test_backlog_counts_unpublished_rows_and_dates_the_oldest(backend: Backend) -> None:
    await drain(backend, Collector())
    empty = await backend.outbox.backlog()
    assert (empty.unpublished, empty.oldest_occurred_at) == (0, None)
    mine = events(3)
    await backend.add_events(mine)

    backlog = await backend.outbox.backlog()
    assert backlog.unpublished == 3
    assert backlog.oldest_occurred_at == min(e.occurred_at for e in mine)

    await drain(backend, Collector())
    assert (await backend.outbox.backlog()).unpublished == 0
