"""Read side of chapters and teams: SQL on the request's asyncpg connection, rows into DTOs."""

from __future__ import annotations

import uuid
from typing import Any

from adapters.persistence.connection import RequestConnection
from application.ports.community import ChapterView, GroupMemberView, Key, TeamView


class PgCommunityQueries:
    def __init__(self, connection: RequestConnection) -> None:
        self._connection = connection

    async def _fetch(self, sql: str, key_columns: str, args: list[Any], limit: int, after: Key | None) -> list[Any]:
        """sql has {after} where the keyset condition goes, and ends with ORDER BY ... LIMIT {limit}."""
        condition = ""
        if after is not None:
            args = [*args, after[0], after[1]]
            condition = f"AND ({key_columns}) > (${len(args) - 1}, ${len(args)})"
        args = [*args, limit]
        conn = await self._connection.get()
        return list(await conn.fetch(sql.format(after=condition, limit=f"${len(args)}"), *args))

    async def list_chapters(self, organization_id: uuid.UUID, *, limit: int, after: Key | None) -> list[ChapterView]:
        rows = await self._fetch(
            """SELECT id, name, slug, city, timezone, created_at FROM chapters
               WHERE organization_id = $1 {after} ORDER BY created_at, id LIMIT {limit}""",
            "created_at, id",
            [organization_id],
            limit,
            after,
        )
        return [ChapterView(*row) for row in rows]

    async def list_chapter_members(
        self, organization_id: uuid.UUID, chapter_id: uuid.UUID, *, limit: int, after: Key | None
    ) -> list[GroupMemberView]:
        rows = await self._fetch(
            """SELECT m.user_id, u.name, u.email, m.role, m.joined_at
               FROM chapter_members m JOIN users u ON u.id = m.user_id
               WHERE m.organization_id = $1 AND m.chapter_id = $2 {after}
               ORDER BY m.joined_at, m.user_id LIMIT {limit}""",
            "m.joined_at, m.user_id",
            [organization_id, chapter_id],
            limit,
            after,
        )
        return [GroupMemberView(*row) for row in rows]

    async def list_teams(
        self, organization_id: uuid.UUID, *, chapter_id: uuid.UUID | None, limit: int, after: Key | None
    ) -> list[TeamView]:
        if chapter_id is None:
            sql, args = (
                "SELECT id, name, chapter_id, created_at FROM teams WHERE organization_id = $1",
                [organization_id],
            )
        else:
            sql = "SELECT id, name, chapter_id, created_at FROM teams WHERE organization_id = $1 AND chapter_id = $2"
            args = [organization_id, chapter_id]
        rows = await self._fetch(
            sql + " {after} ORDER BY created_at, id LIMIT {limit}", "created_at, id", args, limit, after
        )
        return [TeamView(*row) for row in rows]

    async def list_team_members(
        self, organization_id: uuid.UUID, team_id: uuid.UUID, *, limit: int, after: Key | None
    ) -> list[GroupMemberView]:
        rows = await self._fetch(
            """SELECT m.user_id, u.name, u.email, 'member', m.joined_at
               FROM team_members m JOIN users u ON u.id = m.user_id
               WHERE m.organization_id = $1 AND m.team_id = $2 {after}
               ORDER BY m.joined_at, m.user_id LIMIT {limit}""",
            "m.joined_at, m.user_id",
            [organization_id, team_id],
            limit,
            after,
        )
        return [GroupMemberView(*row) for row in rows]
