"""The sockets of this process and the topics they follow. Everything here runs on the event loop,
without awaiting, so a dispatch is atomic with respect to subscribes.

The hub tells its feed (the fan-out) when a topic gains its first local follower and loses its last, so a
process receives only the topics its own sockets follow. `add` returns a future that is done once the
feed receives the topic: a subscribe loads its backlog only after that, so no frame falls between."""

from __future__ import annotations

import asyncio
from typing import Protocol

from adapters.realtime.frames import Delivery, open_envelope


class Subscriber(Protocol):
    def deliver(self, topic: str, delivery: Delivery) -> None:
        """Take the frame or drop the subscriber; never block (one slow socket must not stall the others)."""
        ...

    def abort(self, code: int, reason: str) -> None: ...


class TopicFeed(Protocol):
    def follow(self, topic: str) -> asyncio.Future[None]:
        """Start receiving the topic; the future is done once every later publish reaches this process."""
        ...

    def unfollow(self, topic: str) -> None: ...


class FrameCounter(Protocol):
    def received(self, frames: int) -> None: ...


class LocalHub:
    def __init__(self, counter: FrameCounter | None = None) -> None:
        self._counter = counter
        self._topics: dict[str, set[Subscriber]] = {}
        self._live: dict[str, asyncio.Future[None]] = {}
        self._feed: TopicFeed | None = None

    def attach(self, feed: TopicFeed) -> None:
        """The fan-out that follows topics for this process (none: every topic is live at once)."""
        self._feed = feed

    def add(self, topic: str, subscriber: Subscriber) -> asyncio.Future[None]:
        followers = self._topics.get(topic)
        if followers is None:
            followers = self._topics[topic] = set()
            self._live[topic] = self._feed.follow(topic) if self._feed is not None else _done()
        followers.add(subscriber)
        return self._live[topic]

    def remove(self, topic: str, subscriber: Subscriber) -> None:
        followers = self._topics.get(topic)
        if followers is not None:
            followers.discard(subscriber)
            if not followers:
                del self._topics[topic]
                del self._live[topic]
                if self._feed is not None:
                    self._feed.unfollow(topic)

    def follows(self, topic: str) -> bool:
        return topic in self._topics

    def topics(self) -> list[str]:
        return list(self._topics)

    def dispatch(self, topic: str, payload: str) -> int:
        """Open the published envelope once, then hand it to every local follower of the topic."""
        if self._counter is not None:
            self._counter.received(1)
        followers = self._topics.get(topic)
        if not followers:
            return 0
        delivery = open_envelope(payload)
        if delivery is None:
            return 0
        for subscriber in list(followers):
            subscriber.deliver(topic, delivery)
        return len(followers)

    def abort_topics(self, topics: set[str] | None, code: int, reason: str) -> None:
        """Close the local sockets following these topics (all: None); they reconnect and resume by id."""
        chosen = self._topics.values() if topics is None else [self._topics.get(t, set()) for t in topics]
        for subscriber in {s for followers in chosen for s in followers}:
            subscriber.abort(code, reason)

    def abort_all(self, code: int, reason: str) -> None:
        self.abort_topics(None, code, reason)


def _done() -> asyncio.Future[None]:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    future.set_result(None)
    return future
