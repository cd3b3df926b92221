"""Builders of chapters, teams, events and orders for the generated cross-tenant matrix (tests/isolation)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.fixtures.api import unique
from tests.fixtures.ticketing import create_event, create_ticket_type, order


async def _chapter(client: Any, tenant: Any) -> str:
    response = await client.post(
        f"/api/orgs/{tenant.org['id']}/chapters",
        json={"name": "Chapter", "slug": unique("c-")},
        headers=tenant.owner.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _team(client: Any, tenant: Any) -> str:
    response = await client.post(
        f"/api/orgs/{tenant.org['id']}/teams", json={"name": "Team"}, headers=tenant.owner.headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _event(client: Any, tenant: Any) -> str:
    # Public: on the public side, their event must still be 404 under my organization's slug.
    event = await create_event(tenant.owner, tenant.org["id"], visibility="public")
    ticket_type = await create_ticket_type(tenant.owner, tenant.org["id"], event["id"])
    tenant.ids["ticket_type"] = ticket_type["id"]
    return str(event["id"])


async def _order(client: Any, tenant: Any) -> str:
    response = await order(tenant.owner, tenant.org["id"], tenant.ids["event_id"], (tenant.ids["ticket_type"], 1))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


# In this order: an order needs the event (and its ticket type) built before it.
TICKETING_BUILDERS = {"chapter_id": _chapter, "team_id": _team, "event_id": _event, "order_id": _order}

_ORG = "/api/orgs/{org_id:uuid}"
_WHEN = {"starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T12:00:00Z", "timezone": "UTC"}
TICKETING_VALID_BODIES: dict[tuple[str, str], Any] = {
    ("POST", f"{_ORG}/chapters"): {"name": "Chapter", "slug": "taken-over"},
    ("POST", f"{_ORG}/teams"): {"name": "Team"},
    ("POST", f"{_ORG}/events"): {"title": "Event", **_WHEN},
    ("PATCH", f"{_ORG}/chapters/{{chapter_id:uuid}}"): {"name": "Renamed"},
    ("POST", f"{_ORG}/chapters/{{chapter_id:uuid}}/members"): {},
    ("PATCH", f"{_ORG}/teams/{{team_id:uuid}}"): {"name": "Renamed"},
    ("POST", f"{_ORG}/teams/{{team_id:uuid}}/members"): {},
    ("PATCH", f"{_ORG}/events/{{event_id:uuid}}"): {"title": "Renamed", **_WHEN},
    ("POST", f"{_ORG}/events/{{event_id:uuid}}/ticket-types"): {
        "name": "T",
        "price_cents": 0,
        "currency": "EUR",
        "quantity": 1,
    },
    ("POST", f"{_ORG}/events/{{event_id:uuid}}/orders"): {
        "items": [{"ticket_type_id": str(uuid.uuid4()), "quantity": 1}]
    },
    ("POST", f"{_ORG}/events/{{event_id:uuid}}/check-ins"): {"ticket_code": "not-a-code"},
    ("POST", "/api/public/orgs/{slug:str}/events/{event_id:uuid}/orders"): {
        "items": [{"ticket_type_id": str(uuid.uuid4()), "quantity": 1}]
    },
}
