"""Bad input on every route of chapters, teams, events and ticketing: 400 or 422, and nothing written."""

from __future__ import annotations

from typing import Any

from tests.ticketing.scenario import PopulatedOrganization, build_world, observe

LONG = "x" * 201
WHEN = {"starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T12:00:00Z", "timezone": "UTC"}
EVENT = {"title": "Event", **WHEN}
TICKET_TYPE = {"name": "T", "price_cents": 0, "currency": "EUR", "quantity": 1}


def bad_bodies(w: PopulatedOrganization) -> list[tuple[str, str, Any]]:
    item = {"ticket_type_id": w.free_type_id, "quantity": 1}
    return [
        # chapters
        ("POST", "/chapters", {}),
        ("POST", "/chapters", {"name": "", "slug": "ok"}),
        ("POST", "/chapters", {"name": "X", "slug": "Not A Slug"}),
        ("POST", "/chapters", {"name": "X", "slug": "ok-tz", "timezone": "Nowhere/Else"}),
        ("POST", "/chapters", {"name": "X", "slug": "ok-extra", "extra": 1}),
        ("POST", "/chapters", {"name": 5, "slug": "ok-type"}),
        ("POST", "/chapters", {"name": LONG, "slug": "ok-long"}),
        ("POST", "/chapters", {"name": "X", "slug": "ok-city", "city": LONG}),
        ("PATCH", f"/chapters/{w.chapter_id}", {"slug": "BAD!"}),
        ("PATCH", f"/chapters/{w.chapter_id}", {"timezone": "Mars/Base"}),
        ("PATCH", f"/chapters/{w.chapter_id}", {"name": ""}),
        ("PATCH", f"/chapters/{w.chapter_id}", {"owner": "me"}),
        ("POST", f"/chapters/{w.chapter_id}/members", {"role": "boss"}),
        ("POST", f"/chapters/{w.chapter_id}/members", {"user_id": "not-a-uuid"}),
        ("POST", f"/chapters/{w.chapter_id}/members", {"extra": True}),
        # teams
        ("POST", "/teams", {}),
        ("POST", "/teams", {"name": ""}),
        ("POST", "/teams", {"name": "X", "chapter_id": "nope"}),
        ("PATCH", f"/teams/{w.team_id}", {}),
        ("PATCH", f"/teams/{w.team_id}", {"name": LONG}),
        ("POST", f"/teams/{w.team_id}/members", {"user_id": 5}),
        # events
        ("POST", "/events", {}),
        ("POST", "/events", {**EVENT, "ends_at": "2030-01-01T09:00:00Z"}),
        ("POST", "/events", {**EVENT, "starts_at": "2030-01-01T10:00:00"}),  # no UTC offset
        ("POST", "/events", {**EVENT, "starts_at": "tomorrow"}),
        ("POST", "/events", {**EVENT, "timezone": "Europe/Atlantis"}),
        ("POST", "/events", {**EVENT, "capacity": 0}),
        ("POST", "/events", {**EVENT, "capacity": -5}),
        ("POST", "/events", {**EVENT, "online_url": "javascript:alert(1)"}),
        ("POST", "/events", {**EVENT, "title": ""}),
        ("POST", "/events", {**EVENT, "title": LONG}),
        ("POST", "/events", {**EVENT, "status": "published"}),
        ("PATCH", f"/events/{w.event_id}", {"ends_at": "2000-01-01T00:00:00Z"}),
        ("PATCH", f"/events/{w.event_id}", {"capacity": 0}),
        ("PATCH", f"/events/{w.event_id}", {"capacity": 1}),  # below the seats already taken: 409
        ("PATCH", f"/events/{w.event_id}", {"timezone": "X/Y"}),
        ("PATCH", f"/events/{w.event_id}", {"title": None}),
        ("PATCH", f"/events/{w.event_id}", {"reserved": 0}),
        # ticket types
        ("POST", f"/events/{w.event_id}/ticket-types", {**TICKET_TYPE, "price_cents": -1}),
        ("POST", f"/events/{w.event_id}/ticket-types", {**TICKET_TYPE, "currency": "EURO"}),
        ("POST", f"/events/{w.event_id}/ticket-types", {**TICKET_TYPE, "quantity": 0}),
        ("POST", f"/events/{w.event_id}/ticket-types", {**TICKET_TYPE, "max_per_order": 101}),
        (
            "POST",
            f"/events/{w.event_id}/ticket-types",
            {**TICKET_TYPE, "sales_start": "2030-01-02T00:00:00Z", "sales_end": "2030-01-01T00:00:00Z"},
        ),
        ("POST", f"/events/{w.event_id}/ticket-types", {"price_cents": 0, "currency": "EUR", "quantity": 1}),
        # orders
        ("POST", f"/events/{w.event_id}/orders", {"items": []}),
        ("POST", f"/events/{w.event_id}/orders", {}),
        ("POST", f"/events/{w.event_id}/orders", {"items": [{**item, "quantity": 0}]}),
        ("POST", f"/events/{w.event_id}/orders", {"items": [{**item, "quantity": 101}]}),
        ("POST", f"/events/{w.event_id}/orders", {"items": [{**item, "quantity": 11}]}),  # above max per order
        ("POST", f"/events/{w.event_id}/orders", {"items": [item, item]}),
        ("POST", f"/events/{w.event_id}/orders", {"items": [{"ticket_type_id": "nope", "quantity": 1}]}),
        # check-in
        ("POST", f"/events/{w.event_id}/check-ins", {}),
        ("POST", f"/events/{w.event_id}/check-ins", {"ticket_code": ""}),
        ("POST", f"/events/{w.event_id}/check-ins", {"ticket_code": "x" * 65}),
        ("POST", f"/events/{w.event_id}/check-ins", {"ticket_code": 12345}),
    ]


