"""Payment gateway port: customers, subscriptions on catalog prices, one-off PaymentIntents, refunds and
verified webhooks. Implemented by adapters.payments (Stripe) and adapters.memory (in-memory twin).

Amounts are integers in the currency's minor unit (cents), as Stripe counts them. Statuses are Stripe's own
strings ("active", "requires_payment_method", "succeeded", ...): the set is open, so they stay `str`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol
from uuid import UUID

from domain.errors import DomainError

BillingInterval = Literal["day", "week", "month", "year"]

# Stripe rejects webhook signatures older than this many seconds (replay protection); we also refuse
# signatures dated further than this in the future (a clock that far ahead is not Stripe's).
WEBHOOK_TOLERANCE_SECONDS = 300
# What a Stripe event looks like: ids and types are short ASCII, timestamps are seconds since 1970 within
# PostgreSQL's bigint and Python's datetime, objects nest a few levels. Anything else is refused (400)
# before it is used: Stripe retries a 5xx for days.
WEBHOOK_MAX_ID_LENGTH = 255
WEBHOOK_MAX_TYPE_LENGTH = 100
WEBHOOK_MAX_DEPTH = 32
WEBHOOK_MAX_TIMESTAMP = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second datetime can hold


class PaymentGatewayError(DomainError):
    """The payment provider refused the request or could not be reached.

    `retryable` is True when trying again with the same idempotency key may succeed (network failure,
    rate limit, provider outage); False when the request itself is wrong (unknown id, declined, bad state).
    """

    def __init__(self, detail: str, *, retryable: bool = False, code: str | None = None) -> None:
        super().__init__(detail)
        self.retryable = retryable
        self.code = code


class PaymentProviderUnavailable(PaymentGatewayError):
    """The provider could not be reached or is overloaded: the same request may succeed later."""


class InvalidWebhook(DomainError):
    """A webhook body is unsigned, signed with another secret, too old, or not a well-formed event."""


@dataclass(frozen=True)
class SubscriptionInfo:
    id: str
    customer_id: str
    status: str
    price_id: str
    current_period_end: datetime | None
    cancel_at_period_end: bool


@dataclass(frozen=True)
class PaymentIntentInfo:
    id: str
    client_secret: str
    status: str
    amount_cents: int
    currency: str
    metadata: dict[str, str]


@dataclass(frozen=True)
class RefundInfo:
    id: str
    payment_intent_id: str
    status: str
    amount_cents: int


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    created: int
    data_object: dict[str, Any]


class PaymentGateway(Protocol):
    """Idempotency keys make retries safe: the same key returns the first result instead of acting twice;
    reusing a key with different parameters is an error. Derive keys from what the call is for
    (e.g. f"ticket-order:{order_id}:intent"), never from a random value made at call time."""

    async def ensure_price(
        self,
        *,
        price_id: str,
        amount_cents: int,
        currency: str,
        interval: BillingInterval,
        product_name: str,
    ) -> None:
        """Create the recurring price (a Stripe plan with this id) unless it exists with the same terms.

        Raises PaymentGatewayError if it exists with another amount, currency or interval: prices are
        immutable at the provider, so the catalog needs a new price id instead.
        """
        ...

    async def create_customer(
        self, *, organization_id: UUID, name: str, email: str | None, idempotency_key: str
    ) -> str:
        """Create the provider-side customer of an organization; returns its id."""
        ...

    async def set_default_payment_method(self, *, customer_id: str, payment_method_id: str) -> None:
        """Attach a payment method the client collected (Stripe.js) and make it the customer's default,
        which subscriptions charge. Raises PaymentGatewayError for an unknown or unusable method."""
        ...

    async def create_subscription(self, *, customer_id: str, price_id: str, idempotency_key: str) -> SubscriptionInfo:
        """Subscribe a customer to a price, charging its default payment method.

        Raises PaymentGatewayError if the customer has no default payment method or the price is unknown.
        """
        ...

    async def change_subscription_price(self, *, subscription_id: str, price_id: str) -> SubscriptionInfo:
        """Move the subscription's single item to another price (upgrade or downgrade)."""
        ...

    async def cancel_subscription(self, subscription_id: str) -> SubscriptionInfo:
        """Cancel now (not at period end); the result has status "canceled"."""
        ...

    async def retrieve_subscription(self, subscription_id: str) -> SubscriptionInfo: ...

    async def create_payment_intent(
        self, *, amount_cents: int, currency: str, metadata: dict[str, str], idempotency_key: str
    ) -> PaymentIntentInfo:
        """Start a one-off payment; the client secret goes to the paying client, which confirms it."""
        ...

    async def retrieve_payment_intent(self, payment_intent_id: str) -> PaymentIntentInfo: ...

    async def refund_payment_intent(self, *, payment_intent_id: str, idempotency_key: str) -> RefundInfo:
        """Refund the whole amount of a succeeded PaymentIntent."""
        ...

    def parse_webhook(self, payload: bytes, signature_header: str) -> WebhookEvent:
        """Verify the Stripe-Signature header against the raw body, then decode the event.

        Raises InvalidWebhook on a missing, wrong or older than WEBHOOK_TOLERANCE_SECONDS signature, and on a
        body that is not a JSON event. Pass the body exactly as received: re-encoding breaks the signature.
        """
        ...


