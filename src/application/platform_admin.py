"""Use cases of the platform's operators: grant the flag (CLI), list every organization, suspend, reactivate.

Every action of an operator inside an organization is an event with the operator as actor, so it lands in that
organization's audit log.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from application.pagination import PageQuery, clamp_limit, decode_cursor, page_of
from application.ports.admin import AdminQueries, OrganizationUsageRow
from application.ports.billing import BillingUnitOfWorkFactory
from application.ports.clock import Clock
from application.ports.persistence import UnitOfWorkFactory
from application.ports.queries import Page
from domain import platform
from domain.billing import MAX_MEMBERS, EntitlementValue, Plan, effective_plan_id
from domain.errors import NotFound
from domain.events import DomainEvent
from domain.identity import normalize_email
from domain.permissions import Principal


@dataclass(frozen=True)
class PlatformAdminResult:
    user_id: uuid.UUID
    email: str
    platform_admin: bool


class SetPlatformAdmin:
    """`chapterhouse admin grant|revoke EMAIL`: run by whoever operates the deployment, not over HTTP."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, email: str, *, platform_admin: bool) -> PlatformAdminResult:
        async with self._uow() as uow:
            user = await uow.users.get_by_email(normalize_email(email))
            if user is None:
                raise NotFound(f"no user with the email {email}")
            if user.platform_admin != platform_admin:
                user.platform_admin = platform_admin
                uow.record(
                    DomainEvent.of(
                        "platform_admin.granted" if platform_admin else "platform_admin.revoked",
                        None,
                        {"user_id": str(user.id), "email": user.email},
                    )
                )
            await uow.commit()
            return PlatformAdminResult(user.id, user.email, user.platform_admin)


@dataclass(frozen=True)
class Usage:
    used: int
    limit: EntitlementValue


@dataclass(frozen=True)
class AdminOrganizationView:
    id: uuid.UUID
    name: str
    slug: str
    created_at: datetime
    suspended_at: datetime | None
    plan: str
    subscription_status: str
    effective_plan: str
    member_count: int
    entitlements: dict[str, EntitlementValue]
    usage: dict[str, Usage]
    over_limits: list[str]


ListOrganizationsQuery = PageQuery


class ListOrganizationsForAdmin:
    def __init__(self, queries: AdminQueries, uow: BillingUnitOfWorkFactory) -> None:
        self._queries, self._uow = queries, uow

    async def execute(self, principal: Principal, query: ListOrganizationsQuery) -> Page[AdminOrganizationView]:
        platform.require_platform_admin(principal)
        limit = clamp_limit(query.limit)
        rows = await self._queries.organizations(limit=limit + 1, after=decode_cursor(query.cursor))
        page = page_of(rows, limit, lambda r: (r.created_at, r.id))
        plans = await self._plans(
            {effective_plan_id(r.plan_id, r.subscription_status, r.stripe_subscription_id) for r in page.items}
        )
        return Page(items=[self._view(row, plans) for row in page.items], next_cursor=page.next_cursor)

    async def _plans(self, plan_ids: set[str]) -> dict[str, Plan]:
        async with self._uow() as uow:
            found = {plan_id: await uow.plans.get(plan_id) for plan_id in plan_ids}
        return {plan_id: plan for plan_id, plan in found.items() if plan is not None}

    @staticmethod
    def _view(row: OrganizationUsageRow, plans: dict[str, Plan]) -> AdminOrganizationView:
        effective = effective_plan_id(row.plan_id, row.subscription_status, row.stripe_subscription_id)
        plan = plans.get(effective)
        entitlements = dict(plan.entitlements) if plan else {}
        counts = {MAX_MEMBERS: row.member_count}
        return AdminOrganizationView(
            id=row.id,
            name=row.name,
            slug=row.slug,
            created_at=row.created_at,
            suspended_at=row.suspended_at,
            plan=row.plan_id or effective,
            subscription_status=row.subscription_status or "active",
            effective_plan=effective,
            member_count=row.member_count,
            entitlements=entitlements,
            usage={name: Usage(used=used, limit=entitlements.get(name)) for name, used in counts.items()},
            over_limits=plan.exceeded_by(counts) if plan else [],
        )


@dataclass(frozen=True)
class SuspensionResult:
    id: uuid.UUID
    suspended_at: datetime | None


@dataclass(frozen=True)
class SuspendOrganizationCommand:
    organization_id: uuid.UUID
    reason: str | None = None


class SuspendOrganization:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, principal: Principal, command: SuspendOrganizationCommand) -> SuspensionResult:
        platform.require_platform_admin(principal)
        # Opened for that organization, so the audit entry lands in its (RLS-protected) audit log.
        async with self._uow(command.organization_id, principal.user_id) as uow:
            organization = await uow.organizations.get(command.organization_id)
            if organization is None:
                raise NotFound("organization not found")
            platform.suspend(organization, principal, reason=command.reason, now=self._clock.now())
            uow.collect(organization)
            await uow.commit()
        return SuspensionResult(organization.id, organization.suspended_at)


class ReactivateOrganization:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, principal: Principal, organization_id: uuid.UUID) -> SuspensionResult:
        platform.require_platform_admin(principal)
        async with self._uow(organization_id, principal.user_id) as uow:
            organization = await uow.organizations.get(organization_id)
            if organization is None:
                raise NotFound("organization not found")
            platform.reactivate(organization, principal)
            uow.collect(organization)
            await uow.commit()
        return SuspensionResult(organization.id, organization.suspended_at)
