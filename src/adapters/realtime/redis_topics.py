"""One Redis pub/sub connection following a changing set of topics: SUBSCRIBE (SSUBSCRIBE on a cluster shard)
when the hub gains a topic's first local follower, UNSUBSCRIBE on its last.

`follow` returns a future resolved by Redis's confirmation of that very command: replies come back in
command order on the connection, so the futures of a topic wait in a FIFO and an old confirmation (from
before an unsubscribe) never vouches for a newer subscribe. From the confirmation on, every publish to
the topic reaches this process; a socket's backlog is loaded only then, so nothing falls between.

If the connection drops, frames published meanwhile are lost for its topics: `on_lost` is told (the fan-out
closes those sockets with 1012 so clients resume by id), and the reader reconnects with backoff and
subscribes again to what is still wanted."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import logging
from collections.abc import Callable

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

log = logging.getLogger("chapterhouse.realtime")

PREFIX = "chapterhouse:rt:"
_FRAMES = {"message", "smessage"}
_CONFIRMS = {"subscribe", "ssubscribe"}
_ENDS = {"unsubscribe", "sunsubscribe"}


class TopicConnection:
    def __init__(
        self,
        connect: Callable[[], Redis],
        *,
        sharded: bool,
        on_frame: Callable[[str, str], None],
        on_lost: Callable[[set[str]], None],
        on_moved: Callable[[str], None] | None = None,
        name: str = "redis",
    ) -> None:
        self._connect, self._sharded, self._name = connect, sharded, name
        self._on_frame, self._on_lost, self._on_moved = on_frame, on_lost, on_moved
        self._wanted: set[str] = set()
        self._confirmations: dict[str, collections.deque[asyncio.Future[None]]] = {}
        self._own_ends: collections.Counter[str] = collections.Counter()
        self._commands: asyncio.Queue[tuple[bool, str]] = asyncio.Queue()
        self.connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def wanted(self) -> set[str]:
        return set(self._wanted)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run_forever(), name=f"realtime-topics-{self._name}")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def follow(self, topic: str) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._wanted.add(topic)
        self._confirmations.setdefault(topic, collections.deque()).append(future)
        self._commands.put_nowait((True, topic))
        return future

    def unfollow(self, topic: str) -> None:
        self._wanted.discard(topic)
        self._commands.put_nowait((False, topic))

    def forget(self, topic: str) -> list[asyncio.Future[None]]:
        """Stop tracking a topic moved to another connection (cluster re-routing); its waiting futures."""
        self._wanted.discard(topic)
        return list(self._confirmations.pop(topic, ()))

    async def _run_forever(self) -> None:
        backoff = 0.1
        while True:
            client = self._connect()
            pubsub = client.pubsub()
            tasks: list[asyncio.Task[None]] = []
            try:
                await pubsub.connect()  # type: ignore[no-untyped-call]  # untyped in redis-py
                await self._resubscribe(pubsub)
                self.connected.set()
                backoff = 0.1
                tasks = [
                    asyncio.create_task(self._read(pubsub), name="realtime-topics-read"),
                    asyncio.create_task(self._write(pubsub), name="realtime-topics-write"),
                ]
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()  # re-raises what ended it
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError):
                self.connected.clear()
                log.warning("realtime subscription to %s lost; reconnecting", self._name, exc_info=True)
                if self._wanted:
                    self._on_lost(set(self._wanted))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                for task in tasks:
                    task.cancel()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py
                with contextlib.suppress(Exception):
                    await client.aclose()

    async def _resubscribe(self, pubsub: PubSub) -> None:
        """A fresh connection: what is wanted now, one subscribe per topic; its confirmation settles every
        future of the topic still waiting (their commands went down with the old connection)."""
        while not self._commands.empty():
            self._commands.get_nowait()
        self._own_ends.clear()
        for topic in list(self._confirmations):
            waiting = [f for f in self._confirmations[topic] if not f.done()]
            if topic not in self._wanted or not waiting:
                del self._confirmations[topic]
                continue
            merged: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            merged.add_done_callback(functools.partial(_settle_all, waiting))
            self._confirmations[topic] = collections.deque([merged])
        for topic in list(self._wanted):
            await self._send(pubsub, True, topic)

    async def _write(self, pubsub: PubSub) -> None:
        while True:
            subscribe, topic = await self._commands.get()
            await self._send(pubsub, subscribe, topic)

    async def _send(self, pubsub: PubSub, subscribe: bool, topic: str) -> None:
        channel = PREFIX + topic
        if subscribe:
            await (pubsub.ssubscribe(channel) if self._sharded else pubsub.subscribe(channel))
        else:
            self._own_ends[topic] += 1
            await (pubsub.sunsubscribe(channel) if self._sharded else pubsub.unsubscribe(channel))

    async def _read(self, pubsub: PubSub) -> None:
        while True:
            message = await pubsub.get_message(timeout=5.0)
            if message is None:
                continue
            kind, channel = message["type"], message["channel"]
            if not isinstance(channel, bytes):
                continue
            topic = channel.decode()[len(PREFIX) :]
            if kind in _FRAMES:
                self._on_frame(topic, message["data"].decode())
            elif kind in _CONFIRMS:
                waiting = self._confirmations.get(topic)
                if waiting:
                    future = waiting.popleft()
                    if not future.done():
                        future.set_result(None)
                    if not waiting:
                        del self._confirmations[topic]
            elif kind in _ENDS:
                if self._own_ends[topic] > 0:
                    self._own_ends[topic] -= 1
                    if not self._own_ends[topic]:
                        del self._own_ends[topic]
                elif topic in self._wanted and self._on_moved is not None:
                    # The cluster moved the topic's slot to another shard (failover, resharding).
                    self._on_moved(topic)


def _settle_all(futures: list[asyncio.Future[None]], _: asyncio.Future[None]) -> None:
    for future in futures:
        if not future.done():
            future.set_result(None)
