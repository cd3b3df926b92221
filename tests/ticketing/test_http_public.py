"""The public side over HTTP (PostgreSQL and the memory twins), no token: what shows, what is 404, seats
left, UTC timestamps, ETags, iCal."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar

from tests.fixtures.api import register
from tests.fixtures.ticketing import add_member, create_event, create_ticket_type, future, order


async def _public_event(owner, org_id, **fields):
    return await create_event(owner, org_id, visibility="public", **fields)


async def test_only_published_public_events_show_and_everything_else_is_404(api):
    client = api
    owner = await register(client)
    org = await owner.create_org("Open House")
    slug = org["slug"]
    chapter = (
        await client.post(
            f"/api/orgs/{org['id']}/chapters", json={"name": "Paris", "slug": "paris"}, headers=owner.headers
        )
    ).json()
    shown = await _public_event(owner, org["id"], title="Shown", chapter_id=chapter["id"])
    members_only = await create_event(owner, org["id"], title="Members only")
    draft = await create_event(owner, org["id"], title="Draft", publish=False, visibility="public")
    cancelled = await _public_event(owner, org["id"], title="Cancelled")
    assert (
        await client.post(f"/api/orgs/{org['id']}/events/{cancelled['id']}/cancel", headers=owner.headers)
    ).status_code == 200
    other_owner = await register(client)
    other_org = await other_owner.create_org()
    elsewhere = await _public_event(other_owner, other_org["id"], title="Elsewhere")

    page = await client.get(f"/api/public/orgs/{slug}")
    assert page.status_code == 200, page.text
    assert page.json()["name"] == "Open House" and [c["slug"] for c in page.json()["chapters"]] == ["paris"]

    listed = await client.get(f"/api/public/orgs/{slug}/events")
    assert listed.status_code == 200, listed.text
    assert [e["title"] for e in listed.json()["items"]] == ["Shown"]
    assert (await client.get(f"/api/public/orgs/{slug}/events?chapter=paris")).json()["items"][0]["id"] == shown["id"]
    assert (await client.get(f"/api/public/orgs/{slug}/events?chapter=nowhere")).json()["items"] == []

    base = f"/api/public/orgs/{slug}/events"
    assert (await client.get(f"{base}/{shown['id']}")).status_code == 200
    for hidden in (members_only, draft, cancelled, elsewhere):
        assert (await client.get(f"{base}/{hidden['id']}")).status_code == 404, hidden["title"]
    assert (await client.get("/api/public/orgs/no-such-org/events")).status_code == 404
    assert (await client.get("/api/public/orgs/NOT%20A%20SLUG")).status_code == 404
    assert (await client.get(f"{base}?starts_after=2026-01-01T00:00:00")).status_code in (400, 422)

    # Members still see both kinds as before.
    member = await add_member(owner, org["id"])
    seen = await client.get(f"/api/orgs/{org['id']}/events", headers=member.headers)
    assert {"Shown", "Members only"} <= {e["title"] for e in seen.json()["items"]}
    assert {e["visibility"] for e in seen.json()["items"]} == {"public", "members"}


async def test_cursor_pages_and_time_filters(api):
    owner = await register(api)
    org = await owner.create_org()
    ids = [
        (await _public_event(owner, org["id"], starts_at=future(d), ends_at=future(d + 0.1)))["id"] for d in (3, 1, 2)
    ]
    base = f"/api/public/orgs/{org['slug']}/events"
    first = (await api.get(f"{base}?limit=2")).json()
    second = (await api.get(base, params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert [e["id"] for e in first["items"] + second["items"]] == [ids[1], ids[2], ids[0]]
    assert second["next_cursor"] is None
    window = (await api.get(base, params={"starts_after": future(1.5), "starts_before": future(2.5)})).json()
    assert [e["id"] for e in window["items"]] == [ids[2]]


async def test_seats_left_match_the_counters_after_a_rush(api):
    owner = await register(api)
    org = await owner.create_org()
    event = await _public_event(owner, org["id"], capacity=7)
    general = await create_ticket_type(owner, org["id"], event["id"], quantity=5)
    vip = await create_ticket_type(owner, org["id"], event["id"], name="VIP", quantity=4)
    buyers = [await add_member(owner, org["id"]) for _ in range(6)]
    results = await asyncio.gather(
        *(order(b, org["id"], event["id"], (general["id"] if i % 2 else vip["id"], 2)) for i, b in enumerate(buyers))
    )
    sold = sum(2 for r in results if r.status_code == 201)
    assert {r.status_code for r in results} <= {201, 409}
    types = (await api.get(f"/api/orgs/{org['id']}/events/{event['id']}/ticket-types", headers=owner.headers)).json()
    reserved = {t["id"]: t["reserved"] for t in types["items"]}
    assert sum(reserved.values()) == sold

    public = (await api.get(f"/api/public/orgs/{org['slug']}/events/{event['id']}")).json()
    room = 7 - sold
    assert public["seats_left"] == min(room, 5 - reserved[general["id"]] + 4 - reserved[vip["id"]])
    left = {t["id"]: t["seats_left"] for t in public["ticket_types"]}
    assert left == {
        general["id"]: min(room, 5 - reserved[general["id"]]),
        vip["id"]: min(room, 4 - reserved[vip["id"]]),
    }
    assert {t["price_cents"] for t in public["ticket_types"]} == {0}


async def test_public_reads_answer_in_utc_z_and_upper_case_currency_like_every_read(api):
    owner = await register(api)
    org = await owner.create_org()
    event = await _public_event(
        owner, org["id"], starts_at="2031-03-01T19:30:00+01:00", ends_at="2031-03-01T22:00:00.250000-05:00"
    )
    await create_ticket_type(owner, org["id"], event["id"], price_cents=500, currency="eur")
    for url in (f"/api/public/orgs/{org['slug']}/events/{event['id']}", f"/api/public/orgs/{org['slug']}/events"):
        response = await api.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        shown = body["items"][0] if "items" in body else body
        assert (shown["starts_at"], shown["ends_at"]) == ("2031-03-01T18:30:00Z", "2031-03-02T03:00:00.250000Z")
        assert [t["currency"] for t in shown["ticket_types"]] == ["EUR"]


async def test_etag_round_trip_answers_304_and_a_change_gives_a_new_body(api):
    owner = await register(api)
    org = await owner.create_org()
    event = await _public_event(owner, org["id"])
    ticket_type = await create_ticket_type(owner, org["id"], event["id"], quantity=3)
    url = f"/api/public/orgs/{org['slug']}/events"
    first = await api.get(url)
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public, max-age=")
    again = await api.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert (await api.get(url, headers={"If-None-Match": '"other"'})).status_code == 200

    assert (await order(owner, org["id"], event["id"], (ticket_type["id"], 1))).status_code == 201
    await asyncio.sleep(1.1)  # past the revalidation window: the store decides again
    changed = await api.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.json()["items"][0]["ticket_types"][0]["seats_left"] == 2


async def test_calendar_feed_round_trips_start_end_and_time_zone(api):
    owner = await register(api)
    org = await owner.create_org("Calendar Org")
    tokyo = await _public_event(
        owner,
        org["id"],
        title="Tokyo",
        timezone="Asia/Tokyo",
        starts_at="2030-03-10T10:00:00+09:00",
        ends_at="2030-03-10T12:30:00+09:00",
        venue="Shibuya",
    )
    paris = await _public_event(
        owner,
        org["id"],
        title="Paris",
        timezone="Europe/Paris",
        starts_at="2030-07-01T18:00:00+00:00",
        ends_at="2030-07-01T20:00:00+00:00",
    )
    await create_event(owner, org["id"], title="Members only")
    assert (
        await api.post(f"/api/orgs/{org['id']}/events/{paris['id']}/cancel", headers=owner.headers)
    ).status_code == 200

    response = await api.get(f"/api/public/orgs/{org['slug']}/calendar.ics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"Tokyo", "Paris"}
    assert {str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")} == {"Asia/Tokyo", "Europe/Paris"}
    start = events["Tokyo"].decoded("dtstart")
    assert start == datetime(2030, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert str(start.tzinfo) == "Asia/Tokyo"
    assert events["Tokyo"].decoded("dtend") == datetime(2030, 3, 10, 12, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert events["Paris"].decoded("dtstart") == datetime(2030, 7, 1, 20, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert str(events["Paris"]["status"]) == "CANCELLED" and str(events["Tokyo"]["status"]) == "CONFIRMED"
    assert str(events["Tokyo"]["uid"]) == f"{tokyo['id']}@events.chapterhouse"
    assert str(events["Tokyo"]["location"]) == "Shibuya"

    again = await api.get(f"/api/public/orgs/{org['slug']}/calendar.ics")
    assert again.content == response.content  # stable bytes, stable UIDs
    assert (await api.get(f"/api/public/orgs/{org['slug']}/calendar.ics?chapter=none")).status_code == 200
