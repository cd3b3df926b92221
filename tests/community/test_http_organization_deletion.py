"""An organization's end on PostgreSQL: an owner schedules the deletion, its routes answer 403 (restore
still works), and after the grace period the purge leaves no row of it in any tenant table (enumerated from
the metadata), cancels its Stripe subscription (localstripe), and the other organization keeps every row."""

from __future__ import annotations

from typing import Any

import asyncpg

from adapters.payments.stripe_gateway import StripePaymentGateway
from adapters.persistence.all_tables import tenant_tables
from adapters.persistence.organization_deletion import PgOrganizationPurger
from adapters.persistence.unit_of_work import SqlaUnitOfWorkFactory
from adapters.security.clock import SystemClock
from application.organization_deletion import PurgeDeletedOrganizations
from entrypoints.database import create_engine, create_read_pool
from entrypoints.settings import Settings, asyncpg_url
from tests.fixtures.api import invitation_token, register
from tests.isolation.tenants import build_tenant


async def rows_per_table(conn: asyncpg.Connection, organization_id: str) -> dict[str, int]:
    counts = {}
    for table in tenant_tables():
        counts[table.name] = await conn.fetchval(
            f"SELECT count(*) FROM {table.name} WHERE organization_id = $1::uuid", organization_id
        )
    return counts


async def age_the_deletion(conn: asyncpg.Connection, organization_id: str, days: int) -> None:
    await conn.execute(
        "UPDATE organizations SET deleting_at = now() - make_interval(days => $2) WHERE id = $1::uuid",
        organization_id,
        days,
    )


async def test_deletion_is_owner_only_blocks_the_routes_and_can_be_restored(client: Any) -> None:
    owner = await register(client, "Owner")
    org = (await owner.create_org("Going Away"))["id"]
    admin = await register(client, "Admin")
    invitations = await client.post(
        f"/api/orgs/{org}/invitations", json={"email": admin.email, "role": "admin"}, headers=owner.headers
    )
    token = invitation_token(org, invitations.json()["id"])
    assert (await client.post(f"/api/invitations/{token}/accept", headers=admin.headers)).status_code == 200

    assert (await client.delete(f"/api/orgs/{org}", headers=admin.headers)).status_code == 403
    scheduled = await client.delete(f"/api/orgs/{org}", headers=owner.headers)
    assert scheduled.status_code == 202, scheduled.text
    assert scheduled.json()["deleting"] is True and scheduled.json()["purge_after"] is not None
    for who in (owner, admin):
        for path in (f"/api/orgs/{org}", f"/api/orgs/{org}/members", f"/api/orgs/{org}/events"):
            answer = await client.get(path, headers=who.headers)
            assert answer.status_code == 403, (path, answer.text)
    assert (await client.post(f"/api/orgs/{org}/restore", headers=admin.headers)).status_code == 403
    stranger = await register(client, "Stranger")
    assert (await client.post(f"/api/orgs/{org}/restore", headers=stranger.headers)).status_code == 404
    restored = await client.post(f"/api/orgs/{org}/restore", headers=owner.headers)
    assert restored.status_code == 200 and restored.json()["deleting"] is False
    assert (await client.get(f"/api/orgs/{org}", headers=admin.headers)).status_code == 200


async def test_after_the_grace_period_no_row_of_it_remains_and_the_other_keeps_all(
    client: Any, settings: Settings
) -> None:
    doomed = await build_tenant(client, "Doomed")
    kept = await build_tenant(client, "Kept")
    org, other = doomed.org["id"], kept.org["id"]
    subscribed = await client.post(
        f"/api/orgs/{org}/billing/subscription",
        json={"plan": "team", "payment_method": "pm_card_visa"},
        headers=doomed.owner.headers,
    )
    assert subscribed.status_code in (200, 201), subscribed.text
    # The job's own wiring, as a worker builds it: the application role's pool (RLS on), localstripe.
    engine, pool = create_engine(settings), await create_read_pool(settings)
    gateway = StripePaymentGateway(
        settings.stripe_api_key, settings.stripe_webhook_secret, api_base=settings.stripe_api_base
    )
    purge = PurgeDeletedOrganizations(PgOrganizationPurger(pool), SqlaUnitOfWorkFactory(engine), gateway, SystemClock())
    conn = await asyncpg.connect(asyncpg_url(settings.database_url))
    try:
        before, other_before = await rows_per_table(conn, org), await rows_per_table(conn, other)
        assert sum(1 for n in before.values() if n) >= 10, before  # the organization had rows in most tables
        stripe_id = await conn.fetchval(
            "SELECT stripe_subscription_id FROM organization_subscriptions WHERE organization_id = $1::uuid", org
        )
        assert stripe_id

        assert (await client.delete(f"/api/orgs/{org}", headers=doomed.owner.headers)).status_code == 202
        scheduled = await rows_per_table(conn, org)  # the deletion's own audit entry included
        await age_the_deletion(conn, org, 29)
        assert await purge.execute(batch_size=7) == 0
        assert await rows_per_table(conn, org) == scheduled  # still inside the grace period

        await age_the_deletion(conn, org, 31)
        assert await purge.execute(batch_size=7) == 1  # several batches per table

        assert {t: n for t, n in (await rows_per_table(conn, org)).items() if n} == {}
        assert await conn.fetchval("SELECT count(*) FROM organizations WHERE id = $1::uuid", org) == 0
        assert await rows_per_table(conn, other) == other_before
        assert (await gateway.retrieve_subscription(stripe_id)).status == "canceled"
    finally:
        await conn.close()
        await pool.close()
        await engine.dispose()
        await gateway.close()
    assert (await client.get(f"/api/orgs/{org}", headers=doomed.owner.headers)).status_code == 404
    assert (await client.get(f"/api/orgs/{other}", headers=kept.owner.headers)).status_code == 200
