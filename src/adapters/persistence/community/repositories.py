"""SQLAlchemy repositories of chapters, teams and their members (RLS stands behind every query)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from adapters.persistence.community import tables as t
from adapters.persistence.errors import flush
from adapters.persistence.repository import TenantRepository
from domain.community import Chapter, ChapterMember, Team, TeamMember
from domain.errors import Conflict


class SqlaChapterRepository(TenantRepository):
    async def add(self, chapter: Chapter) -> None:
        await self._add(chapter)

    async def get(self, chapter_id: uuid.UUID) -> Chapter | None:
        found: Chapter | None = await self._get(Chapter, chapter_id)
        return found

    async def slug_taken(self, slug: str, *, other_than: uuid.UUID) -> bool:
        taken = await self._session.scalar(
            sa.select(sa.literal(True)).where(
                t.chapters.c.organization_id == self._org, t.chapters.c.slug == slug, t.chapters.c.id != other_than
            )
        )
        return bool(taken)

    async def remove(self, chapter: Chapter) -> None:
        await self._session.delete(chapter)
        try:
            await self._session.flush()
        except IntegrityError:
            raise Conflict("this chapter has events; cancel or move them first") from None


class SqlaChapterMemberRepository(TenantRepository):
    async def add(self, member: ChapterMember) -> None:
        await self._add(member)

    async def get(self, chapter_id: uuid.UUID, user_id: uuid.UUID) -> ChapterMember | None:
        if self._org is None:
            return None
        return await self._session.get(ChapterMember, (self._org, chapter_id, user_id))


class SqlaTeamRepository(TenantRepository):
    async def add(self, team: Team) -> None:
        await self._add(team)

    async def get(self, team_id: uuid.UUID) -> Team | None:
        found: Team | None = await self._get(Team, team_id)
        return found

    async def remove(self, team: Team) -> None:
        await self._session.delete(team)
        await flush(self._session)


class SqlaTeamMemberRepository(TenantRepository):
    async def add(self, member: TeamMember) -> None:
        await self._add(member)

    async def get(self, team_id: uuid.UUID, user_id: uuid.UUID) -> TeamMember | None:
        if self._org is None:
            return None
        return await self._session.get(TeamMember, (self._org, team_id, user_id))

    async def remove(self, member: TeamMember) -> None:
        await self._session.delete(member)
        await flush(self._session)