def check_signature_time(timestamp: int, now: float) -> None:
    """The signature's own time must be within the tolerance on both sides of now."""
    if timestamp > now + WEBHOOK_TOLERANCE_SECONDS:
        raise InvalidWebhook(f"webhook signature rejected: timestamp {timestamp} is in the future")


def _plain_ascii(value: str, max_length: int) -> bool:
    return 0 < len(value) <= max_length and value.isascii() and value.isprintable()


def _well_nested(value: Any, depth: int = 0) -> bool:
    """No deeper than WEBHOOK_MAX_DEPTH, no NUL in any string (PostgreSQL text cannot hold it), no integer
    beyond 64 bits (a bigint column or a timestamp would overflow)."""
    if depth > WEBHOOK_MAX_DEPTH:
        return False
    if isinstance(value, dict):
        return all(_well_nested(k, depth + 1) and _well_nested(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_well_nested(item, depth + 1) for item in value)
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**63) <= value < 2**63
    return True


def decode_webhook_event(payload: bytes) -> WebhookEvent:
    """Decode a verified webhook body; shared so that every adapter accepts exactly the same events."""
    if payload.count(b"[") + payload.count(b"{") > WEBHOOK_MAX_DEPTH and _nesting_of(payload) > WEBHOOK_MAX_DEPTH:
        raise InvalidWebhook("webhook body is nested too deeply")
    try:
        event = json.loads(payload)
        data_object = event["data"]["object"]
        event_id, event_type, created = event["id"], event["type"], event["created"]
    except (ValueError, TypeError, KeyError):
        raise InvalidWebhook("webhook body is not a JSON event") from None
    well_formed = (
        isinstance(event_id, str)
        and isinstance(event_type, str)
        and isinstance(created, int)
        and isinstance(data_object, dict)
    )
    if not well_formed:
        raise InvalidWebhook("webhook body is not a JSON event")
    if not _plain_ascii(event_id, WEBHOOK_MAX_ID_LENGTH) or not _plain_ascii(event_type, WEBHOOK_MAX_TYPE_LENGTH):
        raise InvalidWebhook("webhook event id or type is not a short printable ASCII string")
    if isinstance(created, bool) or not 0 < created <= WEBHOOK_MAX_TIMESTAMP:
        raise InvalidWebhook("webhook event created is not a timestamp")
    if not _well_nested(event):
        raise InvalidWebhook("webhook body holds values out of range (NUL characters, huge numbers, deep nesting)")
    return WebhookEvent(id=event_id, type=event_type, created=created, data_object=data_object)


def _nesting_of(payload: bytes) -> int:
    """How deep arrays and objects nest, brackets inside strings ignored (checked before json.loads recurses)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in payload:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest
