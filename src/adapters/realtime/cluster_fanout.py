"""Fan-out on Redis Cluster: sharded pub/sub (SPUBLISH / SSUBSCRIBE, Redis >= 7), so a topic's traffic stays
on the master that owns its slot instead of being broadcast over the cluster bus to every node.

One subscriber connection per master that owns a topic this process follows (redis_topics.TopicConnection,
sharded). When a master is lost, the sockets following its topics are closed with 1012 (clients resume by
id) and the slot map is refreshed, so their next subscribe goes to the promoted replica; without a replica
the subscribe answers "real-time backend unavailable" until the master returns."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Coroutine
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from adapters.realtime.close_codes import WS_1012_SERVICE_RESTART
from adapters.realtime.hub import LocalHub
from adapters.realtime.redis_topics import PREFIX, TopicConnection

log = logging.getLogger("chapterhouse.realtime")
RESTARTING = "real-time backend restarting: reconnect and resume"


class ClusterFanout:
    def __init__(self, url: str, hub: LocalHub) -> None:
        self._url, self._hub = url, hub
        self._cluster = RedisCluster.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self._shards: dict[str, TopicConnection] = {}  # master node name -> its subscriber connection
        self._shard_of: dict[str, str] = {}  # followed topic -> node name
        self._initialized = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        hub.attach(self)

    async def start(self) -> None:
        self._spawn(self._initialize())

    async def ready(self) -> None:
        await self._initialized.wait()

    async def publish(self, topic: str, payload: str) -> None:
        try:
            await self._cluster.spublish(PREFIX + topic, payload)
        except RedisError:
            # The frame is persisted already; subscribers resume from the database.
            log.warning("realtime publish failed for %s", topic, exc_info=True)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for shard in self._shards.values():
            await shard.close()
        with contextlib.suppress(Exception):
            await self._cluster.aclose()

    # --- TopicFeed (called by the hub, on the event loop) -------------------------------------------------
    def follow(self, topic: str) -> asyncio.Future[None]:
        live: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._initialized.is_set():
            try:
                return self._shard_for(topic).follow(topic)
            except RedisError as error:  # no master serves the slot right now: the subscribe says so
                live.set_exception(error)
                return live

        async def once_initialized() -> None:
            await self._initialized.wait()
            if self._hub.follows(topic):
                inner = self._shard_for(topic).follow(topic)
                inner.add_done_callback(functools.partial(_settle, live))

        self._spawn(once_initialized())
        return live

    def unfollow(self, topic: str) -> None:
        name = self._shard_of.pop(topic, None)
        if name is not None:
            self._shards[name].unfollow(topic)

    # --- internals ---------------------------------------------------------------------------------------
    def _shard_for(self, topic: str) -> TopicConnection:
        node: ClusterNode | None = self._cluster.get_node_from_key(PREFIX + topic)
        if node is None:
            raise RedisError(f"no cluster node serves the slot of {topic}")
        shard = self._shards.get(node.name)
        if shard is None:
            host, port = node.host, int(node.port)

            def connect() -> Redis:
                return Redis(host=host, port=port, health_check_interval=30, retry=Retry(NoBackoff(), 0))

            shard = TopicConnection(
                connect,
                sharded=True,
                on_frame=self._on_frame,
                on_lost=self._on_lost,
                on_moved=self._on_moved,
                name=node.name,
            )
            self._shards[node.name] = shard
            shard.start()
        self._shard_of[topic] = node.name
        return shard

    async def _initialize(self) -> None:
        backoff = 0.1
        while True:
            try:
                await self._cluster.initialize()
                self._initialized.set()
                return
            except (RedisError, OSError):
                log.warning("Redis Cluster unreachable; retrying", exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    def _on_frame(self, topic: str, payload: str) -> None:
        self._hub.dispatch(topic, payload)

    def _on_lost(self, topics: set[str]) -> None:
        self._hub.abort_topics(topics, WS_1012_SERVICE_RESTART, RESTARTING)
        self._spawn(self._refresh_slots())

    def _on_moved(self, topic: str) -> None:
        """The cluster moved the topic's slot (failover, resharding): frames may have been missed."""
        self._hub.abort_topics({topic}, WS_1012_SERVICE_RESTART, RESTARTING)
        self._spawn(self._refresh_slots())

    async def _refresh_slots(self) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self._cluster.nodes_manager.initialize()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _settle(live: asyncio.Future[None], _: asyncio.Future[None]) -> None:
    if not live.done():
        live.set_result(None)
