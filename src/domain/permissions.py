"""Roles, permissions and the matrix that joins them: data, so a table test can read it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import PermissionDenied


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    BILLING_MANAGER = "billing_manager"
    MEMBER = "member"
    CHECK_IN_STAFF = "check_in_staff"
    # Never a membership: a registered user buying tickets of a public event, who sees nothing else.
    BUYER = "buyer"


class Permission(StrEnum):
    ORG_READ = "org.read"
    ORG_UPDATE = "org.update"
    MEMBERS_READ = "members.read"
    MEMBERS_MANAGE = "members.manage"
    MEMBERS_INVITE = "members.invite"
    OWNERSHIP_MANAGE = "ownership.manage"
    BILLING_READ = "billing.read"
    BILLING_MANAGE = "billing.manage"
    AUDIT_READ = "audit.read"
    CHAPTERS_MANAGE = "chapters.manage"
    CHAPTER_MEMBERS_MANAGE = "chapter_members.manage"
    TEAMS_MANAGE = "teams.manage"
    EVENTS_READ = "events.read"
    EVENTS_MANAGE = "events.manage"  # create, edit, publish, cancel events and their ticket types; see drafts
    ORDERS_PLACE = "orders.place"
    ORDERS_MANAGE = "orders.manage"  # cancel or refund anyone's order
    ATTENDEES_READ = "attendees.read"
    TICKETS_CHECK_IN = "tickets.check_in"
    CHANNELS_MANAGE = "channels.manage"
    ORG_DELETE = "org.delete"  # schedule the deletion of the organization, or restore it (owners only)


class ChapterRole(StrEnum):
    """A role inside one chapter, below the organization's role."""

    LEAD = "lead"
    MEMBER = "member"


_EVERYONE = frozenset({Permission.ORG_READ, Permission.MEMBERS_READ, Permission.EVENTS_READ})
_COMMUNITY = _EVERYONE | {Permission.ORDERS_PLACE}

PERMISSION_MATRIX: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: _EVERYONE
    | {
        Permission.ORG_UPDATE,
        Permission.MEMBERS_MANAGE,
        Permission.MEMBERS_INVITE,
        Permission.BILLING_READ,
        Permission.AUDIT_READ,
        Permission.CHAPTERS_MANAGE,
        Permission.CHAPTER_MEMBERS_MANAGE,
        Permission.TEAMS_MANAGE,
        Permission.EVENTS_MANAGE,
        Permission.ORDERS_PLACE,
        Permission.ORDERS_MANAGE,
        Permission.ATTENDEES_READ,
        Permission.TICKETS_CHECK_IN,
        Permission.CHANNELS_MANAGE,
    },
    Role.BILLING_MANAGER: _COMMUNITY | {Permission.BILLING_READ, Permission.BILLING_MANAGE},
    Role.MEMBER: _COMMUNITY,
    # Door staff: they see events and check tickets in, nothing else.
    Role.CHECK_IN_STAFF: _EVERYONE | {Permission.TICKETS_CHECK_IN},
    Role.BUYER: frozenset({Permission.ORDERS_PLACE}),
}

# What a chapter role adds, only for things that belong to that chapter (its events, its members).
CHAPTER_PERMISSION_MATRIX: dict[ChapterRole, frozenset[Permission]] = {
    ChapterRole.LEAD: frozenset(
        {
            Permission.CHAPTER_MEMBERS_MANAGE,
            Permission.EVENTS_MANAGE,
            Permission.ORDERS_MANAGE,
            Permission.ATTENDEES_READ,
            Permission.TICKETS_CHECK_IN,
        }
    ),
    ChapterRole.MEMBER: frozenset(),
}


def role_allows(role: Role, permission: Permission) -> bool:
    return permission in PERMISSION_MATRIX[role]


@dataclass(frozen=True)
class Actor:
    """Who acts, in which organization, with which role. Passed explicitly to every use case."""

    user_id: uuid.UUID
    organization_id: uuid.UUID
    role: Role

    @classmethod
    def buyer(cls, user_id: uuid.UUID, organization_id: uuid.UUID) -> Actor:
        """A registered user on an organization's public side: places and reads their own orders only."""
        return cls(user_id, organization_id, Role.BUYER)

    @property
    def is_buyer(self) -> bool:
        return self.role == Role.BUYER

    def can(self, permission: Permission) -> bool:
        return role_allows(self.role, permission)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(f"role '{self.role}' may not {permission.value}")

    def can_in_chapter(self, permission: Permission, chapter_role: ChapterRole | None) -> bool:
        """The organization role, or the role held in the chapter the resource belongs to."""
        if self.can(permission):
            return True
        return chapter_role is not None and permission in CHAPTER_PERMISSION_MATRIX[chapter_role]

    def require_in_chapter(self, permission: Permission, chapter_role: ChapterRole | None) -> None:
        if not self.can_in_chapter(permission, chapter_role):
            raise PermissionDenied(f"role '{self.role}' may not {permission.value} here")


@dataclass(frozen=True)
class Principal:
    """An authenticated user, before any organization is in play."""

    user_id: uuid.UUID
    platform_admin: bool = False
