"""The WebSocket contract against two real server processes sharing PostgreSQL and Redis (`websockets` client)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from scripts.services import ApiServer
from websockets.exceptions import ConnectionClosed

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

pytestmark = pytest.mark.slow


@pytest.fixture
async def http_a(servers: tuple[ApiServer, ApiServer]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=servers[0].http, timeout=HANG_GUARD) as client:
        yield client


async def closed_with(ws, code: int) -> str:
    """Read until the server closes; returns the reason. Fails if a message or notification comes first."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), HANG_GUARD))
            assert frame["type"] not in ("message", "notification"), frame
    assert closed.value.rcvd is not None and closed.value.rcvd.code == code, closed.value
    return closed.value.rcvd.reason


async def test_a_message_posted_on_process_a_reaches_a_socket_on_process_b_and_never_an_outsider(servers, http_a):
    _a, b = servers
    owner = await register(http_a, "Owner")
    org = await create_org(http_a, owner)
    member = await join(http_a, owner, org, "Mia Member")
    channel = await create_channel(http_a, owner, org)
    outsider = await register(http_a, "Outsider")
    await create_org(http_a, outsider)

    async with open_socket(b, member) as member_ws, open_socket(b, outsider) as outsider_ws:
        await subscribe(member_ws, channel)
        await send(outsider_ws, {"type": "subscribe", "channel": channel})
        refused = await receive(outsider_ws)
        assert refused["type"] == "error" and refused["channel"] == channel
        await send(outsider_ws, {"type": "message", "channel": channel, "body": "let me in"})
        assert (await receive(outsider_ws))["type"] == "error"

        posted = await post(http_a, owner, org, channel, "hello from A")
        delivered = await receive(member_ws)
        assert delivered == {"type": "message", **posted}
        assert delivered["author"]["user_id"] == owner.id

        # The member's socket got the message, so process B dispatched it: had the outsider been
        # subscribed, it would sit before this pong.
        assert await ping(outsider_ws) == {"type": "pong"}

        # Posting over the socket on B reaches HTTP history and the socket itself.
        await send(member_ws, {"type": "message", "channel": channel, "body": "hello from B"})
        echoed = await receive(member_ws)
        assert echoed["body"] == "hello from B" and echoed["author"] == {"user_id": member.id, "name": "Mia Member"}
        history = await http_a.get(f"/api/orgs/{org}/channels/{channel}/messages", headers=owner.headers)
        assert [m["id"] for m in history.json()["items"]] == [echoed["id"], posted["id"]]
        assert await ping(outsider_ws) == {"type": "pong"}


async def test_resume_after_reconnect_loses_nothing_duplicates_nothing_in_order(servers, http_a):
    a, b = servers
    owner = await register(http_a)
    org = await create_org(http_a, owner)
    member = await join(http_a, owner, org)
    channel = await create_channel(http_a, owner, org)

    async with open_socket(b, member) as ws:
        await subscribe(ws, channel)
        seen = []
        for i in range(3):
            await post(http_a, owner, org, channel, f"live {i}")
            seen.append(await receive(ws))
    last_seen = seen[-1]["id"]

    missed = [await post(http_a, owner, org, channel, f"missed {i}") for i in range(4)]

    async with open_socket(a, member) as ws:
        # Messages keep coming while the resume loads its backlog: none may fall between the two.
        async def post_more() -> list[dict]:
            return [await post(http_a, owner, org, channel, f"during resume {i}") for i in range(5)]

        poster = asyncio.create_task(post_more())
        await subscribe(ws, channel, after=last_seen)
        during = await poster
        expected = [m["id"] for m in missed + during]
        received = [(await receive(ws))["id"] for _ in expected]
        assert received == expected
        assert await ping(ws) == {"type": "pong"}  # and no duplicate after them


async def test_logout_stops_delivery_and_closes_the_socket(servers, http_a):
    _a, b = servers
    owner = await register(http_a)
    org = await create_org(http_a, owner)
    member = await join(http_a, owner, org)
    channel = await create_channel(http_a, owner, org)

    async with open_socket(b, member) as ws, open_socket(b, owner) as owner_ws:
        await subscribe(ws, channel)
        await subscribe(owner_ws, channel)
        logout = await http_a.post("/api/auth/logout", headers=member.headers)
        assert logout.status_code == 204
        reason = await closed_with(ws, 1008)  # found by process B's token watch; nothing delivered first
        assert "revoked" in reason
        await post(http_a, owner, org, channel, "after the logout")
        assert (await receive(owner_ws))["body"] == "after the logout"  # the others keep their stream

    async with open_socket(b, member) as ws:
        assert "revoked" in await closed_with(ws, 1008)


