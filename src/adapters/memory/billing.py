"""In-memory twins of the billing repositories, over MemoryStore tables (same contract as the SQL ones)."""

from __future__ import annotations

import copy
import dataclasses
import uuid

from adapters.memory.store import MemoryStore
from application.ports.billing import StripeEventRecord
from domain.billing import OrganizationSubscription, Plan
from domain.errors import Conflict

# The catalog the migration seeds (0004_billing), so memory-backed tests see the same plans.
SEEDED_PLANS = (
    Plan(
        id="free",
        name="Free",
        price_cents=0,
        currency="EUR",
        interval="month",
        entitlements={"max_chapters": 1, "max_members": 10, "paid_ticketing": False, "max_events_per_month": 5},
        stripe_price_id=None,
        sort_order=0,
    ),
    Plan(
        id="team",
        name="Team",
        price_cents=2900,
        currency="EUR",
        interval="month",
        entitlements={"max_chapters": 5, "max_members": 100, "paid_ticketing": True, "max_events_per_month": 50},
        stripe_price_id="chapterhouse-team-monthly",
        sort_order=10,
    ),
    Plan(
        id="network",
        name="Network",
        price_cents=9900,
        currency="EUR",
        interval="month",
        entitlements={
            "max_chapters": None,
            "max_members": 1000,
            "paid_ticketing": True,
            "max_events_per_month": None,
        },
        stripe_price_id="chapterhouse-network-monthly",
        sort_order=20,
    ),
)


def plans_table(store: MemoryStore) -> dict[str, Plan]:
    table: dict[str, Plan] = store.table("plans")
    if not table:
        table.update({plan.id: copy.deepcopy(plan) for plan in SEEDED_PLANS})
    return table


class MemoryPlanRepository:
    def __init__(self, store: MemoryStore, organization_id: uuid.UUID | None) -> None:
        self._store = store

    async def get(self, plan_id: str) -> Plan | None:
        return plans_table(self._store).get(plan_id)

    async def get_by_price(self, stripe_price_id: str) -> Plan | None:
        return next((p for p in plans_table(self._store).values() if p.stripe_price_id == stripe_price_id), None)

    async def list_active(self) -> list[Plan]:
        return sorted((p for p in plans_table(self._store).values() if p.active), key=lambda p: (p.sort_order, p.id))


class MemorySubscriptionRepository:
    def __init__(self, store: MemoryStore, organization_id: uuid.UUID | None) -> None:
        self._store, self._org = store, organization_id

    async def get(self) -> OrganizationSubscription | None:
        found: OrganizationSubscription | None = self._store.table("organization_subscriptions").get(self._org)
        return found

    get_for_update = get

    async def add(self, subscription: OrganizationSubscription) -> None:
        if subscription.organization_id != self._org:
            raise PermissionError("subscription of another organization")  # RLS would refuse it too
        table = self._store.table("organization_subscriptions")
        if subscription.organization_id in table:
            raise Conflict("this already exists")
        table[subscription.organization_id] = subscription


class MemoryBillingCustomerRepository:
    def __init__(self, store: MemoryStore, organization_id: uuid.UUID | None) -> None:
        self._store = store

    async def organization_of(self, customer_id: str) -> uuid.UUID | None:
        found: uuid.UUID | None = self._store.table("billing_customers").get(customer_id)
        return found

    async def link(self, customer_id: str, organization_id: uuid.UUID) -> None:
        self._store.table("billing_customers").setdefault(customer_id, organization_id)


class MemoryStripeEventRepository:
    def __init__(self, store: MemoryStore, organization_id: uuid.UUID | None) -> None:
        self._store = store

    async def add_if_new(self, record: StripeEventRecord) -> bool:
        table = self._store.table("stripe_events")
        if record.id in table:
            return False
        table[record.id] = record
        return True

    async def set_outcome(self, event_id: str, outcome: str) -> None:
        table = self._store.table("stripe_events")
        table[event_id] = dataclasses.replace(table[event_id], outcome=outcome[:200])

    async def get(self, event_id: str) -> StripeEventRecord | None:
        found: StripeEventRecord | None = self._store.table("stripe_events").get(event_id)
        return found


class MemoryUsageRepository:
    def __init__(self, store: MemoryStore, organization_id: uuid.UUID | None) -> None:
        self._store, self._org = store, organization_id

    async def lock(self) -> None:
        """The memory unit of work already runs one at a time."""

    async def count_members(self) -> int:
        return sum(1 for m in self._store.memberships.values() if m.organization_id == self._org)
