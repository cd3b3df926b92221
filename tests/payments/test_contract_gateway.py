"""One contract for every PaymentGateway: each case runs on MemoryPaymentGateway and on StripePaymentGateway
talking HTTP to a real localstripe process: the `payment_provider` axis of tests/fixtures/backends.py.

What localstripe does, as found by running it (localstripe 1.15.10, stripe-python 16.1.0):
- A subscription needs a default payment method on the customer; then it starts "active". Without one the
  create fails (404 "This customer has no payment method"). `payment_behavior=default_incomplete` is
  refused (400), and a trial leaves it "incomplete", never "trialing" - so the tests give the customer a card.
- Subscription items take `plan`, not `price`; cancel (DELETE) answers "canceled" at once.
- A new PaymentIntent is "requires_payment_method". `confirm` with a `payment_method` answers 500 "Not
  implemented": set the payment method with an update, then confirm without parameters. "pm_card_visa" is
  accepted and the intent is "succeeded" at once (no 3-D Secure for that card).
- A refund of a succeeded intent is "succeeded" at once.
- localstripe ignores `Idempotency-Key`; localstripe_server.py adds Stripe's replay so the contract holds.
- Webhooks: after POST /_config/webhooks/{id} with url and secret (optionally `events`), localstripe POSTs
  each event about 1 s after it happens, signed `t=<event.created>,v1=<hmac>` as Stripe signs.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import stripe

from adapters.payments.stripe_gateway import StripePaymentGateway
from application.ports.payments import InvalidWebhook, PaymentGateway, PaymentGatewayError
from tests.fixtures.backends import PAYMENT_WEBHOOK_SECRET, STRIPE_TEST_KEY, PaymentProvider

# stripe-python's HTTPXClient posts its form body as `data=str`, which httpx deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning")

API_KEY = STRIPE_TEST_KEY
WEBHOOK_SECRET = PAYMENT_WEBHOOK_SECRET


def unique(prefix: str) -> str:
    """localstripe lives for the whole session: ids and keys must not collide between tests."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


async def new_price(gateway: PaymentGateway, amount_cents: int = 1900) -> str:
    price_id = unique("plan")
    await gateway.ensure_price(
        price_id=price_id,
        amount_cents=amount_cents,
        currency="eur",
        interval="month",
        product_name="Chapters",
    )
    return price_id


async def new_customer(gateway: PaymentGateway) -> str:
    return await gateway.create_customer(
        organization_id=uuid.uuid4(),
        name="Order of the Owl",
        email="owls@example.org",
        idempotency_key=unique("cus"),
    )


# --- prices and customers ---------------------------------------------------------------------------


async def test_ensure_price_twice_with_same_terms_is_a_no_op(payment_provider: PaymentProvider) -> None:
    price_id = await new_price(payment_provider.gateway, amount_cents=1900)

    await payment_provider.gateway.ensure_price(
        price_id=price_id, amount_cents=1900, currency="eur", interval="month", product_name="Chapters"
    )


async def test_ensure_price_refuses_other_terms_for_an_existing_price(payment_provider: PaymentProvider) -> None:
    price_id = await new_price(payment_provider.gateway, amount_cents=1900)

    with pytest.raises(PaymentGatewayError) as refused:
        await payment_provider.gateway.ensure_price(
            price_id=price_id, amount_cents=2900, currency="eur", interval="month", product_name="Chapters"
        )
    assert refused.value.code == "price_mismatch"


async def test_create_customer_replays_the_same_idempotency_key(payment_provider: PaymentProvider) -> None:
    organization_id, key = uuid.uuid4(), unique("customer")

    first = await payment_provider.gateway.create_customer(
        organization_id=organization_id, name="Owls", email=None, idempotency_key=key
    )
    again = await payment_provider.gateway.create_customer(
        organization_id=organization_id, name="Owls", email=None, idempotency_key=key
    )
    other = await payment_provider.gateway.create_customer(
        organization_id=organization_id, name="Owls", email=None, idempotency_key=unique("customer")
    )

    assert first.startswith("cus_")
    assert again == first
    assert other != first


