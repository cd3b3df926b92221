"""Topic-aware fan-out: a process subscribes only to the topics its own sockets follow (first local follower in,
last one out), and a subscribe is live before its backlog loads. Two real server processes count the frames
they receive (`chapterhouse_realtime_frames_received_total`); Redis says who subscribes to what."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from redis.asyncio import Redis
from scripts.services import ApiServer, api_env, running_api_servers

from adapters.realtime.fanout import PREFIX, RedisFanout
from adapters.realtime.frames import Delivery, envelope
from adapters.realtime.hub import LocalHub
from tests.fixtures.api_servers import SOCKET_RECHECKS
from tests.fixtures.services import TEST_SECRET
from tests.fixtures.socket_client import (
    HANG_GUARD,
    create_channel,
    create_org,
    join,
    open_socket,
    ping,
    post,
    receive,
    register,
    subscribe,
)

pytestmark = pytest.mark.slow

RECEIVED = re.compile(r"^chapterhouse_realtime_frames_received_total (\S+)$", re.MULTILINE)


@pytest.fixture(scope="module")
def default_servers(database_url: str, redis_url: str) -> Iterator[tuple[ApiServer, ApiServer]]:
    """Two API processes with the default channel re-check interval: live frames take the direct write path."""
    extra = {k: v for k, v in SOCKET_RECHECKS.items() if k != "WS_CHANNEL_RECHECK_SECONDS"}
    with running_api_servers(api_env(database_url, TEST_SECRET, redis_url=redis_url, extra_env=extra), 2) as (a, b):
        yield a, b


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def received(http: httpx.AsyncClient) -> float:
    found = RECEIVED.search((await http.get("/metrics")).text)
    assert found is not None, "the frame counter is missing from /metrics"
    return float(found.group(1))


async def subscribers(redis: Redis, channel: str) -> int:
    ((_, count),) = await redis.pubsub_numsub(f"{PREFIX}chat:{channel}")
    return int(count)


async def bodies(ws, count: int) -> list[str]:
    frames = [await receive(ws) for _ in range(count)]
    assert all(f["type"] == "message" for f in frames), frames
    assert await ping(ws) == {"type": "pong"}  # nothing else was on its way
    return [f["body"] for f in frames]


async def test_each_process_receives_only_the_topics_its_sockets_follow(default_servers, redis):
    a, b = default_servers
    async with (
        httpx.AsyncClient(base_url=a.http, timeout=HANG_GUARD) as http_a,
        httpx.AsyncClient(base_url=b.http, timeout=HANG_GUARD) as http_b,
    ):
        owner = await register(http_a, "Owner")
        org = await create_org(http_a, owner)
        member = await join(http_a, owner, org, "Mia Member")
        on_a, on_b = await create_channel(http_a, owner, org, "on-a"), await create_channel(http_a, owner, org, "on-b")
        async with open_socket(a, member) as ws_a, open_socket(b, member) as ws_b:
            await subscribe(ws_a, on_a)
            await subscribe(ws_b, on_b)
            assert (await subscribers(redis, on_a), await subscribers(redis, on_b)) == (1, 1)
            before = (await received(http_a), await received(http_b))
            for i in range(10):  # posted on both processes
                await post((http_a, http_b)[i % 2], owner, org, on_a, f"a{i}")
            for i in range(7):
                await post((http_b, http_a)[i % 2], owner, org, on_b, f"b{i}")
            assert await bodies(ws_a, 10) == [f"a{i}" for i in range(10)]
            assert await bodies(ws_b, 7) == [f"b{i}" for i in range(7)]
            after = (await received(http_a), await received(http_b))
            assert (after[0] - before[0], after[1] - before[1]) == (10, 7)
        # The last local follower left: each process unsubscribes.
        async with asyncio.timeout(HANG_GUARD):
            while True:  # Redis is polled: no event to wait on
                if (await subscribers(redis, on_a), await subscribers(redis, on_b)) == (0, 0):
                    break
                await asyncio.sleep(0.05)


async def test_a_socket_joining_a_busy_channel_misses_nothing_after_its_subscribe(default_servers):
    """Posts keep flowing from process A while a socket on B becomes the topic's first follower there:
    what it receives is every message after the channel's last one at its subscribe, in order."""
    a, b = default_servers
    async with httpx.AsyncClient(base_url=a.http, timeout=HANG_GUARD) as http_a:
        owner = await register(http_a, "Owner")
        org = await create_org(http_a, owner)
        channel = await create_channel(http_a, owner, org)
        posted: list[str] = []
        stop = asyncio.Event()

        async def keep_posting() -> None:
            n = 0
            while not stop.is_set():
                await post(http_a, owner, org, channel, f"m{n}")
                posted.append(f"m{n}")
                n += 1

        poster = asyncio.create_task(keep_posting())
        await asyncio.sleep(0.3)
        async with open_socket(b, owner) as ws:
            await subscribe(ws, channel)
            await asyncio.sleep(1.0)
            stop.set()
            await poster
            got: list[str] = []
            while not got or got[-1] != posted[-1]:
                frame = json.loads(await asyncio.wait_for(ws.recv(), HANG_GUARD))
                got.append(frame["body"])
        start = posted.index(got[0])
        assert got == posted[start:], "a message fell between the subscribe and the live stream"


async def test_a_follow_is_confirmed_before_it_resolves_even_through_churn(redis_url):
    """In-process, two fan-outs on one Redis: a publish right after the follow resolves is received, also
    when the topic was just dropped and followed again (an old confirmation must not vouch for it)."""
    publisher, receiver_hub = RedisFanout(redis_url, LocalHub()), LocalHub()
    receiver = RedisFanout(redis_url, receiver_hub)
    await publisher.start()
    await receiver.start()
    inbox: asyncio.Queue[str] = asyncio.Queue()

    class Inbox:
        def deliver(self, topic: str, delivery: Delivery) -> None:
            inbox.put_nowait(delivery.frame)

        def abort(self, code: int, reason: str) -> None:
            raise AssertionError(f"aborted {code} {reason}")

    try:
        for round_ in range(30):
            topic, follower = f"chat:{uuid.uuid4()}", Inbox()
            receiver_hub.add(topic, follower)
            receiver_hub.remove(topic, follower)  # unsubscribe on the way
            await asyncio.wait_for(receiver_hub.add(topic, follower), HANG_GUARD)
            await publisher.publish(topic, envelope(uuid.uuid4(), f'{{"round":{round_}}}', ordered=False))
            assert await asyncio.wait_for(inbox.get(), HANG_GUARD) == f'{{"round":{round_}}}'
            receiver_hub.remove(topic, follower)
    finally:
        await publisher.close()
        await receiver.close()
