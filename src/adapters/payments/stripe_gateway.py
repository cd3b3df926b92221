"""PaymentGateway over the Stripe API (stripe.StripeClient, async methods over httpx).

Recurring prices are created as Stripe *plans* whose id is the catalog's price id: Stripe accepts a plan id
wherever a price id is taken, and localstripe (the fake Stripe the tests run against) knows only plans.
For the same reason subscription items are addressed with `plan`, not `price`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

import stripe
from stripe.params import CustomerCreateParams

from application.ports.payments import (
    WEBHOOK_TOLERANCE_SECONDS,
    BillingInterval,
    InvalidWebhook,
    PaymentGatewayError,
    PaymentIntentInfo,
    PaymentProviderUnavailable,
    RefundInfo,
    SubscriptionInfo,
    WebhookEvent,
    check_signature_time,
    decode_webhook_event,
)

T = TypeVar("T")

# Stripe answers these when a retry may succeed (lock contention, rate limit, outage).
_RETRYABLE_STATUSES = {409, 429, 500, 502, 503, 504}


class StripePaymentGateway:
    def __init__(
        self,
        api_key: str,
        webhook_secret: str,
        api_base: str | None = None,
        *,
        max_network_retries: int = 2,
        timeout_seconds: float = 30,
    ) -> None:
        self._webhook_secret = webhook_secret
        self._http_client = stripe.HTTPXClient(timeout=timeout_seconds)
        # Retries are safe: every mutating call carries an idempotency key (ours or one stripe generates).
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=self._http_client,
            max_network_retries=max_network_retries,
        )

    async def close(self) -> None:
        await self._http_client.close_async()  # type: ignore[no-untyped-call]  # untyped in stripe

    async def ensure_price(
        self,
        *,
        price_id: str,
        amount_cents: int,
        currency: str,
        interval: BillingInterval,
        product_name: str,
    ) -> None:
        existing = await self._find_plan(price_id)
        if existing is None:
            # No idempotency key: the plan id itself makes a second create fail instead of duplicating.
            try:
                await self._call(
                    self._client.v1.plans.create_async(
                        params={
                            "id": price_id,
                            "amount": amount_cents,
                            "currency": currency.lower(),  # Stripe's own case; ours is ISO upper case
                            "interval": interval,
                            "product": {"name": product_name},
                        },
                    )
                )
                return
            except PaymentGatewayError:
                # Another process may have created it between our lookup and create: look again.
                existing = await self._find_plan(price_id)
                if existing is None:
                    raise
        wanted = (amount_cents, currency.lower(), interval)
        found = (existing["amount"], existing["currency"], existing["interval"])
        if found != wanted:
            raise PaymentGatewayError(
                f"price {price_id} exists with amount/currency/interval {found}, not {wanted}; "
                "prices cannot change: give the new terms a new price id",
                code="price_mismatch",
            )

    async def create_customer(
        self, *, organization_id: UUID, name: str, email: str | None, idempotency_key: str
    ) -> str:
        params: CustomerCreateParams = {"name": name, "metadata": {"organization_id": str(organization_id)}}
        if email is not None:
            params["email"] = email
        customer = await self._call(
            self._client.v1.customers.create_async(
                params=params,
                options={"idempotency_key": idempotency_key},
            )
        )
        return str(customer.id)

    async def set_default_payment_method(self, *, customer_id: str, payment_method_id: str) -> None:
        method = await self._call(
            self._client.v1.payment_methods.attach_async(payment_method_id, params={"customer": customer_id})
        )
        await self._call(
            self._client.v1.customers.update_async(
                customer_id, params={"invoice_settings": {"default_payment_method": method.id}}
            )
        )

    async def create_subscription(self, *, customer_id: str, price_id: str, idempotency_key: str) -> SubscriptionInfo:
        subscription = await self._call(
            self._client.v1.subscriptions.create_async(
                params={"customer": customer_id, "items": [{"plan": price_id}]},
                options={"idempotency_key": idempotency_key},
            )
        )
        return _subscription_info(subscription)

    async def change_subscription_price(self, *, subscription_id: str, price_id: str) -> SubscriptionInfo:
        current = await self._call(self._client.v1.subscriptions.retrieve_async(subscription_id))
        item_id = current["items"].data[0].id
        # Naming the existing item replaces its price; without the id Stripe would add a second item.
        updated = await self._call(
            self._client.v1.subscriptions.update_async(
                subscription_id, params={"items": [{"id": item_id, "plan": price_id}]}
            )
        )
        return _subscription_info(updated)

    async def cancel_subscription(self, subscription_id: str) -> SubscriptionInfo:
        canceled = await self._call(self._client.v1.subscriptions.cancel_async(subscription_id))
        return _subscription_info(canceled)

    async def retrieve_subscription(self, subscription_id: str) -> SubscriptionInfo:
        subscription = await self._call(self._client.v1.subscriptions.retrieve_async(subscription_id))
        return _subscription_info(subscription)

    async def create_payment_intent(
        self, *, amount_cents: int, currency: str, metadata: dict[str, str], idempotency_key: str
    ) -> PaymentIntentInfo:
        intent = await self._call(
            self._client.v1.payment_intents.create_async(
                params={"amount": amount_cents, "currency": currency, "metadata": metadata},
                options={"idempotency_key": idempotency_key},
            )
        )
        return _payment_intent_info(intent)

    async def retrieve_payment_intent(self, payment_intent_id: str) -> PaymentIntentInfo:
        intent = await self._call(self._client.v1.payment_intents.retrieve_async(payment_intent_id))
        return _payment_intent_info(intent)

    async def refund_payment_intent(self, *, payment_intent_id: str, idempotency_key: str) -> RefundInfo:
        refund = await self._call(
            self._client.v1.refunds.create_async(
                params={"payment_intent": payment_intent_id},
                options={"idempotency_key": idempotency_key},
            )
        )
        return RefundInfo(
            id=refund.id,
            payment_intent_id=_id_of(refund["payment_intent"]),
            status=str(refund.status),
            amount_cents=int(refund.amount),
        )

    def parse_webhook(self, payload: bytes, signature_header: str) -> WebhookEvent:
        try:
            stripe.WebhookSignature.verify_header(
                payload, signature_header, self._webhook_secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
            )
        except stripe.SignatureVerificationError as error:
            raise InvalidWebhook(f"webhook signature rejected: {error.user_message or error}") from None
        except UnicodeDecodeError:
            raise InvalidWebhook("webhook body is not UTF-8") from None
        check_signature_time(_signed_at(signature_header), time.time())
        return decode_webhook_event(payload)

    async def _find_plan(self, plan_id: str) -> stripe.Plan | None:
        try:
            return await self._client.v1.plans.retrieve_async(plan_id)
        except stripe.InvalidRequestError as error:
            if error.http_status == 404:
                return None
            raise _translate(error) from None
        except stripe.StripeError as error:
            raise _translate(error) from None

    @staticmethod
    async def _call(request: Awaitable[T]) -> T:
        try:
            return await request
        except stripe.StripeError as error:
            # `from None`: the stripe exception (with request and headers) must not travel upward.
            raise _translate(error) from None


def _translate(error: stripe.StripeError) -> PaymentGatewayError:
    retryable = isinstance(error, stripe.APIConnectionError | stripe.RateLimitError) or (
        error.http_status in _RETRYABLE_STATUSES
    )
    message = error.user_message or str(error) or type(error).__name__
    code = "idempotency_error" if isinstance(error, stripe.IdempotencyError) else error.code
    kind = PaymentProviderUnavailable if retryable else PaymentGatewayError
    return kind(f"payment provider: {message}", retryable=retryable, code=code)


def _signed_at(signature_header: str) -> int:
    """The t= of a Stripe-Signature header verify_header accepted (so it is there and an integer)."""
    for part in signature_header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            return int(value)
    raise InvalidWebhook("webhook signature rejected: no timestamp")


def _id_of(value: Any) -> str:
    """An expandable field holds an id or, when expanded, the object."""
    return str(value if isinstance(value, str) else value["id"])


def _subscription_info(subscription: stripe.Subscription) -> SubscriptionInfo:
    data = subscription.to_dict()
    item = data["items"]["data"][0]
    # Newer API versions carry the price (and the period) on the item; localstripe has only `plan`.
    price = item.get("price") or item.get("plan")
    period_end = data.get("current_period_end") or item.get("current_period_end")
    return SubscriptionInfo(
        id=data["id"],
        customer_id=_id_of(data["customer"]),
        status=data["status"],
        price_id=_id_of(price),
        current_period_end=datetime.fromtimestamp(period_end, UTC) if period_end else None,
        cancel_at_period_end=bool(data.get("cancel_at_period_end")),
    )


def _payment_intent_info(intent: stripe.PaymentIntent) -> PaymentIntentInfo:
    data = intent.to_dict()
    return PaymentIntentInfo(
        id=data["id"],
        client_secret=data["client_secret"],
        status=data["status"],
        amount_cents=int(data["amount"]),
        currency=data["currency"],
        metadata={str(key): str(value) for key, value in (data.get("metadata") or {}).items()},
    )
