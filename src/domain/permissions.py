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
    CHANNELS_MANAGE = "channels.manage"


_EVERYONE = frozenset({Permission.ORG_READ, Permission.MEMBERS_READ})

PERMISSION_MATRIX: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: _EVERYONE
    | {
        Permission.ORG_UPDATE,
        Permission.MEMBERS_MANAGE,
        Permission.MEMBERS_INVITE,
        Permission.BILLING_READ,
        Permission.AUDIT_READ,
        Permission.CHANNELS_MANAGE,
    },
    Role.BILLING_MANAGER: _EVERYONE | {Permission.BILLING_READ, Permission.BILLING_MANAGE},
    Role.MEMBER: _EVERYONE,
    Role.CHECK_IN_STAFF: _EVERYONE,
}


def role_allows(role: Role, permission: Permission) -> bool:
    return permission in PERMISSION_MATRIX[role]


@dataclass(frozen=True)
class Actor:
    """Who acts, in which organization, with which role. Passed explicitly to every use case."""

    user_id: uuid.UUID
    organization_id: uuid.UUID
    role: Role

    def can(self, permission: Permission) -> bool:
        return role_allows(self.role, permission)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(f"role '{self.role}' may not {permission.value}")


@dataclass(frozen=True)
class Principal:
    """An authenticated user, before any organization is in play."""

    user_id: uuid.UUID
    platform_admin: bool = False
