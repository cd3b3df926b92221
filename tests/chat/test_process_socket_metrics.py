"""Operations: a real server's /metrics counts its open sockets and the frames it sent them."""

from __future__ import annotations

import re

import httpx

from tests.fixtures.jobs import eventually
from tests.fixtures.socket_client import (
    HANG_GUARD,
    create_channel,
    create_org,
    join,
    open_socket,
    post,
    receive,
    register,
    subscribe,
)


def sample(metrics: str, name: str) -> float:
    match = re.search(rf"^{name} (\S+)$", metrics, re.MULTILINE)
    assert match is not None, f"{name} is not in /metrics"
    return float(match.group(1))


async def test_the_connections_gauge_follows_a_socket_and_deliveries_are_counted(dev_server):
    async with httpx.AsyncClient(base_url=dev_server.http, timeout=HANG_GUARD) as http:

        async def metric(name: str) -> float:
            return sample((await http.get("/metrics")).text, name)

        owner = await register(http, "Owner")
        org = await create_org(http, owner)
        member = await join(http, owner, org)
        channel = await create_channel(http, owner, org)
        before = await metric("chapterhouse_websocket_connections")
        delivered_before = await metric("chapterhouse_websocket_messages_delivered_total")

        async with open_socket(dev_server, member) as ws:
            await subscribe(ws, channel)
            assert await metric("chapterhouse_websocket_connections") == before + 1
            posted = await post(http, owner, org, channel, "counted")
            assert await receive(ws) == {"type": "message", **posted}
            # The "subscribed" reply and the message, at least.
            assert await metric("chapterhouse_websocket_messages_delivered_total") >= delivered_before + 2

        # The server notices the close on its own schedule: poll until the gauge is back.
        async def back_down() -> bool:
            return await metric("chapterhouse_websocket_connections") == before

        await eventually(back_down, what="the connections gauge to drop after the close")
