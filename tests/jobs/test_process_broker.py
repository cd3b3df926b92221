"""ReliableRedisStreamBroker on a real Redis: delivery, ack, early kicks, crash recovery, idle reclaim."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import redis.asyncio
from taskiq.receiver import Receiver

from adapters.queue import ReliableRedisStreamBroker
from tests.jobs.broker_worker import RECORD_EFFECT_TASK, build_broker, effect_keys

REPO_ROOT = Path(__file__).resolve().parents[2]


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 15.0, what: str = "") -> None:
    """Poll instead of sleeping a guessed time: return as soon as ``check`` holds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what or check}")
        await asyncio.sleep(0.02)


async def pending_count(client: redis.asyncio.Redis, stream: str, group: str) -> int:
    return int((await client.xpending(stream, group))["pending"])


@contextlib.asynccontextmanager
async def running_worker(broker: ReliableRedisStreamBroker) -> AsyncIterator[None]:
    """taskiq's receiver in this process, stopped the way the taskiq worker stops it: a finish event.

    Not ``task.cancel()`` on ``run_receiver_task``: in taskiq 0.13 a cancel that lands early is sometimes
    lost inside the receiver's task group and the receiver keeps running (seen with the stock broker too).
    """
    broker.is_worker_process = True
    finish = asyncio.Event()
    receiver = Receiver(broker, run_startup=True, max_async_tasks=50)
    listening = asyncio.create_task(receiver.listen(finish))
    try:
        yield
    finally:
        finish.set()
        await asyncio.wait_for(listening, timeout=10)
        await broker.shutdown()


async def test_kicked_task_runs_and_is_acked(redis_url: str, queue_name: str, redis_client) -> None:
    producer = build_broker(redis_url, queue_name)
    await producer.startup()
    worker_broker = build_broker(redis_url, queue_name)
    keys = effect_keys(queue_name)

    async with running_worker(worker_broker):
        await producer.find_task(RECORD_EFFECT_TASK).kiq(queue_name, "job-1")  # type: ignore[union-attr]
        await eventually(lambda: redis_client.sismember(keys["applied"], "job-1"), what="the effect")
        await eventually(
            lambda: _is_zero(pending_count(redis_client, queue_name, producer.consumer_group_name)),
            what="XPENDING to drain",
        )
    await producer.shutdown()


async def test_message_kicked_before_any_worker_or_group_is_delivered(
    redis_url: str, queue_name: str, redis_client
) -> None:
    # The producer never runs startup(): no consumer group exists when the message lands in the stream.
    # The stock broker would then create its group at "$" and never deliver it.
    producer = build_broker(redis_url, queue_name)
    await producer.find_task(RECORD_EFFECT_TASK).kiq(queue_name, "early-job")  # type: ignore[union-attr]
    assert await redis_client.xlen(queue_name) == 1
    assert not await redis_client.exists(effect_keys(queue_name)["applied"])

    async with running_worker(build_broker(redis_url, queue_name)):
        await eventually(
            lambda: redis_client.sismember(effect_keys(queue_name)["applied"], "early-job"),
            what="the early job",
        )
    await producer.shutdown()


async def test_concurrent_kicks_share_round_trips_and_all_arrive(redis_url: str, queue_name: str, redis_client) -> None:
    producer = build_broker(redis_url, queue_name)
    await producer.startup()
    task = producer.find_task(RECORD_EFFECT_TASK)
    assert task is not None
    write_kicks = producer._write_kicks
    batch_sizes: list[int] = []

    async def counting_write_kicks(batch: list[tuple[str, bytes]]) -> None:
        batch_sizes.append(len(batch))
        await write_kicks(batch)

    producer._kick_batcher._write = counting_write_kicks
    await asyncio.gather(*(task.kiq(queue_name, f"job-{n}") for n in range(500)))
    assert await redis_client.xlen(queue_name) == 500
    assert sum(batch_sizes) == 500
    assert len(batch_sizes) <= 5, f"500 concurrent kicks took {len(batch_sizes)} round trips"
    await producer.shutdown()


async def test_acks_are_batched_and_sent_only_after_tasks_finish(redis_url: str, queue_name: str, redis_client) -> None:
    jobs = 300
    producer = build_broker(redis_url, queue_name)
    await producer.startup()
    task = producer.find_task(RECORD_EFFECT_TASK)
    assert task is not None
    await asyncio.gather(*(task.kiq(queue_name, f"job-{n}", work_seconds=0.002) for n in range(jobs)))

    worker_broker = build_broker(redis_url, queue_name)
    write_acks = worker_broker._write_acks
    xack_batches: list[int] = []
    keys = effect_keys(queue_name)

    async def checking_write_acks(batch: list[tuple[bytes, bytes]]) -> None:
        # Every job whose id is acked here must already have applied its effect.
        entries = await redis_client.xrange(queue_name)
        applied = await redis_client.smembers(keys["applied"])
        fields_by_id = dict(entries)
        for _, message_id in batch:
            assert _job_key(fields_by_id[message_id]) in applied
        xack_batches.append(len(batch))
        await write_acks(batch)

    worker_broker._write_acks = checking_write_acks  # type: ignore[method-assign]
    async with running_worker(worker_broker):
        await eventually(lambda: _at_least(redis_client.scard(keys["applied"]), jobs), what="every job run")
        await eventually(
            lambda: _is_zero(pending_count(redis_client, queue_name, producer.consumer_group_name)),
            what="every job acked",
        )
    assert sum(xack_batches) == jobs
    assert len(xack_batches) < jobs / 5, f"{jobs} acks took {len(xack_batches)} XACK round trips"
    await producer.shutdown()


