"""SQLAlchemy repositories of billing: plans, subscriptions, customers, Stripe events, usage."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.billing import tables as bt
from adapters.persistence.errors import add_and_flush
from adapters.persistence.identity import tables as t
from application.ports.billing import StripeEventRecord
from domain.billing import OrganizationSubscription, Plan

# First key of the two-key advisory lock that serialises additions bounded by a plan, per organization.
_USAGE_LOCK_CLASS = 0x1651


class SqlaPlanRepository:
    def __init__(self, session: AsyncSession, organization_id: uuid.UUID | None) -> None:
        self._session = session

    async def get(self, plan_id: str) -> Plan | None:
        return await self._session.get(Plan, plan_id)

    async def get_by_price(self, stripe_price_id: str) -> Plan | None:
        result = await self._session.execute(sa.select(Plan).where(bt.plans.c.stripe_price_id == stripe_price_id))
        return result.scalar_one_or_none()

    async def list_active(self) -> list[Plan]:
        result = await self._session.execute(
            sa.select(Plan).where(bt.plans.c.active).order_by(bt.plans.c.sort_order, bt.plans.c.id)
        )
        return list(result.scalars())


class SqlaSubscriptionRepository:
    def __init__(self, session: AsyncSession, organization_id: uuid.UUID | None) -> None:
        self._session, self._org = session, organization_id

    def _select(self) -> sa.Select[OrganizationSubscription]:
        return sa.select(OrganizationSubscription).where(bt.organization_subscriptions.c.organization_id == self._org)

    async def get(self) -> OrganizationSubscription | None:
        return (await self._session.execute(self._select())).scalar_one_or_none()

    async def get_for_update(self) -> OrganizationSubscription | None:
        return (await self._session.execute(self._select().with_for_update())).scalar_one_or_none()

    async def add(self, subscription: OrganizationSubscription) -> None:
        await add_and_flush(self._session, subscription)


class SqlaBillingCustomerRepository:
    def __init__(self, session: AsyncSession, organization_id: uuid.UUID | None) -> None:
        self._session = session

    async def organization_of(self, customer_id: str) -> uuid.UUID | None:
        found = await self._session.scalar(
            sa.select(bt.billing_customers.c.organization_id).where(
                bt.billing_customers.c.stripe_customer_id == customer_id
            )
        )
        return found if isinstance(found, uuid.UUID) else None

    async def link(self, customer_id: str, organization_id: uuid.UUID) -> None:
        await self._session.execute(
            insert(bt.billing_customers)
            .values(stripe_customer_id=customer_id, organization_id=organization_id)
            .on_conflict_do_nothing(index_elements=["stripe_customer_id"])
        )


class SqlaStripeEventRepository:
    def __init__(self, session: AsyncSession, organization_id: uuid.UUID | None) -> None:
        self._session = session

    async def add_if_new(self, record: StripeEventRecord) -> bool:
        # ON CONFLICT waits for a concurrent insert of the same id to commit, then skips: exactly once.
        inserted = await self._session.scalar(
            insert(bt.stripe_events)
            .values(
                id=record.id,
                type=record.type,
                created=record.created,
                organization_id=record.organization_id,
                outcome=record.outcome,
                received_at=record.received_at,
            )
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(bt.stripe_events.c.id)
        )
        return inserted is not None

    async def set_outcome(self, event_id: str, outcome: str) -> None:
        await self._session.execute(
            sa.update(bt.stripe_events).where(bt.stripe_events.c.id == event_id).values(outcome=outcome[:200])
        )

    async def get(self, event_id: str) -> StripeEventRecord | None:
        row = (
            await self._session.execute(sa.select(bt.stripe_events).where(bt.stripe_events.c.id == event_id))
        ).one_or_none()
        if row is None:
            return None
        return StripeEventRecord(
            id=row.id,
            type=row.type,
            created=row.created,
            organization_id=row.organization_id,
            outcome=row.outcome,
            received_at=row.received_at,
        )


class SqlaUsageRepository:
    def __init__(self, session: AsyncSession, organization_id: uuid.UUID | None) -> None:
        self._session, self._org = session, organization_id

    async def lock(self) -> None:
        await self._session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:lock_class, hashtext(:org))"),
            {"lock_class": _USAGE_LOCK_CLASS, "org": str(self._org)},
        )

    async def count_members(self) -> int:
        count = await self._session.scalar(
            sa.select(sa.func.count()).select_from(t.memberships).where(t.memberships.c.organization_id == self._org)
        )
        return int(count or 0)
