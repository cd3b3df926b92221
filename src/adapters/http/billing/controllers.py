"""Billing over HTTP: the public plan catalog, the organization's subscription, and Stripe's webhook endpoint."""

from __future__ import annotations

from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from adapters.http.billing.schemas import ChangePlanBody, PlanList, SubscriptionOut, WebhookReceipt
from adapters.http.schema_kit import to_struct
from application.billing import ChangePlanCommand, ChangeSubscription, GetSubscription, ListPlans
from application.webhooks import ProcessStripeWebhook
from domain.permissions import Actor

# Stripe's events are a few kB; anything far bigger is not from Stripe.
MAX_WEBHOOK_BYTES = 256 * 1024


class PlanController(Controller):
    path = "/api/plans"
    tags = ["billing"]

    @get("", summary="The plan catalog with entitlements (public)", security=[])
    async def catalog(self, use_case: FromDishka[ListPlans]) -> PlanList:
        return to_struct({"items": await use_case.execute()}, PlanList)


class SubscriptionController(Controller):
    path = "/api/orgs/{org_id:uuid}/billing/subscription"
    tags = ["billing"]

    @get("", summary="The organization's plan, subscription status, usage and entitlements (billing readers)")
    async def read(self, actor: FromDishka[Actor], use_case: FromDishka[GetSubscription]) -> SubscriptionOut:
        return to_struct(await use_case.execute(actor), SubscriptionOut)

    @post(
        "",
        status_code=HTTP_200_OK,
        summary="Start or change the plan (owner, billing_manager); a plan without a price ends the paid one",
    )
    async def change(
        self, data: JSONBody[ChangePlanBody], actor: FromDishka[Actor], use_case: FromDishka[ChangeSubscription]
    ) -> SubscriptionOut:
        result = await use_case.execute(actor, ChangePlanCommand(plan=data.plan, payment_method=data.payment_method))
        return to_struct(result, SubscriptionOut)


class StripeWebhookController(Controller):
    """The raw body goes to the use case untouched: re-encoding it would break the signature."""

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
        result = await use_case.execute(await request.body(), request.headers.get("stripe-signature", ""))
        return WebhookReceipt(received=True, event_id=result.event_id, duplicate=result.duplicate)
