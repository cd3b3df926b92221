"""Fan-out between API processes: a frame published for a topic reaches the matching sockets of every process.

RedisFanout uses redis.asyncio pub/sub directly (not Litestar's ChannelsPlugin): each process subscribes to
the topics its sockets follow (redis_topics.py) and feeds LocalHub, which hands each frame to its sockets.
ChannelsPlugin gives each subscriber its own task and an unbounded queue, and only drops messages silently
when bounded; here a slow socket is closed instead, and each frame is encoded once per broadcast.
InProcessFanout serves dev mode (no REDIS_URL): one process, the same hub.
"""

from __future__ import annotations

import logging
from typing import Protocol

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from adapters.realtime.close_codes import WS_1012_SERVICE_RESTART
from adapters.realtime.hub import LocalHub
from adapters.realtime.redis_topics import PREFIX, TopicConnection

log = logging.getLogger("chapterhouse.realtime")

__all__ = ["PREFIX", "Fanout", "InProcessFanout", "RedisFanout", "redis_fanout"]


class Fanout(Protocol):
    async def start(self) -> None:
        """Begin receiving; never blocks on the backend (a Redis outage must not fail HTTP requests)."""
        ...

    async def ready(self) -> None:
        """Returns once frames from other processes are being received (callers bound the wait)."""
        ...

    async def publish(self, topic: str, payload: str) -> None:
        """payload: an envelope (frames.envelope), opened by the receiving processes' hubs."""
        ...

    async def close(self) -> None: ...


class InProcessFanout:
    def __init__(self, hub: LocalHub) -> None:
        self._hub = hub

    async def start(self) -> None:
        """Nothing to connect."""

    async def ready(self) -> None:
        """Always: there are no other processes."""

    async def publish(self, topic: str, payload: str) -> None:
        self._hub.dispatch(topic, payload)

    async def close(self) -> None:
        """Nothing to release."""


class RedisFanout:
    """Follows, per process, only the topics its sockets follow (the hub says when), on one pub/sub
    connection: adding API processes adds capacity instead of making each one pay for every tenant's frames.
    If the subscription connection drops, frames published meanwhile are lost for this process: the
    followers of its topics are closed with 1012 so clients reconnect and resume by id."""

    def __init__(self, url: str, hub: LocalHub) -> None:
        self._url, self._hub = url, hub
        self._client: Redis | None = None
        self._topics = TopicConnection(
            self._subscriber_client, sharded=False, on_frame=self._on_frame, on_lost=self._on_lost
        )
        hub.attach(self._topics)

    def _subscriber_client(self) -> Redis:
        # No silent reconnect inside redis-py: a reconnect must close the sockets that lost frames.
        return Redis.from_url(self._url, health_check_interval=30, retry=Retry(NoBackoff(), 0))

    async def start(self) -> None:
        self._client = Redis.from_url(self._url, socket_connect_timeout=2, socket_timeout=2)
        self._topics.start()

    async def ready(self) -> None:
        await self._topics.connected.wait()

    async def publish(self, topic: str, payload: str) -> None:
        assert self._client is not None, "start() first"
        try:
            await self._client.publish(PREFIX + topic, payload)
        except RedisError:
            # The frame is persisted already; subscribers resume from the database.
            log.warning("realtime publish failed for %s", topic, exc_info=True)

    async def close(self) -> None:
        await self._topics.close()
        if self._client is not None:
            await self._client.aclose()

    def _on_frame(self, topic: str, payload: str) -> None:
        self._hub.dispatch(topic, payload)

    def _on_lost(self, topics: set[str]) -> None:
        self._hub.abort_topics(topics, WS_1012_SERVICE_RESTART, "real-time backend restarting: reconnect and resume")


def redis_fanout(url: str, hub: LocalHub, *, cluster: bool) -> Fanout:
    """Plain pub/sub on one Redis; sharded pub/sub on a Redis Cluster (cluster_fanout.py)."""
    if cluster:
        from adapters.realtime.cluster_fanout import ClusterFanout

        return ClusterFanout(url, hub)
    return RedisFanout(url, hub)
