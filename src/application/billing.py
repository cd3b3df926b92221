"""Use cases of billing: the plan catalog, entitlement checks, and the organization's subscription."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from application.ports.billing import BillingUnitOfWork, BillingUnitOfWorkFactory
from application.ports.clock import Clock
from application.ports.payments import BillingInterval, PaymentGateway, PaymentGatewayError
from domain.billing import (
    ENTITLED_STATUSES,
    FREE_PLAN_ID,
    MAX_MEMBERS,
    TERMINAL_STATUSES,
    EntitlementValue,
    OrganizationSubscription,
    Plan,
    check_plan_id,
)
from domain.errors import Conflict, InvalidInput, NotFound
from domain.permissions import Actor, Permission


@dataclass(frozen=True)
class PlanResult:
    id: str
    name: str
    price_cents: int
    currency: str
    interval: str
    entitlements: dict[str, EntitlementValue]

    @classmethod
    def of(cls, plan: Plan) -> PlanResult:
        return cls(
            id=plan.id,
            name=plan.name,
            price_cents=plan.price_cents,
            currency=plan.currency,
            interval=plan.interval,
            entitlements=dict(plan.entitlements),
        )


class ListPlans:
    """The public catalog: anyone may compare plans before signing up."""

    def __init__(self, uow: BillingUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self) -> list[PlanResult]:
        async with self._uow() as uow:
            return [PlanResult.of(plan) for plan in await uow.plans.list_active()]


async def effective_plan(uow: BillingUnitOfWork) -> Plan:
    """The plan whose entitlements apply to the unit of work's organization now (free without a row)."""
    subscription = await uow.subscriptions.get()
    plan_id = subscription.effective_plan_id() if subscription is not None else FREE_PLAN_ID
    plan = await uow.plans.get(plan_id)
    if plan is None:
        raise Conflict(f"the plan catalog has no plan '{plan_id}'")  # an operator's mistake, never silent
    return plan


class Entitlements:
    """What an organization's plan allows. Other use cases call it before they add what a plan bounds:

        await entitlements.check(organization_id, "max_chapters", current_count)

    raises domain.errors.EntitlementExceeded (HTTP 402) with the limit and the plan. To make the count and
    the addition atomic, take `plan_of()` first, then in your own unit of work `await uow.usage.lock()`,
    count, and `plan.check(name, count)` (see AcceptInvitation).
    """

    def __init__(self, uow: BillingUnitOfWorkFactory) -> None:
        self._uow = uow

    async def plan_of(self, organization_id: uuid.UUID) -> Plan:
        async with self._uow(organization_id) as uow:
            return await effective_plan(uow)

    async def check(self, organization_id: uuid.UUID, entitlement: str, current_count: int = 0) -> None:
        (await self.plan_of(organization_id)).check(entitlement, current_count)


@dataclass(frozen=True)
class SubscriptionResult:
    organization_id: uuid.UUID
    plan: str
    status: str
    # The plan whose entitlements apply now: the free plan while a paid one is canceled or unpaid.
    effective_plan: str
    entitlements: dict[str, EntitlementValue]
    usage: dict[str, int]
    # Entitlements the organization is above after a downgrade: its data stays, additions are refused.
    over_limits: list[str]
    current_period_end: datetime | None
    cancel_at_period_end: bool
    stripe_customer_id: str | None


async def _describe(
    uow: BillingUnitOfWork, organization_id: uuid.UUID, row: OrganizationSubscription | None
) -> SubscriptionResult:
    plan = await effective_plan(uow)
    usage = {MAX_MEMBERS: await uow.usage.count_members()}
    return SubscriptionResult(
        organization_id=organization_id,
        plan=row.plan_id if row else FREE_PLAN_ID,
        status=row.status if row else "active",
        effective_plan=plan.id,
        entitlements=dict(plan.entitlements),
        usage=usage,
        over_limits=plan.exceeded_by(usage),
        current_period_end=row.current_period_end if row else None,
        cancel_at_period_end=row.cancel_at_period_end if row else False,
        stripe_customer_id=row.stripe_customer_id if row else None,
    )


class GetSubscription:
    def __init__(self, uow: BillingUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor) -> SubscriptionResult:
        actor.require(Permission.BILLING_READ)
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            return await _describe(uow, actor.organization_id, await uow.subscriptions.get())


@dataclass(frozen=True)
class ChangePlanCommand:
    plan: str
    # A payment method the client collected with Stripe.js; becomes the customer's default.
    payment_method: str | None = None


