"""Use cases of chapters, teams and their members."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from application.pagination import PageQuery as PageQuery  # the HTTP adapter imports it from here
from application.pagination import clamp_limit, decode_cursor, page_of
from application.ports.clock import Clock
from application.ports.community import (
    ChapterMemberRepository,
    ChapterView,
    CommunityQueries,
    CommunityUnitOfWork,
    CommunityUnitOfWorkFactory,
    GroupMemberView,
    TeamView,
)
from application.ports.queries import Page
from domain.community import Chapter, ChapterMember, Team, TeamMember
from domain.errors import Conflict, NotFound
from domain.permissions import Actor, ChapterRole, Permission


async def chapter_role_of(
    members: ChapterMemberRepository, actor: Actor, chapter_id: uuid.UUID | None
) -> ChapterRole | None:
    """The actor's role in a chapter (None outside any chapter)."""
    if chapter_id is None:
        return None
    member = await members.get(chapter_id, actor.user_id)
    return None if member is None else member.role


async def _chapter(uow: CommunityUnitOfWork, chapter_id: uuid.UUID) -> Chapter:
    chapter = await uow.chapters.get(chapter_id)
    if chapter is None:
        raise NotFound("chapter not found")
    return chapter


async def _team(uow: CommunityUnitOfWork, team_id: uuid.UUID) -> Team:
    team = await uow.teams.get(team_id)
    if team is None:
        raise NotFound("team not found")
    return team


async def _team_with_role(
    uow: CommunityUnitOfWork, actor: Actor, team_id: uuid.UUID
) -> tuple[Team, ChapterRole | None]:
    """The team (NotFound if it is not the organization's) and the actor's role in the team's chapter."""
    team = await _team(uow, team_id)
    return team, await chapter_role_of(uow.chapter_members, actor, team.chapter_id)


async def _require_org_member(uow: CommunityUnitOfWork, user_id: uuid.UUID) -> None:
    if await uow.memberships.get(user_id) is None:
        raise NotFound("member not found")


# --- chapters -------------------------------------------------------------------------------------


def chapter_view(c: Chapter) -> ChapterView:
    return ChapterView(id=c.id, name=c.name, slug=c.slug, city=c.city, timezone=c.timezone, created_at=c.created_at)


@dataclass(frozen=True)
class ChapterCommand:
    name: str
    slug: str
    city: str | None = None
    timezone: str | None = None


class CreateChapter:
    def __init__(self, uow: CommunityUnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, actor: Actor, command: ChapterCommand) -> ChapterView:
        chapter = Chapter.found(
            actor,
            name=command.name,
            slug=command.slug,
            city=command.city,
            timezone=command.timezone,
            now=self._clock.now(),
        )
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            await uow.chapters.add(chapter)  # Conflict when the slug is taken
            uow.collect(chapter)
            await uow.commit()
        return chapter_view(chapter)


class GetChapter:
    def __init__(self, uow: CommunityUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, chapter_id: uuid.UUID) -> ChapterView:
        actor.require(Permission.ORG_READ)
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            return chapter_view(await _chapter(uow, chapter_id))


@dataclass(frozen=True)
class UpdateChapterCommand:
    chapter_id: uuid.UUID
    changes: dict[str, Any]


class UpdateChapter:
    def __init__(self, uow: CommunityUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, command: UpdateChapterCommand) -> ChapterView:
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            chapter = await _chapter(uow, command.chapter_id)
            current = {"name": chapter.name, "slug": chapter.slug, "city": chapter.city, "timezone": chapter.timezone}
            merged = {**current, **{k: v for k, v in command.changes.items() if k in current}}
            chapter.revise(actor, chapter_role=await chapter_role_of(uow.chapter_members, actor, chapter.id), **merged)
            if chapter.slug != current["slug"] and await uow.chapters.slug_taken(chapter.slug, other_than=chapter.id):
                raise Conflict("a chapter with this slug exists")
            uow.collect(chapter)
            await uow.commit()  # Conflict when the new slug is taken
        return chapter_view(chapter)


class DeleteChapter:
    def __init__(self, uow: CommunityUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, chapter_id: uuid.UUID) -> None:
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            chapter = await _chapter(uow, chapter_id)
            uow.record(chapter.removal_event(actor))
            await uow.chapters.remove(chapter)  # Conflict while it has events
            await uow.commit()


class ListChapters:
    def __init__(self, queries: CommunityQueries) -> None:
        self._queries = queries

    async def execute(self, actor: Actor, query: PageQuery) -> Page[ChapterView]:
        actor.require(Permission.ORG_READ)
        limit = clamp_limit(query.limit)
        rows = await self._queries.list_chapters(
            actor.organization_id, limit=limit + 1, after=decode_cursor(query.cursor)
        )
        return page_of(rows, limit, lambda r: (r.created_at, r.id))


@dataclass(frozen=True)
class AddChapterMemberCommand:
    chapter_id: uuid.UUID
    user_id: uuid.UUID | None  # None: the caller joins
    role: ChapterRole = ChapterRole.MEMBER


@dataclass(frozen=True)
class GroupMemberResult:
    user_id: uuid.UUID
    role: str
    joined_at: datetime


