"""Chapter, team and event channels follow the members of their chapter or team and the ticket holders and
organizer of their event, over HTTP, on PostgreSQL and on the memory adapters alike."""

from __future__ import annotations

from typing import Any

from tests.fixtures.api import register
from tests.fixtures.ticketing import add_member, create_event, create_ticket_type, order


async def readable(client: Any, user: Any, org: str, channels: dict[str, str]) -> set[str]:
    """The channels (by label) the user reads, asked two ways that must agree: one by one, and the list."""
    one_by_one = {
        label
        for label, channel_id in channels.items()
        if (await client.get(f"/api/orgs/{org}/channels/{channel_id}", headers=user.headers)).status_code == 200
    }
    listed_ids = {
        c["id"] for c in (await client.get(f"/api/orgs/{org}/channels", headers=user.headers)).json()["items"]
    }
    assert {label for label, channel_id in channels.items() if channel_id in listed_ids} == one_by_one
    return one_by_one


async def check_target_access(client: Any) -> None:
    owner = await register(client, name="Owner")
    org = (await owner.create_org())["id"]
    chapter_member, team_member, holder, outsider = [await add_member(owner, org) for _ in range(4)]

    chapter = (
        await client.post(f"/api/orgs/{org}/chapters", json={"name": "Lisbon", "slug": "lisbon"}, headers=owner.headers)
    ).json()["id"]
    joined = await client.post(f"/api/orgs/{org}/chapters/{chapter}/members", json={}, headers=chapter_member.headers)
    assert joined.status_code == 201, joined.text
    team = (await client.post(f"/api/orgs/{org}/teams", json={"name": "Ops"}, headers=owner.headers)).json()["id"]
    joined = await client.post(f"/api/orgs/{org}/teams/{team}/members", json={}, headers=team_member.headers)
    assert joined.status_code == 201, joined.text
    event = await create_event(owner, org)
    ticket_type = await create_ticket_type(owner, org, event["id"])
    assert (await order(holder, org, event["id"], (ticket_type["id"], 1))).status_code == 201

    channels = {}
    for label, scope, target in (
        ("chapter", "chapter", chapter),
        ("team", "team", team),
        ("event", "event", event["id"]),
    ):
        created = await client.post(
            f"/api/orgs/{org}/channels",
            json={"name": label, "scope": scope, "target_id": target},
            headers=owner.headers,
        )
        assert created.status_code == 201, created.text
        channels[label] = created.json()["id"]

    other_org = (await owner.create_org("Other"))["id"]
    elsewhere = (await client.post(f"/api/orgs/{other_org}/teams", json={"name": "Far"}, headers=owner.headers)).json()
    for scope, target in (("team", elsewhere["id"]), ("chapter", team), ("event", chapter)):
        misaimed = await client.post(
            f"/api/orgs/{org}/channels", json={"name": "x", "scope": scope, "target_id": target}, headers=owner.headers
        )
        assert misaimed.status_code == 422, (scope, misaimed.text)  # not a {scope} of this organization

    assert await readable(client, chapter_member, org, channels) == {"chapter"}
    assert await readable(client, team_member, org, channels) == {"team"}
    assert await readable(client, holder, org, channels) == {"event"}
    assert await readable(client, outsider, org, channels) == set()
    assert await readable(client, owner, org, channels) == {"chapter", "team", "event"}  # admins, and the organizer

    posted = await client.post(
        f"/api/orgs/{org}/channels/{channels['event']}/messages", json={"body": "see you there"}, headers=holder.headers
    )
    assert posted.status_code == 201, posted.text
    refused = await client.post(
        f"/api/orgs/{org}/channels/{channels['event']}/messages", json={"body": "me too"}, headers=outsider.headers
    )
    assert refused.status_code == 404


async def test_target_members_read_their_channels_on_postgresql(client):
    await check_target_access(client)


async def test_target_members_read_their_channels_on_the_memory_adapters(memory_client):
    await check_target_access(memory_client)
