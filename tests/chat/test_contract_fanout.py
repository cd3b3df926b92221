"""Contract of the fan-out: a frame published on one process's fanout reaches the hub of every process.
Run against the in-process fanout (one hub) and Redis pub/sub (two fanouts standing for two processes)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from scripts import services

from adapters.realtime.fanout import Fanout, InProcessFanout, RedisFanout
from adapters.realtime.frames import Delivery, envelope
from adapters.realtime.hub import LocalHub


class Inbox:
    def __init__(self) -> None:
        self.frames: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self.aborted: tuple[int, str] | None = None

    def deliver(self, topic: str, delivery: Delivery) -> None:
        self.frames.put_nowait((topic, delivery.frame))

    def abort(self, code: int, reason: str) -> None:
        self.aborted = (code, reason)


@pytest.fixture(params=["in-process", "redis"])
async def two_processes(request, redis_url) -> AsyncIterator[tuple[Fanout, LocalHub]]:
    """(the publisher's fanout, the hub of the process whose sockets should receive)."""
    if request.param == "in-process":
        hub = LocalHub()
        yield InProcessFanout(hub), hub
        return
    publisher_hub, receiver_hub = LocalHub(), LocalHub()
    publisher, receiver = RedisFanout(redis_url, publisher_hub), RedisFanout(redis_url, receiver_hub)
    for fanout in (publisher, receiver):
        await fanout.start()
        async with asyncio.timeout(10):
            await fanout.ready()
    yield publisher, receiver_hub
    await publisher.close()
    await receiver.close()


async def test_frames_reach_the_followers_of_their_topic_only_in_order(two_processes):
    fanout, hub = two_processes
    following, other = Inbox(), Inbox()
    for topic, inbox in (("chat:1", following), ("chat:2", other)):
        await asyncio.wait_for(hub.add(topic, inbox), 10)  # the process receives the topic from now on
    for i in range(20):
        await fanout.publish("chat:1", envelope(uuid.uuid4(), f'{{"n":{i}}}', ordered=False))
    await fanout.publish("chat:3", envelope(uuid.uuid4(), "{}", ordered=False))  # nobody follows it
    received = [await asyncio.wait_for(following.frames.get(), 10) for _ in range(20)]
    assert received == [("chat:1", f'{{"n":{i}}}') for i in range(20)]
    assert other.frames.empty()


async def test_an_unreachable_redis_fails_no_publish_and_never_reports_ready():
    hub = LocalHub()
    fanout = RedisFanout(f"redis://127.0.0.1:{services.free_port()}/0", hub)
    await fanout.start()  # returns at once: requests must not wait for Redis
    await fanout.publish(
        "chat:1", envelope(uuid.uuid4(), "{}", ordered=False)
    )  # logged, not raised: the message is stored already
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.5):
            await fanout.ready()
    await fanout.close()
