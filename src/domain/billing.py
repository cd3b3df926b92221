"""Plans, entitlements and the organization's subscription: billing rules as data and small entities.

A plan is a row of the catalog, not code: its entitlements are a mapping from a name ("max_members",
"paid_ticketing", ...) to a limit (an int count, a bool feature flag, or None for unlimited). A name missing
from a plan's entitlements is not granted (fail closed), so a new entitlement must be given to each plan.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import EntitlementExceeded, InvalidInput
from domain.events import Aggregate, DomainEvent
from domain.ids import new_id

EntitlementValue = int | bool | None

# The entitlements every seeded plan defines; use cases check them by these names.
MAX_CHAPTERS = "max_chapters"
MAX_MEMBERS = "max_members"
PAID_TICKETING = "paid_ticketing"
MAX_EVENTS_PER_MONTH = "max_events_per_month"

FREE_PLAN_ID = "free"

# Stripe's subscription statuses in which the paid plan's entitlements apply. past_due keeps them while
# Stripe retries the card (its dunning period); canceled, unpaid and incomplete* fall back to the free plan.
ENTITLED_STATUSES = frozenset({"active", "trialing", "past_due"})
# Stripe never brings a subscription back from these: later events about it cannot revive it.
TERMINAL_STATUSES = frozenset({"canceled", "incomplete_expired"})


@dataclass(eq=False)
class Plan:
    id: str
    name: str
    price_cents: int
    currency: str
    interval: str
    entitlements: dict[str, EntitlementValue]
    # The provider's price for this plan (a Stripe plan id); None for a plan that costs nothing.
    stripe_price_id: str | None = None
    sort_order: int = 0
    active: bool = True

    @property
    def is_paid(self) -> bool:
        return self.stripe_price_id is not None

    def limit(self, entitlement: str) -> EntitlementValue:
        """The plan's limit; raises KeyError for an entitlement the plan does not define."""
        return self.entitlements[entitlement]

    def check(self, entitlement: str, current_count: int = 0) -> None:
        """May the organization add one more (a count entitlement) or use the feature (a flag)?

        `current_count` is how many there are now; with a limit of 5, the 6th is refused.
        """
        value = self.entitlements.get(entitlement, False)
        if value is None or value is True:
            return
        if value is False:
            raise EntitlementExceeded(
                f"the '{self.name}' plan does not include {entitlement}; upgrade to use it",
                entitlement=entitlement,
                limit=False,
                plan=self.id,
            )
        if current_count >= value:
            raise EntitlementExceeded(
                f"the '{self.name}' plan allows at most {value} for {entitlement}; upgrade to add more",
                entitlement=entitlement,
                limit=value,
                plan=self.id,
            )

    def exceeded_by(self, usage: Mapping[str, int]) -> list[str]:
        """Entitlements that the given usage is already above (after a downgrade): data is kept, additions
        are refused until usage is back under the limit or the plan is upgraded."""
        over = []
        for name, used in usage.items():
            value = self.entitlements.get(name, False)
            if isinstance(value, bool) or value is None:
                continue
            if used > value:
                over.append(name)
        return sorted(over)


@dataclass(eq=False)
class OrganizationSubscription(Aggregate):
    """The local mirror of an organization's plan and its Stripe subscription (one row per organization).

    `state_as_of` (Unix seconds) is when the mirrored state was true at Stripe: a webhook event created
    before it is older news and must not move the state backwards.
    """

    organization_id: uuid.UUID
    plan_id: str
    status: str
    updated_at: datetime
    stripe_customer_id: str | None = None
    stripe_subscription_id: str | None = None
    # Bumped for every new Stripe subscription, so each gets its own idempotency key.
    generation: int = 0
    current_period_end: datetime | None = None
    cancel_at_period_end: bool = False
    state_as_of: int = 0
    id: uuid.UUID = field(default_factory=new_id)

    @classmethod
    def start_free(cls, organization_id: uuid.UUID, now: datetime) -> OrganizationSubscription:
        return cls(organization_id=organization_id, plan_id=FREE_PLAN_ID, status="active", updated_at=now)

    def effective_plan_id(self) -> str:
        return effective_plan_id(self.plan_id, self.status, self.stripe_subscription_id)

    def subscription_key(self, *, customer_id: str, price_id: str, payment_method: str | None) -> str:
        """Idempotency key of the next Stripe subscription create: the organization, the generation and the
        parameters it guards. A retried request reuses the key and never subscribes twice; a retry with other
        terms (another card after a refusal: Stripe replays a refused answer for its key) gets a key of its own."""
        guarded = _digest(customer_id, price_id, payment_method or "")
        return f"org:{self.organization_id}:subscription:{self.generation + 1}:{guarded}"

    def customer_key(self, *, name: str, email: str | None) -> str:
        return customer_idempotency_key(self.organization_id, name=name, email=email)

    def mirror(
        self,
        *,
        plan_id: str,
        subscription_id: str | None,
        status: str,
        current_period_end: datetime | None,
        cancel_at_period_end: bool,
        as_of: int,
        now: datetime,
        actor_id: uuid.UUID | None = None,
        new_generation: bool = False,
    ) -> bool:
        """Take Stripe's state if it is not older than what we hold; returns whether anything changed.

        Never moves backwards: older news (as_of before state_as_of) is ignored, and a subscription that
        Stripe ended stays ended whatever arrives about it later.
        """
        if as_of < self.state_as_of:
            return False
        same_subscription = subscription_id == self.stripe_subscription_id
        if same_subscription and subscription_id is not None and self.status in TERMINAL_STATUSES:
            return False
        before = (
            self.plan_id,
            self.stripe_subscription_id,
            self.status,
            self.current_period_end,
            self.cancel_at_period_end,
        )
        self.plan_id, self.stripe_subscription_id, self.status = plan_id, subscription_id, status
        self.current_period_end, self.cancel_at_period_end = current_period_end, cancel_at_period_end
        self.state_as_of = max(self.state_as_of, as_of)
        if new_generation:
            self.generation += 1
        after = (
            self.plan_id,
            self.stripe_subscription_id,
            self.status,
            self.current_period_end,
            self.cancel_at_period_end,
        )
        if before == after:
            return False
        self.updated_at = now
        self.record(
            DomainEvent(
                name="billing.subscription_changed",
                organization_id=self.organization_id,
                payload={
                    "from": {"plan": before[0], "status": before[2]},
                    "to": {"plan": plan_id, "status": status},
                    "subscription_id": subscription_id,
                },
                actor_id=actor_id,
            )
        )
        return True


def effective_plan_id(plan_id: str | None, status: str | None, stripe_subscription_id: str | None) -> str:
    """The plan whose entitlements apply: the subscribed plan while Stripe says it is in good standing, the
    free plan otherwise (and for an organization that never chose a plan)."""
    if plan_id is None:
        return FREE_PLAN_ID
    if stripe_subscription_id is None:
        return plan_id  # a plan without a price needs no Stripe subscription
    return plan_id if status in ENTITLED_STATUSES else FREE_PLAN_ID


def customer_idempotency_key(organization_id: uuid.UUID, *, name: str, email: str | None) -> str:
    """One Stripe customer per organization and parameters, however often creating it is retried. Stripe
    refuses a key reused with other parameters for 24 h, so a retry by another billing manager (another email)
    or after a rename must not reuse the first attempt's key."""
    return f"org:{organization_id}:customer:{_digest(name, email or '')}"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def check_plan_id(raw: str) -> str:
    plan_id = raw.strip().lower()
    if not plan_id or len(plan_id) > 40:
        raise InvalidInput("plan must be a plan id from the catalog")
    return plan_id
