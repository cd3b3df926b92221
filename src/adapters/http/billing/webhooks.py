"""Stripe's webhook endpoint: the raw body goes to the use case untouched (re-encoding breaks the signature)."""

from __future__ import annotations

from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, post
from litestar.status_codes import HTTP_200_OK
from msgspec import Struct

from application.webhooks import ProcessStripeWebhook

# Stripe's events are a few kB; anything far bigger is not from Stripe.
MAX_WEBHOOK_BYTES = 256 * 1024


class WebhookReceipt(Struct):
    received: bool
    event_id: str
    duplicate: bool


class StripeWebhookController(Controller):
    path = "/api/webhooks/stripe"
    tags = ["billing"]

    @post(
        "",
        status_code=HTTP_200_OK,
        summary="Stripe events; the Stripe-Signature header is checked against the raw body (bad -> 400)",
        security=[],
        request_max_body_size=MAX_WEBHOOK_BYTES,
    )
    async def receive(
        self, request: Request[Any, Any, Any], use_case: FromDishka[ProcessStripeWebhook]
    ) -> WebhookReceipt:
        payload = await request.body()
        result = await use_case.execute(payload, request.headers.get("stripe-signature", ""))
        return WebhookReceipt(received=True, event_id=result.event_id, duplicate=result.duplicate)
