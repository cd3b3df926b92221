"""Use cases of organizations and their members."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from application.pagination import PageQuery, clamp_limit, decode_cursor, page_of
from application.ports.clock import Clock
from application.ports.persistence import UnitOfWorkFactory
from application.ports.queries import MemberQueries, MemberView, OrganizationView, Page, UserQueries
from domain.errors import NotFound
from domain.organizations import Organization
from domain.permissions import Actor, Permission, Principal, Role


@dataclass(frozen=True)
class OrganizationResult:
    id: uuid.UUID
    name: str
    slug: str
    created_at: datetime
    role: str

    @classmethod
    def of(cls, org: Organization, role: Role) -> OrganizationResult:
        return cls(id=org.id, name=org.name, slug=org.slug, created_at=org.created_at, role=role.value)


@dataclass(frozen=True)
class CreateOrganizationCommand:
    name: str
    slug: str


class CreateOrganization:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, principal: Principal, command: CreateOrganizationCommand) -> OrganizationResult:
        org, owner = Organization.found(
            name=command.name, slug=command.slug, owner_id=principal.user_id, now=self._clock.now()
        )
        async with self._uow(org.id, principal.user_id) as uow:
            await uow.organizations.add(org)  # Conflict when the slug is taken
            await uow.memberships.add(owner)
            uow.collect(org, owner)
            await uow.commit()
        return OrganizationResult.of(org, Role.OWNER)


class GetOrganization:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor) -> OrganizationResult:
        actor.require(Permission.ORG_READ)
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            org = await uow.organizations.get(actor.organization_id)
        if org is None:
            raise NotFound("organization not found")
        return OrganizationResult.of(org, actor.role)


@dataclass(frozen=True)
class RenameOrganizationCommand:
    name: str


class RenameOrganization:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, command: RenameOrganizationCommand) -> OrganizationResult:
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            org = await uow.organizations.get(actor.organization_id)
            if org is None:
                raise NotFound("organization not found")
            org.rename(actor, command.name)
            uow.collect(org)
            await uow.commit()
        return OrganizationResult.of(org, actor.role)


@dataclass(frozen=True)
class ListMyOrganizationsQuery:
    limit: int | None = None
    cursor: str | None = None


class ListMyOrganizations:
    """A user's organizations by (created_at, id) cursor. A user belongs to few organizations, so the page is
    cut from the whole list here rather than in every query adapter."""

    def __init__(self, queries: UserQueries) -> None:
        self._queries = queries

    async def execute(
        self, principal: Principal, query: ListMyOrganizationsQuery = ListMyOrganizationsQuery()
    ) -> Page[OrganizationView]:
        limit, after = clamp_limit(query.limit), decode_cursor(query.cursor)
        rows = sorted(await self._queries.organizations_of(principal.user_id), key=lambda v: (v.created_at, v.id))
        if after is not None:
            rows = [v for v in rows if (v.created_at, v.id) > after]
        return page_of(rows[: limit + 1], limit, key=lambda v: (v.created_at, v.id))


ListMembersQuery = PageQuery


class ListMembers:
    def __init__(self, queries: MemberQueries) -> None:
        self._queries = queries

    async def execute(self, actor: Actor, query: ListMembersQuery) -> Page[MemberView]:
        actor.require(Permission.MEMBERS_READ)
        limit = clamp_limit(query.limit)
        rows = await self._queries.list_members(
            actor.organization_id, limit=limit + 1, after=decode_cursor(query.cursor)
        )
        return page_of(rows, limit, lambda m: (m.joined_at, m.user_id))


@dataclass(frozen=True)
class ChangeMemberRoleCommand:
    user_id: uuid.UUID
    role: Role


@dataclass(frozen=True)
class MemberResult:
    user_id: uuid.UUID
    role: str
    joined_at: datetime


class ChangeMemberRole:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, command: ChangeMemberRoleCommand) -> MemberResult:
        actor.require(Permission.MEMBERS_MANAGE)
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            owners = await uow.memberships.count_owners()
            membership = await uow.memberships.get_for_update(command.user_id)
            if membership is None:
                raise NotFound("member not found")
            membership.change_role(actor, command.role, owner_count=owners)
            uow.collect(membership)
            await uow.commit()
        return MemberResult(user_id=membership.user_id, role=membership.role.value, joined_at=membership.joined_at)


class RemoveMember:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, user_id: uuid.UUID) -> None:
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            owners = await uow.memberships.count_owners()
            membership = await uow.memberships.get_for_update(user_id)
            if membership is None:
                raise NotFound("member not found")
            membership.check_removable_by(actor, owner_count=owners)
            await uow.memberships.remove(membership)
            uow.record(membership.removal_event(actor))
            await uow.commit()
