"""GET members in one round trip: authentication and the page come from one port call.

The rules are those of ListMembers (application/organizations.py); only the order of the work differs:
the permission is checked on the actor the same call returned, and rows it may not see are dropped.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from application.organizations import ListMembersQuery
from application.pagination import clamp_limit, decode_cursor, encode_cursor
from application.ports.auth import Authentication, Authenticator
from application.ports.member_pages import MemberPagesByToken
from application.ports.queries import MemberQueries, MemberView, Page
from domain.errors import DomainError, NotFound, OrganizationDeleting
from domain.permissions import Actor, Permission


class ListMembersByToken:
    def __init__(self, pages: MemberPagesByToken) -> None:
        self._pages = pages

    async def execute(
        self, token_hash: bytes, organization_id: uuid.UUID, query: ListMembersQuery
    ) -> tuple[Actor, Page[MemberView]]:
        try:
            limit = clamp_limit(query.limit)
            after = decode_cursor(query.cursor)
        except DomainError:
            # Who is asking is answered first (401 / 404 before a bad cursor), as on every other route.
            await self._pages.members_page(token_hash, organization_id, limit=0, after=None)
            raise
        authentication, rows = await self._pages.members_page(token_hash, organization_id, limit=limit + 1, after=after)
        actor = authentication.actor
        if actor is None:
            raise NotFound("organization not found")
        if authentication.organization_deleting:
            raise OrganizationDeleting("this organization is scheduled for deletion; an owner can restore it")
        actor.require(Permission.MEMBERS_READ)
        if len(rows) <= limit:
            return actor, Page(items=rows, next_cursor=None)
        last = rows[limit - 1]
        return actor, Page(items=rows[:limit], next_cursor=encode_cursor(last.joined_at, last.user_id))


class SequentialMemberPages:
    """The port as two calls (authenticate, then read): for stores without a one-statement read."""

    def __init__(self, authenticator: Authenticator, queries: MemberQueries) -> None:
        self._authenticator, self._queries = authenticator, queries

    async def members_page(
        self,
        token_hash: bytes,
        organization_id: uuid.UUID,
        *,
        limit: int,
        after: tuple[datetime, uuid.UUID] | None,
    ) -> tuple[Authentication, list[MemberView]]:
        authentication = await self._authenticator.authenticate(token_hash, organization_id)
        if authentication.actor is None or limit < 1:
            return authentication, []
        return authentication, await self._queries.list_members(organization_id, limit=limit, after=after)