# --- subscriptions ----------------------------------------------------------------------------------


async def test_subscription_is_created_changed_and_canceled(payment_provider: PaymentProvider) -> None:
    gateway = payment_provider.gateway
    basic, pro = await new_price(gateway, 1900), await new_price(gateway, 4900)
    customer_id = await new_customer(gateway)
    await payment_provider.add_default_card(customer_id)
    key = unique("subscription")

    created = await gateway.create_subscription(customer_id=customer_id, price_id=basic, idempotency_key=key)
    replayed = await gateway.create_subscription(customer_id=customer_id, price_id=basic, idempotency_key=key)

    assert created.id.startswith("sub_")
    assert replayed.id == created.id
    assert (created.customer_id, created.status, created.price_id) == (customer_id, "active", basic)
    assert created.cancel_at_period_end is False
    assert created.current_period_end is not None
    now = datetime.now(UTC)
    assert now + timedelta(days=27) < created.current_period_end < now + timedelta(days=32)

    changed = await gateway.change_subscription_price(subscription_id=created.id, price_id=pro)
    assert (changed.id, changed.status, changed.price_id) == (created.id, "active", pro)
    assert await gateway.retrieve_subscription(created.id) == changed

    canceled = await gateway.cancel_subscription(created.id)
    assert (canceled.status, canceled.price_id) == ("canceled", pro)
    assert (await gateway.retrieve_subscription(created.id)).status == "canceled"


async def test_subscription_needs_a_default_payment_method(payment_provider: PaymentProvider) -> None:
    price_id = await new_price(payment_provider.gateway)
    customer_id = await new_customer(payment_provider.gateway)

    with pytest.raises(PaymentGatewayError) as refused:
        await payment_provider.gateway.create_subscription(
            customer_id=customer_id, price_id=price_id, idempotency_key=unique("subscription")
        )
    assert refused.value.retryable is False


async def test_subscription_on_an_unknown_price_is_refused(payment_provider: PaymentProvider) -> None:
    customer_id = await new_customer(payment_provider.gateway)
    await payment_provider.add_default_card(customer_id)

    with pytest.raises(PaymentGatewayError):
        await payment_provider.gateway.create_subscription(
            customer_id=customer_id, price_id=unique("no-such-plan"), idempotency_key=unique("subscription")
        )


async def test_unknown_subscription_is_a_gateway_error(payment_provider: PaymentProvider) -> None:
    with pytest.raises(PaymentGatewayError):
        await payment_provider.gateway.retrieve_subscription("sub_doesnotexist")


# --- payment intents and refunds --------------------------------------------------------------------


async def test_payment_intent_is_paid_and_refunded(payment_provider: PaymentProvider) -> None:
    gateway = payment_provider.gateway
    metadata = {"ticket_order_id": str(uuid.uuid4()), "organization_id": str(uuid.uuid4())}
    key = unique("ticket-order")

    created = await gateway.create_payment_intent(
        amount_cents=2500, currency="eur", metadata=metadata, idempotency_key=key
    )
    replayed = await gateway.create_payment_intent(
        amount_cents=2500, currency="eur", metadata=metadata, idempotency_key=key
    )

    assert created.id.startswith("pi_")
    assert replayed.id == created.id
    assert created.client_secret.startswith(f"{created.id}_secret_")
    assert (created.status, created.amount_cents, created.currency) == (
        "requires_payment_method",
        2500,
        "eur",
    )
    assert created.metadata == metadata
    assert await gateway.retrieve_payment_intent(created.id) == created

    await payment_provider.pay_with_test_card(created.id)
    paid = await gateway.retrieve_payment_intent(created.id)
    assert (paid.status, paid.metadata) == ("succeeded", metadata)

    refund_key = unique("refund")
    refund = await gateway.refund_payment_intent(payment_intent_id=created.id, idempotency_key=refund_key)
    refund_again = await gateway.refund_payment_intent(payment_intent_id=created.id, idempotency_key=refund_key)
    assert refund.id.startswith("re_")
    assert (refund.payment_intent_id, refund.status, refund.amount_cents) == (created.id, "succeeded", 2500)
    assert refund_again.id == refund.id


