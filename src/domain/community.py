"""Chapters (local groups of an organization) and teams (under the organization or a chapter)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import InvalidInput, PermissionDenied
from domain.events import Aggregate, DomainEvent
from domain.identity import check_text, clean_name
from domain.ids import new_id
from domain.organizations import check_slug
from domain.permissions import Actor, ChapterRole, Permission
from domain.ticketing.rules import check_timezone


def _clean_city(raw: str | None) -> str | None:
    if raw is None:
        return None
    city = " ".join(check_text(raw, "city").split())
    if len(city) > 200:
        raise InvalidInput("city must have at most 200 characters")
    return city or None


@dataclass(eq=False)
class Chapter(Aggregate):
    organization_id: uuid.UUID
    name: str
    slug: str
    created_at: datetime
    city: str | None = None
    timezone: str | None = None
    id: uuid.UUID = field(default_factory=new_id)

    @classmethod
    def found(
        cls,
        actor: Actor,
        *,
        name: str,
        slug: str,
        city: str | None,
        timezone: str | None,
        now: datetime,
    ) -> Chapter:
        actor.require(Permission.CHAPTERS_MANAGE)
        chapter = cls(
            organization_id=actor.organization_id,
            name=clean_name(name),
            slug=check_slug(slug),
            city=_clean_city(city),
            timezone=None if timezone is None else check_timezone(timezone),
            created_at=now,
        )
        chapter._record(actor, "chapter.created", name=chapter.name, slug=chapter.slug)
        return chapter

    def revise(
        self,
        actor: Actor,
        *,
        name: str,
        slug: str,
        city: str | None,
        timezone: str | None,
        chapter_role: ChapterRole | None,
    ) -> None:
        """Admins, or the chapter's leads, edit it."""
        if not actor.can(Permission.CHAPTERS_MANAGE) and chapter_role != ChapterRole.LEAD:
            raise PermissionDenied("only admins and the chapter's leads may edit it")
        self.name, self.slug = clean_name(name), check_slug(slug)
        self.city = _clean_city(city)
        self.timezone = None if timezone is None else check_timezone(timezone)
        self._record(actor, "chapter.updated", name=self.name, slug=self.slug)

    def removal_event(self, actor: Actor) -> DomainEvent:
        actor.require(Permission.CHAPTERS_MANAGE)
        return DomainEvent.of(
            "chapter.deleted", self.organization_id, {"chapter_id": str(self.id), "slug": self.slug}, actor.user_id
        )

    def _record(self, actor: Actor, event_name: str, **payload: str) -> None:
        self.record(
            DomainEvent.of(event_name, self.organization_id, {"chapter_id": str(self.id), **payload}, actor.user_id)
        )


@dataclass(eq=False)
class ChapterMember(Aggregate):
    organization_id: uuid.UUID
    chapter_id: uuid.UUID
    user_id: uuid.UUID
    role: ChapterRole
    joined_at: datetime

    @classmethod
    def enrol(
        cls,
        actor: Actor,
        chapter: Chapter,
        *,
        user_id: uuid.UUID,
        role: ChapterRole,
        actor_chapter_role: ChapterRole | None,
        now: datetime,
    ) -> ChapterMember:
        """Any member may join a chapter as a member; leads and admins add others or make leads."""
        joining_self = user_id == actor.user_id and role == ChapterRole.MEMBER
        if not joining_self:
            actor.require_in_chapter(Permission.CHAPTER_MEMBERS_MANAGE, actor_chapter_role)
        member = cls(
            organization_id=chapter.organization_id,
            chapter_id=chapter.id,
            user_id=user_id,
            role=role,
            joined_at=now,
        )
        member.record(
            DomainEvent.of(
                "chapter.member_added",
                chapter.organization_id,
                {"chapter_id": str(chapter.id), "user_id": str(user_id), "role": role.value},
                actor.user_id,
            )
        )
        return member


@dataclass(eq=False)
class Team(Aggregate):
    organization_id: uuid.UUID
    name: str
    created_at: datetime
    chapter_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=new_id)

    @classmethod
    def form(
        cls,
        actor: Actor,
        *,
        name: str,
        chapter_id: uuid.UUID | None,
        chapter_role: ChapterRole | None,
        now: datetime,
    ) -> Team:
        """Admins form teams anywhere; a chapter's lead forms teams under their chapter."""
        require_team_manager(actor, chapter_id, chapter_role)
        team = cls(organization_id=actor.organization_id, name=clean_name(name), chapter_id=chapter_id, created_at=now)
        team._record(actor, "team.created", name=team.name)
        return team

    def rename(self, actor: Actor, name: str, *, chapter_role: ChapterRole | None) -> None:
        require_team_manager(actor, self.chapter_id, chapter_role)
        self.name = clean_name(name)
        self._record(actor, "team.updated", name=self.name)

    def removal_event(self, actor: Actor, *, chapter_role: ChapterRole | None) -> DomainEvent:
        require_team_manager(actor, self.chapter_id, chapter_role)
        return DomainEvent.of("team.deleted", self.organization_id, {"team_id": str(self.id)}, actor.user_id)

    def _record(self, actor: Actor, event_name: str, **payload: str) -> None:
        self.record(
            DomainEvent.of(event_name, self.organization_id, {"team_id": str(self.id), **payload}, actor.user_id)
        )


def require_team_manager(actor: Actor, chapter_id: uuid.UUID | None, chapter_role: ChapterRole | None) -> None:
    if actor.can(Permission.TEAMS_MANAGE):
        return
    if chapter_id is not None and chapter_role == ChapterRole.LEAD:
        return
    raise PermissionDenied(f"role '{actor.role}' may not manage this team")


@dataclass(eq=False)
class TeamMember(Aggregate):
    organization_id: uuid.UUID
    team_id: uuid.UUID
    user_id: uuid.UUID
    joined_at: datetime

    @classmethod
    def enrol(
        cls, actor: Actor, team: Team, *, user_id: uuid.UUID, chapter_role: ChapterRole | None, now: datetime
    ) -> TeamMember:
        """Any member may join a team themselves; managers add others."""
        if user_id != actor.user_id:
            require_team_manager(actor, team.chapter_id, chapter_role)
        member = cls(organization_id=team.organization_id, team_id=team.id, user_id=user_id, joined_at=now)
        member.record(
            DomainEvent.of(
                "team.member_added",
                team.organization_id,
                {"team_id": str(team.id), "user_id": str(user_id)},
                actor.user_id,
            )
        )
        return member

    def removal_event(self, actor: Actor, team: Team, *, chapter_role: ChapterRole | None) -> DomainEvent:
        """Anyone leaves a team; managers remove others."""
        if self.user_id != actor.user_id:
            require_team_manager(actor, team.chapter_id, chapter_role)
        return DomainEvent.of(
            "team.member_removed",
            self.organization_id,
            {"team_id": str(self.team_id), "user_id": str(self.user_id)},
            actor.user_id,
        )
