"""SQLAlchemy repositories of the write side. Every tenant query is scoped by the unit of work's
organization in SQL, and RLS (set by the unit of work) stands behind it."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.errors import add_and_flush
from adapters.persistence.identity import tables as t
from domain.account_tokens import AccountToken, TokenPurpose
from domain.identity import AccessToken, User
from domain.invitations import Invitation
from domain.organizations import Membership, Organization
from domain.permissions import Role


class SqlaUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, user: User) -> None:
        await add_and_flush(self._session, user)

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self._session.get(User, user_id)

    async def get_by_email(self, email: str) -> User | None:
        result = await self._session.execute(sa.select(User).where(t.users.c.email == email))
        return result.scalar_one_or_none()


class SqlaAccessTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: AccessToken) -> None:
        await add_and_flush(self._session, token)

    async def get_by_hash(self, token_hash: bytes) -> AccessToken | None:
        result = await self._session.execute(sa.select(AccessToken).where(t.access_tokens.c.token_hash == token_hash))
        return result.scalar_one_or_none()

    async def revoke_all_for_user(self, user_id: uuid.UUID, *, keep: bytes | None = None) -> int:
        statement = sa.update(t.access_tokens).where(
            t.access_tokens.c.user_id == user_id, t.access_tokens.c.revoked_at.is_(None)
        )
        if keep is not None:
            statement = statement.where(t.access_tokens.c.token_hash != keep)
        result = await self._session.execute(statement.values(revoked_at=sa.func.now()))
        return int(getattr(result, "rowcount", 0))


class SqlaAccountTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: AccountToken) -> None:
        await add_and_flush(self._session, token)

    async def get_for_update(self, token_id: uuid.UUID) -> AccountToken | None:
        return await self._session.get(AccountToken, token_id, with_for_update=True)

    async def open_for_user(self, user_id: uuid.UUID, purpose: TokenPurpose, now: datetime) -> list[AccountToken]:
        c = t.account_tokens.c
        rows = await self._session.scalars(
            sa.select(AccountToken)
            .where(c.user_id == user_id, c.purpose == purpose, c.used_at.is_(None), c.expires_at > now)
            .with_for_update()
        )
        return list(rows.all())


class SqlaOrganizationRepository:
    def __init__(self, session: AsyncSession, organization_id: uuid.UUID | None) -> None:
        self._session, self._org = session, organization_id

    async def add(self, organization: Organization) -> None:
        await add_and_flush(self._session, organization)

    async def get(self, organization_id: uuid.UUID) -> Organization | None:
        return await self._session.get(Organization, organization_id)


class SqlaMembershipRepository:
    def __init__(self, session: AsyncSession, organization_id: uuid.UUID | None) -> None:
        self._session, self._org = session, organization_id

    async def add(self, membership: Membership) -> None:
        await add_and_flush(self._session, membership)

    async def get(self, user_id: uuid.UUID) -> Membership | None:
        return await self._session.get(Membership, (self._org, user_id))

    async def get_for_update(self, user_id: uuid.UUID) -> Membership | None:
        return await self._session.get(Membership, (self._org, user_id), with_for_update=True)

    async def count_owners(self) -> int:
        # Locking the owner rows makes concurrent demotions of the last two owners serialise.
        rows = await self._session.execute(
            sa.select(t.memberships.c.user_id)
            .where(t.memberships.c.organization_id == self._org, t.memberships.c.role == Role.OWNER)
            .with_for_update()
        )
        return len(rows.all())

    async def remove(self, membership: Membership) -> None:
        await self._session.delete(membership)
        await self._session.flush()


class SqlaInvitationRepository:
    def __init__(self, session: AsyncSession, organization_id: uuid.UUID | None) -> None:
        self._session, self._org = session, organization_id

    async def add(self, invitation: Invitation) -> None:
        await add_and_flush(self._session, invitation)

    async def get_for_update(self, invitation_id: uuid.UUID) -> Invitation | None:
        return await self._session.get(Invitation, (self._org, invitation_id), with_for_update=True)


class SqlaTenantDirectory:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def organization_ids(self) -> list[uuid.UUID]:
        rows = await self._session.scalars(sa.select(t.organizations.c.id).order_by(t.organizations.c.id))
        return list(rows.all())