def bad_queries(w: PopulatedOrganization) -> list[str]:
    return [
        "/events?limit=0",
        "/events?limit=101",
        "/events?limit=abc",
        "/events?cursor=!!!",
        "/events?cursor=WzEsMl0",  # base64 of [1,2]: decodes, but is no cursor
        "/events?status=bogus",
        "/events?starts_after=not-a-date",
        "/events?starts_after=2030-01-01T00:00:00",  # no UTC offset
        "/events?chapter_id=nope",
        f"/events/{w.event_id}/attendees?cursor=garbage",
        f"/events/{w.event_id}/attendees?limit=1000",
        f"/chapters/{w.chapter_id}/members?cursor=garbage",
        "/chapters?limit=-1",
        "/teams?chapter_id=123",
        f"/teams/{w.team_id}/members?limit=0",
        "/audit-log?cursor=garbage",
        "/audit-log?limit=0",
    ]


async def test_bad_bodies_are_refused_and_write_nothing(client) -> None:
    w = await build_world(client)
    before = await observe(client, w)
    for method, path, body in bad_bodies(w):
        response = await client.request(method, w.url(path), json=body, headers=w.owner.headers)
        expected = {409} if body == {"capacity": 1} else {400, 422}
        assert response.status_code in expected, (method, path, body, response.status_code, response.text)
    malformed = await client.post(
        w.url("/events"), content=b'{"title": ', headers={**w.owner.headers, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert await observe(client, w) == before


async def test_bad_query_parameters_are_refused(client) -> None:
    w = await build_world(client)
    for path in bad_queries(w):
        response = await client.get(w.url(path), headers=w.owner.headers)
        assert response.status_code in (400, 422), (path, response.status_code, response.text)
    for query in ("limit=0", "cursor=garbage"):
        response = await client.get(f"/api/me/tickets?{query}", headers=w.member.headers)
        assert response.status_code in (400, 422), (query, response.text)
