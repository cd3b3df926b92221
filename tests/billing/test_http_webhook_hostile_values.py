"""Validly signed webhooks with odd values are refused with 400 before use (Stripe retries a 5xx for days)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
import stripe
from litestar import Litestar
from litestar.testing import AsyncTestClient

from application.ports.payments import InvalidWebhook, decode_webhook_event
from tests.fixtures.billing_api import WEBHOOK_SECRET

WEBHOOK = "/api/webhooks/stripe"


def event(**fields: Any) -> dict[str, Any]:
    base = {"id": "evt_" + uuid.uuid4().hex, "object": "event", "type": "customer.subscription.updated"}
    return {**base, "created": int(time.time()), "data": {"object": {"id": "sub_x", "customer": "cus_x"}}, **fields}


def signed(payload: str, *, timestamp: int | None = None) -> dict[str, Any]:
    header = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET, timestamp=timestamp)
    return {"content": payload.encode(), "headers": {"Stripe-Signature": header, "Content-Type": "application/json"}}


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


HOSTILE = {
    "created 1e20": json.dumps(event(created=10**20)),
    "created -1e19": json.dumps(event(created=-(10**19))),
    "created 0": json.dumps(event(created=0)),
    "NUL in id": json.dumps(event(id="evt_\x00x")),
    "NUL in type": json.dumps(event(type="customer.subscription.updated\x00")),
    "NUL in the object": json.dumps(event(data={"object": {"id": "sub_\x00", "customer": "cus_\x00"}})),
    "id of 300 characters": json.dumps(event(id="evt_" + "a" * 296)),
    "huge period end": json.dumps(event(data={"object": {"id": "s", "customer": "c", "current_period_end": 10**30}})),
    "5,000-deep nesting": json.dumps(event())[:-1] + ', "extra": ' + deep(5_000) + "}",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
async def test_a_signed_event_with_odd_values_is_a_400(billing_client: AsyncTestClient[Litestar], name: str) -> None:
    answer = await billing_client.post(WEBHOOK, **signed(HOSTILE[name]))
    assert answer.status_code == 400, (name, answer.text)


async def test_a_signature_from_the_future_is_refused(billing_client: AsyncTestClient[Litestar]) -> None:
    payload = json.dumps(event())
    future = await billing_client.post(WEBHOOK, **signed(payload, timestamp=int(time.time()) + 3600))
    assert future.status_code == 400 and "future" in future.text
    now = await billing_client.post(WEBHOOK, **signed(payload))
    assert now.status_code == 200, now.text


def test_the_shared_decoder_refuses_depth_without_recursing() -> None:
    payload = (json.dumps(event())[:-1] + ', "extra": ' + deep(100_000) + "}").encode()
    with pytest.raises(InvalidWebhook):
        decode_webhook_event(payload)
