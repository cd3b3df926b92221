"""The rate limiter's store: Redis, shared by every API process; while Redis is unreachable, a store in this
process's memory, so sign-up and log-in stay limited (per process) and never answer 500. Redis is tried again
after ``retry_seconds``; the switch each way is logged once."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisError

log = logging.getLogger("chapterhouse.rate_limit")


class FallbackStore(Store):
    def __init__(self, primary: Store, *, retry_seconds: float = 5.0) -> None:
        self._primary, self._local = primary, MemoryStore()
        self._retry_seconds = retry_seconds
        self._down_until = 0.0

    def _use_primary(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, error: Exception) -> None:
        if self._down_until == 0.0:
            log.warning("rate limit store unreachable (%r): limiting in this process until it answers", error)
        self._down_until = time.monotonic() + self._retry_seconds

    def _recovered(self) -> None:
        if self._down_until:
            log.info("rate limit store answers again")
            self._down_until = 0.0

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        if self._use_primary():
            try:
                value = await self._primary.get(key, renew_for)
                self._recovered()
                return value
            except (RedisError, OSError) as error:
                self._failed(error)
        return await self._local.get(key, renew_for)

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        if self._use_primary():
            try:
                await self._primary.set(key, value, expires_in)
                self._recovered()
                return
            except (RedisError, OSError) as error:
                self._failed(error)
        await self._local.set(key, value, expires_in)

    async def delete(self, key: str) -> None:
        await self._local.delete(key)
        if self._use_primary():
            try:
                await self._primary.delete(key)
            except (RedisError, OSError) as error:
                self._failed(error)

    async def delete_all(self) -> None:
        await self._local.delete_all()
        if self._use_primary():
            try:
                await self._primary.delete_all()
            except (RedisError, OSError) as error:
                self._failed(error)

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        if self._use_primary():
            try:
                return await self._primary.expires_in(key)
            except (RedisError, OSError) as error:
                self._failed(error)
        return await self._local.expires_in(key)


def rate_limit_store(redis_url: str | None, *, cluster: bool) -> Store:
    """The sign-up/log-in limiter's store: Redis (or a Redis Cluster) behind the local fallback, else memory.

    Short timeouts: while Redis is down, a login waits at most this long before the local limiter takes over."""
    if not redis_url:
        return MemoryStore()
    if cluster:  # one key per client and window: any slot will do
        # RedisStore is typed for a single-node client; a cluster client serves the same commands.
        client = RedisCluster.from_url(redis_url, socket_connect_timeout=0.5, socket_timeout=1.0)
        return FallbackStore(RedisStore(client, namespace="chapterhouse-rl"))  # type: ignore[arg-type]
    single = Redis.from_url(redis_url, socket_connect_timeout=0.5, socket_timeout=1.0)
    return FallbackStore(RedisStore(single, namespace="chapterhouse-rl"))
