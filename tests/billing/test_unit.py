"""Plans, entitlements and the subscription mirror: rules of the domain, no I/O."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from domain.billing import FREE_PLAN_ID, OrganizationSubscription, Plan
from domain.errors import EntitlementExceeded

NOW = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)


def plan(**entitlements: int | bool | None) -> Plan:
    return Plan(id="p", name="P", price_cents=0, currency="eur", interval="month", entitlements=dict(entitlements))


@pytest.mark.parametrize(
    ("limit", "current", "allowed"),
    [(3, 0, True), (3, 2, True), (3, 3, False), (3, 7, False), (None, 10_000, True), (0, 0, False)],
)
def test_a_count_entitlement_allows_one_more_only_below_the_limit(
    limit: int | None, current: int, allowed: bool
) -> None:
    p = plan(max_members=limit)
    if allowed:
        p.check("max_members", current)
    else:
        with pytest.raises(EntitlementExceeded) as refused:
            p.check("max_members", current)
        assert refused.value.extra == {"entitlement": "max_members", "limit": limit, "plan": "p"}
        assert str(limit) in refused.value.detail


def test_a_feature_flag_allows_or_refuses_and_a_missing_entitlement_is_not_granted() -> None:
    p = plan(paid_ticketing=True, reports=False)
    p.check("paid_ticketing")
    with pytest.raises(EntitlementExceeded):
        p.check("reports")
    with pytest.raises(EntitlementExceeded):
        p.check("never_heard_of")


def test_usage_above_a_smaller_plan_is_reported_not_refused() -> None:
    p = plan(max_members=5, max_chapters=None, paid_ticketing=False)
    assert p.exceeded_by({"max_members": 8, "max_chapters": 40}) == ["max_members"]
    assert p.exceeded_by({"max_members": 5}) == []


def subscription() -> OrganizationSubscription:
    return OrganizationSubscription.start_free(uuid.uuid4(), NOW)


def mirror(
    row: OrganizationSubscription, *, status: str, as_of: int, plan_id: str = "team", sub: str = "sub_1"
) -> bool:
    return row.mirror(
        plan_id=plan_id,
        subscription_id=sub,
        status=status,
        current_period_end=None,
        cancel_at_period_end=False,
        as_of=as_of,
        now=NOW,
    )


def test_a_new_organization_is_on_the_free_plan() -> None:
    assert subscription().effective_plan_id() == FREE_PLAN_ID


def test_mirroring_never_moves_state_backwards() -> None:
    row = subscription()
    assert mirror(row, status="active", as_of=100)
    assert mirror(row, status="past_due", as_of=200)
    assert not mirror(row, status="active", as_of=150)  # older news
    assert row.status == "past_due" and row.state_as_of == 200


def test_an_ended_subscription_stays_ended_whatever_arrives_later_about_it() -> None:
    row = subscription()
    mirror(row, status="active", as_of=100)
    mirror(row, status="canceled", as_of=200)
    assert not mirror(row, status="active", as_of=300)
    assert row.status == "canceled"
    assert row.effective_plan_id() == FREE_PLAN_ID  # a canceled paid plan gives the free plan's limits


def test_past_due_keeps_the_paid_plan_while_stripe_retries() -> None:
    row = subscription()
    mirror(row, status="past_due", as_of=100)
    assert row.effective_plan_id() == "team"
    mirror(row, status="unpaid", as_of=200)
    assert row.effective_plan_id() == FREE_PLAN_ID


def test_a_change_records_one_event_and_a_repeat_records_none() -> None:
    row = subscription()
    mirror(row, status="active", as_of=100)
    assert [e.name for e in row.pull_events()] == ["billing.subscription_changed"]
    assert not mirror(row, status="active", as_of=100)
    assert row.pull_events() == []


def test_idempotency_keys_come_from_the_organization_and_the_generation() -> None:
    row = subscription()
    terms = {"customer_id": "cus_1", "price_id": "price_team", "payment_method": None}
    first = row.subscription_key(**terms)  # type: ignore[arg-type]
    assert first == row.subscription_key(**terms)  # type: ignore[arg-type]  # a retry reuses it
    assert first != row.subscription_key(**{**terms, "payment_method": "pm_card_visa"})  # type: ignore[arg-type]
    row.mirror(
        plan_id="team",
        subscription_id="sub_1",
        status="active",
        current_period_end=None,
        cancel_at_period_end=False,
        as_of=1,
        now=NOW,
        new_generation=True,
    )
    assert row.subscription_key(**terms) != first  # type: ignore[arg-type]
    owls = row.customer_key(name="Owls", email="a@example.com")
    assert owls == row.customer_key(name="Owls", email="a@example.com")
    assert owls != row.customer_key(name="Owls", email="b@example.com") != row.customer_key(name="Owls2", email=None)
