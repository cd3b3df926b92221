"""Registered users who are not members buy on the public side (PostgreSQL with localstripe, and the twins)."""

from __future__ import annotations

import pytest

from tests.fixtures.api import register
from tests.fixtures.ticketing import add_member, create_event, create_ticket_type

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning")


async def _public_order(user, slug, event_id, *items):
    return await user.client.post(
        f"/api/public/orgs/{slug}/events/{event_id}/orders",
        json={"items": [{"ticket_type_id": tt, "quantity": q} for tt, q in items]},
        headers=user.headers,
    )


async def test_a_non_member_buys_free_and_paid_tickets_and_sees_only_their_own(api):
    owner = await register(api)
    org = await owner.create_org()
    slug = org["slug"]
    event = await create_event(owner, org["id"], visibility="public", capacity=50)
    free = await create_ticket_type(owner, org["id"], event["id"], quantity=10)
    paid = await create_ticket_type(owner, org["id"], event["id"], name="Paid", price_cents=1500, quantity=10)
    buyer = await register(api, "Buyer")

    free_order = await _public_order(buyer, slug, event["id"], (free["id"], 2))
    assert free_order.status_code == 201, free_order.text
    assert free_order.json()["status"] == "paid" and len(free_order.json()["tickets"]) == 2
    paid_order = await _public_order(buyer, slug, event["id"], (paid["id"], 1))
    assert paid_order.status_code == 201, paid_order.text
    assert paid_order.json()["status"] == "pending" and paid_order.json()["total_cents"] == 1500
    assert paid_order.json()["payment"]["client_secret"]

    mine = await api.get("/api/me/orders", headers=buyer.headers)
    assert mine.status_code == 200
    assert [o["id"] for o in mine.json()["items"]] == [free_order.json()["id"], paid_order.json()["id"]]
    assert {o["organization_id"] for o in mine.json()["items"]} == {org["id"]}
    one = await api.get(f"/api/me/orders/{paid_order.json()['id']}", headers=buyer.headers)
    assert one.status_code == 200 and one.json()["payment"]["client_secret"]
    tickets = await api.get("/api/me/tickets", headers=buyer.headers)
    assert {t["code"] for t in tickets.json()["items"]} == {t["code"] for t in free_order.json()["tickets"]}

    # Another user's order is unknown to them, through every /api/me/orders route.
    stranger = await register(api, "Stranger")
    for method, path in (("GET", ""), ("POST", "/cancel")):
        url = f"/api/me/orders/{paid_order.json()['id']}{path}"
        assert (await api.request(method, url, headers=stranger.headers)).status_code == 404
    assert (await api.get("/api/me/orders", headers=stranger.headers)).json()["items"] == []

    # A buyer is not a member: every organization route is 404, and the member count is unchanged.
    for path in ("", "/members", "/events", f"/events/{event['id']}", f"/orders/{free_order.json()['id']}"):
        assert (await api.get(f"/api/orgs/{org['id']}{path}", headers=buyer.headers)).status_code == 404, path
    members = await api.get(f"/api/orgs/{org['id']}/members", headers=owner.headers)
    assert buyer.id not in {m["user_id"] for m in members.json()["items"]}

    # Staff see the buyer among the attendees and check them in.
    staff = await add_member(owner, org["id"], "check_in_staff")
    attendees = await api.get(f"/api/orgs/{org['id']}/events/{event['id']}/attendees", headers=owner.headers)
    assert {a["holder"]["user_id"] for a in attendees.json()["items"]} == {buyer.id}
    code = free_order.json()["tickets"][0]["code"]
    checked = await api.post(
        f"/api/orgs/{org['id']}/events/{event['id']}/check-ins", json={"ticket_code": code}, headers=staff.headers
    )
    assert checked.status_code == 200, checked.text
    assert checked.json()["holder"]["user_id"] == buyer.id

    # Their own pending order they may cancel: the seat comes back.
    cancelled = await api.post(f"/api/me/orders/{paid_order.json()['id']}/cancel", headers=buyer.headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    public = await api.get(f"/api/public/orgs/{slug}/events/{event['id']}")
    assert {t["name"]: t["seats_left"] for t in public.json()["ticket_types"]} == {"General": 8, "Paid": 10}


async def test_members_only_draft_and_foreign_events_are_404_to_buyers_and_rules_still_hold(api):
    owner = await register(api)
    org = await owner.create_org()
    slug = org["slug"]
    members_only = await create_event(owner, org["id"])
    draft = await create_event(owner, org["id"], visibility="public", publish=False)
    public = await create_event(owner, org["id"], visibility="public")
    tt_members = await create_ticket_type(owner, org["id"], members_only["id"], quantity=1)
    tt_draft = await create_ticket_type(owner, org["id"], draft["id"])
    tt_public = await create_ticket_type(owner, org["id"], public["id"], quantity=2, max_per_order=2)
    buyer = await register(api, "Buyer")
    # Sold out members-only: still 404, never a 409 that would tell it exists.
    assert (await _public_order(owner, slug, members_only["id"], (tt_members["id"], 1))).status_code == 404
    for event, tt in ((members_only, tt_members), (draft, tt_draft)):
        assert (await _public_order(buyer, slug, event["id"], (tt["id"], 1))).status_code == 404
    other = await register(api)
    other_org = await other.create_org()
    assert (await _public_order(buyer, other_org["slug"], public["id"], (tt_public["id"], 1))).status_code == 404
    assert (await _public_order(buyer, slug, public["id"], (tt_public["id"], 3))).status_code in (409, 422)
    assert (await _public_order(buyer, slug, public["id"], (tt_public["id"], 2))).status_code == 201
    assert (await _public_order(buyer, slug, public["id"], (tt_public["id"], 1))).status_code == 409
    anonymous = await api.post(
        f"/api/public/orgs/{slug}/events/{public['id']}/orders",
        json={"items": [{"ticket_type_id": tt_public["id"], "quantity": 1}]},
    )
    assert anonymous.status_code == 401
