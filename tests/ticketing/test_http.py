"""End to end on real PostgreSQL: events, ticket types, orders, tickets, check-in, attendees."""

from __future__ import annotations

from tests.fixtures.api import register
from tests.fixtures.ticketing import add_member, create_event, create_ticket_type, future, order


async def test_free_order_is_paid_with_one_ticket_per_seat_and_checks_in_once(api):
    client = api
    owner = await register(client)
    org = await owner.create_org()
    event = await create_event(owner, org["id"], capacity=100)
    ticket_type = await create_ticket_type(owner, org["id"], event["id"], quantity=5)
    member = await add_member(owner, org["id"])

    response = await order(member, org["id"], event["id"], (ticket_type["id"], 2))
    assert response.status_code == 201, response.text
    placed = response.json()
    assert placed["status"] == "paid" and placed["total_cents"] == 0 and placed["payment"] is None
    assert len(placed["tickets"]) == 2
    assert len({t["code"] for t in placed["tickets"]}) == 2

    again = await client.get(f"/api/orgs/{org['id']}/orders/{placed['id']}", headers=member.headers)
    assert again.status_code == 200 and again.json()["tickets"] == placed["tickets"]

    mine = await client.get("/api/me/tickets", headers=member.headers)
    assert mine.status_code == 200
    assert {t["code"] for t in mine.json()["items"]} == {t["code"] for t in placed["tickets"]}
    assert mine.json()["items"][0]["event_title"] == "Meetup"

    code = placed["tickets"][0]["code"]
    check_in = f"/api/orgs/{org['id']}/events/{event['id']}/check-ins"
    first = await client.post(check_in, json={"ticket_code": code}, headers=owner.headers)
    assert first.status_code == 200, first.text
    assert first.json()["holder"] == {"user_id": member.id, "name": "A member", "email": member.email}
    second = await client.post(check_in, json={"ticket_code": code}, headers=owner.headers)
    assert second.status_code == 409
    other_event = await create_event(owner, org["id"], title="Other")
    elsewhere = f"/api/orgs/{org['id']}/events/{other_event['id']}/check-ins"
    wrong_event = await client.post(
        elsewhere, json={"ticket_code": placed["tickets"][1]["code"]}, headers=owner.headers
    )
    assert wrong_event.status_code == 404
    unknown = await client.post(check_in, json={"ticket_code": "no-such-code"}, headers=owner.headers)
    assert unknown.status_code == 404

    attendees = await client.get(f"/api/orgs/{org['id']}/events/{event['id']}/attendees", headers=owner.headers)
    assert attendees.status_code == 200
    items = attendees.json()["items"]
    assert len(items) == 2 and sum(1 for a in items if a["checked_in_at"]) == 1

    types = await client.get(f"/api/orgs/{org['id']}/events/{event['id']}/ticket-types", headers=member.headers)
    assert types.json()["items"][0]["reserved"] == 2


