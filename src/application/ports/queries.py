"""Read-side ports: lists and pages as DTOs, straight from the store, scoped to a tenant."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class MemberView:
    user_id: uuid.UUID
    name: str
    email: str
    role: str
    joined_at: datetime


@dataclass(frozen=True)
class OrganizationView:
    id: uuid.UUID
    name: str
    slug: str
    created_at: datetime
    role: str


@dataclass(frozen=True)
class MembershipView:
    organization_id: uuid.UUID
    role: str


@dataclass(frozen=True)
class UserView:
    id: uuid.UUID
    email: str
    name: str
    platform_admin: bool
    memberships: list[MembershipView]
    email_verified: bool = False


class MemberQueries(Protocol):
    async def list_members(
        self, organization_id: uuid.UUID, *, limit: int, after: tuple[datetime, uuid.UUID] | None
    ) -> list[MemberView]:
        """Members ordered by (joined_at, user_id), strictly after the given key."""
        ...


class UserQueries(Protocol):
    async def me(self, user_id: uuid.UUID) -> UserView | None: ...

    async def organizations_of(self, user_id: uuid.UUID) -> list[OrganizationView]: ...
