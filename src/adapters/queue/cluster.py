"""The reliable stream broker on Redis Cluster: the same streams, acks, retries and reclaim, through one
RedisCluster client that routes each command to the master owning its key's slot.

Every key one operation touches must share a slot: the stream, its delayed-retry keys (``<stream>:delayed:*``,
moved into the stream by a Lua script) and its reclaim lock (``autoclaim:<group>:<stream>``) are all named
after the stream, so a stream name with a hash tag (``{chapterhouse:jobs}``) keeps them together. taskiq-redis'
own ``RedisStreamClusterBroker`` never reclaims a dead worker's messages; this one does, like on one Redis.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio.cluster import RedisCluster

from adapters.queue.broker import ReliableRedisStreamBroker


class ClusterReliableStreamBroker(ReliableRedisStreamBroker):
    def __init__(self, url: str, queue_name: str = "{taskiq}", **kwargs: Any) -> None:
        super().__init__(url, queue_name=queue_name, **kwargs)
        untagged = [stream for stream in self.streams if "{" not in stream]
        if untagged:
            raise ValueError(f"streams on a Redis Cluster need a hash tag, e.g. '{{{untagged[0]}}}': {untagged}")
        timeouts = {k: kwargs[k] for k in ("socket_connect_timeout", "socket_timeout") if k in kwargs}
        self.redis = RedisCluster.from_url(url, **timeouts)  # type: ignore[assignment]  # same command API

    async def shutdown(self) -> None:
        await super().shutdown()
        await self.redis.aclose()
