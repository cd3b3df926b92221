"""Two organizations with one object of every kind each, for the generated cross-tenant matrix.

Each id-bearing path parameter names a kind; KIND_BUILDERS makes an object of that kind in an
organization and returns its id. A capability that adds a new kind of path parameter registers its
builder here; a route whose parameter has no builder fails the matrix test loudly.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from adapters.security.tokens import HmacInvitationTokenCodec
from tests.communications.isolation_kinds import COMMUNICATIONS_BUILDERS, COMMUNICATIONS_VALID_BODIES
from tests.fixtures.api import TEST_SECRET, ApiUser, register
from tests.ticketing.isolation_kinds import TICKETING_BUILDERS, TICKETING_VALID_BODIES


@dataclass
class Tenant:
    owner: ApiUser
    org: dict[str, Any]
    ids: dict[str, str] = field(default_factory=dict)


Builder = Callable[[Any, Tenant], Awaitable[str]]


async def _member(client: Any, tenant: Tenant) -> str:
    member = await register(client, "Member")
    invite = await client.post(
        f"/api/orgs/{tenant.org['id']}/invitations", json={"email": member.email}, headers=tenant.owner.headers
    )
    token = _invitation_token(invite.json()["id"], tenant.org["id"])
    accepted = await client.post(f"/api/invitations/{token}/accept", headers=member.headers)
    assert accepted.status_code == 200, accepted.text
    return member.id


async def _pending_invitation_token(client: Any, tenant: Tenant) -> str:
    invite = await client.post(
        f"/api/orgs/{tenant.org['id']}/invitations",
        json={"email": f"pending-{uuid.uuid4().hex[:8]}@example.com"},
        headers=tenant.owner.headers,
    )
    assert invite.status_code == 201, invite.text
    return _invitation_token(invite.json()["id"], tenant.org["id"])


def _invitation_token(invitation_id: str, org_id: str) -> str:
    return HmacInvitationTokenCodec(TEST_SECRET).encode(uuid.UUID(org_id), uuid.UUID(invitation_id))


async def _organization_id(client: Any, tenant: Tenant) -> str:
    """Operator routes (/api/admin/orgs/{organization_id}) name an organization without being tenant routes."""
    return str(tenant.org["id"])


async def _channel(client: Any, tenant: Tenant) -> str:
    response = await client.post(
        f"/api/orgs/{tenant.org['id']}/channels", json={"name": "general"}, headers=tenant.owner.headers
    )
    assert response.status_code == 201, response.text
    channel_id: str = response.json()["id"]
    posted = await client.post(
        f"/api/orgs/{tenant.org['id']}/channels/{channel_id}/messages",
        json={"body": "hi"},
        headers=tenant.owner.headers,
    )
    assert posted.status_code == 201, posted.text
    return channel_id


async def _notification(client: Any, tenant: Tenant) -> str:
    """Granting the owner a team channel notifies them."""
    org = tenant.org["id"]
    ops = await client.post(f"/api/orgs/{org}/teams", json={"name": "Chat ops"}, headers=tenant.owner.headers)
    team = await client.post(
        f"/api/orgs/{org}/channels",
        json={"name": "team", "scope": "team", "target_id": ops.json()["id"]},
        headers=tenant.owner.headers,
    )
    granted = await client.post(
        f"/api/orgs/{org}/channels/{team.json()['id']}/members",
        json={"user_id": tenant.owner.id},
        headers=tenant.owner.headers,
    )
    assert granted.status_code == 201, granted.text
    notes = await client.get("/api/me/notifications", headers=tenant.owner.headers)
    return str(notes.json()["items"][0]["id"])


KIND_BUILDERS: dict[str, Builder] = {
    "user_id": _member,
    "token": _pending_invitation_token,
    "organization_id": _organization_id,
    **TICKETING_BUILDERS,
    **COMMUNICATIONS_BUILDERS,
    "channel_id": _channel,
    "notification_id": _notification,
}


# A valid body per (method, route) so that the lookup, not validation, decides the answer.
VALID_BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/api/orgs/{org_id:uuid}"): {"name": "Renamed"},
    ("PATCH", "/api/orgs/{org_id:uuid}/members/{user_id:uuid}"): {"role": "admin"},
    ("POST", "/api/orgs/{org_id:uuid}/invitations"): {"email": "someone@example.com", "role": "member"},
    ("POST", "/api/orgs/{org_id:uuid}/billing/subscription"): {"plan": "team", "payment_method": "pm_card_visa"},
    **TICKETING_VALID_BODIES,
    **COMMUNICATIONS_VALID_BODIES,
    ("POST", "/api/orgs/{org_id:uuid}/channels"): {"name": "intruders"},
    ("POST", "/api/orgs/{org_id:uuid}/channels/{channel_id:uuid}/messages"): {"body": "hello"},
    ("POST", "/api/orgs/{org_id:uuid}/channels/{channel_id:uuid}/members"): {"user_id": str(uuid.uuid4())},
}


async def build_tenant(client: Any, name: str) -> Tenant:
    owner = await register(client, f"{name} Owner")
    tenant = Tenant(owner=owner, org=await owner.create_org(name))
    tenant.ids["org_id"] = tenant.org["id"]
    tenant.ids["slug"] = tenant.org["slug"]  # the public side names the organization by its slug
    for kind, builder in KIND_BUILDERS.items():
        tenant.ids[kind] = await builder(client, tenant)
    return tenant
