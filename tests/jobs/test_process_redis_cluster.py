"""The job tests again on a real 3-master Redis Cluster (REDIS_CLUSTER=1): delivery and ack end to end, retries
with backoff, dead letters and replay, and kill -9 of a worker mid-batch (its messages reclaimed by the next
worker, every effect once). The stream's name carries a hash tag, so it and its keys share one slot."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest
from redis.asyncio.cluster import RedisCluster
from scripts.redis_cluster import Cluster, running_cluster

from entrypoints.settings import Settings
from tests.fixtures.jobs import SmtpSink
from tests.jobs.test_process_invitation_email import test_an_invitation_reaches_the_invitee_through_the_worker
from tests.jobs.test_process_retries import test_failing_job_is_retried_then_dead_lettered_then_replayed
from tests.jobs.test_process_worker_kill import start_worker, test_kill_9_mid_batch_every_effect_once

__all__ = [
    "start_worker",
    "test_an_invitation_reaches_the_invitee_through_the_worker",
    "test_failing_job_is_retried_then_dead_lettered_then_replayed",
    "test_kill_9_mid_batch_every_effect_once",
]


@pytest.fixture(scope="module")
def redis_cluster() -> Iterator[Cluster]:
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture
def job_settings(settings: Settings, redis_cluster: Cluster, smtp_sink: tuple[SmtpSink, int]) -> Settings:
    return dataclasses.replace(
        settings,
        redis_url=redis_cluster.url,
        redis_cluster=True,
        smtp_url=f"smtp://127.0.0.1:{smtp_sink[1]}",
        job_queue=f"{{test-jobs:{uuid.uuid4().hex[:12]}}}",
        job_retry_base_seconds=0.05,
        job_max_attempts=3,
        job_redelivery_seconds=2,
    )


async def test_the_job_stream_and_its_keys_live_on_one_slot(job_settings: Settings, redis_cluster: Cluster) -> None:
    from entrypoints.jobs import build_broker

    broker = build_broker(job_settings)
    await broker.startup()
    try:
        client = RedisCluster.from_url(redis_cluster.url)
        slots = {client.keyslot(k) for k in (job_settings.job_queue, f"{job_settings.job_queue}:delayed:due")}
        assert len(slots) == 1
        assert await client.exists(job_settings.job_queue) == 1  # the group (and stream) exist from startup
        await client.aclose()
    finally:
        await broker.shutdown()


async def test_killing_the_streams_master_loses_no_acknowledged_job(redis_cluster: Cluster) -> None:
    """kill -9 the master that owns the job stream mid-run (no replica: the loss is an error until it returns),
    bring it back on its append-only file: every job whose kick was acknowledged runs."""
    import asyncio

    from taskiq.receiver import Receiver

    from adapters.queue.cluster import ClusterReliableStreamBroker
    from tests.fixtures.jobs import eventually

    queue = f"{{chaos-jobs:{uuid.uuid4().hex[:8]}}}"
    client = RedisCluster.from_url(redis_cluster.url)
    await client.initialize()
    owner = client.get_node_from_key(queue)
    assert owner is not None
    # The effects are counted on another master: a task that fails while the stream's master is down would
    # be a failed job (the retry policy's business), not the loss this test looks for.
    done_key = next(
        key for key in (f"chaos-done:{i}" for i in range(100)) if client.get_node_from_key(key) not in (None, owner)
    )
    broker = ClusterReliableStreamBroker(
        redis_cluster.url, queue_name=queue, consumer_group_name="chaos", idle_timeout=1000, reclaim_interval=0.25,
        xread_block=200, socket_connect_timeout=1, socket_timeout=2,
    )  # fmt: skip

    @broker.task(task_name="tests.cluster.record")
    async def record(n: int) -> None:
        # Retried in place, as the retry policy would: the shared client's connections may be mid-reconnect.
        for _ in range(50):
            try:
                await broker.redis.sadd(done_key, n)
                break
            except Exception:
                await asyncio.sleep(0.1)
        await asyncio.sleep(0.01)

    await broker.startup()
    for n in range(300):
        await record.kiq(n)  # returns once the stream holds it: acknowledged
    finish = asyncio.Event()

    async def keep_receiving() -> None:  # what `chapterhouse worker` does: a receiver restarted on failure
        broker.is_worker_process = True
        while not finish.is_set():
            try:
                await Receiver(broker, run_startup=False, max_async_tasks=20).listen(finish)
            except Exception:
                await asyncio.sleep(0.2)

    receiving = asyncio.create_task(keep_receiving())
    try:
        await eventually(lambda: _done_at_least(client, done_key, 30), what="some jobs done")
        redis_cluster.kill(int(owner.port))
        await asyncio.sleep(1.0)
        redis_cluster.restart(int(owner.port))
        await eventually(lambda: _done_at_least(client, done_key, 300), within=60, what="every acknowledged job")
        assert await client.scard(done_key) == 300
    finally:
        finish.set()
        await asyncio.wait_for(receiving, 20)
        await broker.shutdown()
        await client.aclose()


async def _done_at_least(client: RedisCluster, key: str, n: int) -> bool:
    try:
        return int(await client.scard(key)) >= n
    except Exception:  # the master is down: not yet
        return False
