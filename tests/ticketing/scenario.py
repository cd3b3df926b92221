"""A populated organization (chapter, team, event, ticket types, orders, tickets) and its observable state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.fixtures.api import ApiUser, register, unique
from tests.fixtures.ticketing import add_member, create_event, create_ticket_type, order


@dataclass
class PopulatedOrganization:
    """An organization with a chapter, a team, an event, ticket types, orders and a ticket, made over the API."""

    owner: ApiUser
    member: ApiUser
    org_id: str
    chapter_id: str
    team_id: str
    event_id: str
    free_type_id: str
    paid_type_id: str
    paid_order_id: str  # free, so paid at once, with tickets
    pending_order_id: str
    ticket_code: str

    def url(self, path: str) -> str:
        return f"/api/orgs/{self.org_id}{path}"


async def build_world(client: Any) -> PopulatedOrganization:
    owner = await register(client, name="Owner")
    org_id = (await owner.create_org())["id"]
    member = await add_member(owner, org_id)
    chapter = await client.post(
        f"/api/orgs/{org_id}/chapters", json={"name": "Chapter", "slug": unique("c-")}, headers=owner.headers
    )
    chapter_id = chapter.json()["id"]
    await client.post(f"/api/orgs/{org_id}/chapters/{chapter_id}/members", json={}, headers=member.headers)
    team_id = (await client.post(f"/api/orgs/{org_id}/teams", json={"name": "Team"}, headers=owner.headers)).json()[
        "id"
    ]
    await client.post(f"/api/orgs/{org_id}/teams/{team_id}/members", json={}, headers=member.headers)
    event = await create_event(owner, org_id, chapter_id=chapter_id, capacity=50)
    free = await create_ticket_type(owner, org_id, event["id"], name="Free")
    paid = await create_ticket_type(owner, org_id, event["id"], name="Paid", price_cents=1200)
    paid_order = (await order(member, org_id, event["id"], (free["id"], 2))).json()
    pending = (await order(member, org_id, event["id"], (paid["id"], 1))).json()
    return PopulatedOrganization(
        owner=owner,
        member=member,
        org_id=org_id,
        chapter_id=chapter_id,
        team_id=team_id,
        event_id=event["id"],
        free_type_id=free["id"],
        paid_type_id=paid["id"],
        paid_order_id=paid_order["id"],
        pending_order_id=pending["id"],
        ticket_code=paid_order["tickets"][0]["code"],
    )


async def observe(client: Any, w: PopulatedOrganization) -> dict[str, Any]:
    """Everything the owner can read of the organization: equal before and after means nothing changed."""
    h = w.owner.headers
    paths = [
        "/chapters",
        f"/chapters/{w.chapter_id}/members",
        "/teams",
        f"/teams/{w.team_id}/members",
        "/events?status=draft",
        "/events",
        f"/events/{w.event_id}/ticket-types",
        f"/events/{w.event_id}/attendees",
        f"/orders/{w.paid_order_id}",
        f"/orders/{w.pending_order_id}",
        "/audit-log?limit=100",
        "/members",
    ]
    state: dict[str, Any] = {}
    for path in paths:
        response = await client.get(w.url(path), headers=h)
        assert response.status_code == 200, (path, response.text)
        state[path] = response.json()
    state["my tickets"] = (await client.get("/api/me/tickets", headers=w.member.headers)).json()
    return state
