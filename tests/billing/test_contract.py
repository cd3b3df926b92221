"""One contract for the billing repositories and the admin read side: each case runs on the memory twins and on
PostgreSQL (the SQL unit of work as the application role, so RLS applies)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from application.ports.billing import StripeEventRecord
from domain.billing import OrganizationSubscription
from domain.errors import Conflict
from domain.identity import User
from domain.ids import new_id
from domain.organizations import Membership, Organization
from domain.permissions import Role
from tests.fixtures.backends import Backend

NOW = datetime.now(UTC)


async def make_org(backend: Backend, members: int = 1) -> Organization:
    owner = User(email=f"{new_id().hex}@example.com", name="U", password_hash="h", created_at=NOW)
    org, membership = Organization.found(name="Org", slug=f"o-{uuid.uuid4().hex[:12]}", owner_id=owner.id, now=NOW)
    async with backend.uow() as uow:
        await uow.users.add(owner)
        await uow.commit()
    async with backend.uow(org.id, owner.id) as uow:
        await uow.organizations.add(org)
        await uow.memberships.add(membership)
        await uow.commit()
    for _ in range(members - 1):
        user = User(email=f"{new_id().hex}@example.com", name="U", password_hash="h", created_at=NOW)
        async with backend.uow() as uow:
            await uow.users.add(user)
            await uow.commit()
        async with backend.uow(org.id, owner.id) as uow:
            await uow.memberships.add(Membership(org.id, user.id, Role.MEMBER, NOW))
            await uow.commit()
    return org


async def subscribe(backend: Backend, org: Organization, subscription_id: str, plan: str = "team") -> None:
    row = OrganizationSubscription.start_free(org.id, NOW)
    row.mirror(
        plan_id=plan,
        subscription_id=subscription_id,
        status="active",
        current_period_end=None,
        cancel_at_period_end=False,
        as_of=1,
        now=NOW,
    )
    row.stripe_customer_id = "cus_" + subscription_id
    async with backend.uow(org.id) as uow:
        await uow.subscriptions.add(row)
        await uow.billing_customers.link(row.stripe_customer_id, org.id)
        await uow.commit()


async def test_the_seeded_catalog(backend: Backend) -> None:
    async with backend.uow() as uow:
        assert [p.id for p in await uow.plans.list_active()] == ["free", "team", "network"]
        team = await uow.plans.get("team")
        assert team is not None and team.entitlements["max_members"] == 100
        by_price = await uow.plans.get_by_price("chapterhouse-network-monthly")
        assert by_price is not None and by_price.id == "network"
        assert await uow.plans.get("platinum") is None
        assert await uow.plans.get_by_price("price_unknown") is None


async def test_one_subscription_row_per_organization_and_only_its_own(backend: Backend) -> None:
    mine, theirs = await make_org(backend), await make_org(backend)
    await subscribe(backend, mine, "sub_" + uuid.uuid4().hex)
    await subscribe(backend, theirs, "sub_" + uuid.uuid4().hex)

    async with backend.uow(mine.id) as uow:
        row = await uow.subscriptions.get_for_update()
        assert row is not None and row.organization_id == mine.id and row.plan_id == "team"
        with pytest.raises(Conflict):
            await uow.subscriptions.add(OrganizationSubscription.start_free(mine.id, NOW))
    async with backend.uow(new_id()) as uow:
        assert await uow.subscriptions.get() is None


async def test_a_customer_is_routed_to_its_organization(backend: Backend) -> None:
    org = await make_org(backend)
    customer = "cus_" + uuid.uuid4().hex
    async with backend.uow(org.id) as uow:
        await uow.billing_customers.link(customer, org.id)
        await uow.billing_customers.link(customer, org.id)  # idempotent
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.billing_customers.organization_of(customer) == org.id
        assert await uow.billing_customers.organization_of("cus_nobody") is None


async def test_an_event_id_is_recorded_once(backend: Backend) -> None:
    record = StripeEventRecord(
        id="evt_" + uuid.uuid4().hex, type="x", created=1, organization_id=None, outcome="processing", received_at=NOW
    )
    async with backend.uow() as uow:
        assert await uow.stripe_events.add_if_new(record)
        await uow.stripe_events.set_outcome(record.id, "applied")
        await uow.commit()
    async with backend.uow() as uow:
        assert not await uow.stripe_events.add_if_new(record)
        stored = await uow.stripe_events.get(record.id)
        assert stored is not None and stored.outcome == "applied"


async def test_an_event_rolled_back_with_its_effects_can_be_processed_again(backend: Backend) -> None:
    record = StripeEventRecord(
        id="evt_" + uuid.uuid4().hex, type="x", created=1, organization_id=None, outcome="processing", received_at=NOW
    )
    async with backend.uow() as uow:
        assert await uow.stripe_events.add_if_new(record)  # no commit: the handler failed
    async with backend.uow() as uow:
        assert await uow.stripe_events.add_if_new(record)


async def test_usage_counts_the_organizations_members_only(backend: Backend) -> None:
    big, small = await make_org(backend, members=3), await make_org(backend, members=1)
    async with backend.uow(big.id) as uow:
        await uow.usage.lock()
        assert await uow.usage.count_members() == 3
    async with backend.uow(small.id) as uow:
        assert await uow.usage.count_members() == 1


# RLS: the memory twin has no SQL to forget a filter in.
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_sql_that_forgets_the_tenant_filter_sees_one_subscription(backend: Backend) -> None:
    mine, theirs = await make_org(backend), await make_org(backend)
    await subscribe(backend, mine, "sub_" + uuid.uuid4().hex)
    await subscribe(backend, theirs, "sub_" + uuid.uuid4().hex)
    async with backend.uow(mine.id) as uow:
        rows = (await uow.session.execute(sa.text("SELECT organization_id FROM organization_subscriptions"))).all()
    assert [r[0] for r in rows] == [mine.id]


async def test_the_admin_listing_reads_every_tenant(backend: Backend) -> None:
    paying, free = await make_org(backend, members=2), await make_org(backend, members=3)
    subscription_id = "sub_" + uuid.uuid4().hex
    await subscribe(backend, paying, subscription_id)

    rows, after = [], None
    while True:
        page = await (await backend.reads()).admin.organizations(limit=50, after=after)
        rows += page
        if len(page) < 50:
            break
        after = (page[-1].created_at, page[-1].id)
    by_id = {r.id: r for r in rows}

    assert (by_id[paying.id].plan_id, by_id[paying.id].stripe_subscription_id) == ("team", subscription_id)
    assert by_id[paying.id].member_count == 2
    assert (by_id[free.id].plan_id, by_id[free.id].member_count) == (None, 3)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)  # the memory unit of work runs one at a time anyway
async def test_the_usage_lock_makes_a_concurrent_count_wait_for_the_addition(backend: Backend) -> None:
    org = await make_org(backend, members=1)
    newcomer = User(email=f"{new_id().hex}@example.com", name="U", password_hash="h", created_at=NOW)
    async with backend.uow() as uow:
        await uow.users.add(newcomer)
        await uow.commit()

    async def count_under_lock() -> int:
        async with backend.uow(org.id) as uow:
            await uow.usage.lock()
            return int(await uow.usage.count_members())

    async with backend.uow(org.id) as first:
        await first.usage.lock()
        assert await first.usage.count_members() == 1
        second = asyncio.create_task(count_under_lock())
        await asyncio.sleep(0.2)  # give the second transaction every chance to count before we add
        await first.memberships.add(Membership(org.id, newcomer.id, Role.MEMBER, NOW))
        await first.commit()

    assert await second == 2  # it counted after our addition, never alongside it