async def test_idle_queue_reclaims_a_dead_consumers_message(redis_url: str, queue_name: str, redis_client) -> None:
    broker = build_broker(redis_url, queue_name, idle_timeout_ms=300)
    await broker.startup()
    await broker.find_task(RECORD_EFFECT_TASK).kiq(queue_name, "orphan")  # type: ignore[union-attr]
    group = broker.consumer_group_name
    # A consumer reads the message and dies without acking: it stays pending, owned by nobody alive.
    taken = await redis_client.xreadgroup(group, "dead-consumer", {queue_name: ">"}, count=10)
    assert len(taken[0][1]) == 1

    # No further kick follows: only the periodic reclaim in listen() can bring the message back.
    async with running_worker(broker):
        await eventually(
            lambda: redis_client.sismember(effect_keys(queue_name)["applied"], "orphan"),
            within=10,
            what="the orphan to be reclaimed",
        )
        await eventually(lambda: _is_zero(pending_count(redis_client, queue_name, group)), what="the ack")
        # The same periodic round deletes entries every group has acked, so the stream does not grow.
        await eventually(lambda: _is_zero(redis_client.xlen(queue_name)), what="acked entries to be trimmed")
    consumers = {c["name"]: c["pending"] for c in await redis_client.xinfo_consumers(queue_name, group)}
    assert consumers[b"dead-consumer"] == 0


async def test_trimming_deletes_only_what_every_group_acked(redis_url: str, queue_name: str, redis_client) -> None:
    broker = build_broker(redis_url, queue_name)
    ids = [await redis_client.xadd(queue_name, {b"data": b"x"}) for _ in range(10)]
    assert await broker.trim_acknowledged_entries() == 0, "no group yet: entries await their first worker"

    await broker.ensure_group()
    group = broker.consumer_group_name
    await redis_client.xgroup_create(queue_name, "audit", id="0")  # a second, slower group
    taken = await redis_client.xreadgroup(group, "c1", {queue_name: ">"}, count=4)
    assert [message_id for message_id, _ in taken[0][1]] == ids[:4]
    assert await broker.trim_acknowledged_entries() == 0, "pending and undelivered entries stay"

    await redis_client.xack(queue_name, group, *ids[:4])
    assert await broker.trim_acknowledged_entries() == 0, "the audit group has not read anything yet"

    await redis_client.xreadgroup("audit", "a1", {queue_name: ">"}, count=10)
    await redis_client.xack(queue_name, "audit", *ids)
    assert await broker.trim_acknowledged_entries() == 4
    assert [message_id for message_id, _ in await redis_client.xrange(queue_name)] == ids[4:]
    await broker.shutdown()


async def test_kill_9_mid_batch_loses_nothing_and_applies_nothing_twice(
    redis_url: str, queue_name: str, redis_client
) -> None:
    jobs = 200
    producer = build_broker(redis_url, queue_name)
    await producer.startup()
    task = producer.find_task(RECORD_EFFECT_TASK)
    assert task is not None
    await asyncio.gather(*(task.kiq(queue_name, f"job-{n:03}", work_seconds=0.02) for n in range(jobs)))
    keys = effect_keys(queue_name)
    group = producer.consumer_group_name

    async def applied() -> int:
        return int(await redis_client.scard(keys["applied"]))

    first = _start_worker(redis_url, queue_name, idle_timeout_ms=1000)
    try:
        await eventually(lambda: _at_least(applied(), 40), within=30, what="the first worker to get going")
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    applied_at_kill = await applied()
    pending_at_kill = await pending_count(redis_client, queue_name, group)
    assert applied_at_kill < jobs, "the kill must land in the middle of the batch"
    assert pending_at_kill > 0, "the killed worker must leave unacked deliveries behind"

    second = _start_worker(redis_url, queue_name, idle_timeout_ms=1000)
    try:
        await eventually(lambda: _at_least(applied(), jobs), within=60, what="all effects")
        await eventually(lambda: _is_zero(pending_count(redis_client, queue_name, group)), what="acks")
    finally:
        second.terminate()
        second.wait(timeout=10)

    applied_counts = {k.decode(): int(v) for k, v in (await redis_client.hgetall(keys["applied_count"])).items()}
    deliveries = sum(int(v) for v in (await redis_client.hgetall(keys["deliveries"])).values())
    duplicates = sum(int(v) for v in (await redis_client.hgetall(keys["duplicates"])).values())
    print(
        f"\nkill -9 at {applied_at_kill}/{jobs} effects, {pending_at_kill} pending; "
        f"deliveries={deliveries} effects={len(applied_counts)} stopped-duplicates={duplicates}"
    )
    assert set(applied_counts) == {f"job-{n:03}" for n in range(jobs)}
    assert set(applied_counts.values()) == {1}, "an effect was applied twice"
    assert deliveries >= jobs
    # Every delivery either applied its effect, was stopped by the idempotency check, or was killed before
    # reaching it (started before the kill and redelivered later).
    assert jobs + duplicates <= deliveries


def _start_worker(redis_url: str, queue_name: str, idle_timeout_ms: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "src"), str(REPO_ROOT)])}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.jobs.broker_worker",
            redis_url,
            queue_name,
            str(idle_timeout_ms),
            "10",
        ],
        cwd=REPO_ROOT,
        env=env,
    )


def _job_key(fields: dict[bytes, bytes]) -> bytes:
    return json.loads(fields[b"data"])["args"][1].encode()


async def _is_zero(value: Awaitable[int]) -> bool:
    return await value == 0


async def _at_least(value: Awaitable[int], minimum: int) -> bool:
    return await value >= minimum


@pytest.fixture(autouse=True)
async def _drop_test_keys(queue_name: str, redis_client) -> AsyncIterator[None]:
    yield
    await redis_client.delete(queue_name, *effect_keys(queue_name).values())
