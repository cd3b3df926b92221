"""Dev mode (no REDIS_URL): one process fans out in process, with the same socket protocol."""

from __future__ import annotations

import httpx

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
    send,
    subscribe,
)


async def test_one_process_without_redis_delivers_then_stops_after_unsubscribe(dev_server):
    async with httpx.AsyncClient(base_url=dev_server.http, timeout=HANG_GUARD) as http:
        owner = await register(http, "Owner")
        org = await create_org(http, owner)
        member = await join(http, owner, org)
        channel = await create_channel(http, owner, org)
        async with open_socket(dev_server, member) as ws:
            await subscribe(ws, channel)
            posted = await post(http, owner, org, channel, "no redis needed")
            assert await receive(ws) == {"type": "message", **posted}
            await send(ws, {"type": "unsubscribe", "channel": channel})
            assert await receive(ws) == {"type": "unsubscribed", "channel": channel}
            await post(http, owner, org, channel, "not for an unsubscribed socket")
            assert await ping(ws) == {"type": "pong"}
