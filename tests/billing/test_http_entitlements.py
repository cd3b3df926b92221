"""The plan catalog and the member limit over HTTP, on real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient

from adapters.security.tokens import HmacInvitationTokenCodec
from tests.fixtures.api import TEST_SECRET, ApiUser, register


async def invite_and_accept(client: AsyncTestClient[Litestar], owner: ApiUser, org_id: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    invitee = await register(client)
    invited = await client.post(
        f"/api/orgs/{org_id}/invitations", json={"email": invitee.email, "role": "member"}, headers=owner.headers
    )
    assert invited.status_code == 201, invited.text
    # The token travels by email; the test signs the same token the mailer would send.
    token = HmacInvitationTokenCodec(TEST_SECRET).encode(uuid.UUID(org_id), uuid.UUID(invited.json()["id"]))
    accepted = await client.post(f"/api/invitations/{token}/accept", headers=invitee.headers)
    return accepted.status_code, accepted.json()


async def test_the_catalog_is_public(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/plans")
    assert response.status_code == 200
    plans = {p["id"]: p for p in response.json()["items"]}
    assert list(plans) == ["free", "team", "network"]
    assert plans["team"]["entitlements"]["paid_ticketing"] is True
    assert plans["network"]["entitlements"]["max_chapters"] is None
    assert plans["team"]["price_cents"] == 2900


async def test_the_eleventh_member_of_a_free_organization_gets_402_with_the_limit(
    client: AsyncTestClient[Litestar],
) -> None:
    owner = await register(client)
    org_id = (await owner.create_org())["id"]
    for _ in range(9):
        status, body = await invite_and_accept(client, owner, org_id)
        assert status == 200, body

    status, body = await invite_and_accept(client, owner, org_id)

    assert status == 402
    assert body["extra"] == {"entitlement": "max_members", "limit": 10, "plan": "free"}
    members = await client.get(f"/api/orgs/{org_id}/members?limit=100", headers=owner.headers)
    assert len(members.json()["items"]) == 10  # nothing added


async def test_two_invitees_racing_for_the_last_seat_get_one_seat(client: AsyncTestClient[Litestar]) -> None:
    owner = await register(client)
    org_id = (await owner.create_org())["id"]
    for _ in range(8):  # 9 of 10 seats taken
        status, body = await invite_and_accept(client, owner, org_id)
        assert status == 200, body
    racers = []
    for _ in range(2):
        invitee = await register(client)
        invited = await client.post(
            f"/api/orgs/{org_id}/invitations", json={"email": invitee.email, "role": "member"}, headers=owner.headers
        )
        token = HmacInvitationTokenCodec(TEST_SECRET).encode(uuid.UUID(org_id), uuid.UUID(invited.json()["id"]))
        racers.append((invitee, token))

    responses = await asyncio.gather(
        *(client.post(f"/api/invitations/{token}/accept", headers=who.headers) for who, token in racers)
    )

    assert sorted(r.status_code for r in responses) == [200, 402]
    members = await client.get(f"/api/orgs/{org_id}/members?limit=100", headers=owner.headers)
    assert len(members.json()["items"]) == 10


async def test_the_in_memory_app_serves_billing_too(memory_client: AsyncTestClient[Litestar]) -> None:
    plans = await memory_client.get("/api/plans")
    owner = await register(memory_client)
    org_id = (await owner.create_org())["id"]
    subscription = await memory_client.get(f"/api/orgs/{org_id}/billing/subscription", headers=owner.headers)
    unsigned = await memory_client.post("/api/webhooks/stripe", content=b"{}")

    assert [p["id"] for p in plans.json()["items"]] == ["free", "team", "network"]
    assert subscription.status_code == 200 and subscription.json()["plan"] == "free"
    assert unsigned.status_code == 400
