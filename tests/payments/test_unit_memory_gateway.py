"""What only the in-memory twin has: its test helpers and its clock. Shared behaviour: the contract."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import stripe

from adapters.memory.payments import MemoryPaymentGateway
from application.ports.payments import InvalidWebhook

SECRET = "whsec_memory"


async def test_succeed_payment_intent_returns_the_webhook_stripe_would_send() -> None:
    gateway = MemoryPaymentGateway(SECRET)
    intent = await gateway.create_payment_intent(
        amount_cents=1200, currency="eur", metadata={"ticket_order_id": "t-7"}, idempotency_key="order-7"
    )

    body, header = gateway.succeed_payment_intent(intent.id)

    event = gateway.parse_webhook(body, header)
    assert event.type == "payment_intent.succeeded"
    assert (event.data_object["id"], event.data_object["status"]) == (intent.id, "succeeded")
    assert event.data_object["metadata"] == {"ticket_order_id": "t-7"}
    assert (await gateway.retrieve_payment_intent(intent.id)).status == "succeeded"
    # Signed exactly as Stripe signs: stripe's own verifier accepts it.
    assert stripe.WebhookSignature.verify_header(body, header, SECRET, tolerance=300)


def test_signed_webhook_ages_with_the_clock() -> None:
    now = [1_800_000_000.0]
    gateway = MemoryPaymentGateway(SECRET, clock=lambda: now[0])
    body, header = gateway.signed_webhook("invoice.paid", {"id": "in_1"})

    now[0] += 301

    with pytest.raises(InvalidWebhook):
        gateway.parse_webhook(body, header)


async def test_a_monthly_period_started_on_the_31st_ends_on_the_last_day_of_next_month() -> None:
    january_31 = datetime(2027, 1, 31, 12, 0, tzinfo=UTC).timestamp()
    gateway = MemoryPaymentGateway(SECRET, clock=lambda: january_31)
    await gateway.ensure_price(
        price_id="basic", amount_cents=900, currency="eur", interval="month", product_name="Basic"
    )
    customer_id = await gateway.create_customer(
        organization_id=uuid.uuid4(), name="Owls", email=None, idempotency_key="cus-1"
    )
    gateway.add_default_card(customer_id)

    subscription = await gateway.create_subscription(customer_id=customer_id, price_id="basic", idempotency_key="sub-1")

    assert subscription.current_period_end == datetime(2027, 2, 28, 12, 0, tzinfo=UTC)
