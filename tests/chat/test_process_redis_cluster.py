"""Real time and rate limits on a real 3-master Redis Cluster (REDIS_CLUSTER=1): sharded pub/sub keeps each
topic on the master owning its slot, two real API processes deliver across processes through it, a lost
master closes only its topics' sockets (1012) and subscribes answer a clear error until it returns."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from scripts.redis_cluster import Cluster, running_cluster
from scripts.services import ApiServer, api_env, running_api_servers

from adapters.realtime.cluster_fanout import ClusterFanout
from adapters.realtime.frames import Delivery, envelope
from adapters.realtime.hub import LocalHub
from adapters.realtime.redis_topics import PREFIX
from entrypoints.app import create_app
from entrypoints.settings import Settings
from tests.fixtures.api_servers import SOCKET_RECHECKS
from tests.fixtures.services import TEST_SECRET
from tests.fixtures.socket_client import (
    HANG_GUARD,
    create_channel,
    create_org,
    join,
    open_socket,
    post,
    receive,
    register,
)
from tests.fixtures.socket_client import subscribe as subscribe_socket

pytestmark = pytest.mark.slow


class Inbox:
    def __init__(self) -> None:
        self.frames: asyncio.Queue[str] = asyncio.Queue()
        self.aborted: int | None = None
        self.closed = asyncio.Event()

    def deliver(self, topic: str, delivery: Delivery) -> None:
        self.frames.put_nowait(delivery.frame)

    def abort(self, code: int, reason: str) -> None:
        self.aborted = code
        self.closed.set()


@pytest.fixture(scope="module")
def redis_cluster() -> Iterator[Cluster]:
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture
async def fanouts(redis_cluster: Cluster) -> AsyncIterator[tuple[ClusterFanout, LocalHub]]:
    """(a publishing process's fan-out, the hub of a receiving process)."""
    publisher, receiver_hub = ClusterFanout(redis_cluster.url, LocalHub()), LocalHub()
    receiver = ClusterFanout(redis_cluster.url, receiver_hub)
    for fanout in (publisher, receiver):
        await fanout.start()
        await asyncio.wait_for(fanout.ready(), HANG_GUARD)
    yield publisher, receiver_hub
    await publisher.close()
    await receiver.close()


async def shard_subscribers(cluster: RedisCluster, topic: str) -> int:
    node = cluster.get_node_from_key(PREFIX + topic)
    assert node is not None
    async with Redis(host=node.host, port=int(node.port)) as client:
        _, count = await client.execute_command("PUBSUB", "SHARDNUMSUB", PREFIX + topic)
    return int(count)


async def test_sharded_topics_reach_their_followers_and_stay_on_their_shard(fanouts, redis_cluster: Cluster):
    publisher, hub = fanouts
    cluster = RedisCluster.from_url(redis_cluster.url)
    await cluster.initialize()
    topics = [f"chat:{uuid.uuid4()}" for _ in range(12)]
    inboxes = {t: Inbox() for t in topics}
    try:
        for topic, inbox in inboxes.items():
            await asyncio.wait_for(hub.add(topic, inbox), HANG_GUARD)
        owners = {cluster.get_node_from_key(PREFIX + t).name for t in topics}  # type: ignore[union-attr]
        assert len(owners) >= 2, "twelve random topics should span more than one master"
        for topic in topics:
            assert await shard_subscribers(cluster, topic) == 1  # on the owning master, this process only
        for topic in topics:
            await publisher.publish(topic, envelope(uuid.uuid4(), f'"{topic}"', ordered=False))
        await publisher.publish("chat:nobody", envelope(uuid.uuid4(), "{}", ordered=False))
        for topic, inbox in inboxes.items():
            assert await asyncio.wait_for(inbox.frames.get(), HANG_GUARD) == f'"{topic}"'
            assert inbox.frames.empty()
        for topic, inbox in inboxes.items():
            hub.remove(topic, inbox)
        async with asyncio.timeout(HANG_GUARD):
            while True:  # Redis is polled: no event to wait on
                if not any([await shard_subscribers(cluster, t) for t in topics]):
                    break
                await asyncio.sleep(0.05)
    finally:
        await cluster.aclose()


async def test_a_lost_master_closes_its_topics_sockets_and_subscribes_recover_when_it_returns(
    fanouts, redis_cluster: Cluster
):
    publisher, hub = fanouts
    cluster = RedisCluster.from_url(redis_cluster.url)
    await cluster.initialize()
    try:
        victim_port = redis_cluster.ports[-1]
        topics = [f"chat:{uuid.uuid4()}" for _ in range(30)]
        by_port = {t: int(cluster.get_node_from_key(PREFIX + t).port) for t in topics}  # type: ignore[union-attr]
        lost = next(t for t in topics if by_port[t] == victim_port)
        kept = next(t for t in topics if by_port[t] != victim_port)
        lost_inbox, kept_inbox = Inbox(), Inbox()
        await asyncio.wait_for(hub.add(lost, lost_inbox), HANG_GUARD)
        await asyncio.wait_for(hub.add(kept, kept_inbox), HANG_GUARD)

        redis_cluster.kill(victim_port)
        await asyncio.wait_for(lost_inbox.closed.wait(), HANG_GUARD)
        assert lost_inbox.aborted == 1012 and kept_inbox.aborted is None
        await publisher.publish(kept, envelope(uuid.uuid4(), '"still here"', ordered=False))
        assert await asyncio.wait_for(kept_inbox.frames.get(), HANG_GUARD) == '"still here"'
        hub.remove(lost, lost_inbox)

        again = Inbox()
        with pytest.raises(TimeoutError):  # no replica: the topic's shard is gone until it returns
            await asyncio.wait_for(asyncio.shield(hub.add(lost, again)), 1.0)
        redis_cluster.restart(victim_port)
        await asyncio.wait_for(hub.add(lost, again), HANG_GUARD)
        await publisher.publish(lost, envelope(uuid.uuid4(), '"back"', ordered=False))
        assert await asyncio.wait_for(again.frames.get(), HANG_GUARD) == '"back"'
    finally:
        await cluster.aclose()


@pytest.fixture(scope="module")
def cluster_servers(database_url: str, redis_cluster: Cluster) -> Iterator[tuple[ApiServer, ApiServer]]:
    extra = {**SOCKET_RECHECKS, "REDIS_CLUSTER": "1"}
    with running_api_servers(api_env(database_url, TEST_SECRET, redis_url=redis_cluster.url, extra_env=extra), 2) as (
        a,
        b,
    ):
        yield a, b


async def test_a_message_posted_on_one_process_reaches_a_socket_on_the_other_through_the_cluster(cluster_servers):
    a, b = cluster_servers
    async with httpx.AsyncClient(base_url=a.http, timeout=HANG_GUARD) as http:
        owner = await register(http, "Owner")
        org = await create_org(http, owner)
        member = await join(http, owner, org, "Mia Member")
        channel = await create_channel(http, owner, org)
        async with open_socket(b, member) as ws:
            await subscribe_socket(ws, channel)
            for i in range(5):
                await post(http, owner, org, channel, f"hello {i}")
            assert [(await receive(ws))["body"] for _ in range(5)] == [f"hello {i}" for i in range(5)]


async def test_sign_in_is_rate_limited_through_the_cluster(settings: Settings, redis_cluster: Cluster):
    limited = dataclasses.replace(
        settings, redis_url=redis_cluster.url, redis_cluster=True, auth_rate_limit_per_minute=3
    )
    async with AsyncTestClient(app=create_app(limited)) as client:
        body = {"email": f"{uuid.uuid4().hex[:8]}@example.com", "password": "wrong password here"}
        statuses = [(await client.post("/api/auth/login", json=body)).status_code for _ in range(4)]
    assert statuses[:3] == [401, 401, 401] and statuses[3] == 429
    cluster = RedisCluster.from_url(redis_cluster.url)
    try:
        keys = [k async for k in cluster.scan_iter(match="chapterhouse-rl*")]
        assert keys, "the window is counted in the cluster"
    finally:
        await cluster.aclose()
