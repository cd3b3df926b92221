"""The audience queries on the memory twin and PostgreSQL alike: each audience is exactly its members, and
nothing of another chapter, team, event or organization ever gets in."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.memory.announcements import MemoryAudienceQueries
from adapters.memory.store import MemoryStore
from adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from adapters.persistence.announcements import PgAudienceQueries
from adapters.persistence.connection import RequestConnection
from adapters.persistence.unit_of_work import SqlaUnitOfWorkFactory
from application.community import (
    AddChapterMember,
    AddChapterMemberCommand,
    AddTeamMember,
    ChapterCommand,
    CreateChapter,
    CreateTeam,
    CreateTeamCommand,
    TeamMemberCommand,
)
from domain.announcements import Audience
from domain.permissions import ChapterRole, Role
from entrypoints.database import create_engine, create_read_pool
from entrypoints.settings import Settings
from tests.fixtures.doubles import FixedClock
from tests.jobs.test_scheduled_jobs import published_event
from tests.ticketing.conftest import Backend, memory_queries, sql_queries
from tests.ticketing.test_use_cases import place


@dataclass
class World:
    backend: Backend
    audiences: Any


@pytest.fixture(params=["memory", "sql"])
async def world(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[World]:
    clock = FixedClock(datetime.now(UTC))
    if request.param == "memory":
        store = MemoryStore()
        uow = MemoryUnitOfWorkFactory(store)
        yield World(Backend("memory", uow, clock, memory_queries(store), store=store), MemoryAudienceQueries(store))
        return
    engine, pool = create_engine(settings), await create_read_pool(settings)
    connections: list[RequestConnection] = []
    try:
        uow = SqlaUnitOfWorkFactory(engine)
        yield World(Backend("sql", uow, clock, sql_queries(pool, connections)), PgAudienceQueries(pool))
    finally:
        for connection in connections:
            await connection.release()
        await pool.close()
        await engine.dispose()


def ordered(*ids: uuid.UUID) -> list[uuid.UUID]:
    return sorted(ids, key=lambda u: u.bytes)


async def test_each_audience_is_exactly_its_members(world: World) -> None:
    b, q = world.backend, world.audiences
    org, (owner, lead, north, both, loner) = await b.organization(
        Role.OWNER, Role.MEMBER, Role.MEMBER, Role.MEMBER, Role.MEMBER
    )
    other_org, (stranger,) = await b.organization(Role.OWNER)
    chapters = CreateChapter(b.uow, b.clock)
    add_to_chapter, add_to_team = AddChapterMember(b.uow, b.clock), AddTeamMember(b.uow, b.clock)
    chapter = await chapters.execute(owner, ChapterCommand(name="North", slug=f"n-{uuid.uuid4().hex[:6]}"))
    other_chapter = await chapters.execute(owner, ChapterCommand(name="South", slug=f"s-{uuid.uuid4().hex[:6]}"))
    await add_to_chapter.execute(owner, AddChapterMemberCommand(chapter.id, lead.user_id, ChapterRole.LEAD))
    for actor in (north, both):
        await add_to_chapter.execute(actor, AddChapterMemberCommand(chapter.id, None))
    await add_to_chapter.execute(both, AddChapterMemberCommand(other_chapter.id, None))
    team = await CreateTeam(b.uow, b.clock).execute(owner, CreateTeamCommand(name="Tea", chapter_id=chapter.id))
    await add_to_team.execute(both, TeamMemberCommand(team.id))
    event, ticket_type = await published_event(b, owner, starts_in=timedelta(days=2))
    assert (await place(b, loner, event.id, (ticket_type.id, 2))).status == "paid"
    foreign_chapter = await chapters.execute(stranger, ChapterCommand(name="North", slug=f"f-{uuid.uuid4().hex[:6]}"))
    await add_to_chapter.execute(stranger, AddChapterMemberCommand(foreign_chapter.id, None))

    assert await q.recipients(org, Audience.ORG, None) == ordered(
        owner.user_id, lead.user_id, north.user_id, both.user_id, loner.user_id
    )
    assert await q.recipients(org, Audience.CHAPTER, chapter.id) == ordered(lead.user_id, north.user_id, both.user_id)
    assert await q.recipients(org, Audience.TEAM, team.id) == [both.user_id]
    assert await q.recipients(org, Audience.EVENT, event.id) == [loner.user_id]
    # Another organization's chapter, named in this organization, has nobody; and vice versa.
    assert await q.recipients(org, Audience.CHAPTER, foreign_chapter.id) == []
    assert await q.recipients(other_org, Audience.CHAPTER, chapter.id) == []

    assert (await q.target(org, Audience.TEAM, team.id)).chapter_id == chapter.id
    assert (await q.target(org, Audience.EVENT, event.id)).chapter_id is None
    assert await q.target(org, Audience.CHAPTER, foreign_chapter.id) is None
    assert await q.chapter_role(org, chapter.id, lead.user_id) == ChapterRole.LEAD
    assert await q.chapter_role(org, chapter.id, loner.user_id) is None

    contacts = await q.contacts(org, [north.user_id, stranger.user_id])
    assert [c.user_id for c in contacts] == [north.user_id]  # a non-member is never a contact