class ChangeSubscription:
    """Start, change or end (by choosing a plan without a price) the organization's subscription.

    The organization's row is locked for the whole change, so two changes of one organization run one at a
    time; the Stripe calls inside carry idempotency keys derived from the organization, so a request retried
    after a failure between Stripe's answer and our commit finds the same customer and subscription.
    Downgrades are allowed above the new plan's limits: data is kept, additions are refused (Entitlements).
    """

    def __init__(self, uow: BillingUnitOfWorkFactory, gateway: PaymentGateway, clock: Clock) -> None:
        self._uow, self._gateway, self._clock = uow, gateway, clock

    async def execute(self, actor: Actor, command: ChangePlanCommand) -> SubscriptionResult:
        actor.require(Permission.BILLING_MANAGE)
        plan_id = check_plan_id(command.plan)
        now = self._clock.now()
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            plan = await uow.plans.get(plan_id)
            if plan is None or not plan.active:
                raise InvalidInput(f"there is no plan '{plan_id}' in the catalog")
            row = await uow.subscriptions.get_for_update()
            if row is None:
                row = OrganizationSubscription.start_free(actor.organization_id, now)
                await uow.subscriptions.add(row)  # Conflict if a concurrent first change got there first
            if plan.is_paid:
                await self._subscribe(uow, actor, row, plan, command.payment_method, now)
            else:
                await self._end_paid_subscription(actor, row, plan, now)
            uow.collect(row)
            result = await _describe(uow, actor.organization_id, row)
            await uow.commit()
        return result

    async def _subscribe(
        self,
        uow: BillingUnitOfWork,
        actor: Actor,
        row: OrganizationSubscription,
        plan: Plan,
        payment_method: str | None,
        now: datetime,
    ) -> None:
        price_id = cast(str, plan.stripe_price_id)
        await self._gateway.ensure_price(
            price_id=price_id,
            amount_cents=plan.price_cents,
            currency=plan.currency,
            interval=cast(BillingInterval, plan.interval),
            product_name=f"Chapterhouse {plan.name}",
        )
        if row.stripe_customer_id is None:
            organization = await uow.organizations.get(actor.organization_id)
            user = await uow.users.get(actor.user_id)
            if organization is None:
                raise NotFound("organization not found")
            row.stripe_customer_id = await self._gateway.create_customer(
                organization_id=actor.organization_id,
                name=organization.name,
                email=user.email if user else None,
                idempotency_key=row.customer_key(name=organization.name, email=user.email if user else None),
            )
            await uow.billing_customers.link(row.stripe_customer_id, actor.organization_id)
        if payment_method:
            await self._gateway.set_default_payment_method(
                customer_id=row.stripe_customer_id, payment_method_id=payment_method
            )
        live = row.stripe_subscription_id is not None and row.status not in TERMINAL_STATUSES
        if live and row.plan_id == plan.id and row.status in ENTITLED_STATUSES:
            return  # already on this plan: nothing to ask Stripe (a new card, if any, is the default now)
        if live:
            info = await self._gateway.change_subscription_price(
                subscription_id=cast(str, row.stripe_subscription_id), price_id=price_id
            )
        else:
            key = row.subscription_key(
                customer_id=row.stripe_customer_id, price_id=price_id, payment_method=payment_method
            )
            info = await self._gateway.create_subscription(
                customer_id=row.stripe_customer_id, price_id=price_id, idempotency_key=key
            )
        row.mirror(
            plan_id=plan.id,
            subscription_id=info.id,
            status=info.status,
            current_period_end=info.current_period_end,
            cancel_at_period_end=info.cancel_at_period_end,
            as_of=int(now.timestamp()),
            now=now,
            actor_id=actor.user_id,
            new_generation=not live,
        )

    async def _cancel(self, subscription_id: str) -> None:
        try:
            await self._gateway.cancel_subscription(subscription_id)
        except PaymentGatewayError as refused:
            # Ended at Stripe already (dashboard, dunning) and its webhook not here yet: that is what we want.
            if refused.retryable or (await self._gateway.retrieve_subscription(subscription_id)).status not in (
                TERMINAL_STATUSES
            ):
                raise

    async def _end_paid_subscription(
        self, actor: Actor, row: OrganizationSubscription, plan: Plan, now: datetime
    ) -> None:
        if row.stripe_subscription_id is not None and row.status not in TERMINAL_STATUSES:
            await self._cancel(row.stripe_subscription_id)
        row.mirror(
            plan_id=plan.id,
            subscription_id=None,
            status="active",
            current_period_end=None,
            cancel_at_period_end=False,
            as_of=int(now.timestamp()),
            now=now,
            actor_id=actor.user_id,
        )
