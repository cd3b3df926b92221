"""Fully end to end: the API served by uvicorn on loopback, localstripe delivering its own signed webhooks to it.

A subscription canceled at Stripe (dashboard, dunning) reaches us only as `customer.subscription.deleted`:
the organization must fall back to the free plan's entitlements without anyone calling our API.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import stripe
import uvicorn
from scripts.services import free_port

from entrypoints.app import create_app
from entrypoints.settings import Settings
from tests.fixtures.billing_api import WEBHOOK_SECRET

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning")


@pytest.fixture
async def api_url(billing_settings: Settings) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(billing_settings), host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    serving = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and not serving.done(), "the API did not start"
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving


async def eventually(check, seconds: float = 20):  # type: ignore[no-untyped-def]
    """Poll until check() returns something truthy: localstripe delivers about a second after the change."""
    deadline = time.monotonic() + seconds
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.2)


async def test_a_cancellation_made_at_stripe_arrives_by_webhook_and_ends_the_paid_plan(
    api_url: str, billing_settings: Settings
) -> None:
    stripe_api = str(billing_settings.stripe_api_base)
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as api, httpx.AsyncClient(timeout=30) as raw:
        hook = await raw.post(
            f"{stripe_api}/_config/webhooks/chapterhouse-billing-e2e",
            data={
                "url": f"{api_url}/api/webhooks/stripe",
                "secret": WEBHOOK_SECRET,
                "events[]": ["customer.subscription.created", "customer.subscription.deleted"],
            },
            headers={"Authorization": f"Bearer {billing_settings.stripe_api_key}"},
        )
        assert hook.status_code == 200, hook.text

        email = f"owner-{time.time_ns()}@example.com"
        await api.post("/api/auth/register", json={"email": email, "password": "correct horse", "name": "Owner"})
        token = (await api.post("/api/auth/login", json={"email": email, "password": "correct horse"})).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        org = await api.post("/api/orgs", json={"name": "Owls", "slug": f"owls-{time.time_ns()}"}, headers=headers)
        path = f"/api/orgs/{org.json()['id']}/billing/subscription"
        started = await api.post(path, json={"plan": "team", "payment_method": "pm_card_visa"}, headers=headers)
        assert started.status_code == 200, started.text
        customer_id = started.json()["stripe_customer_id"]

        http_client = stripe.HTTPXClient()
        client = stripe.StripeClient(
            billing_settings.stripe_api_key, base_addresses={"api": stripe_api}, http_client=http_client
        )
        try:
            subscription = (await client.v1.subscriptions.list_async(params={"customer": customer_id})).data[0]
            await client.v1.subscriptions.cancel_async(subscription.id)  # at Stripe, not through our API
        finally:
            await http_client.close_async()  # type: ignore[no-untyped-call]

        async def canceled() -> dict | None:  # type: ignore[type-arg]
            body = (await api.get(path, headers=headers)).json()
            return body if body["status"] == "canceled" else None

        mirrored = await eventually(canceled)
        assert mirrored is not None, "the customer.subscription.deleted webhook never took effect"
        assert (mirrored["plan"], mirrored["effective_plan"]) == ("team", "free")
