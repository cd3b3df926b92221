"""The documented extension point: another capability plugs a handler for its Stripe events with dishka's
`@decorate`, and gets signature checks, tenant routing and exactly-once processing for free."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import pytest
import stripe
from dishka import Provider, Scope, decorate
from litestar import Litestar
from litestar.testing import AsyncTestClient

from adapters.memory.store import MemoryStore
from application.ports.billing import BillingUnitOfWork
from application.ports.payments import WebhookEvent
from application.webhooks import WebhookHandlers
from domain.events import DomainEvent
from entrypoints.app import create_app
from entrypoints.settings import Environment, Settings
from tests.fixtures.api import TEST_SECRET, register

SECRET = "whsec_extension"


class PaymentSucceeded:
    """What the orders work would write: the tenant from metadata as a hint, the object looked up in it."""

    async def organization_of(self, uow: BillingUnitOfWork, event: WebhookEvent) -> uuid.UUID | None:
        try:
            return uuid.UUID(event.data_object["metadata"]["organization_id"])
        except (KeyError, ValueError, TypeError):
            return None

    async def apply(self, uow: BillingUnitOfWork, event: WebhookEvent) -> str:
        organization = await uow.organizations.get(uuid.UUID(event.data_object["metadata"]["organization_id"]))
        if organization is None:
            return "ignored: no such organization"
        uow.record(DomainEvent(name="test.order_paid", organization_id=organization.id, payload={}))
        return "applied"


class OrdersWebhooks(Provider):
    scope = Scope.APP

    @decorate
    def add_payment_handlers(self, handlers: WebhookHandlers) -> WebhookHandlers:
        handlers.register("invoice.paid", PaymentSucceeded())
        return handlers


@pytest.fixture
async def extended() -> AsyncIterator[tuple[AsyncTestClient[Litestar], MemoryStore]]:
    store = MemoryStore()
    settings = Settings(env=Environment.TEST, secret_key=TEST_SECRET, stripe_webhook_secret=SECRET)
    app = create_app(settings, memory_store=store, extra_providers=[OrdersWebhooks()])
    async with AsyncTestClient(app=app) as client:
        yield client, store


async def test_a_plugged_handler_runs_once_per_event_in_its_organization(
    extended: tuple[AsyncTestClient[Litestar], MemoryStore],
) -> None:
    client, store = extended
    owner = await register(client)
    org_id = (await owner.create_org())["id"]
    event = {
        "id": "evt_" + uuid.uuid4().hex,
        "object": "event",
        "type": "invoice.paid",
        "created": 1,
        "data": {"object": {"id": "pi_1", "metadata": {"organization_id": org_id, "order_id": "o1"}}},
    }
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, SECRET)

    answers = [
        await client.post("/api/webhooks/stripe", content=payload.encode(), headers={"Stripe-Signature": header})
        for _ in range(3)
    ]

    assert [a.json()["duplicate"] for a in answers] == [False, True, True]
    assert [e.organization_id for e in store.outbox if e.name == "test.order_paid"] == [uuid.UUID(org_id)]
    assert store.table("stripe_events")[event["id"]].outcome == "applied"
