"""In-memory twin of the PaymentGateway: same answers and the same refusals as Stripe (as far as the contract
tests pin them down), no network. Webhooks are signed and verified with Stripe's scheme, using stdlib hmac.

Extra methods for tests stand in for what a paying client or Stripe itself would do: `add_default_card`,
`succeed_payment_intent`, `signed_webhook`.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from application.ports.payments import (
    WEBHOOK_TOLERANCE_SECONDS,
    BillingInterval,
    InvalidWebhook,
    PaymentGatewayError,
    PaymentIntentInfo,
    RefundInfo,
    SubscriptionInfo,
    WebhookEvent,
    check_signature_time,
    decode_webhook_event,
)

T = TypeVar("T")

_INTERVALS = ("day", "week", "month", "year")


@dataclass(frozen=True)
class _Price:
    amount_cents: int
    currency: str
    interval: BillingInterval
    product_name: str


@dataclass
class _Customer:
    organization_id: UUID
    name: str
    email: str | None
    has_default_card: bool = False


class MemoryPaymentGateway:
    def __init__(self, webhook_secret: str, *, clock: Callable[[], float] = time.time) -> None:
        self._webhook_secret = webhook_secret
        self._clock = clock
        self._prices: dict[str, _Price] = {}
        self._customers: dict[str, _Customer] = {}
        self._subscriptions: dict[str, SubscriptionInfo] = {}
        self._intents: dict[str, PaymentIntentInfo] = {}
        self._refunds: dict[str, RefundInfo] = {}
        # idempotency key -> (what was asked, what was answered)
        self._idempotent: dict[str, tuple[tuple[Any, ...], Any]] = {}

    async def close(self) -> None:
        """Nothing to release; present so callers treat both gateways alike."""

    async def ensure_price(
        self,
        *,
        price_id: str,
        amount_cents: int,
        currency: str,
        interval: BillingInterval,
        product_name: str,
    ) -> None:
        if amount_cents < 0 or not currency or interval not in _INTERVALS:
            raise PaymentGatewayError(f"invalid price {price_id}", code="parameter_invalid")
        wanted = _Price(amount_cents, currency.lower(), interval, product_name)
        existing = self._prices.setdefault(price_id, wanted)
        found_terms = (existing.amount_cents, existing.currency, existing.interval)
        wanted_terms = (wanted.amount_cents, wanted.currency, wanted.interval)
        if found_terms != wanted_terms:
            raise PaymentGatewayError(
                f"price {price_id} exists with amount/currency/interval {found_terms}, not {wanted_terms}; "
                "prices cannot change: give the new terms a new price id",
                code="price_mismatch",
            )

    async def create_customer(
        self, *, organization_id: UUID, name: str, email: str | None, idempotency_key: str
    ) -> str:
        def create() -> str:
            customer_id = _new_id("cus_")
            self._customers[customer_id] = _Customer(organization_id, name, email)
            return customer_id

        return self._once(idempotency_key, ("customer", organization_id, name, email), create)

    async def set_default_payment_method(self, *, customer_id: str, payment_method_id: str) -> None:
        customer = self._customer(customer_id)
        # Stripe's test tokens (pm_card_visa, ...) stand for a card a client collected; others are unknown.
        if not payment_method_id.startswith("pm_card_") or "Declined" in payment_method_id:
            raise PaymentGatewayError(f"payment provider: no such payment method: {payment_method_id}")
        customer.has_default_card = True

    async def create_subscription(self, *, customer_id: str, price_id: str, idempotency_key: str) -> SubscriptionInfo:
        def create() -> SubscriptionInfo:
            customer = self._customer(customer_id)
            price = self._price(price_id)
            if not customer.has_default_card:
                raise PaymentGatewayError("payment provider: this customer has no payment method")
            subscription = SubscriptionInfo(
                id=_new_id("sub_"),
                customer_id=customer_id,
                status="active",
                price_id=price_id,
                current_period_end=_period_end(self._now(), price.interval),
                cancel_at_period_end=False,
            )
            self._subscriptions[subscription.id] = subscription
            return subscription

        return self._once(idempotency_key, ("subscription", customer_id, price_id), create)

    async def change_subscription_price(self, *, subscription_id: str, price_id: str) -> SubscriptionInfo:
        subscription = self._subscription(subscription_id)
        self._price(price_id)
        changed = replace(subscription, price_id=price_id)
        self._subscriptions[subscription_id] = changed
        return changed

    async def cancel_subscription(self, subscription_id: str) -> SubscriptionInfo:
        canceled = replace(self._subscription(subscription_id), status="canceled", cancel_at_period_end=False)
        self._subscriptions[subscription_id] = canceled
        return canceled

    async def retrieve_subscription(self, subscription_id: str) -> SubscriptionInfo:
        return self._subscription(subscription_id)

    async def create_payment_intent(
        self, *, amount_cents: int, currency: str, metadata: dict[str, str], idempotency_key: str
    ) -> PaymentIntentInfo:
        def create() -> PaymentIntentInfo:
            if amount_cents <= 0 or not currency:
                raise PaymentGatewayError("payment provider: invalid amount or currency")
            intent_id = _new_id("pi_")
            intent = PaymentIntentInfo(
                id=intent_id,
                client_secret=f"{intent_id}_secret_{secrets.token_hex(8)}",
                status="requires_payment_method",
                amount_cents=amount_cents,
                currency=currency,
                metadata=dict(metadata),
            )
            self._intents[intent_id] = intent
            return intent

        request = ("payment_intent", amount_cents, currency, tuple(sorted(metadata.items())))
        return self._once(idempotency_key, request, create)

    async def retrieve_payment_intent(self, payment_intent_id: str) -> PaymentIntentInfo:
        return self._intent(payment_intent_id)

    async def refund_payment_intent(self, *, payment_intent_id: str, idempotency_key: str) -> RefundInfo:
        def create() -> RefundInfo:
            intent = self._intent(payment_intent_id)
            if intent.status != "succeeded":
                raise PaymentGatewayError(f"payment provider: cannot refund a {intent.status} payment")
            refund = RefundInfo(
                id=_new_id("re_"),
                payment_intent_id=payment_intent_id,
                status="succeeded",
                amount_cents=intent.amount_cents,
            )
            self._refunds[refund.id] = refund
            return refund

        return self._once(idempotency_key, ("refund", payment_intent_id), create)

    def parse_webhook(self, payload: bytes, signature_header: str) -> WebhookEvent:
        timestamp, signatures = _parse_signature_header(signature_header)
        try:
            expected = _sign(self._webhook_secret, timestamp, payload.decode("utf-8"))
        except UnicodeDecodeError:
            raise InvalidWebhook("webhook body is not UTF-8") from None
        if not any(hmac.compare_digest(expected, signature) for signature in signatures):
            raise InvalidWebhook("webhook signature rejected: no signature matches the payload")
        if timestamp < self._now() - WEBHOOK_TOLERANCE_SECONDS:
            raise InvalidWebhook(f"webhook signature rejected: timestamp {timestamp} is too old")
        check_signature_time(timestamp, self._now())
        return decode_webhook_event(payload)

    # --- test helpers: what the paying client or Stripe would do -------------------------------------

    def add_default_card(self, customer_id: str) -> None:
        """As if the customer saved a card as default payment method (Stripe: attach + invoice_settings)."""
        self._customer(customer_id).has_default_card = True

    def succeed_payment_intent(self, payment_intent_id: str) -> tuple[bytes, str]:
        """As if the client confirmed with a good card: mark it succeeded and return the signed
        `payment_intent.succeeded` webhook (body, Stripe-Signature header) Stripe would send."""
        intent = replace(self._intent(payment_intent_id), status="succeeded")
        self._intents[payment_intent_id] = intent
        return self.signed_webhook("payment_intent.succeeded", _intent_object(intent))

    def signed_webhook(
        self, event_type: str, data_object: dict[str, Any], *, timestamp: int | None = None
    ) -> tuple[bytes, str]:
        created = self._now() if timestamp is None else timestamp
        event = {
            "id": _new_id("evt_"),
            "object": "event",
            "type": event_type,
            "created": created,
            "data": {"object": data_object},
        }
        payload = json.dumps(event, indent=2, sort_keys=True)
        return payload.encode("utf-8"), f"t={created},v1={_sign(self._webhook_secret, created, payload)}"

    # --- internals ----------------------------------------------------------------------------------

    def _once(self, idempotency_key: str, request: tuple[Any, ...], create: Callable[[], T]) -> T:
        """Stripe's idempotency: same key and same request -> the first answer; same key, other request ->
        an error. Failed requests are not remembered, so they can be retried."""
        if idempotency_key in self._idempotent:
            remembered_request, answer = self._idempotent[idempotency_key]
            if remembered_request != request:
                raise PaymentGatewayError(
                    "payment provider: idempotency key reused with different parameters",
                    code="idempotency_error",
                )
            result: T = answer
            return result
        answer = create()
        self._idempotent[idempotency_key] = (request, answer)
        return answer

    def _now(self) -> int:
        return int(self._clock())

    def _customer(self, customer_id: str) -> _Customer:
        return _lookup(self._customers, customer_id, "customer")

    def _price(self, price_id: str) -> _Price:
        return _lookup(self._prices, price_id, "price")

    def _subscription(self, subscription_id: str) -> SubscriptionInfo:
        return _lookup(self._subscriptions, subscription_id, "subscription")

    def _intent(self, payment_intent_id: str) -> PaymentIntentInfo:
        return _lookup(self._intents, payment_intent_id, "payment intent")


def _lookup(objects: dict[str, T], object_id: str, kind: str) -> T:
    try:
        return objects[object_id]
    except KeyError:
        raise PaymentGatewayError(f"payment provider: no such {kind}: {object_id}") from None


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(7)


def _sign(secret: str, timestamp: int, payload: str) -> str:
    signed = f"{timestamp}.{payload}".encode()
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def _parse_signature_header(header: str) -> tuple[int, list[str]]:
    """`t=<unix seconds>,v1=<hex>[,v1=<hex>...]`; several v1 entries appear while a secret is rolled."""
    timestamps: list[str] = []
    signatures: list[str] = []
    for part in (header or "").split(","):
        key, _, value = part.partition("=")
        if key == "t":
            timestamps.append(value)
        elif key == "v1":
            signatures.append(value)
    if not timestamps or not timestamps[0].isdigit():
        raise InvalidWebhook("webhook signature rejected: no timestamp in the header")
    if not signatures:
        raise InvalidWebhook("webhook signature rejected: no v1 signature in the header")
    return int(timestamps[0]), signatures


def _period_end(start: int, interval: BillingInterval) -> datetime:
    started = datetime.fromtimestamp(start, UTC)
    if interval == "day":
        return started + timedelta(days=1)
    if interval == "week":
        return started + timedelta(weeks=1)
    months = 1 if interval == "month" else 12
    month_index = started.month - 1 + months
    year, month = started.year + month_index // 12, month_index % 12 + 1
    # Jan 31 + 1 month is the last day of February, as Stripe bills it.
    day = min(started.day, calendar.monthrange(year, month)[1])
    return started.replace(year=year, month=month, day=day)


def _intent_object(intent: PaymentIntentInfo) -> dict[str, Any]:
    return {
        "id": intent.id,
        "object": "payment_intent",
        "amount": intent.amount_cents,
        "currency": intent.currency,
        "status": intent.status,
        "metadata": dict(intent.metadata),
        "client_secret": intent.client_secret,
    }
