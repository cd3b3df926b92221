"""Plans and entitlements through the use cases, on the in-memory adapters."""

from __future__ import annotations

import pytest

from application.billing import ChangePlanCommand
from domain.billing import MAX_MEMBERS, Plan
from domain.errors import EntitlementExceeded
from tests.fixtures.billing import BillingWorld


@pytest.fixture
def world() -> BillingWorld:
    return BillingWorld()


async def test_the_catalog_lists_the_seeded_plans_in_order(world: BillingWorld) -> None:
    plans = await world.list_plans.execute()
    assert [p.id for p in plans] == ["free", "team", "network"]
    assert plans[0].entitlements == {
        "max_chapters": 1,
        "max_members": 10,
        "paid_ticketing": False,
        "max_events_per_month": 5,
    }
    assert plans[2].entitlements["max_chapters"] is None  # unlimited


async def test_a_new_plan_is_a_row_not_code(world: BillingWorld) -> None:
    free = (await world.list_plans.execute())[0]
    # The row an operator would insert.
    world.store.table("plans")["tiny"] = Plan(
        id="tiny",
        name="Tiny",
        price_cents=0,
        currency="eur",
        interval="month",
        entitlements={**free.entitlements, "max_members": 2},
        sort_order=5,
    )
    owner = await world.org()
    await world.change_subscription.execute(owner, ChangePlanCommand(plan="tiny"))
    await world.join(owner)
    with pytest.raises(EntitlementExceeded):
        await world.join(owner)


async def test_the_member_after_the_free_plans_limit_is_refused_with_the_limit(world: BillingWorld) -> None:
    owner = await world.org()
    for _ in range(9):  # the owner is the first of 10
        await world.join(owner)
    before = len(world.store.memberships)

    with pytest.raises(EntitlementExceeded) as refused:
        await world.join(owner)

    assert refused.value.extra == {"entitlement": MAX_MEMBERS, "limit": 10, "plan": "free"}
    assert len(world.store.memberships) == before  # nothing added


async def test_entitlements_check_answers_for_any_use_case(world: BillingWorld) -> None:
    owner = await world.org()
    await world.entitlements.check(owner.organization_id, "max_chapters", 0)
    with pytest.raises(EntitlementExceeded):
        await world.entitlements.check(owner.organization_id, "max_chapters", 1)
    with pytest.raises(EntitlementExceeded):
        await world.entitlements.check(owner.organization_id, "paid_ticketing")
