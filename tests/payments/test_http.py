"""End to end on PostgreSQL with the StripePaymentGateway against localstripe: a paid order's PaymentIntent is
confirmed at "Stripe", whose signed `payment_intent.succeeded` pays the order once; metadata naming another
organization's order changes nothing."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
import stripe
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.settings import Settings, asyncpg_url
from tests.fixtures.api import register
from tests.fixtures.billing_api import WEBHOOK_SECRET
from tests.fixtures.ticketing import create_event, create_ticket_type, order

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning")


async def pending_paid_order(client: AsyncTestClient[Litestar]) -> tuple[Any, str, dict[str, Any]]:
    owner = await register(client)
    org_id = (await owner.create_org())["id"]
    event = await create_event(owner, org_id)
    ticket_type = await create_ticket_type(owner, org_id, event["id"], name="Paid", price_cents=1800, quantity=5)
    placed = await order(owner, org_id, event["id"], (ticket_type["id"], 2))
    assert placed.status_code == 201, placed.text
    return owner, org_id, placed.json()


async def pay_at_stripe(settings: Settings, payment_intent_id: str) -> dict[str, Any]:
    """What Stripe.js does with the client secret (localstripe: set the card, then confirm); returns the
    PaymentIntent as Stripe serializes it into events."""
    http_client = stripe.HTTPXClient()
    client = stripe.StripeClient(
        settings.stripe_api_key, base_addresses={"api": str(settings.stripe_api_base)}, http_client=http_client
    )
    try:
        await client.v1.payment_intents.update_async(payment_intent_id, params={"payment_method": "pm_card_visa"})
        await client.v1.payment_intents.confirm_async(payment_intent_id)
    finally:
        await http_client.close_async()  # type: ignore[no-untyped-call]
    async with httpx.AsyncClient(timeout=30) as raw:
        intent = await raw.get(
            f"{settings.stripe_api_base}/v1/payment_intents/{payment_intent_id}",
            headers={"Authorization": f"Bearer {settings.stripe_api_key}"},
        )
    assert intent.status_code == 200, intent.text
    body: dict[str, Any] = intent.json()
    assert body["status"] == "succeeded"
    return body


def signed_event(data_object: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    event = {
        "id": "evt_" + uuid.uuid4().hex,
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": int(time.time()),
        "data": {"object": data_object},
    }
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
    return payload.encode(), {"Stripe-Signature": header}


async def order_paid_events(settings: Settings, order_id: str) -> int:
    connection = await asyncpg.connect(asyncpg_url(settings.database_url or ""))
    try:
        count: int = await connection.fetchval(
            "SELECT count(*) FROM outbox WHERE name = 'order.paid' AND payload->>'order_id' = $1", order_id
        )
    finally:
        await connection.close()
    return count


async def test_a_paid_order_is_paid_by_stripe_once_and_only_for_its_own_payment(
    billing_client: AsyncTestClient[Litestar], billing_settings: Settings
) -> None:
    client = billing_client
    owner, org_id, placed = await pending_paid_order(client)
    assert placed["status"] == "pending" and placed["payment"]["client_secret"]
    payment_intent_id = placed["payment"]["payment_intent_id"]
    order_url = f"/api/orgs/{org_id}/orders/{placed['id']}"
    assert (await client.get(order_url, headers=owner.headers)).json()["payment"] == placed["payment"]

    intent = await pay_at_stripe(billing_settings, payment_intent_id)
    assert intent["metadata"] == {"organization_id": org_id, "order_id": placed["id"]}
    assert intent["amount"] == 3600
    payload, headers = signed_event(intent)
    delivered = await client.post("/api/webhooks/stripe", content=payload, headers=headers)

    assert delivered.status_code == 200 and delivered.json()["duplicate"] is False, delivered.text
    paid = (await client.get(order_url, headers=owner.headers)).json()
    assert paid["status"] == "paid" and len(paid["tickets"]) == 2 and paid["payment"] is None
    assert await order_paid_events(billing_settings, placed["id"]) == 1  # the order confirmation's trigger

    again = await client.post("/api/webhooks/stripe", content=payload, headers=headers)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert (await client.get(order_url, headers=owner.headers)).json()["tickets"] == paid["tickets"]
    assert await order_paid_events(billing_settings, placed["id"]) == 1

    # The same succeeded payment, its metadata pointing at another organization's pending order.
    other_owner, other_org_id, other_order = await pending_paid_order(client)
    forged = {**intent, "metadata": {"organization_id": other_org_id, "order_id": other_order["id"]}}
    payload, headers = signed_event(forged)
    answered = await client.post("/api/webhooks/stripe", content=payload, headers=headers)

    assert answered.status_code == 200, answered.text
    untouched = await client.get(f"/api/orgs/{other_org_id}/orders/{other_order['id']}", headers=other_owner.headers)
    assert untouched.json()["status"] == "pending" and untouched.json()["tickets"] == []
    assert await order_paid_events(billing_settings, other_order["id"]) == 0
