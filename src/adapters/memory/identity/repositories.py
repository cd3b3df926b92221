"""In-memory twins of the identity repositories: users, tokens, organizations, memberships, invitations."""

from __future__ import annotations

import uuid
from datetime import datetime

from adapters.memory.store import MemoryStore
from domain.account_tokens import AccountToken, TokenPurpose
from domain.errors import Conflict
from domain.identity import AccessToken, User
from domain.invitations import Invitation
from domain.organizations import Membership, Organization
from domain.permissions import Role


class MemoryUserRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def add(self, user: User) -> None:
        if any(u.email == user.email for u in self._store.users.values()):
            raise Conflict("an account with this email already exists")
        self._store.users[user.id] = user

    async def get(self, user_id: uuid.UUID) -> User | None:
        return self._store.users.get(user_id)

    async def get_by_email(self, email: str) -> User | None:
        return next((u for u in self._store.users.values() if u.email == email), None)


class MemoryAccessTokenRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def add(self, token: AccessToken) -> None:
        self._store.access_tokens[token.token_hash] = token

    async def get_by_hash(self, token_hash: bytes) -> AccessToken | None:
        return self._store.access_tokens.get(token_hash)

    async def revoke_all_for_user(self, user_id: uuid.UUID, *, keep: bytes | None = None) -> int:
        revoked = 0
        for token in self._store.access_tokens.values():
            if token.user_id == user_id and token.revoked_at is None and token.token_hash != keep:
                token.revoked_at = token.created_at
                revoked += 1
        return revoked


class MemoryAccountTokenRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    @property
    def _tokens(self) -> dict[uuid.UUID, AccountToken]:
        return self._store.table("account_tokens")

    async def add(self, token: AccountToken) -> None:
        if any(t.token_hash == token.token_hash for t in self._tokens.values()):
            raise Conflict("this token exists already")
        self._tokens[token.id] = token

    async def get_for_update(self, token_id: uuid.UUID) -> AccountToken | None:
        return self._tokens.get(token_id)

    async def open_for_user(self, user_id: uuid.UUID, purpose: TokenPurpose, now: datetime) -> list[AccountToken]:
        return [
            t
            for t in self._tokens.values()
            if t.user_id == user_id and t.purpose == purpose and t.used_at is None and t.expires_at > now
        ]


class MemoryOrganizationRepository:
    def __init__(self, store: MemoryStore, organization_id: uuid.UUID | None) -> None:
        self._store, self._org = store, organization_id

    async def add(self, organization: Organization) -> None:
        if any(o.slug == organization.slug for o in self._store.organizations.values()):
            raise Conflict("this slug is taken")
        self._store.organizations[organization.id] = organization

    async def get(self, organization_id: uuid.UUID) -> Organization | None:
        return self._store.organizations.get(organization_id)


class MemoryMembershipRepository:
    def __init__(self, store: MemoryStore, organization_id: uuid.UUID | None) -> None:
        self._store, self._org = store, organization_id

    def _visible(self) -> list[Membership]:
        return [m for m in self._store.memberships.values() if m.organization_id == self._org]

    async def add(self, membership: Membership) -> None:
        if membership.organization_id != self._org:
            raise PermissionError("membership of another organization")  # RLS would refuse it too
        key = (membership.organization_id, membership.user_id)
        if key in self._store.memberships:
            raise Conflict("already a member")
        self._store.memberships[key] = membership

    async def get(self, user_id: uuid.UUID) -> Membership | None:
        return self._store.memberships.get((self._org, user_id)) if self._org else None

    get_for_update = get

    async def count_owners(self) -> int:
        return sum(1 for m in self._visible() if m.role == Role.OWNER)

    async def remove(self, membership: Membership) -> None:
        self._store.memberships.pop((membership.organization_id, membership.user_id), None)


class MemoryInvitationRepository:
    def __init__(self, store: MemoryStore, organization_id: uuid.UUID | None) -> None:
        self._store, self._org = store, organization_id

    async def add(self, invitation: Invitation) -> None:
        if invitation.organization_id != self._org:
            raise PermissionError("invitation of another organization")
        self._store.invitations[invitation.id] = invitation

    async def get_for_update(self, invitation_id: uuid.UUID) -> Invitation | None:
        found = self._store.invitations.get(invitation_id)
        return found if found is not None and found.organization_id == self._org else None


class MemoryTenantDirectory:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def organization_ids(self) -> list[uuid.UUID]:
        return sorted(self._store.organizations)
