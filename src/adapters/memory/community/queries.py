"""In-memory twin of the chapter and team read side."""

from __future__ import annotations

import uuid
from typing import Any

from adapters.memory.repository import rows_after
from adapters.memory.store import MemoryStore
from application.ports.community import ChapterView, GroupMemberView, Key, TeamView


class MemoryCommunityQueries:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def list_chapters(self, organization_id: uuid.UUID, *, limit: int, after: Key | None) -> list[ChapterView]:
        chapters = [c for c in self._store.table("chapters").values() if c.organization_id == organization_id]
        return [
            ChapterView(id=c.id, name=c.name, slug=c.slug, city=c.city, timezone=c.timezone, created_at=c.created_at)
            for c in rows_after(chapters, lambda c: (c.created_at, c.id), after)[:limit]
        ]

    def _members(self, rows: list[Any], limit: int, after: Key | None, role: Any) -> list[GroupMemberView]:
        views = []
        for m in rows_after(rows, lambda m: (m.joined_at, m.user_id), after)[:limit]:
            user = self._store.users[m.user_id]
            views.append(GroupMemberView(m.user_id, user.name, user.email, role(m), m.joined_at))
        return views

    async def list_chapter_members(
        self, organization_id: uuid.UUID, chapter_id: uuid.UUID, *, limit: int, after: Key | None
    ) -> list[GroupMemberView]:
        rows = [
            m
            for m in self._store.table("chapter_members").values()
            if m.organization_id == organization_id and m.chapter_id == chapter_id
        ]
        return self._members(rows, limit, after, lambda m: m.role.value)

    async def list_teams(
        self, organization_id: uuid.UUID, *, chapter_id: uuid.UUID | None, limit: int, after: Key | None
    ) -> list[TeamView]:
        teams = [
            t
            for t in self._store.table("teams").values()
            if t.organization_id == organization_id and (chapter_id is None or t.chapter_id == chapter_id)
        ]
        return [
            TeamView(id=t.id, name=t.name, chapter_id=t.chapter_id, created_at=t.created_at)
            for t in rows_after(teams, lambda t: (t.created_at, t.id), after)[:limit]
        ]

    async def list_team_members(
        self, organization_id: uuid.UUID, team_id: uuid.UUID, *, limit: int, after: Key | None
    ) -> list[GroupMemberView]:
        rows = [
            m
            for m in self._store.table("team_members").values()
            if m.organization_id == organization_id and m.team_id == team_id
        ]
        return self._members(rows, limit, after, lambda m: "member")
