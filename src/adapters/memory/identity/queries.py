"""In-memory read side and authenticator over the MemoryStore."""

from __future__ import annotations

import uuid
from datetime import datetime

from adapters.memory.store import MemoryStore
from application.ports.auth import Authentication
from application.ports.clock import Clock
from application.ports.queries import MembershipView, MemberView, OrganizationView, UserView
from domain.errors import AuthenticationFailed, NotFound, OrganizationSuspended
from domain.permissions import Actor, Principal


class MemoryMemberQueries:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def list_members(
        self, organization_id: uuid.UUID, *, limit: int, after: tuple[datetime, uuid.UUID] | None
    ) -> list[MemberView]:
        rows = sorted(
            (m for m in self._store.memberships.values() if m.organization_id == organization_id),
            key=lambda m: (m.joined_at, m.user_id),
        )
        if after is not None:
            rows = [m for m in rows if (m.joined_at, m.user_id) > after]
        views = []
        for m in rows[:limit]:
            user = self._store.users[m.user_id]
            views.append(
                MemberView(
                    user_id=m.user_id,
                    name=user.name,
                    email=user.email,
                    role=m.role.value,
                    joined_at=m.joined_at,
                )
            )
        return views


class MemoryUserQueries:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def me(self, user_id: uuid.UUID) -> UserView | None:
        user = self._store.users.get(user_id)
        if user is None:
            return None
        memberships = sorted(
            (m for m in self._store.memberships.values() if m.user_id == user_id), key=lambda m: m.joined_at
        )
        return UserView(
            id=user.id,
            email=user.email,
            name=user.name,
            platform_admin=user.platform_admin,
            memberships=[MembershipView(m.organization_id, m.role.value) for m in memberships],
            email_verified=user.email_verified_at is not None,
        )

    async def organizations_of(self, user_id: uuid.UUID) -> list[OrganizationView]:
        views = []
        for m in self._store.memberships.values():
            if m.user_id == user_id:
                org = self._store.organizations[m.organization_id]
                views.append(
                    OrganizationView(
                        id=org.id, name=org.name, slug=org.slug, created_at=org.created_at, role=m.role.value
                    )
                )
        return sorted(views, key=lambda v: v.created_at)


class MemoryAuthenticator:
    def __init__(self, store: MemoryStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def authenticate(self, token_hash: bytes, organization_id: uuid.UUID | None) -> Authentication:
        token = self._store.access_tokens.get(token_hash)
        if token is None or not token.is_valid(self._clock.now()):
            raise AuthenticationFailed("the token is missing, expired or revoked")
        user = self._store.users[token.user_id]
        principal = Principal(user_id=user.id, platform_admin=user.platform_admin)
        if organization_id is None:
            return Authentication(principal=principal, actor=None)
        membership = self._store.memberships.get((organization_id, user.id))
        if membership is None:
            raise NotFound("organization not found")
        if self._store.organizations[organization_id].suspended_at is not None:
            raise OrganizationSuspended("this organization is suspended")
        deleting = self._store.organizations[organization_id].deleting_at is not None
        return Authentication(principal, Actor(user.id, organization_id, membership.role), deleting)
