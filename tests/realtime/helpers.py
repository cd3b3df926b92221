"""Helpers shared by the chat tests: a second member in an org, channels and messages over HTTP."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from adapters.security.tokens import HmacInvitationTokenCodec
from tests.conftest import TEST_SECRET, ApiUser, register


async def add_member(client: AsyncTestClient[Litestar], owner: ApiUser, org_id: str, role: str = "member") -> ApiUser:
    """Register a user and bring them into the organization through a real invitation."""
    user = await register(client, name="Member")
    response = await client.post(
        f"/api/orgs/{org_id}/invitations", json={"email": user.email, "role": role}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    token = await invitation_token(client, owner, org_id, response.json()["id"])
    accepted = await client.post(f"/api/invitations/{token}/accept", headers=user.headers)
    assert accepted.status_code in (200, 201), accepted.text
    return user


async def invitation_token(client: AsyncTestClient[Litestar], owner: ApiUser, org_id: str, invitation_id: str) -> str:
    """The token the invitation email would carry (the API never returns it)."""
    return HmacInvitationTokenCodec(TEST_SECRET).encode(uuid.UUID(org_id), uuid.UUID(invitation_id))


async def create_channel(
    client: AsyncTestClient[Litestar], owner: ApiUser, org_id: str, name: str = "general", **extra: Any
) -> dict[str, Any]:
    response = await client.post(f"/api/orgs/{org_id}/channels", json={"name": name, **extra}, headers=owner.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def create_team(client: AsyncTestClient[Litestar], owner: ApiUser, org_id: str, name: str = "Ops") -> str:
    response = await client.post(f"/api/orgs/{org_id}/teams", json={"name": name}, headers=owner.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def create_chapter(client: AsyncTestClient[Litestar], owner: ApiUser, org_id: str, slug: str = "lisbon") -> str:
    body = {"name": slug.title(), "slug": slug}
    response = await client.post(f"/api/orgs/{org_id}/chapters", json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def post_message(
    client: AsyncTestClient[Litestar], user: ApiUser, org_id: str, channel_id: str, body: str
) -> dict[str, Any]:
    response = await client.post(
        f"/api/orgs/{org_id}/channels/{channel_id}/messages", json={"body": body}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())