class AddChapterMember:
    def __init__(self, uow: CommunityUnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, actor: Actor, command: AddChapterMemberCommand) -> GroupMemberResult:
        user_id = command.user_id or actor.user_id
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            chapter = await _chapter(uow, command.chapter_id)
            member = ChapterMember.enrol(
                actor,
                chapter,
                user_id=user_id,
                role=command.role,
                actor_chapter_role=await chapter_role_of(uow.chapter_members, actor, chapter.id),
                now=self._clock.now(),
            )
            await _require_org_member(uow, user_id)
            await uow.chapter_members.add(member)
            uow.collect(member)
            await uow.commit()
        return GroupMemberResult(user_id=member.user_id, role=member.role.value, joined_at=member.joined_at)


class ListChapterMembers:
    def __init__(self, uow: CommunityUnitOfWorkFactory, queries: CommunityQueries) -> None:
        self._uow, self._queries = uow, queries

    async def execute(self, actor: Actor, chapter_id: uuid.UUID, query: PageQuery) -> Page[GroupMemberView]:
        actor.require(Permission.MEMBERS_READ)
        limit = clamp_limit(query.limit)
        after = decode_cursor(query.cursor)
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            await _chapter(uow, chapter_id)
        rows = await self._queries.list_chapter_members(actor.organization_id, chapter_id, limit=limit + 1, after=after)
        return page_of(rows, limit, lambda m: (m.joined_at, m.user_id))


# --- teams ----------------------------------------------------------------------------------------


def team_view(t: Team) -> TeamView:
    return TeamView(id=t.id, name=t.name, chapter_id=t.chapter_id, created_at=t.created_at)


@dataclass(frozen=True)
class CreateTeamCommand:
    name: str
    chapter_id: uuid.UUID | None = None


class CreateTeam:
    def __init__(self, uow: CommunityUnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, actor: Actor, command: CreateTeamCommand) -> TeamView:
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            if command.chapter_id is not None:
                await _chapter(uow, command.chapter_id)
            team = Team.form(
                actor,
                name=command.name,
                chapter_id=command.chapter_id,
                chapter_role=await chapter_role_of(uow.chapter_members, actor, command.chapter_id),
                now=self._clock.now(),
            )
            await uow.teams.add(team)
            uow.collect(team)
            await uow.commit()
        return team_view(team)


class GetTeam:
    def __init__(self, uow: CommunityUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, team_id: uuid.UUID) -> TeamView:
        actor.require(Permission.ORG_READ)
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            return team_view(await _team(uow, team_id))


@dataclass(frozen=True)
class RenameTeamCommand:
    team_id: uuid.UUID
    name: str


class RenameTeam:
    def __init__(self, uow: CommunityUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, command: RenameTeamCommand) -> TeamView:
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            team, role = await _team_with_role(uow, actor, command.team_id)
            team.rename(actor, command.name, chapter_role=role)
            uow.collect(team)
            await uow.commit()
        return team_view(team)


class DeleteTeam:
    def __init__(self, uow: CommunityUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, team_id: uuid.UUID) -> None:
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            team, role = await _team_with_role(uow, actor, team_id)
            uow.record(team.removal_event(actor, chapter_role=role))
            await uow.teams.remove(team)
            await uow.commit()


@dataclass(frozen=True, kw_only=True)
class ListTeamsQuery(PageQuery):
    chapter_id: uuid.UUID | None = None


class ListTeams:
    def __init__(self, queries: CommunityQueries) -> None:
        self._queries = queries

    async def execute(self, actor: Actor, query: ListTeamsQuery) -> Page[TeamView]:
        actor.require(Permission.ORG_READ)
        limit = clamp_limit(query.limit)
        rows = await self._queries.list_teams(
            actor.organization_id, chapter_id=query.chapter_id, limit=limit + 1, after=decode_cursor(query.cursor)
        )
        return page_of(rows, limit, lambda r: (r.created_at, r.id))


@dataclass(frozen=True)
class TeamMemberCommand:
    team_id: uuid.UUID
    user_id: uuid.UUID | None = None  # None: the caller


class AddTeamMember:
    def __init__(self, uow: CommunityUnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, actor: Actor, command: TeamMemberCommand) -> GroupMemberResult:
        user_id = command.user_id or actor.user_id
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            team, role = await _team_with_role(uow, actor, command.team_id)
            member = TeamMember.enrol(actor, team, user_id=user_id, chapter_role=role, now=self._clock.now())
            await _require_org_member(uow, user_id)
            await uow.team_members.add(member)
            uow.collect(member)
            await uow.commit()
        return GroupMemberResult(user_id=member.user_id, role="member", joined_at=member.joined_at)


class RemoveTeamMember:
    def __init__(self, uow: CommunityUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, command: TeamMemberCommand) -> None:
        user_id = command.user_id or actor.user_id
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            team, role = await _team_with_role(uow, actor, command.team_id)
            member = await uow.team_members.get(team.id, user_id)
            if member is None:
                raise NotFound("team member not found")
            uow.record(member.removal_event(actor, team, chapter_role=role))
            await uow.team_members.remove(member)
            await uow.commit()


class ListTeamMembers:
    def __init__(self, uow: CommunityUnitOfWorkFactory, queries: CommunityQueries) -> None:
        self._uow, self._queries = uow, queries

    async def execute(self, actor: Actor, team_id: uuid.UUID, query: PageQuery) -> Page[GroupMemberView]:
        actor.require(Permission.MEMBERS_READ)
        limit = clamp_limit(query.limit)
        after = decode_cursor(query.cursor)
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            await _team(uow, team_id)
        rows = await self._queries.list_team_members(actor.organization_id, team_id, limit=limit + 1, after=after)
        return page_of(rows, limit, lambda m: (m.joined_at, m.user_id))