async def test_idempotency_key_reused_with_other_parameters_is_refused(payment_provider: PaymentProvider) -> None:
    key = unique("ticket-order")
    await payment_provider.gateway.create_payment_intent(
        amount_cents=2500, currency="eur", metadata={}, idempotency_key=key
    )

    with pytest.raises(PaymentGatewayError) as refused:
        await payment_provider.gateway.create_payment_intent(
            amount_cents=9900, currency="eur", metadata={}, idempotency_key=key
        )
    assert refused.value.code == "idempotency_error"


async def test_refund_of_an_unpaid_intent_is_refused(payment_provider: PaymentProvider) -> None:
    intent = await payment_provider.gateway.create_payment_intent(
        amount_cents=2500, currency="eur", metadata={}, idempotency_key=unique("ticket-order")
    )

    with pytest.raises(PaymentGatewayError):
        await payment_provider.gateway.refund_payment_intent(
            payment_intent_id=intent.id, idempotency_key=unique("refund")
        )


async def test_unknown_payment_intent_is_a_gateway_error_that_hides_the_provider(
    payment_provider: PaymentProvider,
) -> None:
    with pytest.raises(PaymentGatewayError) as refused:
        await payment_provider.gateway.retrieve_payment_intent("pi_doesnotexist")

    assert refused.value.retryable is False
    # Nothing from the stripe package travels upward, not even as the exception's cause or context.
    assert refused.value.__cause__ is None
    assert refused.value.__suppress_context__ is True


# --- webhooks ---------------------------------------------------------------------------------------


def stripe_event(event_type: str = "payment_intent.succeeded") -> dict[str, Any]:
    return {
        "id": unique("evt"),
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": {"id": "pi_123", "object": "payment_intent", "metadata": {"ticket_order_id": "t-1"}}},
    }


def signed(payload: str, *, secret: str = WEBHOOK_SECRET, age_seconds: int = 0) -> tuple[bytes, str]:
    header = stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=int(time.time()) - age_seconds
    )
    return payload.encode("utf-8"), header


def tampered(body: bytes, header: str) -> tuple[bytes, str]:
    return body.replace(b"pi_123", b"pi_999"), header


async def test_webhook_signed_like_stripe_parses(payment_provider: PaymentProvider) -> None:
    event = stripe_event()
    body, header = signed(json.dumps(event, indent=2))

    parsed = payment_provider.gateway.parse_webhook(body, header)

    assert (parsed.id, parsed.type, parsed.created) == (
        event["id"],
        "payment_intent.succeeded",
        event["created"],
    )
    assert parsed.data_object == event["data"]["object"]


async def test_webhook_a_few_minutes_old_still_parses(payment_provider: PaymentProvider) -> None:
    body, header = signed(json.dumps(stripe_event()), age_seconds=250)

    assert payment_provider.gateway.parse_webhook(body, header).type == "payment_intent.succeeded"


@pytest.mark.parametrize(
    "make_request",
    [
        pytest.param(lambda: signed(json.dumps(stripe_event()), secret="whsec_someone_else"), id="wrong-secret"),
        pytest.param(lambda: signed(json.dumps(stripe_event()), age_seconds=301), id="older-than-300s"),
        pytest.param(lambda: signed("{not json"), id="garbage-json"),
        pytest.param(lambda: signed(json.dumps({"id": "evt_1", "type": "x"})), id="json-but-no-event"),
        pytest.param(lambda: signed(json.dumps(["evt_1"])), id="json-array"),
        pytest.param(lambda: (json.dumps(stripe_event()).encode(), ""), id="no-signature"),
        pytest.param(lambda: (json.dumps(stripe_event()).encode(), "t=abc,v1=00"), id="malformed-header"),
        pytest.param(lambda: tampered(*signed(json.dumps(stripe_event()))), id="tampered-body"),
        pytest.param(lambda: (b"\xff\xfe", "t=1,v1=00"), id="not-utf8"),
    ],
)
async def test_bad_webhook_is_invalid(
    payment_provider: PaymentProvider, make_request: Callable[[], tuple[bytes, str]]
) -> None:
    body, header = make_request()

    with pytest.raises(InvalidWebhook):
        payment_provider.gateway.parse_webhook(body, header)


