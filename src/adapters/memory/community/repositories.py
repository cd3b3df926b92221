"""In-memory twins of the chapter and team repositories."""

from __future__ import annotations

import uuid

from adapters.memory.repository import MemoryTenantRepository
from domain.community import Chapter, ChapterMember, Team, TeamMember
from domain.errors import Conflict


class MemoryChapterRepository(MemoryTenantRepository):
    table_name = "chapters"

    async def add(self, chapter: Chapter) -> None:
        if any(c.slug == chapter.slug for c in self._visible()):
            raise Conflict("a chapter with this slug exists")
        self._put(chapter.id, chapter)

    async def get(self, chapter_id: uuid.UUID) -> Chapter | None:
        found: Chapter | None = self._get(chapter_id)
        return found

    async def slug_taken(self, slug: str, *, other_than: uuid.UUID) -> bool:
        return any(c.slug == slug and c.id != other_than for c in self._visible())

    async def remove(self, chapter: Chapter) -> None:
        if any(e.chapter_id == chapter.id for e in self._store.table("events").values()):
            raise Conflict("this chapter has events; cancel or move them first")
        self._rows.pop(chapter.id, None)
        members = self._store.table("chapter_members")
        for key in [k for k, m in members.items() if m.chapter_id == chapter.id]:
            del members[key]
        teams = self._store.table("teams")
        for key in [k for k, t in teams.items() if t.chapter_id == chapter.id]:
            del teams[key]


class MemoryChapterMemberRepository(MemoryTenantRepository):
    table_name = "chapter_members"

    async def add(self, member: ChapterMember) -> None:
        key = (member.organization_id, member.chapter_id, member.user_id)
        if key in self._rows:
            raise Conflict("already a member of this chapter")
        if (member.organization_id, member.user_id) not in self._store.memberships:
            raise Conflict("only members of the organization can join its chapters")
        self._put(key, member)

    async def get(self, chapter_id: uuid.UUID, user_id: uuid.UUID) -> ChapterMember | None:
        found: ChapterMember | None = self._get((self._org, chapter_id, user_id))
        return found


class MemoryTeamRepository(MemoryTenantRepository):
    table_name = "teams"

    async def add(self, team: Team) -> None:
        self._put(team.id, team)

    async def get(self, team_id: uuid.UUID) -> Team | None:
        found: Team | None = self._get(team_id)
        return found

    async def remove(self, team: Team) -> None:
        self._rows.pop(team.id, None)
        members = self._store.table("team_members")
        for key in [k for k, m in members.items() if m.team_id == team.id]:
            del members[key]


class MemoryTeamMemberRepository(MemoryTenantRepository):
    table_name = "team_members"

    async def add(self, member: TeamMember) -> None:
        key = (member.organization_id, member.team_id, member.user_id)
        if key in self._rows:
            raise Conflict("already a member of this team")
        if (member.organization_id, member.user_id) not in self._store.memberships:
            raise Conflict("only members of the organization can join its teams")
        self._put(key, member)

    async def get(self, team_id: uuid.UUID, user_id: uuid.UUID) -> TeamMember | None:
        found: TeamMember | None = self._get((self._org, team_id, user_id))
        return found

    async def remove(self, member: TeamMember) -> None:
        self._rows.pop((member.organization_id, member.team_id, member.user_id), None)
