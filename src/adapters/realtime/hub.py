"""The sockets of this process and the topics they follow. Everything here runs on the event loop,
without awaiting, so a dispatch is atomic with respect to subscribes."""

from __future__ import annotations

from typing import Protocol

from adapters.realtime.frames import Delivery, open_envelope


class Subscriber(Protocol):
    def deliver(self, topic: str, delivery: Delivery) -> None:
        """Take the frame or drop the subscriber; never block (one slow socket must not stall the others)."""
        ...

    def abort(self, code: int, reason: str) -> None: ...


class LocalHub:
    def __init__(self) -> None:
        self._topics: dict[str, set[Subscriber]] = {}

    def add(self, topic: str, subscriber: Subscriber) -> None:
        self._topics.setdefault(topic, set()).add(subscriber)

    def remove(self, topic: str, subscriber: Subscriber) -> None:
        followers = self._topics.get(topic)
        if followers is not None:
            followers.discard(subscriber)
            if not followers:
                del self._topics[topic]

    def follows(self, topic: str) -> bool:
        return topic in self._topics

    def dispatch(self, topic: str, payload: str) -> int:
        """Open the published envelope once, then hand it to every local follower of the topic."""
        followers = self._topics.get(topic)
        if not followers:
            return 0
        delivery = open_envelope(payload)
        if delivery is None:
            return 0
        for subscriber in list(followers):
            subscriber.deliver(topic, delivery)
        return len(followers)

    def abort_all(self, code: int, reason: str) -> None:
        """Close every local socket (they reconnect and resume from their last id)."""
        for subscriber in {s for followers in self._topics.values() for s in followers}:
            subscriber.abort(code, reason)