async def test_paid_order_is_pending_for_fifteen_minutes_and_sold_out_answers_409(api):
    client = api
    owner = await register(client)
    org = await owner.create_org()
    event = await create_event(owner, org["id"])
    vip = await create_ticket_type(owner, org["id"], event["id"], name="VIP", price_cents=2500, quantity=3)

    response = await order(owner, org["id"], event["id"], (vip["id"], 2))
    assert response.status_code == 201, response.text
    pending = response.json()
    assert pending["status"] == "pending" and pending["total_cents"] == 5000 and pending["currency"] == "EUR"
    assert pending["expires_at"] is not None and pending["tickets"] == []
    # What Stripe.js needs to pay; the buyer reads the same payment back while the order is pending.
    assert pending["payment"]["client_secret"] and pending["payment"]["payment_intent_id"].startswith("pi_")
    again = await client.get(f"/api/orgs/{org['id']}/orders/{pending['id']}", headers=owner.headers)
    assert again.json()["payment"] == pending["payment"]

    sold_out = await order(owner, org["id"], event["id"], (vip["id"], 2))
    assert sold_out.status_code == 409

    cancelled = await client.post(f"/api/orgs/{org['id']}/orders/{pending['id']}/cancel", headers=owner.headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert (await order(owner, org["id"], event["id"], (vip["id"], 2))).status_code == 201


async def test_event_capacity_bounds_every_ticket_type_together(api):
    client = api
    owner = await register(client)
    org = await owner.create_org()
    event = await create_event(owner, org["id"], capacity=3)
    a = await create_ticket_type(owner, org["id"], event["id"], name="A", quantity=3)
    b = await create_ticket_type(owner, org["id"], event["id"], name="B", quantity=3)
    assert (await order(owner, org["id"], event["id"], (a["id"], 2))).status_code == 201
    full = await order(owner, org["id"], event["id"], (b["id"], 2))
    assert full.status_code == 409 and "full" in full.json()["detail"]
    assert (await order(owner, org["id"], event["id"], (b["id"], 1))).status_code == 201


async def test_members_do_not_see_drafts_and_lists_filter_and_paginate(api):
    client = api
    owner = await register(client)
    org = await owner.create_org()
    member = await add_member(owner, org["id"])
    draft = await create_event(owner, org["id"], publish=False, title="Draft")
    published = [
        await create_event(owner, org["id"], title=f"E{i}", starts_at=future(20 + i), ends_at=future(20.5 + i))
        for i in range(3)
    ]
    url = f"/api/orgs/{org['id']}/events"
    assert (await client.get(f"{url}/{draft['id']}", headers=member.headers)).status_code == 404
    assert (await client.get(f"{url}/{draft['id']}", headers=owner.headers)).status_code == 200

    first = await client.get(url, params={"limit": 2}, headers=member.headers)
    assert first.status_code == 200
    page = first.json()
    assert [e["title"] for e in page["items"]] == ["E0", "E1"] and page["next_cursor"]
    rest = await client.get(url, params={"limit": 2, "cursor": page["next_cursor"]}, headers=member.headers)
    assert [e["title"] for e in rest.json()["items"]] == ["E2"] and rest.json()["next_cursor"] is None

    everything = await client.get(url, headers=owner.headers)
    assert {e["title"] for e in everything.json()["items"]} == {"Draft", "E0", "E1", "E2"}
    drafts = await client.get(url, params={"status": "draft"}, headers=owner.headers)
    assert [e["id"] for e in drafts.json()["items"]] == [draft["id"]]
    window = await client.get(
        url, params={"starts_after": published[1]["starts_at"], "starts_before": future(40)}, headers=member.headers
    )
    assert [e["title"] for e in window.json()["items"]] == ["E1", "E2"]


async def test_cancelling_an_event_cancels_pending_orders_and_marks_paid_ones_for_refund(api):
    client = api
    owner = await register(client)
    org = await owner.create_org()
    event = await create_event(owner, org["id"])
    free = await create_ticket_type(owner, org["id"], event["id"], name="Free")
    paid = await create_ticket_type(owner, org["id"], event["id"], name="Paid", price_cents=1000)
    free_order = (await order(owner, org["id"], event["id"], (free["id"], 1))).json()
    pending = (await order(owner, org["id"], event["id"], (paid["id"], 1))).json()

    response = await client.post(f"/api/orgs/{org['id']}/events/{event['id']}/cancel", headers=owner.headers)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert response.json()["reserved"] == 0
    for placed in (free_order, pending):
        read = await client.get(f"/api/orgs/{org['id']}/orders/{placed['id']}", headers=owner.headers)
        assert read.json()["status"] == "cancelled" and read.json()["tickets"] == []
    assert (await order(owner, org["id"], event["id"], (free["id"], 1))).status_code == 409


async def test_check_in_staff_only_checks_in_and_members_cannot_manage(api):
    client = api
    owner = await register(client)
    org = await owner.create_org()
    staff = await add_member(owner, org["id"], role="check_in_staff")
    member = await add_member(owner, org["id"])
    event = await create_event(owner, org["id"])
    ticket_type = await create_ticket_type(owner, org["id"], event["id"])
    code = (await order(member, org["id"], event["id"], (ticket_type["id"], 1))).json()["tickets"][0]["code"]
    events = f"/api/orgs/{org['id']}/events"

    assert (await order(staff, org["id"], event["id"], (ticket_type["id"], 1))).status_code == 403
    assert (await client.get(f"{events}/{event['id']}/attendees", headers=member.headers)).status_code == 403
    body = {"title": "Nope", "starts_at": future(), "ends_at": future(11), "timezone": "UTC"}
    assert (await client.post(events, json=body, headers=member.headers)).status_code == 403
    denied = await client.post(f"{events}/{event['id']}/check-ins", json={"ticket_code": code}, headers=member.headers)
    assert denied.status_code == 403
    checked = await client.post(f"{events}/{event['id']}/check-ins", json={"ticket_code": code}, headers=staff.headers)
    assert checked.status_code == 200
