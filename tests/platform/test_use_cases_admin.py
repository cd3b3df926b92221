"""The platform admin's use cases on the in-memory adapters."""

from __future__ import annotations

import uuid

import pytest

from adapters.memory.admin import MemoryAdminQueries
from application.billing import ChangePlanCommand
from application.platform_admin import (
    ListOrganizationsForAdmin,
    ListOrganizationsQuery,
    ReactivateOrganization,
    SetPlatformAdmin,
    SuspendOrganization,
    SuspendOrganizationCommand,
    Usage,
)
from domain.errors import Conflict, NotFound, PermissionDenied
from domain.permissions import Principal
from tests.fixtures.billing import BillingWorld


class AdminWorld(BillingWorld):
    def __init__(self) -> None:
        super().__init__()
        self.list = ListOrganizationsForAdmin(MemoryAdminQueries(self.store), self.uow)
        self.suspend = SuspendOrganization(self.uow, self.clock)
        self.reactivate = ReactivateOrganization(self.uow)
        self.set_admin = SetPlatformAdmin(self.uow)

    async def admin(self) -> Principal:
        who = await self.user()
        await self.set_admin.execute(self.store.users[who.user_id].email, platform_admin=True)
        return Principal(who.user_id, platform_admin=True)


@pytest.fixture
def world() -> AdminWorld:
    return AdminWorld()


async def test_granting_and_revoking_the_flag_by_email(world: AdminWorld) -> None:
    who = await world.user()
    email = world.store.users[who.user_id].email

    granted = await world.set_admin.execute(email.upper(), platform_admin=True)
    assert granted.platform_admin and world.store.users[who.user_id].platform_admin
    revoked = await world.set_admin.execute(email, platform_admin=False)
    assert not revoked.platform_admin
    with pytest.raises(NotFound):
        await world.set_admin.execute("nobody@example.com", platform_admin=True)


async def test_the_listing_shows_plan_status_counts_and_usage_of_every_organization(world: AdminWorld) -> None:
    admin = await world.admin()
    free = await world.org()
    await world.join(free)
    paying = await world.org()
    await world.change_subscription.execute(paying, ChangePlanCommand(plan="team", payment_method="pm_card_visa"))

    page = await world.list.execute(admin, ListOrganizationsQuery())

    by_id = {view.id: view for view in page.items}
    assert (by_id[free.organization_id].plan, by_id[free.organization_id].member_count) == ("free", 2)
    assert by_id[free.organization_id].usage == {"max_members": Usage(used=2, limit=10)}
    assert (by_id[paying.organization_id].plan, by_id[paying.organization_id].subscription_status) == (
        "team",
        "active",
    )
    assert by_id[paying.organization_id].usage["max_members"].limit == 100


async def test_the_listing_pages_by_cursor(world: AdminWorld) -> None:
    admin = await world.admin()
    created = [(await world.org()).organization_id for _ in range(3)]
    seen, cursor = [], None
    while True:
        page = await world.list.execute(admin, ListOrganizationsQuery(limit=2, cursor=cursor))
        seen += [view.id for view in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(created)  # each once (same clock: ordered by id within a timestamp)


async def test_tenants_may_not_use_the_admin_use_cases(world: AdminWorld) -> None:
    owner = await world.org()
    tenant = Principal(owner.user_id)
    with pytest.raises(PermissionDenied):
        await world.list.execute(tenant, ListOrganizationsQuery())
    with pytest.raises(PermissionDenied):
        await world.suspend.execute(tenant, SuspendOrganizationCommand(owner.organization_id))
    with pytest.raises(PermissionDenied):
        await world.reactivate.execute(tenant, owner.organization_id)
    assert world.store.organizations[owner.organization_id].suspended_at is None


async def test_suspend_and_reactivate_are_audited_in_the_organization(world: AdminWorld) -> None:
    admin = await world.admin()
    owner = await world.org()

    suspended = await world.suspend.execute(admin, SuspendOrganizationCommand(owner.organization_id, "unpaid"))
    assert suspended.suspended_at is not None
    with pytest.raises(Conflict):
        await world.suspend.execute(admin, SuspendOrganizationCommand(owner.organization_id))
    reactivated = await world.reactivate.execute(admin, owner.organization_id)
    assert reactivated.suspended_at is None

    audit = [(e.name, e.actor_id) for e in world.store.audit_log if e.organization_id == owner.organization_id]
    assert audit[-2:] == [("organization.suspended", admin.user_id), ("organization.reactivated", admin.user_id)]


async def test_an_unknown_organization_is_not_found(world: AdminWorld) -> None:
    admin = await world.admin()
    with pytest.raises(NotFound):
        await world.suspend.execute(admin, SuspendOrganizationCommand(uuid.uuid4()))
