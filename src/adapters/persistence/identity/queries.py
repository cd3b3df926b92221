"""Reads of identity and organizations on the request's asyncpg connection: authentication, members, users."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from adapters.persistence.connection import RequestConnection
from application.ports.auth import Authentication
from application.ports.queries import MembershipView, MemberView, OrganizationView, UserView
from domain.errors import AuthenticationFailed, NotFound, OrganizationSuspended
from domain.permissions import Actor, Principal, Role


class PgAuthenticator:
    def __init__(self, connection: RequestConnection) -> None:
        self._connection = connection

    async def authenticate(self, token_hash: bytes, organization_id: uuid.UUID | None) -> Authentication:
        conn = await self._connection.for_authentication()
        row = await conn.fetchrow("SELECT * FROM app_authenticate_v2($1, $2)", token_hash, organization_id)
        return authentication_of(row, organization_id)


def authentication_of(row: Any, organization_id: uuid.UUID | None) -> Authentication:
    if row is None:
        raise AuthenticationFailed("the token is missing, expired or revoked")
    principal = Principal(user_id=row["user_id"], platform_admin=row["platform_admin"])
    if organization_id is None:
        return Authentication(principal=principal, actor=None)
    if row["role"] is None:
        raise NotFound("organization not found")
    if row["suspended"]:
        raise OrganizationSuspended("this organization is suspended")
    actor = Actor(principal.user_id, organization_id, Role(row["role"]))
    return Authentication(principal, actor, organization_deleting=bool(row.get("deleting")))


_MEMBERS_FIRST = """
SELECT m.user_id, u.name, u.email, m.role, m.joined_at
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.organization_id = $1
ORDER BY m.joined_at, m.user_id
LIMIT $2
"""
_MEMBERS_AFTER = """
SELECT m.user_id, u.name, u.email, m.role, m.joined_at
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.organization_id = $1 AND (m.joined_at, m.user_id) > ($3, $4)
ORDER BY m.joined_at, m.user_id
LIMIT $2
"""


class PgMemberQueries:
    def __init__(self, connection: RequestConnection) -> None:
        self._connection = connection

    async def list_members(
        self, organization_id: uuid.UUID, *, limit: int, after: tuple[datetime, uuid.UUID] | None
    ) -> list[MemberView]:
        conn = await self._connection.get()
        if after is None:
            rows = await conn.fetch(_MEMBERS_FIRST, organization_id, limit)
        else:
            rows = await conn.fetch(_MEMBERS_AFTER, organization_id, limit, after[0], after[1])
        return [MemberView(*row) for row in rows]


class PgUserQueries:
    def __init__(self, connection: RequestConnection) -> None:
        self._connection = connection

    async def me(self, user_id: uuid.UUID) -> UserView | None:
        conn = await self._connection.get()
        user = await conn.fetchrow(
            "SELECT id, email, name, platform_admin, email_verified_at FROM users WHERE id = $1", user_id
        )
        if user is None:
            return None
        # The memberships policy shows a user their own rows in every organization (app.user_id).
        rows = await conn.fetch(
            "SELECT organization_id, role FROM memberships WHERE user_id = $1 ORDER BY joined_at", user_id
        )
        return UserView(
            id=user["id"],
            email=user["email"],
            name=user["name"],
            platform_admin=user["platform_admin"],
            memberships=[MembershipView(r["organization_id"], r["role"]) for r in rows],
            email_verified=user["email_verified_at"] is not None,
        )

    async def organizations_of(self, user_id: uuid.UUID) -> list[OrganizationView]:
        conn = await self._connection.get()
        rows = await conn.fetch(
            """SELECT o.id, o.name, o.slug, o.created_at, m.role
               FROM memberships m JOIN organizations o ON o.id = m.organization_id
               WHERE m.user_id = $1 ORDER BY o.created_at""",
            user_id,
        )
        return [OrganizationView(*row) for row in rows]
