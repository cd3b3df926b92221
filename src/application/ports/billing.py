"""Billing ports: the plan catalog, the subscription mirror, Stripe routing and event records, usage.

Repositories are reached through BillingUnitOfWork, the core unit of work plus these attributes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.ports.persistence import UnitOfWork
from domain.billing import OrganizationSubscription, Plan


class PlanRepository(Protocol):
    """The catalog: a global table, the same for every organization."""

    async def get(self, plan_id: str) -> Plan | None: ...

    async def get_by_price(self, stripe_price_id: str) -> Plan | None:
        """The plan sold at this provider price (what a subscription event names)."""
        ...

    async def list_active(self) -> list[Plan]:
        """Active plans, in catalog order."""
        ...


class SubscriptionRepository(Protocol):
    """The unit of work's organization's subscription row (at most one)."""

    async def get(self) -> OrganizationSubscription | None: ...

    async def get_for_update(self) -> OrganizationSubscription | None:
        """Locks the row: plan changes of one organization run one at a time."""
        ...

    async def add(self, subscription: OrganizationSubscription) -> None:
        """Raises domain.errors.Conflict when the organization already has its row."""
        ...


class BillingCustomerRepository(Protocol):
    """Which organization a provider customer belongs to: webhooks arrive without a tenant and are routed
    by it. A global table; it says nothing about the organization beyond this link."""

    async def organization_of(self, customer_id: str) -> uuid.UUID | None: ...

    async def link(self, customer_id: str, organization_id: uuid.UUID) -> None:
        """Idempotent for the same pair."""
        ...


@dataclass(frozen=True)
class StripeEventRecord:
    id: str
    type: str
    created: int
    organization_id: uuid.UUID | None
    outcome: str
    received_at: datetime


class StripeEventRepository(Protocol):
    async def add_if_new(self, record: StripeEventRecord) -> bool:
        """Record the event in the current transaction; False when it was recorded before (a redelivery).

        A concurrent transaction recording the same id makes this wait for it, then answer False: with the
        effects in the same transaction, each event takes effect exactly once.
        """
        ...

    async def set_outcome(self, event_id: str, outcome: str) -> None:
        """What processing did (applied, ignored and why): for operators reading the table."""
        ...

    async def get(self, event_id: str) -> StripeEventRecord | None: ...


class UsageRepository(Protocol):
    """Usage of the unit of work's organization, counted inside its transaction."""

    async def lock(self) -> None:
        """Serialises additions that an entitlement bounds (members, chapters, ...) for this organization
        until the transaction ends, so two concurrent additions cannot both take the last slot."""
        ...

    async def count_members(self) -> int: ...


class UsageUnitOfWork(UnitOfWork, Protocol):
    """What a use case that adds something a plan bounds needs: its own repositories plus `usage`."""

    usage: UsageRepository


class UsageUnitOfWorkFactory(Protocol):
    def __call__(
        self, organization_id: uuid.UUID | None = None, user_id: uuid.UUID | None = None
    ) -> UsageUnitOfWork: ...


class BillingUnitOfWork(UsageUnitOfWork, Protocol):
    plans: PlanRepository
    subscriptions: SubscriptionRepository
    billing_customers: BillingCustomerRepository
    stripe_events: StripeEventRepository


class BillingUnitOfWorkFactory(Protocol):
    def __call__(
        self, organization_id: uuid.UUID | None = None, user_id: uuid.UUID | None = None
    ) -> BillingUnitOfWork: ...
