"""Row-level security proof: SQL that forgets the tenant filter still sees only the current tenant."""

from __future__ import annotations

import asyncpg
import pytest

from adapters.persistence.all_tables import tenant_tables
from entrypoints.settings import Settings, asyncpg_url
from tests.fixtures.api import register
from tests.fixtures.ticketing import populate_ticketing


async def test_the_app_role_is_neither_superuser_nor_bypassrls(settings: Settings) -> None:
    conn = await asyncpg.connect(asyncpg_url(settings.runtime_database_url))
    try:
        row = await conn.fetchrow("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert row["rolsuper"] is False and row["rolbypassrls"] is False
    finally:
        await conn.close()


async def test_every_tenant_table_forces_rls(settings: Settings) -> None:
    conn = await asyncpg.connect(asyncpg_url(settings.database_url))
    try:
        rows = await conn.fetch(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY($1::text[])",
            [t.name for t in tenant_tables()],
        )
        assert {r["relname"] for r in rows} == {t.name for t in tenant_tables()}
        assert all(r["relrowsecurity"] and r["relforcerowsecurity"] for r in rows)
    finally:
        await conn.close()


async def _chat_rows(client, user, org) -> None:
    """A row in channels, channel_members, messages and notifications (the grant notifies the user)."""
    base = f"/api/orgs/{org['id']}/channels"
    ops = await client.post(f"/api/orgs/{org['id']}/teams", json={"name": "Chat ops"}, headers=user.headers)
    team = {"name": "team", "scope": "team", "target_id": ops.json()["id"]}
    channel = (await client.post(base, json=team, headers=user.headers)).json()["id"]
    granted = await client.post(f"{base}/{channel}/members", json={"user_id": user.id}, headers=user.headers)
    posted = await client.post(f"{base}/{channel}/messages", json={"body": "hi"}, headers=user.headers)
    assert granted.status_code == posted.status_code == 201


async def _subscription_rows(settings: Settings, *org_ids: str) -> None:
    """Subscription mirrors come from Stripe (localstripe in the billing suite): written here as the owner."""
    owner = await asyncpg.connect(asyncpg_url(settings.database_url))
    try:
        for org_id in org_ids:
            await owner.execute(
                "INSERT INTO organization_subscriptions (organization_id, id, plan_id, status, updated_at) "
                "VALUES ($1::uuid, gen_random_uuid(), 'free', 'active', now()) ON CONFLICT DO NOTHING",
                org_id,
            )
    finally:
        await owner.close()


@pytest.mark.parametrize("table", [t.name for t in tenant_tables()])
async def test_select_without_where_returns_only_the_current_tenant(client, settings: Settings, table: str) -> None:
    alice, bob = await register(client), await register(client)
    org_a, org_b = await alice.create_org("A"), await bob.create_org("B")
    for user, org in ((alice, org_a), (bob, org_b)):
        response = await client.post(
            f"/api/orgs/{org['id']}/invitations", json={"email": "guest@example.com"}, headers=user.headers
        )
        assert response.status_code == 201
        await populate_ticketing(user, org["id"])
        report = await client.post(f"/api/orgs/{org['id']}/reports", json={"kind": "members"}, headers=user.headers)
        assert report.status_code == 202, report.text
        await _chat_rows(client, user, org)
    await _subscription_rows(settings, org_a["id"], org_b["id"])
    conn = await asyncpg.connect(asyncpg_url(settings.runtime_database_url))
    try:
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.organization_id', $1, true)", org_a["id"])
            rows = await conn.fetch(f"SELECT organization_id FROM {table}")  # no WHERE, on purpose
        seen = {str(r["organization_id"]) for r in rows}
        assert org_b["id"] not in seen
        assert seen <= {org_a["id"]}
        assert seen, f"{table} should hold rows of organization A"
        # Without any tenant set, nothing at all.
        assert await conn.fetch(f"SELECT 1 FROM {table}") == []
        # Writing a row of another tenant is refused by the policy's WITH CHECK.
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.organization_id', $1, true)", org_a["id"])
            with pytest.raises(asyncpg.PostgresError):
                await conn.execute(f"UPDATE {table} SET organization_id = $1::uuid", org_b["id"])
    finally:
        await conn.close()
