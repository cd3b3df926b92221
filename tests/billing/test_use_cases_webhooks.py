"""Stripe webhooks through the use case, on the in-memory adapters: signatures, exactly once, ordering,
tenancy."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from application.billing import ChangePlanCommand
from application.ports.payments import InvalidWebhook
from domain.permissions import Actor
from tests.fixtures.billing import BillingWorld


@pytest.fixture
def world() -> BillingWorld:
    return BillingWorld()


async def paying_org(world: BillingWorld) -> tuple[Actor, Any]:
    owner = await world.org()
    await world.change_subscription.execute(owner, ChangePlanCommand(plan="team", payment_method="pm_card_visa"))
    return owner, row_of(world, owner)


def row_of(world: BillingWorld, owner: Actor) -> Any:
    """The subscription row as stored now (the memory store swaps objects when a unit of work rolls back)."""
    return world.store.table("organization_subscriptions")[owner.organization_id]


def subscription_object(row: Any, *, status: str, price: str = "chapterhouse-team-monthly", **extra: Any) -> dict:  # type: ignore[type-arg]
    return {
        "id": row.stripe_subscription_id,
        "object": "subscription",
        "customer": row.stripe_customer_id,
        "status": status,
        "items": {"data": [{"plan": {"id": price}}]},
        "cancel_at_period_end": False,
        "metadata": {},
        **extra,
    }


def now(world: BillingWorld) -> int:
    return int(world.clock.now().timestamp())


def subscription_events(world: BillingWorld) -> list[Any]:
    return [e for e in world.store.outbox if e.name == "billing.subscription_changed"]


async def test_a_wrong_signature_is_refused_and_nothing_is_recorded(world: BillingWorld) -> None:
    owner, row = await paying_org(world)
    payload, header = world.gateway.signed_webhook(
        "customer.subscription.updated", subscription_object(row, status="past_due")
    )
    tampered = payload.replace(b"past_due", b"canceled")

    with pytest.raises(InvalidWebhook):
        await world.process_webhook.execute(tampered, header)
    with pytest.raises(InvalidWebhook):
        await world.process_webhook.execute(payload, header.replace("v1=", "v1=00"))
    with pytest.raises(InvalidWebhook):
        await world.process_webhook.execute(payload, "")

    assert row_of(world, owner).status == "active"
    assert world.store.table("stripe_events") == {}


async def test_a_stale_timestamp_is_refused(world: BillingWorld) -> None:
    owner, row = await paying_org(world)
    payload, header = world.gateway.signed_webhook(
        "customer.subscription.updated", subscription_object(row, status="past_due"), timestamp=now(world) - 301
    )
    with pytest.raises(InvalidWebhook):
        await world.process_webhook.execute(payload, header)
    assert row_of(world, owner).status == "active"


async def test_the_same_event_three_times_takes_effect_once(world: BillingWorld) -> None:
    owner, row = await paying_org(world)
    before = len(subscription_events(world))
    payload, header = world.gateway.signed_webhook(
        "customer.subscription.updated", subscription_object(row, status="past_due"), timestamp=now(world) + 5
    )

    results = [await world.process_webhook.execute(payload, header) for _ in range(3)]

    assert [r.duplicate for r in results] == [False, True, True]
    assert results[0].outcome == "applied"
    assert row_of(world, owner).status == "past_due"
    assert len(subscription_events(world)) == before + 1
    assert len(world.store.table("stripe_events")) == 1


async def test_events_out_of_order_never_move_state_backwards(world: BillingWorld) -> None:
    owner, row = await paying_org(world)
    later = world.gateway.signed_webhook(
        "customer.subscription.updated", subscription_object(row, status="past_due"), timestamp=now(world) + 20
    )
    earlier = world.gateway.signed_webhook(
        "customer.subscription.updated", subscription_object(row, status="active"), timestamp=now(world) + 10
    )

    await world.process_webhook.execute(*later)
    late = await world.process_webhook.execute(*earlier)

    assert row_of(world, owner).status == "past_due"
    assert late.outcome.startswith("no change")
    assert (await world.get_subscription.execute(owner)).status == "past_due"


async def test_a_deleted_subscription_stays_deleted_when_an_update_arrives_late(world: BillingWorld) -> None:
    owner, row = await paying_org(world)
    deleted = world.gateway.signed_webhook(
        "customer.subscription.deleted", subscription_object(row, status="canceled"), timestamp=now(world) + 10
    )
    # Same second as the deletion, sent earlier by Stripe but delivered after it.
    updated = world.gateway.signed_webhook(
        "customer.subscription.updated", subscription_object(row, status="active"), timestamp=now(world) + 10
    )

    await world.process_webhook.execute(*deleted)
    await world.process_webhook.execute(*updated)

    result = await world.get_subscription.execute(owner)
    assert (result.status, result.plan, result.effective_plan) == ("canceled", "team", "free")


async def test_a_plan_change_made_at_stripe_is_mirrored(world: BillingWorld) -> None:
    owner, row = await paying_org(world)
    changed = world.gateway.signed_webhook(
        "customer.subscription.updated",
        subscription_object(row, status="active", price="chapterhouse-network-monthly"),
        timestamp=now(world) + 10,
    )
    await world.process_webhook.execute(*changed)
    assert (await world.get_subscription.execute(owner)).plan == "network"


async def test_an_event_whose_metadata_names_another_organization_touches_neither(world: BillingWorld) -> None:
    me, mine = await paying_org(world)
    other_owner, theirs = await paying_org(world)
    # My customer, their subscription id, their organization in metadata: routed by my customer to me, and
    # not my current subscription, so ignored; theirs is never reached.
    forged = {
        **subscription_object(theirs, status="canceled"),
        "customer": mine.stripe_customer_id,
        "metadata": {"organization_id": str(other_owner.organization_id)},
    }
    result = await world.process_webhook.execute(
        *world.gateway.signed_webhook("customer.subscription.updated", forged, timestamp=now(world) + 10)
    )

    assert result.outcome.startswith("ignored")
    assert (row_of(world, me).status, row_of(world, other_owner).status) == ("active", "active")


async def test_an_unknown_customer_or_event_type_is_recorded_and_ignored(world: BillingWorld) -> None:
    owner, row = await paying_org(world)
    stranger = {**subscription_object(row, status="canceled"), "customer": "cus_" + uuid.uuid4().hex}
    unknown_customer = await world.process_webhook.execute(
        *world.gateway.signed_webhook("customer.subscription.updated", stranger)
    )
    unknown_type = await world.process_webhook.execute(*world.gateway.signed_webhook("invoice.paid", {"id": "in_1"}))

    assert unknown_customer.outcome.startswith("ignored") and unknown_type.outcome.startswith("ignored")
    assert row_of(world, owner).status == "active"
    assert len(world.store.table("stripe_events")) == 2


async def test_a_body_that_is_not_an_event_is_refused(world: BillingWorld) -> None:
    body = json.dumps({"hello": "world"})
    header = world.gateway.signed_webhook("x", {})[1]  # a header for another body
    with pytest.raises(InvalidWebhook):
        await world.process_webhook.execute(body.encode(), header)
