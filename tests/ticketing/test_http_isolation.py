"""Isolation: another organization's chapters, teams, events, ticket types, orders and tickets answer 404,
in their own organization's paths and mixed into ours, and nothing of theirs changes."""

from __future__ import annotations

from typing import Any

from tests.ticketing.scenario import PopulatedOrganization, build_world, observe


def id_routes(w: PopulatedOrganization) -> list[tuple[str, str, Any]]:
    """Every route that names a resource by id, with a valid body, for the world w."""
    return [
        ("GET", f"/chapters/{w.chapter_id}", None),
        ("PATCH", f"/chapters/{w.chapter_id}", {"name": "Hijacked"}),
        ("DELETE", f"/chapters/{w.chapter_id}", None),
        ("GET", f"/chapters/{w.chapter_id}/members", None),
        ("POST", f"/chapters/{w.chapter_id}/members", {}),
        ("GET", f"/teams/{w.team_id}", None),
        ("PATCH", f"/teams/{w.team_id}", {"name": "Hijacked"}),
        ("DELETE", f"/teams/{w.team_id}", None),
        ("GET", f"/teams/{w.team_id}/members", None),
        ("POST", f"/teams/{w.team_id}/members", {}),
        ("DELETE", f"/teams/{w.team_id}/members/{w.member.id}", None),
        ("GET", f"/events/{w.event_id}", None),
        ("PATCH", f"/events/{w.event_id}", {"title": "Hijacked"}),
        ("POST", f"/events/{w.event_id}/publish", None),
        ("POST", f"/events/{w.event_id}/cancel", None),
        ("GET", f"/events/{w.event_id}/ticket-types", None),
        (
            "POST",
            f"/events/{w.event_id}/ticket-types",
            {"name": "X", "price_cents": 0, "currency": "EUR", "quantity": 1},
        ),
        ("POST", f"/events/{w.event_id}/orders", {"items": [{"ticket_type_id": w.free_type_id, "quantity": 1}]}),
        ("GET", f"/events/{w.event_id}/attendees", None),
        ("POST", f"/events/{w.event_id}/check-ins", {"ticket_code": w.ticket_code}),
        ("GET", f"/orders/{w.paid_order_id}", None),
        ("POST", f"/orders/{w.pending_order_id}/cancel", None),
        ("POST", f"/orders/{w.paid_order_id}/cancel", None),
        ("POST", f"/orders/{w.paid_order_id}/refund", None),
    ]


def collection_routes() -> list[tuple[str, str, Any]]:
    return [
        ("GET", "/chapters", None),
        ("POST", "/chapters", {"name": "X", "slug": "x-hijack"}),
        ("GET", "/teams", None),
        ("POST", "/teams", {"name": "X"}),
        ("GET", "/events", None),
        ("POST", "/events", {"title": "X", "starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T12:00:00Z",
                             "timezone": "UTC"}),
        ("GET", "/audit-log", None),
    ]  # fmt: skip


async def call(client: Any, method: str, url: str, body: Any, headers: dict[str, str]) -> Any:
    return await client.request(method, url, json=body, headers=headers)


async def test_another_organizations_ids_answer_404_in_their_paths_and_mixed_into_ours(client) -> None:
    mine, theirs = await build_world(client), await build_world(client)
    before_theirs, before_mine = await observe(client, theirs), await observe(client, mine)

    # Their organization's paths with my token: I am not a member, so nothing there exists for me.
    for method, path, body in id_routes(theirs) + collection_routes():
        response = await call(client, method, theirs.url(path), body, mine.owner.headers)
        assert response.status_code == 404, (method, path, response.status_code, response.text)

    # Their ids in my organization's paths.
    for method, path, body in id_routes(theirs):
        response = await call(client, method, mine.url(path), body, mine.owner.headers)
        assert response.status_code == 404, (method, path, response.status_code, response.text)

    # Their ids inside my requests' bodies.
    their_item = {"ticket_type_id": theirs.free_type_id, "quantity": 1}
    mixed = [
        ("POST", f"/events/{mine.event_id}/orders", {"items": [their_item]}),
        ("POST", f"/events/{mine.event_id}/check-ins", {"ticket_code": theirs.ticket_code}),
        ("POST", "/events", {"title": "X", "starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T12:00:00Z",
                             "timezone": "UTC", "chapter_id": theirs.chapter_id}),
        ("PATCH", f"/events/{mine.event_id}", {"chapter_id": theirs.chapter_id}),
        ("POST", "/teams", {"name": "X", "chapter_id": theirs.chapter_id}),
        ("POST", f"/chapters/{mine.chapter_id}/members", {"user_id": theirs.owner.id}),
        ("POST", f"/teams/{mine.team_id}/members", {"user_id": theirs.owner.id}),
        ("DELETE", f"/teams/{mine.team_id}/members/{theirs.member.id}", None),
    ]  # fmt: skip
    for method, path, body in mixed:
        response = await call(client, method, mine.url(path), body, mine.owner.headers)
        assert response.status_code == 404, (method, path, response.status_code, response.text)

    assert await observe(client, theirs) == before_theirs
    assert await observe(client, mine) == before_mine


async def test_my_tickets_show_only_mine(client) -> None:
    mine, theirs = await build_world(client), await build_world(client)
    codes = {t["code"] for t in (await client.get("/api/me/tickets", headers=mine.member.headers)).json()["items"]}
    assert mine.ticket_code in codes and theirs.ticket_code not in codes
    assert (await client.get("/api/me/tickets", headers=mine.owner.headers)).json()["items"] == []
