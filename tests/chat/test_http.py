"""Channels, messages and notifications over HTTP, end to end on PostgreSQL."""

from __future__ import annotations

import uuid

from tests.fixtures.api import register
from tests.fixtures.chat import add_member, create_channel, create_chapter, create_team, post_message


async def test_an_admin_opens_an_org_channel_and_members_post_and_read_history(client):
    owner = await register(client, name="Olive Owner")
    org = await owner.create_org()
    member = await add_member(client, owner, org["id"])
    channel = await create_channel(client, owner, org["id"], "general")
    assert channel["scope"] == "org" and channel["target_id"] is None

    listed = await client.get(f"/api/orgs/{org['id']}/channels", headers=member.headers)
    assert [c["id"] for c in listed.json()["items"]] == [channel["id"]]

    posted = [await post_message(client, member, org["id"], channel["id"], f"hello {i}") for i in range(5)]
    assert posted[0]["author"] == {"user_id": member.id, "name": "Member"}
    assert posted[0]["channel"] == channel["id"]
    assert [p["id"] for p in posted] == sorted(p["id"] for p in posted)  # ids order the channel

    first_page = await client.get(
        f"/api/orgs/{org['id']}/channels/{channel['id']}/messages?limit=3", headers=owner.headers
    )
    assert first_page.status_code == 200
    assert [m["body"] for m in first_page.json()["items"]] == ["hello 4", "hello 3", "hello 2"]
    cursor = first_page.json()["next_cursor"]
    second_page = await client.get(
        f"/api/orgs/{org['id']}/channels/{channel['id']}/messages?limit=3&before={cursor}", headers=owner.headers
    )
    assert [m["body"] for m in second_page.json()["items"]] == ["hello 1", "hello 0"]
    assert second_page.json()["next_cursor"] is None


async def test_members_cannot_open_channels_and_names_are_unique(client):
    owner = await register(client)
    org = await owner.create_org()
    member = await add_member(client, owner, org["id"])
    refused = await client.post(f"/api/orgs/{org['id']}/channels", json={"name": "mine"}, headers=member.headers)
    assert refused.status_code == 403
    await create_channel(client, owner, org["id"], "general")
    again = await client.post(f"/api/orgs/{org['id']}/channels", json={"name": "general"}, headers=owner.headers)
    assert again.status_code == 409


async def test_bad_input_is_refused_without_a_500(client):
    owner = await register(client)
    org = await owner.create_org()
    channel = await create_channel(client, owner, org["id"])
    base = f"/api/orgs/{org['id']}/channels"
    cases = [
        (f"{base}", {"name": ""}),
        (f"{base}", {"name": "x", "scope": "galaxy"}),
        (f"{base}", {"name": "x", "scope": "chapter"}),  # a chapter channel needs its target_id
        (f"{base}", {"name": "x", "scope": "org", "target_id": str(uuid.uuid4())}),
        (f"{base}", {"name": "x", "scope": "team", "target_id": str(uuid.uuid4())}),  # no such team here
        (f"{base}", {"name": "x", "unexpected": 1}),
        (f"{base}/{channel['id']}/messages", {"body": ""}),
        (f"{base}/{channel['id']}/messages", {"body": "   "}),
        (f"{base}/{channel['id']}/messages", {"body": "x" * 4097}),
        (f"{base}/{channel['id']}/messages", {"body": "é" * 2049}),  # 4098 bytes in UTF-8
        (f"{base}/{channel['id']}/messages", {"body": 12}),
    ]
    for path, body in cases:
        response = await client.post(path, json=body, headers=owner.headers)
        assert response.status_code in (400, 422), (path, body, response.status_code, response.text)
    history = await client.get(f"{base}/{channel['id']}/messages?before=not-an-id", headers=owner.headers)
    assert history.status_code == 400
    assert (await client.get(f"{base}/{channel['id']}/messages", headers=owner.headers)).json()["items"] == []


async def test_admins_grant_a_chapter_channel_to_a_member_outside_the_chapter(client):
    owner = await register(client)
    org = await owner.create_org()
    member = await add_member(client, owner, org["id"])
    outsider = await add_member(client, owner, org["id"])
    chapter_channel = await create_channel(
        client, owner, org["id"], "lisbon", scope="chapter", target_id=await create_chapter(client, owner, org["id"])
    )
    path = f"/api/orgs/{org['id']}/channels/{chapter_channel['id']}"

    assert (await client.get(path, headers=member.headers)).status_code == 404
    assert (await client.post(f"{path}/messages", json={"body": "hi"}, headers=member.headers)).status_code == 404
    listed = await client.get(f"/api/orgs/{org['id']}/channels", headers=member.headers)
    assert listed.json()["items"] == []

    granted = await client.post(f"{path}/members", json={"user_id": member.id}, headers=owner.headers)
    assert granted.status_code == 201, granted.text
    again = await client.post(f"{path}/members", json={"user_id": member.id}, headers=owner.headers)
    assert again.status_code == 409
    by_member = await client.post(f"{path}/members", json={"user_id": outsider.id}, headers=member.headers)
    assert by_member.status_code == 403

    assert (await client.get(path, headers=member.headers)).status_code == 200
    await post_message(client, member, org["id"], chapter_channel["id"], "now I am in")
    listed = await client.get(f"/api/orgs/{org['id']}/channels", headers=member.headers)
    assert [c["id"] for c in listed.json()["items"]] == [chapter_channel["id"]]
    assert (await client.get(path, headers=outsider.headers)).status_code == 404

    # The grant came with a notification, stored for the member and readable across organizations.
    notes = await client.get("/api/me/notifications?unread=true", headers=member.headers)
    assert notes.status_code == 200
    [note] = notes.json()["items"]
    assert note["kind"] == "channel.member_added" and note["data"] == {"channel_id": chapter_channel["id"]}
    assert note["organization_id"] == org["id"] and note["read_at"] is None


async def test_notifications_are_marked_read_by_their_recipient_only(client):
    owner = await register(client)
    org = await owner.create_org()
    member = await add_member(client, owner, org["id"])
    team = await create_team(client, owner, org["id"])
    channel = await create_channel(client, owner, org["id"], "team", scope="team", target_id=team)
    await client.post(
        f"/api/orgs/{org['id']}/channels/{channel['id']}/members", json={"user_id": member.id}, headers=owner.headers
    )
    [note] = (await client.get("/api/me/notifications", headers=member.headers)).json()["items"]

    assert (await client.post(f"/api/me/notifications/{note['id']}/read", headers=owner.headers)).status_code == 404
    marked = await client.post(f"/api/me/notifications/{note['id']}/read", headers=member.headers)
    assert marked.status_code == 200 and marked.json()["read_at"] is not None
    assert (await client.post(f"/api/me/notifications/{note['id']}/read", headers=member.headers)).status_code == 200
    assert (await client.get("/api/me/notifications?unread=true", headers=member.headers)).json()["items"] == []
    assert len((await client.get("/api/me/notifications", headers=member.headers)).json()["items"]) == 1
    unknown = await client.post(f"/api/me/notifications/{uuid.uuid4()}/read", headers=member.headers)
    assert unknown.status_code == 404
    assert (await client.get("/api/me/notifications")).status_code == 401
