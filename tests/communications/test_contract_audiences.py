"""The audience queries on the memory twin and PostgreSQL alike: each audience is exactly its members, and
nothing of another chapter, team, event or organization ever gets in."""

from __future__ import annotations

import uuid
from datetime import timedelta

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
from tests.fixtures.backends import Backend
from tests.fixtures.ticketing import place, published_event


def ordered(*ids: uuid.UUID) -> list[uuid.UUID]:
    return sorted(ids, key=lambda u: u.bytes)


async def test_each_audience_is_exactly_its_members(backend: Backend) -> None:
    b, q = backend, backend.audiences
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