# --- Stripe adapter only: what the memory twin cannot show ------------------------------------------


@dataclass
class Delivery:
    body: bytes
    signature_header: str


@pytest.fixture
def webhook_receiver() -> Iterator[tuple[str, queue.Queue[Delivery]]]:
    """A tiny HTTP server on 127.0.0.1 that keeps every POST it gets."""
    deliveries: queue.Queue[Delivery] = queue.Queue()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            deliveries.put(Delivery(body, self.headers.get("Stripe-Signature", "")))
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/webhooks/stripe", deliveries
    server.shutdown()
    server.server_close()


async def test_webhook_sent_by_localstripe_parses(
    localstripe_url: str, webhook_receiver: tuple[str, queue.Queue[Delivery]]
) -> None:
    receiver_url, deliveries = webhook_receiver
    webhook_id, secret = unique("contract"), "whsec_from_localstripe"
    gateway = StripePaymentGateway(API_KEY, secret, api_base=localstripe_url, max_network_retries=0)
    async with httpx.AsyncClient(base_url=localstripe_url) as config:
        configured = await config.post(
            f"/_config/webhooks/{webhook_id}",
            json={"url": receiver_url, "secret": secret, "events": ["customer.created"]},
        )
        assert configured.status_code == 200
        try:
            customer_id = await gateway.create_customer(
                organization_id=uuid.uuid4(), name="Webhook Owls", email=None, idempotency_key=unique("cus")
            )
            event = await wait_for_event(gateway, deliveries, lambda e: e.data_object.get("id") == customer_id)
        finally:
            # localstripe cannot forget a webhook: point this one at no event types at all.
            await config.post(
                f"/_config/webhooks/{webhook_id}", json={"url": receiver_url, "secret": secret, "events": []}
            )
            await gateway.close()

    assert event.type == "customer.created"
    assert event.id.startswith("evt_")
    assert abs(event.created - time.time()) < 30


async def wait_for_event(
    gateway: PaymentGateway,
    deliveries: queue.Queue[Delivery],
    wanted: Callable[[Any], bool],
    timeout_seconds: float = 10,
) -> Any:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        try:
            delivery = deliveries.get_nowait()
        except queue.Empty:
            await asyncio.sleep(0.05)
            continue
        event = gateway.parse_webhook(delivery.body, delivery.signature_header)
        if wanted(event):
            return event
    raise AssertionError(f"no matching webhook from localstripe within {timeout_seconds} s")


async def test_unreachable_stripe_is_a_retryable_gateway_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    gateway = StripePaymentGateway(
        API_KEY, WEBHOOK_SECRET, api_base=f"http://127.0.0.1:{closed_port}", max_network_retries=0
    )

    with pytest.raises(PaymentGatewayError) as refused:
        await gateway.retrieve_payment_intent("pi_123")
    await gateway.close()

    assert refused.value.retryable is True


# --- default payment method (what a client collected with Stripe.js) ------------------------------


async def test_a_payment_method_set_as_default_pays_for_a_subscription(payment_provider: PaymentProvider) -> None:
    price_id = await new_price(payment_provider.gateway)
    customer_id = await new_customer(payment_provider.gateway)

    await payment_provider.gateway.set_default_payment_method(customer_id=customer_id, payment_method_id="pm_card_visa")
    subscription = await payment_provider.gateway.create_subscription(
        customer_id=customer_id, price_id=price_id, idempotency_key=unique("sub")
    )

    assert subscription.status == "active"


async def test_an_unknown_payment_method_is_refused(payment_provider: PaymentProvider) -> None:
    customer_id = await new_customer(payment_provider.gateway)

    with pytest.raises(PaymentGatewayError):
        await payment_provider.gateway.set_default_payment_method(
            customer_id=customer_id, payment_method_id="pm_nonexistent"
        )
