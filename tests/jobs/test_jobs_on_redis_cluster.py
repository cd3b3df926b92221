"""The job tests again on a real 3-master Redis Cluster (REDIS_CLUSTER=1): delivery and ack end to end, retries
with backoff, dead letters and replay, and kill -9 of a worker mid-batch (its messages reclaimed by the next
worker, every effect once). The stream's name carries a hash tag, so it and its keys share one slot."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest

from entrypoints.settings import Settings
from tests.jobs.conftest import SmtpSink
from tests.jobs.test_invitation_email_end_to_end import test_an_invitation_reaches_the_invitee_through_the_worker
from tests.jobs.test_retries_and_dead_letters import test_failing_job_is_retried_then_dead_lettered_then_replayed
from tests.jobs.test_worker_kill import start_worker, test_kill_9_mid_batch_every_effect_once
from tests.redis_cluster import Cluster, running_cluster

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
    from redis.asyncio.cluster import RedisCluster

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
