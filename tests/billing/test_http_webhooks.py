"""POST /api/webhooks/stripe end to end: real PostgreSQL, StripePaymentGateway verifying signatures made exactly
as Stripe makes them, subscriptions created on localstripe."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import asyncpg
import pytest
import stripe
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.settings import asyncpg_url
from tests.fixtures.api import register
from tests.fixtures.billing_api import WEBHOOK_SECRET

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning")

WEBHOOK = "/api/webhooks/stripe"


class Db:
    """Reads as the database owner (a superuser in tests), to see every tenant's rows in assertions."""

    def __init__(self, url: str) -> None:
        self._url = asyncpg_url(url)

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        conn = await asyncpg.connect(self._url)
        try:
            return await conn.fetchrow(sql, *args)
        finally:
            await conn.close()

    async def subscription(self, org_id: str) -> Any:
        return await self.fetchrow(
            "SELECT * FROM organization_subscriptions WHERE organization_id = $1", uuid.UUID(org_id)
        )

    async def changes(self, org_id: str) -> int:
        row = await self.fetchrow(
            "SELECT count(*) AS n FROM outbox WHERE organization_id = $1 AND name = 'billing.subscription_changed'",
            uuid.UUID(org_id),
        )
        return int(row["n"])

    async def event(self, event_id: str) -> Any:
        return await self.fetchrow("SELECT * FROM stripe_events WHERE id = $1", event_id)


@pytest.fixture
def db(database_url: str) -> Db:
    return Db(database_url)


async def paying_org(client: AsyncTestClient[Litestar], db: Db) -> tuple[str, Any]:
    owner = await register(client)
    org_id = (await owner.create_org())["id"]
    started = await client.post(
        f"/api/orgs/{org_id}/billing/subscription",
        json={"plan": "team", "payment_method": "pm_card_visa"},
        headers=owner.headers,
    )
    assert started.status_code == 200, started.text
    return org_id, await db.subscription(org_id)


def subscription_event(row: Any, event_type: str, status: str, created: int, **overrides: Any) -> dict[str, Any]:
    subscription = {
        "id": row["stripe_subscription_id"],
        "object": "subscription",
        "customer": row["stripe_customer_id"],
        "status": status,
        "items": {"object": "list", "data": [{"id": "si_1", "plan": {"id": "chapterhouse-team-monthly"}}]},
        "cancel_at_period_end": False,
        "metadata": {},
        **overrides,
    }
    return {
        "id": "evt_" + uuid.uuid4().hex,
        "object": "event",
        "type": event_type,
        "created": created,
        "data": {"object": subscription},
    }


def signed(event: dict[str, Any], *, timestamp: int | None = None, secret: str = WEBHOOK_SECRET) -> dict[str, Any]:
    """The request Stripe would send: the JSON body and its Stripe-Signature header."""
    payload = json.dumps(event, indent=2)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
    return {"content": payload.encode(), "headers": {"Stripe-Signature": header, "Content-Type": "application/json"}}


async def test_a_wrong_signature_or_a_stale_timestamp_is_400_and_changes_nothing(
    billing_client: AsyncTestClient[Litestar], db: Db
) -> None:
    org_id, row = await paying_org(billing_client, db)
    now = int(time.time())
    event = subscription_event(row, "customer.subscription.updated", "past_due", now + 5)

    other_secret = await billing_client.post(WEBHOOK, **signed(event, secret="whsec_someone_else"))
    stale = await billing_client.post(WEBHOOK, **signed(event, timestamp=now - 301))
    unsigned = await billing_client.post(WEBHOOK, content=json.dumps(event).encode())
    request = signed(event)
    request["content"] = request["content"].replace(b"past_due", b"canceled")
    tampered = await billing_client.post(WEBHOOK, **request)

    assert [r.status_code for r in (other_secret, stale, unsigned, tampered)] == [400, 400, 400, 400]
    assert (await db.subscription(org_id))["status"] == "active"
    assert await db.event(event["id"]) is None


async def test_the_same_event_delivered_three_times_at_once_takes_effect_once(
    billing_client: AsyncTestClient[Litestar], db: Db
) -> None:
    org_id, row = await paying_org(billing_client, db)
    before = await db.changes(org_id)
    request = signed(subscription_event(row, "customer.subscription.updated", "past_due", int(time.time()) + 5))

    responses = await asyncio.gather(*(billing_client.post(WEBHOOK, **request) for _ in range(3)))

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert sorted(r.json()["duplicate"] for r in responses) == [False, True, True]
    assert (await db.subscription(org_id))["status"] == "past_due"
    assert await db.changes(org_id) == before + 1


async def test_subscription_events_out_of_order_never_move_state_backwards(
    billing_client: AsyncTestClient[Litestar], db: Db
) -> None:
    org_id, row = await paying_org(billing_client, db)
    now = int(time.time())
    later = subscription_event(row, "customer.subscription.updated", "past_due", now + 20)
    earlier = subscription_event(row, "customer.subscription.updated", "active", now + 10)
    deleted = subscription_event(row, "customer.subscription.deleted", "canceled", now + 30)
    revived = subscription_event(row, "customer.subscription.updated", "active", now + 40)

    for event in (later, earlier):
        assert (await billing_client.post(WEBHOOK, **signed(event))).status_code == 200
    assert (await db.subscription(org_id))["status"] == "past_due"
    assert (await db.event(earlier["id"]))["outcome"].startswith("no change")

    for event in (deleted, revived):
        assert (await billing_client.post(WEBHOOK, **signed(event))).status_code == 200
    assert (await db.subscription(org_id))["status"] == "canceled"  # an ended subscription stays ended


async def test_an_event_naming_another_organizations_objects_changes_neither(
    billing_client: AsyncTestClient[Litestar], db: Db
) -> None:
    mine_id, mine = await paying_org(billing_client, db)
    theirs_id, theirs = await paying_org(billing_client, db)
    forged = subscription_event(
        theirs,
        "customer.subscription.deleted",
        "canceled",
        int(time.time()) + 5,
        customer=mine["stripe_customer_id"],
        metadata={"organization_id": theirs_id},
    )

    response = await billing_client.post(WEBHOOK, **signed(forged))

    assert response.status_code == 200
    assert (await db.subscription(mine_id))["status"] == "active"
    assert (await db.subscription(theirs_id))["status"] == "active"
    recorded = await db.event(forged["id"])
    assert recorded["outcome"].startswith("ignored") and str(recorded["organization_id"]) == mine_id


async def test_an_event_type_nobody_handles_is_acknowledged_and_recorded(
    billing_client: AsyncTestClient[Litestar], db: Db
) -> None:
    event = {
        "id": "evt_" + uuid.uuid4().hex,
        "object": "event",
        "type": "invoice.paid",
        "created": 1,
        "data": {"object": {"id": "in_1"}},
    }
    response = await billing_client.post(WEBHOOK, **signed(event))
    assert response.status_code == 200
    assert (await db.event(event["id"]))["outcome"].startswith("ignored")
