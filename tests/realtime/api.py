"""A small HTTP client for the real server processes (what a browser app would do)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from adapters.security.tokens import HmacInvitationTokenCodec
from tests.conftest import TEST_SECRET, unique
from tests.realtime.conftest import Server

# A guard against hanging forever when something is broken; never an assertion on timing.
HANG_GUARD = 20.0


@dataclass
class User:
    id: str
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def register(http: httpx.AsyncClient, name: str = "Socket User") -> User:
    email = f"{unique()}@example.com"
    password = "correct horse battery"
    created = await http.post("/api/auth/register", json={"email": email, "password": password, "name": name})
    assert created.status_code == 201, created.text
    login = await http.post("/api/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    return User(id=created.json()["id"], email=email, token=login.json()["access_token"])


async def create_org(http: httpx.AsyncClient, owner: User) -> str:
    response = await http.post("/api/orgs", json={"name": "Org", "slug": unique("org-")}, headers=owner.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def join(http: httpx.AsyncClient, owner: User, org_id: str, name: str = "Member") -> User:
    user = await register(http, name)
    invited = await http.post(
        f"/api/orgs/{org_id}/invitations", json={"email": user.email, "role": "member"}, headers=owner.headers
    )
    assert invited.status_code == 201, invited.text
    token = HmacInvitationTokenCodec(TEST_SECRET).encode(uuid.UUID(org_id), uuid.UUID(invited.json()["id"]))
    accepted = await http.post(f"/api/invitations/{token}/accept", headers=user.headers)
    assert accepted.status_code in (200, 201), accepted.text
    return user


async def create_channel(http: httpx.AsyncClient, owner: User, org_id: str, name: str = "general") -> str:
    response = await http.post(f"/api/orgs/{org_id}/channels", json={"name": name}, headers=owner.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def post(http: httpx.AsyncClient, user: User, org_id: str, channel_id: str, body: str) -> dict[str, Any]:
    response = await http.post(
        f"/api/orgs/{org_id}/channels/{channel_id}/messages", json={"body": body}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def open_socket(server: Server, user: User) -> Any:
    return connect(server.ws(user.token), open_timeout=HANG_GUARD, max_size=2**20)


async def send(ws: ClientConnection, frame: dict[str, Any]) -> None:
    await ws.send(json.dumps(frame))


async def receive(ws: ClientConnection) -> dict[str, Any]:
    import asyncio

    raw = await asyncio.wait_for(ws.recv(), HANG_GUARD)
    return dict(json.loads(raw))


async def subscribe(ws: ClientConnection, channel: str, after: str | None = None) -> None:
    frame: dict[str, Any] = {"type": "subscribe", "channel": channel}
    if after is not None:
        frame["after"] = after
    await send(ws, frame)
    answer = await receive(ws)
    assert answer == {"type": "subscribed", "channel": channel}, answer


async def ping(ws: ClientConnection) -> dict[str, Any]:
    """The next frame after a ping: a pong proves nothing else was queued before it."""
    await send(ws, {"type": "ping"})
    return await receive(ws)
