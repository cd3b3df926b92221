"""The demo world `make run` shows: chapters, a published public event with a free and a paid ticket type,
a channel with messages and a second member. Built through the API itself (in process, no socket), so the
demo is exactly what a client could make; seeded once: a second run finds the demo event and adds nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from adapters.security.tokens import HmacInvitationTokenCodec
from entrypoints.app import create_app
from entrypoints.settings import Settings

MEMBER_EMAIL = "member@demo.chapterhouse.test"
MEMBER_PASSWORD = "demo-password-456"
EVENT_TITLE = "Chapterhouse launch evening"
CHAPTERS = (("Lisbon", "lisbon", "Europe/Lisbon"), ("Berlin", "berlin", "Europe/Berlin"))
MESSAGES = (
    ("owner", "Welcome to the demo organization! Tickets for the launch evening are on sale."),
    ("member", "Thanks! I just took a free seat."),
    ("owner", "The supporter ticket helps pay for the venue."),
)


class DemoError(RuntimeError):
    pass


def _ok(response: Any, *statuses: int) -> dict[str, Any]:
    if response.status_code not in statuses:
        request = response.request
        raise DemoError(f"{request.method} {request.url.path}: {response.status_code} {response.text}")
    return dict(response.json()) if response.content else {}


async def _login(client: AsyncTestClient[Any], email: str, password: str, name: str) -> dict[str, str]:
    registered = await client.post("/api/auth/register", json={"email": email, "password": password, "name": name})
    _ok(registered, 201, 409)
    token = _ok(await client.post("/api/auth/login", json={"email": email, "password": password}), 200)
    return {"Authorization": f"Bearer {token['access_token']}"}


async def seed_demo_world(settings: Settings, owner_email: str, owner_password: str, org_slug: str) -> bool:
    """Returns True when it created the world, False when it was there already."""
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url=settings.public_url) as client:
        owner = await _login(client, owner_email, owner_password, "Demo Owner")
        orgs = _ok(await client.get("/api/orgs", headers=owner), 200)
        org = next(o for o in orgs["items"] if o["slug"] == org_slug)
        base = f"/api/orgs/{org['id']}"
        events = _ok(await client.get(f"{base}/events", headers=owner), 200)
        if any(e["title"] == EVENT_TITLE for e in events["items"]):
            return False
        member = await _login(client, MEMBER_EMAIL, MEMBER_PASSWORD, "Demo Member")
        await _add_member(client, settings, base, owner, member)
        for name, slug, timezone in CHAPTERS:  # 409: left by an earlier, interrupted seed
            chapter = {"name": name, "slug": slug, "city": name, "timezone": timezone}
            _ok(await client.post(f"{base}/chapters", json=chapter, headers=owner), 201, 409)
        chapters = _ok(await client.get(f"{base}/chapters", headers=owner), 200)["items"]
        first = next(c for c in chapters if c["slug"] == CHAPTERS[0][1])
        await _add_event(client, base, owner, first["id"])
        await _add_channel(client, base, owner, member)
    return True


async def _add_member(
    client: AsyncTestClient[Any], settings: Settings, base: str, owner: dict[str, str], member: dict[str, str]
) -> None:
    invited = await client.post(f"{base}/invitations", json={"email": MEMBER_EMAIL}, headers=owner)
    if invited.status_code == 409:  # a member already (an earlier, interrupted seed)
        return
    invitation = _ok(invited, 201)
    org_id = base.rsplit("/", 1)[1]
    # The token the invitation email carries (the seed has the secret; a person would click the link).
    token = HmacInvitationTokenCodec(settings.secret_key).encode(uuid.UUID(org_id), uuid.UUID(invitation["id"]))
    _ok(await client.post(f"/api/invitations/{token}/accept", headers=member), 200, 409)


async def _add_event(client: AsyncTestClient[Any], base: str, owner: dict[str, str], chapter_id: str) -> None:
    starts = (datetime.now(UTC) + timedelta(days=30)).replace(hour=18, minute=0, second=0, microsecond=0)
    event = _ok(
        await client.post(
            f"{base}/events",
            json={
                "title": EVENT_TITLE,
                "description": "Drinks, a short tour of the product, and questions.",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=3)).isoformat(),
                "timezone": "Europe/Lisbon",
                "chapter_id": chapter_id,
                "venue": "Rua das Flores 28, Lisbon",
                "capacity": 120,
            },
            headers=owner,
        ),
        201,
    )
    for name, price, quantity in (("Free entry", 0, 100), ("Supporter", 1500, 20)):
        ticket_type = {"name": name, "price_cents": price, "currency": "EUR", "quantity": quantity}
        _ok(await client.post(f"{base}/events/{event['id']}/ticket-types", json=ticket_type, headers=owner), 201)
    _ok(await client.post(f"{base}/events/{event['id']}/publish", headers=owner), 200)


async def _add_channel(client: AsyncTestClient[Any], base: str, owner: dict[str, str], member: dict[str, str]) -> None:
    channel = _ok(await client.post(f"{base}/channels", json={"name": "general"}, headers=owner), 201)
    who = {"owner": owner, "member": member}
    me = _ok(await client.get("/api/me", headers=member), 200)
    member_id = me.get("id") or me.get("user", {}).get("id")
    added = await client.post(f"{base}/channels/{channel['id']}/members", json={"user_id": member_id}, headers=owner)
    _ok(added, 200, 201, 409)
    for author, body in MESSAGES:
        messages = f"{base}/channels/{channel['id']}/messages"
        _ok(await client.post(messages, json={"body": body}, headers=who[author]), 201)
