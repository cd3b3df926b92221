"""Organization subscriptions through the use cases, on the in-memory adapters and gateway."""

from __future__ import annotations

import pytest

from application.billing import ChangePlanCommand
from application.ports.payments import PaymentGatewayError
from domain.errors import EntitlementExceeded, InvalidInput, PermissionDenied
from domain.permissions import Role
from tests.fixtures.billing import BillingWorld

CARD = "pm_card_visa"


@pytest.fixture
def world() -> BillingWorld:
    return BillingWorld()


async def test_a_new_organization_reads_the_free_plan(world: BillingWorld) -> None:
    owner = await world.org()
    result = await world.get_subscription.execute(owner)
    assert (result.plan, result.status, result.effective_plan) == ("free", "active", "free")
    assert result.usage == {"max_members": 1}
    assert result.stripe_customer_id is None


async def test_the_owner_subscribes_to_a_paid_plan_with_a_card(world: BillingWorld) -> None:
    owner = await world.org()

    result = await world.change_subscription.execute(owner, ChangePlanCommand(plan="team", payment_method=CARD))

    assert (result.plan, result.status, result.effective_plan) == ("team", "active", "team")
    assert result.entitlements["max_members"] == 100
    row = world.store.table("organization_subscriptions")[owner.organization_id]
    subscription = await world.gateway.retrieve_subscription(row.stripe_subscription_id)
    assert subscription.price_id == "chapterhouse-team-monthly"
    assert world.store.table("billing_customers") == {result.stripe_customer_id: owner.organization_id}
    assert [e.name for e in world.store.audit_log][-1] == "billing.subscription_changed"


async def test_changing_plan_moves_the_same_subscription_and_keeps_one_customer(world: BillingWorld) -> None:
    owner = await world.org()
    first = await world.change_subscription.execute(owner, ChangePlanCommand(plan="team", payment_method=CARD))
    row = world.store.table("organization_subscriptions")[owner.organization_id]
    subscription_id = row.stripe_subscription_id

    second = await world.change_subscription.execute(owner, ChangePlanCommand(plan="network"))

    assert second.plan == "network" and second.stripe_customer_id == first.stripe_customer_id
    assert row.stripe_subscription_id == subscription_id
    assert (await world.gateway.retrieve_subscription(subscription_id)).price_id == "chapterhouse-network-monthly"


async def test_without_a_payment_method_nothing_changes(world: BillingWorld) -> None:
    owner = await world.org()
    with pytest.raises(PaymentGatewayError):
        await world.change_subscription.execute(owner, ChangePlanCommand(plan="team"))
    assert (await world.get_subscription.execute(owner)).plan == "free"
    assert world.store.table("organization_subscriptions") == {}


async def test_a_billing_manager_may_change_the_plan_admins_and_members_may_not(world: BillingWorld) -> None:
    owner = await world.org()
    billing = await world.join(owner, Role.BILLING_MANAGER)
    admin = await world.join(owner, Role.ADMIN)
    member = await world.join(owner, Role.MEMBER)

    assert (await world.change_subscription.execute(billing, ChangePlanCommand("team", CARD))).plan == "team"
    for refused in (admin, member):
        with pytest.raises(PermissionDenied):
            await world.change_subscription.execute(refused, ChangePlanCommand("network"))
    with pytest.raises(PermissionDenied):
        await world.get_subscription.execute(member)
    assert (await world.get_subscription.execute(owner)).plan == "team"


async def test_an_unknown_plan_is_refused(world: BillingWorld) -> None:
    owner = await world.org()
    with pytest.raises(InvalidInput):
        await world.change_subscription.execute(owner, ChangePlanCommand(plan="platinum"))


async def test_a_downgrade_keeps_data_above_the_limit_and_refuses_additions(world: BillingWorld) -> None:
    owner = await world.org()
    await world.change_subscription.execute(owner, ChangePlanCommand(plan="team", payment_method=CARD))
    for _ in range(11):  # 12 members: above the free plan's 10
        await world.join(owner)
    row = world.store.table("organization_subscriptions")[owner.organization_id]
    paid_subscription = row.stripe_subscription_id

    result = await world.change_subscription.execute(owner, ChangePlanCommand(plan="free"))

    assert (result.plan, result.effective_plan, result.over_limits) == ("free", "free", ["max_members"])
    assert result.usage == {"max_members": 12}  # nobody removed
    assert (await world.gateway.retrieve_subscription(paid_subscription)).status == "canceled"
    with pytest.raises(EntitlementExceeded):
        await world.join(owner)


async def test_subscribing_again_after_canceling_starts_a_new_subscription(world: BillingWorld) -> None:
    owner = await world.org()
    await world.change_subscription.execute(owner, ChangePlanCommand(plan="team", payment_method=CARD))
    row = world.store.table("organization_subscriptions")[owner.organization_id]
    first = row.stripe_subscription_id
    await world.change_subscription.execute(owner, ChangePlanCommand(plan="free"))

    await world.change_subscription.execute(owner, ChangePlanCommand(plan="team"))  # the card is still default

    row = world.store.table("organization_subscriptions")[owner.organization_id]  # as stored now
    assert row.stripe_subscription_id not in (None, first)
    assert row.status == "active" and row.generation == 2


async def test_choosing_the_current_plan_again_changes_nothing(world: BillingWorld) -> None:
    owner = await world.org()
    await world.change_subscription.execute(owner, ChangePlanCommand(plan="team", payment_method=CARD))
    events = len(world.store.outbox)

    again = await world.change_subscription.execute(owner, ChangePlanCommand(plan="team"))

    assert (again.plan, again.status) == ("team", "active")
    assert len(world.store.outbox) == events


async def test_a_downgrade_after_stripe_ended_the_subscription_on_its_own_succeeds(world: BillingWorld) -> None:
    owner = await world.org()
    await world.change_subscription.execute(owner, ChangePlanCommand(plan="team", payment_method=CARD))
    row = world.store.table("organization_subscriptions")[owner.organization_id]
    await world.gateway.cancel_subscription(row.stripe_subscription_id)  # dunning, before its webhook arrives

    result = await world.change_subscription.execute(owner, ChangePlanCommand(plan="free"))

    assert (result.plan, result.status) == ("free", "active")
