"""Audiences of announcements on PostgreSQL: every query scoped to one organization, RLS behind it."""

from __future__ import annotations

import uuid

import asyncpg

from adapters.persistence.scope import SET_TENANT
from application.ports.announcements import Contact
from domain.announcements import Audience, AudienceTarget
from domain.permissions import ChapterRole

_TARGETS = {
    Audience.CHAPTER: "SELECT id AS chapter_id FROM chapters WHERE organization_id = $1 AND id = $2",
    Audience.TEAM: "SELECT chapter_id FROM teams WHERE organization_id = $1 AND id = $2",
    Audience.EVENT: "SELECT chapter_id FROM events WHERE organization_id = $1 AND id = $2",
}

# Every audience joins memberships: only current members of this organization are ever recipients.
_RECIPIENTS = {
    Audience.ORG: "SELECT m.user_id FROM memberships m WHERE m.organization_id = $1 ORDER BY m.user_id",
    Audience.CHAPTER: """
        SELECT m.user_id FROM chapter_members c
        JOIN memberships m ON m.organization_id = c.organization_id AND m.user_id = c.user_id
        WHERE c.organization_id = $1 AND c.chapter_id = $2 ORDER BY m.user_id""",
    Audience.TEAM: """
        SELECT m.user_id FROM team_members t
        JOIN memberships m ON m.organization_id = t.organization_id AND m.user_id = t.user_id
        WHERE t.organization_id = $1 AND t.team_id = $2 ORDER BY m.user_id""",
    Audience.EVENT: """
        SELECT DISTINCT m.user_id FROM tickets t
        JOIN memberships m ON m.organization_id = t.organization_id AND m.user_id = t.holder_id
        WHERE t.organization_id = $1 AND t.event_id = $2 AND t.voided_at IS NULL ORDER BY m.user_id""",
}

_CONTACTS = """
SELECT u.id, u.email FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.organization_id = $1 AND m.user_id = ANY($2::uuid[]) ORDER BY u.id
"""


class PgAudienceQueries:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def _fetch(self, organization_id: uuid.UUID, query: str, *args: object) -> list[asyncpg.Record]:
        async with self._pool.acquire() as conn, conn.transaction(readonly=True):
            await conn.execute(SET_TENANT, organization_id)
            return list(await conn.fetch(query, organization_id, *args))

    async def target(
        self, organization_id: uuid.UUID, audience: Audience, target_id: uuid.UUID
    ) -> AudienceTarget | None:
        if audience not in _TARGETS:
            return None
        rows = await self._fetch(organization_id, _TARGETS[audience], target_id)
        return AudienceTarget(chapter_id=rows[0]["chapter_id"]) if rows else None

    async def chapter_role(
        self, organization_id: uuid.UUID, chapter_id: uuid.UUID, user_id: uuid.UUID
    ) -> ChapterRole | None:
        rows = await self._fetch(
            organization_id,
            "SELECT role FROM chapter_members WHERE organization_id = $1 AND chapter_id = $2 AND user_id = $3",
            chapter_id,
            user_id,
        )
        return ChapterRole(rows[0]["role"]) if rows else None

    async def recipients(
        self, organization_id: uuid.UUID, audience: Audience, target_id: uuid.UUID | None
    ) -> list[uuid.UUID]:
        args = () if audience == Audience.ORG else (target_id,)
        return [r["user_id"] for r in await self._fetch(organization_id, _RECIPIENTS[audience], *args)]

    async def contacts(self, organization_id: uuid.UUID, user_ids: list[uuid.UUID]) -> list[Contact]:
        rows = await self._fetch(organization_id, _CONTACTS, user_ids)
        return [Contact(r["id"], r["email"]) for r in rows]
