"""Ports of chapters and teams: repositories (write side) and queries (read side)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.ports.persistence import UnitOfWork
from application.ports.queries import MemberView
from domain.community import Chapter, ChapterMember, Team, TeamMember


class ChapterRepository(Protocol):
    """Chapters of the unit of work's organization only."""

    async def add(self, chapter: Chapter) -> None:
        """Raises Conflict when the slug is taken in this organization."""
        ...

    async def get(self, chapter_id: uuid.UUID) -> Chapter | None: ...

    async def slug_taken(self, slug: str, *, other_than: uuid.UUID) -> bool:
        """Whether another chapter of the organization has this slug."""
        ...

    async def remove(self, chapter: Chapter) -> None: ...


class ChapterMemberRepository(Protocol):
    async def add(self, member: ChapterMember) -> None:
        """Raises Conflict when the user is already in the chapter."""
        ...

    async def get(self, chapter_id: uuid.UUID, user_id: uuid.UUID) -> ChapterMember | None: ...


class TeamRepository(Protocol):
    async def add(self, team: Team) -> None: ...

    async def get(self, team_id: uuid.UUID) -> Team | None: ...

    async def remove(self, team: Team) -> None: ...


class TeamMemberRepository(Protocol):
    async def add(self, member: TeamMember) -> None:
        """Raises Conflict when the user is already in the team."""
        ...

    async def get(self, team_id: uuid.UUID, user_id: uuid.UUID) -> TeamMember | None: ...

    async def remove(self, member: TeamMember) -> None: ...


class CommunityUnitOfWork(UnitOfWork, Protocol):
    chapters: ChapterRepository
    chapter_members: ChapterMemberRepository
    teams: TeamRepository
    team_members: TeamMemberRepository


class CommunityUnitOfWorkFactory(Protocol):
    def __call__(
        self, organization_id: uuid.UUID | None = None, user_id: uuid.UUID | None = None
    ) -> CommunityUnitOfWork: ...


@dataclass(frozen=True)
class ChapterView:
    id: uuid.UUID
    name: str
    slug: str
    city: str | None
    timezone: str | None
    created_at: datetime


# A member of a chapter or a team (role is 'member' for teams): the shape of an organization's member.
GroupMemberView = MemberView


@dataclass(frozen=True)
class TeamView:
    id: uuid.UUID
    name: str
    chapter_id: uuid.UUID | None
    created_at: datetime


Key = tuple[datetime, uuid.UUID]


class CommunityQueries(Protocol):
    async def list_chapters(self, organization_id: uuid.UUID, *, limit: int, after: Key | None) -> list[ChapterView]:
        """Ordered by (created_at, id), strictly after the key."""
        ...

    async def list_chapter_members(
        self, organization_id: uuid.UUID, chapter_id: uuid.UUID, *, limit: int, after: Key | None
    ) -> list[GroupMemberView]:
        """Ordered by (joined_at, user_id)."""
        ...

    async def list_teams(
        self, organization_id: uuid.UUID, *, chapter_id: uuid.UUID | None, limit: int, after: Key | None
    ) -> list[TeamView]: ...

    async def list_team_members(
        self, organization_id: uuid.UUID, team_id: uuid.UUID, *, limit: int, after: Key | None
    ) -> list[GroupMemberView]: ...