async def test_a_revoked_or_forged_token_is_refused_at_connect(servers, http_a):
    a, b = servers
    forged = type("U", (), {"token": "forged-token"})()
    async with open_socket(a, forged) as ws:
        await closed_with(ws, 1008)
    nobody = type("U", (), {"token": ""})()
    async with open_socket(b, nobody) as ws:
        await closed_with(ws, 1008)


async def test_oversized_malformed_and_forbidden_frames_get_errors_and_the_socket_keeps_serving(servers, http_a):
    a, _b = servers
    owner = await register(http_a)
    org = await create_org(http_a, owner)
    channel = await create_channel(http_a, owner, org)

    async with open_socket(a, owner) as ws:
        await subscribe(ws, channel)
        bad_frames = [
            json.dumps({"type": "message", "channel": channel, "body": "x" * 4097}),  # body over 4 KiB
            json.dumps({"type": "ping", "padding": "x" * 10_000}),  # frame over 8 KiB
            "{not json",
            json.dumps({"type": "teleport"}),
            json.dumps(["subscribe"]),
            json.dumps({"type": "subscribe"}),
            json.dumps({"type": "subscribe", "channel": "not-a-channel"}),
            json.dumps({"type": "subscribe", "channel": channel, "after": "not-an-id"}),
            json.dumps({"type": "message", "channel": channel, "body": "   "}),
            b"\x00binary",
        ]
        for raw in bad_frames:
            await ws.send(raw)
            answer = await receive(ws)
            assert answer["type"] == "error", (raw[:40], answer)
        assert await ping(ws) == {"type": "pong"}
        posted = await post(http_a, owner, org, channel, "still here")
        assert (await receive(ws))["id"] == posted["id"]
        history = await http_a.get(f"/api/orgs/{org}/channels/{channel}/messages", headers=owner.headers)
        assert [m["body"] for m in history.json()["items"]] == ["still here"]


async def test_a_flooding_socket_gets_errors_then_1008_while_others_are_served(servers, http_a):
    _a, b = servers
    owner = await register(http_a)
    org = await create_org(http_a, owner)
    channel = await create_channel(http_a, owner, org)

    async with open_socket(b, owner) as flooder, open_socket(b, owner) as neighbour:
        await subscribe(neighbour, channel)
        for _ in range(200):
            await send(flooder, {"type": "ping"})
        errors = []
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                frame = await receive(flooder)
                if frame["type"] == "error":
                    errors.append(frame["detail"])
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
        assert errors and all("rate limit" in e for e in errors)

        assert await ping(neighbour) == {"type": "pong"}
        posted = await post(http_a, owner, org, channel, "neighbours still served")
        assert (await receive(neighbour))["id"] == posted["id"]


async def test_notifications_are_pushed_live_to_the_recipient_across_processes(servers, http_a):
    _a, b = servers
    owner = await register(http_a)
    org = await create_org(http_a, owner)
    member = await join(http_a, owner, org)
    team = await http_a.post(f"/api/orgs/{org}/teams", json={"name": "Leads"}, headers=owner.headers)
    private = await http_a.post(
        f"/api/orgs/{org}/channels",
        json={"name": "leads", "scope": "team", "target_id": team.json()["id"]},
        headers=owner.headers,
    )
    channel = private.json()["id"]

    async with open_socket(b, member) as ws:
        await send(ws, {"type": "subscribe", "channel": channel})
        assert (await receive(ws))["type"] == "error"  # not a member of this team channel yet
        await subscribe(ws, "notifications")
        granted = await http_a.post(
            f"/api/orgs/{org}/channels/{channel}/members", json={"user_id": member.id}, headers=owner.headers
        )
        assert granted.status_code == 201
        note = await receive(ws)
        assert note["type"] == "notification" and note["kind"] == "channel.member_added"
        assert note["data"] == {"channel_id": channel}
        stored = await http_a.get("/api/me/notifications", headers=member.headers)
        assert [n["id"] for n in stored.json()["items"]] == [note["id"]]
        await subscribe(ws, channel)  # and now the channel opens


async def test_removing_the_member_ends_their_subscription(servers, http_a):
    _a, b = servers
    owner = await register(http_a)
    org = await create_org(http_a, owner)
    member = await join(http_a, owner, org)
    channel = await create_channel(http_a, owner, org)

    async with open_socket(b, member) as ws:
        await subscribe(ws, channel)
        removed = await http_a.delete(f"/api/orgs/{org}/members/{member.id}", headers=owner.headers)
        assert removed.status_code == 204
        await post(http_a, owner, org, channel, "members only")
        ended = await receive(ws)
        assert ended == {"type": "error", "detail": "access to this channel has ended", "channel": channel}
        assert await ping(ws) == {"type": "pong"}  # the message never came; the socket itself lives on
        await send(ws, {"type": "subscribe", "channel": channel})
        assert (await receive(ws))["type"] == "error"
