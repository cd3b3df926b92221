"""Isolation: another organization's channels, messages and notifications are absent (404), unchanged,
and invisible to SQL that forgets its tenant filter (RLS)."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from entrypoints.settings import asyncpg_url
from tests.fixtures.api import register
from tests.fixtures.chat import add_member, create_channel, create_team, post_message


async def test_foreign_ids_in_paths_and_bodies_answer_404_and_change_nothing(client):
    alice = await register(client, name="Alice")
    org_a = await alice.create_org("A")
    channel_a = await create_channel(client, alice, org_a["id"], "a-general")
    ops_a = await create_team(client, alice, org_a["id"])
    team_a = await create_channel(client, alice, org_a["id"], "a-team", scope="team", target_id=ops_a)
    message_a = await post_message(client, alice, org_a["id"], channel_a["id"], "secret of A")
    bob = await register(client, name="Bob")
    org_b = await bob.create_org("B")
    channel_b = await create_channel(client, bob, org_b["id"], "b-general")
    alice_member = await add_member(client, alice, org_a["id"])
    await client.post(
        f"/api/orgs/{org_a['id']}/channels/{team_a['id']}/members",
        json={"user_id": alice_member.id},
        headers=alice.headers,
    )
    [note_a] = (await client.get("/api/me/notifications", headers=alice_member.headers)).json()["items"]

    a, b = org_a["id"], org_b["id"]
    attempts = [
        ("GET", f"/api/orgs/{a}/channels", None),
        ("POST", f"/api/orgs/{a}/channels", {"name": "intruder"}),
        ("GET", f"/api/orgs/{a}/channels/{channel_a['id']}", None),
        ("GET", f"/api/orgs/{a}/channels/{channel_a['id']}/messages", None),
        ("POST", f"/api/orgs/{a}/channels/{channel_a['id']}/messages", {"body": "hi"}),
        ("GET", f"/api/orgs/{b}/channels/{channel_a['id']}", None),
        ("GET", f"/api/orgs/{b}/channels/{channel_a['id']}/messages", None),
        ("GET", f"/api/orgs/{b}/channels/{channel_a['id']}/messages?before={message_a['id']}", None),
        ("POST", f"/api/orgs/{b}/channels/{channel_a['id']}/messages", {"body": "hi"}),
        ("POST", f"/api/orgs/{b}/channels/{channel_a['id']}/members", {"user_id": bob.id}),
        ("POST", f"/api/orgs/{b}/channels/{team_a['id']}/members", {"user_id": bob.id}),
        ("POST", f"/api/orgs/{b}/channels/{channel_b['id']}/members", {"user_id": alice.id}),  # not in B
        ("POST", f"/api/me/notifications/{note_a['id']}/read", None),
    ]
    for method, path, body in attempts:
        response = await client.request(method, path, json=body, headers=bob.headers)
        assert response.status_code == 404, (method, path, response.status_code, response.text)

    history = await client.get(f"/api/orgs/{a}/channels/{channel_a['id']}/messages", headers=alice.headers)
    assert [m["id"] for m in history.json()["items"]] == [message_a["id"]]
    listed = await client.get(f"/api/orgs/{a}/channels", headers=alice.headers)
    assert sorted(c["name"] for c in listed.json()["items"]) == ["a-general", "a-team"]
    assert (await client.get(f"/api/orgs/{b}/channels", headers=bob.headers)).json()["items"] == [channel_b]
    assert (await client.get("/api/me/notifications", headers=bob.headers)).json()["items"] == []
    still_unread = await client.get("/api/me/notifications?unread=true", headers=alice_member.headers)
    assert [n["id"] for n in still_unread.json()["items"]] == [note_a["id"]]


async def test_sql_that_forgets_the_tenant_filter_sees_only_the_tenant_rows(client, settings):
    alice = await register(client)
    org_a = await alice.create_org("A")
    channel_a = await create_channel(client, alice, org_a["id"])
    await post_message(client, alice, org_a["id"], channel_a["id"], "in A")
    bob = await register(client)
    org_b = await bob.create_org("B")
    channel_b = await create_channel(client, bob, org_b["id"])
    await post_message(client, bob, org_b["id"], channel_b["id"], "in B")

    conn = await asyncpg.connect(asyncpg_url(settings.runtime_database_url))
    try:
        assert await conn.fetchval("SELECT count(*) FROM messages") == 0  # no tenant, no rows
        assert await conn.fetchval("SELECT count(*) FROM channels") == 0
        await conn.execute("SELECT set_config('app.organization_id', $1, false)", org_b["id"])
        orgs = {row["organization_id"] for row in await conn.fetch("SELECT organization_id FROM messages")}
        assert orgs == {uuid.UUID(org_b["id"])}
        channels = {row["id"] for row in await conn.fetch("SELECT id FROM channels")}
        assert channels == {uuid.UUID(channel_b["id"])}
        # Writing into another tenant is refused by the policy's WITH CHECK.
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(
                "INSERT INTO messages (organization_id, id, channel_id, body, created_at)"
                " VALUES ($1, $2, $3, 'x', now())",
                uuid.UUID(org_a["id"]),
                uuid.uuid4(),
                uuid.UUID(channel_a["id"]),
            )
        # The user-side policy shows channel rows of one's own organizations (once the transaction names
        # them), never messages.
        await conn.execute("SELECT set_config('app.organization_id', '', false)")
        async with conn.transaction():
            await conn.execute("SELECT app_scope(NULL, $1)", uuid.UUID(alice.id))
            assert await conn.fetchval("SELECT count(*) FROM channels") == 0
            await conn.execute("SELECT app_reveal_member_organizations()")
            assert {r["id"] for r in await conn.fetch("SELECT id FROM channels")} == {uuid.UUID(channel_a["id"])}
            assert await conn.fetchval("SELECT count(*) FROM messages") == 0
    finally:
        await conn.close()
