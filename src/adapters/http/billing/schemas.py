"""Bodies of the plan catalog, the subscription and the webhook receipt."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

from adapters.http.schema_kit import EntitlementValue, Input

PlanId = Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$", examples=["team"])]
PaymentMethodId = Annotated[str, Meta(min_length=3, max_length=255, pattern=r"^pm_[A-Za-z0-9_]+$")]


class PlanOut(Struct):
    id: str
    name: str
    price_cents: int
    currency: str
    interval: str
    entitlements: dict[str, EntitlementValue]


class PlanList(Struct):
    items: list[PlanOut]


class ChangePlanBody(Input, frozen=True):
    plan: PlanId
    # A payment method collected by Stripe.js; becomes the organization's default for the subscription.
    payment_method: PaymentMethodId | None = None


class SubscriptionOut(Struct):
    organization_id: uuid.UUID
    plan: str
    status: str
    effective_plan: str
    entitlements: dict[str, EntitlementValue]
    usage: dict[str, int]
    over_limits: list[str]
    current_period_end: datetime | None
    cancel_at_period_end: bool
    stripe_customer_id: str | None


class WebhookReceipt(Struct):
    received: bool
    event_id: str
    duplicate: bool
