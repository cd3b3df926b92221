"""Organizations (the tenants) and the memberships that tie users to them."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import Conflict, InvalidInput, PermissionDenied
from domain.events import Aggregate, DomainEvent
from domain.identity import clean_name
from domain.ids import new_id
from domain.permissions import Actor, Permission, Role

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def check_slug(raw: str) -> str:
    slug = raw.strip().lower()
    if not _SLUG.match(slug):
        raise InvalidInput("slug must be 1-63 lowercase letters, digits or inner hyphens")
    return slug


@dataclass(eq=False)
class Organization(Aggregate):
    name: str
    slug: str
    created_at: datetime
    id: uuid.UUID = field(default_factory=new_id)
    suspended_at: datetime | None = None
    # Set by an owner's DELETE: the organization answers 403 until restored, and is purged after the grace period.
    deleting_at: datetime | None = None

    @classmethod
    def found(cls, *, name: str, slug: str, owner_id: uuid.UUID, now: datetime) -> tuple[Organization, Membership]:
        org = cls(name=clean_name(name), slug=check_slug(slug), created_at=now)
        owner = Membership(organization_id=org.id, user_id=owner_id, role=Role.OWNER, joined_at=now)
        org.record(
            DomainEvent.of(
                "organization.created",
                org.id,
                {"name": org.name, "slug": org.slug, "owner_id": str(owner_id)},
                owner_id,
            )
        )
        return org, owner

    def rename(self, actor: Actor, name: str) -> None:
        actor.require(Permission.ORG_UPDATE)
        new_name = clean_name(name)
        if new_name != self.name:
            old, self.name = self.name, new_name
            self.record(DomainEvent.of("organization.renamed", self.id, {"from": old, "to": new_name}, actor.user_id))

    def schedule_deletion(self, actor: Actor, now: datetime) -> None:
        actor.require(Permission.ORG_DELETE)
        if self.deleting_at is None:
            self.deleting_at = now
            self.record(DomainEvent.of("organization.deletion_scheduled", self.id, {}, actor.user_id))

    def restore(self, actor: Actor) -> None:
        actor.require(Permission.ORG_DELETE)
        if self.deleting_at is not None:
            self.deleting_at = None
            self.record(DomainEvent.of("organization.restored", self.id, {}, actor.user_id))


@dataclass(eq=False)
class Membership(Aggregate):
    organization_id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    joined_at: datetime

    def change_role(self, actor: Actor, new_role: Role, *, owner_count: int) -> None:
        actor.require(Permission.MEMBERS_MANAGE)
        touches_ownership = Role.OWNER in (self.role, new_role)
        if touches_ownership and not actor.can(Permission.OWNERSHIP_MANAGE):
            raise PermissionDenied("only an owner may grant or take the owner role")
        if self.role == Role.OWNER and new_role != Role.OWNER and owner_count <= 1:
            raise Conflict("the last owner cannot be demoted")
        if new_role != self.role:
            old, self.role = self.role, new_role
            self.record(
                DomainEvent.of(
                    "member.role_changed",
                    self.organization_id,
                    {"user_id": str(self.user_id), "from": old.value, "to": new_role.value},
                    actor.user_id,
                )
            )

    def check_removable_by(self, actor: Actor, *, owner_count: int) -> None:
        """Removing oneself is leaving, which any member may do; otherwise admins remove members."""
        if actor.user_id != self.user_id:
            actor.require(Permission.MEMBERS_MANAGE)
            if self.role == Role.OWNER and not actor.can(Permission.OWNERSHIP_MANAGE):
                raise PermissionDenied("only an owner may remove an owner")
        if self.role == Role.OWNER and owner_count <= 1:
            raise Conflict("the last owner cannot leave or be removed")

    def removal_event(self, actor: Actor) -> DomainEvent:
        return DomainEvent.of("member.removed", self.organization_id, {"user_id": str(self.user_id)}, actor.user_id)
