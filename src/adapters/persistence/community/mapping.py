"""Imperative mapping of chapters, teams and their members."""

from __future__ import annotations

from sqlalchemy.orm import registry

from adapters.persistence.community import tables as t
from domain.community import Chapter, ChapterMember, Team, TeamMember


def map_community(mapper_registry: registry) -> None:
    mapper_registry.map_imperatively(Chapter, t.chapters)
    mapper_registry.map_imperatively(ChapterMember, t.chapter_members)
    mapper_registry.map_imperatively(Team, t.teams)
    mapper_registry.map_imperatively(TeamMember, t.team_members)
