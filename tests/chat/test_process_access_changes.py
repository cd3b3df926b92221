"""A removed member's open socket stops receiving within 2 s, as after a logout, with the production re-check
settings (the periodic channel re-check every 30 s would otherwise leave it receiving up to a minute)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from scripts.services import ApiServer, api_env, running_api_servers

from tests.fixtures.api_servers import LOGS
from tests.fixtures.services import TEST_SECRET
from tests.fixtures.socket_client import (
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


@pytest.fixture(scope="module")
def default_servers(database_url: str, redis_url: str) -> Iterator[tuple[ApiServer, ApiServer]]:
    # The default access re-check (WS_ACCESS_RECHECK_SECONDS unset) and the production channel re-check.
    env = api_env(database_url, TEST_SECRET, redis_url=redis_url, extra_env={"WS_CHANNEL_RECHECK_SECONDS": "30"})
    env.pop("WS_ACCESS_RECHECK_SECONDS", None)
    with running_api_servers(env, 2, log_dir=LOGS) as (a, b):
        yield a, b


@pytest.fixture
async def http_a(default_servers: tuple[ApiServer, ApiServer]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=default_servers[0].http, timeout=30) as client:
        yield client


async def test_a_removed_member_stops_receiving_within_two_seconds(default_servers, http_a) -> None:
    _a, b = default_servers
    owner = await register(http_a)
    org = await create_org(http_a, owner)
    member = await join(http_a, owner, org)
    channel = await create_channel(http_a, owner, org)

    async with open_socket(b, member) as ws, open_socket(b, owner) as owner_ws:
        await subscribe(ws, channel)
        await subscribe(owner_ws, channel)
        await post(http_a, owner, org, channel, "before")
        assert (await receive(ws))["body"] == "before"
        assert (await receive(owner_ws))["body"] == "before"

        removed = await http_a.delete(f"/api/orgs/{org}/members/{member.id}", headers=owner.headers)
        assert removed.status_code == 204, removed.text
        removed_at = time.monotonic()
        await asyncio.sleep(2.0)
        await post(http_a, owner, org, channel, "after the removal")
        ended = await receive(ws)  # before any message: the socket re-checked and dropped the channel
        assert ended["type"] == "error" and ended["channel"] == channel, ended
        assert ended["detail"] == "access to this channel has ended"
        assert await ping(ws) == {"type": "pong"}  # nothing else queued: the message never came
        assert (await receive(owner_ws))["body"] == "after the removal"  # the others keep their stream
        assert time.monotonic() - removed_at < 5
