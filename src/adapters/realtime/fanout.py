"""Fan-out between API processes: a frame published for a topic reaches the matching sockets of every process.

RedisFanout uses redis.asyncio pub/sub directly (not Litestar's ChannelsPlugin): one pattern subscription
per process feeds LocalHub, which hands each frame to bounded per-socket queues. ChannelsPlugin gives each
subscriber its own task and an unbounded queue, and only drops messages silently when bounded; here a slow
socket is closed instead, and each frame is encoded once per broadcast. InProcessFanout serves dev mode
(no REDIS_URL): one process, the same hub.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from adapters.realtime.close_codes import WS_1012_SERVICE_RESTART
from adapters.realtime.hub import LocalHub

log = logging.getLogger("chapterhouse.realtime")

PREFIX = "chapterhouse:rt:"


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
    """Every process pattern-subscribes to all real-time topics once and filters locally (LocalHub).

    Simple and race-free (no per-topic subscribe to wait for before a socket is live); the cost is that
    each process sees every frame, which is fine until the traffic of all organizations outgrows one
    Redis connection per process. If the subscription connection drops, frames published meanwhile are
    lost for this process: its sockets are closed with 1012 so clients reconnect and resume by id."""

    def __init__(self, url: str, hub: LocalHub) -> None:
        self._url, self._hub = url, hub
        self._client: Redis | None = None
        self._reader: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        self._client = Redis.from_url(self._url, socket_connect_timeout=2, socket_timeout=2)
        self._reader = asyncio.create_task(self._read_forever(), name="realtime-fanout-reader")

    async def ready(self) -> None:
        await self._subscribed.wait()

    async def publish(self, topic: str, payload: str) -> None:
        assert self._client is not None, "start() first"
        try:
            await self._client.publish(PREFIX + topic, payload)
        except RedisError:
            # The frame is persisted already; subscribers resume from the database.
            log.warning("realtime publish failed for %s", topic, exc_info=True)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._client is not None:
            await self._client.aclose()

    async def _read_forever(self) -> None:
        backoff = 0.1
        while True:
            client = Redis.from_url(self._url, health_check_interval=30)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(PREFIX + "*")
                self._subscribed.set()
                backoff = 0.1
                while True:
                    message = await pubsub.get_message(timeout=5.0)
                    if message is None or message["type"] != "pmessage":
                        continue
                    topic = message["channel"].decode()[len(PREFIX) :]
                    if self._hub.follows(topic):
                        self._hub.dispatch(topic, message["data"].decode())
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError):
                self._subscribed.clear()
                log.warning("realtime subscription lost; closing local sockets and reconnecting", exc_info=True)
                self._hub.abort_all(WS_1012_SERVICE_RESTART, "real-time backend restarting: reconnect and resume")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py
                with contextlib.suppress(Exception):
                    await client.aclose()
