"""Helpers that drive the ticketing API like a client."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.security.tokens import HmacInvitationTokenCodec
from tests.conftest import TEST_SECRET, ApiUser, register


def future(days: float = 10) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def create_event(owner: ApiUser, org_id: str, *, publish: bool = True, **fields: Any) -> dict[str, Any]:
    body = {"title": "Meetup", "starts_at": future(10), "ends_at": future(10.1), "timezone": "Europe/Paris"}
    body.update(fields)
    response = await owner.client.post(f"/api/orgs/{org_id}/events", json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    event = dict(response.json())
    if publish:
        response = await owner.client.post(f"/api/orgs/{org_id}/events/{event['id']}/publish", headers=owner.headers)
        assert response.status_code == 200, response.text
        event = dict(response.json())
    return event


async def create_ticket_type(owner: ApiUser, org_id: str, event_id: str, **fields: Any) -> dict[str, Any]:
    body = {"name": "General", "price_cents": 0, "currency": "EUR", "quantity": 10}
    body.update(fields)
    response = await owner.client.post(
        f"/api/orgs/{org_id}/events/{event_id}/ticket-types", json=body, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def add_member(owner: ApiUser, org_id: str, role: str = "member") -> ApiUser:
    """Registers a user and makes them a member with that role (through an invitation)."""
    user = await register(owner.client, name=f"A {role}")
    response = await owner.client.post(
        f"/api/orgs/{org_id}/invitations", json={"email": user.email, "role": role}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    # The token travels by email; the test signs it with the test secret, as the worker would.
    codec = HmacInvitationTokenCodec(TEST_SECRET)
    token = codec.encode(uuid.UUID(org_id), uuid.UUID(response.json()["id"]))
    response = await owner.client.post(f"/api/invitations/{token}/accept", headers=user.headers)
    assert response.status_code == 200, response.text
    return user


async def order(user: ApiUser, org_id: str, event_id: str, *items: tuple[str, int]) -> Any:
    return await user.client.post(
        f"/api/orgs/{org_id}/events/{event_id}/orders",
        json={"items": [{"ticket_type_id": tt, "quantity": q} for tt, q in items]},
        headers=user.headers,
    )


async def populate_ticketing(owner: ApiUser, org_id: str) -> None:
    """A row in every table of chapters, teams and ticketing (for tests that walk every tenant table)."""
    client, headers = owner.client, owner.headers
    chapter = await client.post(f"/api/orgs/{org_id}/chapters", json={"name": "C", "slug": "c"}, headers=headers)
    assert chapter.status_code == 201, chapter.text
    joined = await client.post(f"/api/orgs/{org_id}/chapters/{chapter.json()['id']}/members", json={}, headers=headers)
    assert joined.status_code == 201, joined.text
    team = await client.post(f"/api/orgs/{org_id}/teams", json={"name": "T"}, headers=headers)
    joined = await client.post(f"/api/orgs/{org_id}/teams/{team.json()['id']}/members", json={}, headers=headers)
    assert joined.status_code == 201, joined.text
    event = await create_event(owner, org_id)
    ticket_type = await create_ticket_type(owner, org_id, event["id"])
    assert (await order(owner, org_id, event["id"], (ticket_type["id"], 1))).status_code == 201
