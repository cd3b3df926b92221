"""Contract of the ticketing and community ports: the same cases on the memory twins and on PostgreSQL.

Write side: the repositories of TicketingUnitOfWork / CommunityUnitOfWork. Read side: TicketingQueries,
CommunityQueries and AuditQueries.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from application.ports.ticketing import EventFilter
from domain.community import Chapter, ChapterMember, Team, TeamMember
from domain.errors import Conflict
from domain.organizations import Membership
from domain.permissions import Actor, ChapterRole, Role
from domain.ticketing import Event, EventDetails, Order, OrderStatus, TicketType
from tests.fixtures.backends import Backend


def _details(b: Backend, days: float = 7, **changes: object) -> EventDetails:
    now = b.clock.now()
    values: dict[str, object] = {
        "title": "Meetup",
        "starts_at": now + timedelta(days=days),
        "ends_at": now + timedelta(days=days, hours=2),
        "timezone": "UTC",
    }
    values.update(changes)
    return EventDetails(**values)  # type: ignore[arg-type]


async def _event_with_types(b: Backend, admin, n_types: int = 2, publish: bool = True, **changes: object):
    async with b.uow(admin.organization_id, admin.user_id) as uow:
        event = Event.plan(admin, _details(b, **changes), chapter_role=None, now=b.clock.now())
        if publish:
            event.publish(admin, chapter_role=None)
        await uow.events.add(event)
        types = [
            TicketType.define(
                admin,
                event,
                chapter_role=None,
                name=f"T{i}",
                price_cents=0,
                currency="EUR",
                quantity=5,
                now=b.clock.now(),
            )
            for i in range(n_types)
        ]
        for tt in types:
            await uow.ticket_types.add(tt)
        uow.collect(event, *types)
        await uow.commit()
    return event, types


# --- write side -----------------------------------------------------------------------------------


async def test_events_and_ticket_types_are_scoped_to_their_organization(backend: Backend) -> None:
    _, (admin,) = await backend.organization(Role.OWNER)
    other_org, (other_admin,) = await backend.organization(Role.OWNER)
    event, types = await _event_with_types(backend, admin, n_types=3)
    other_event, _ = await _event_with_types(backend, other_admin)

    async with backend.uow(admin.organization_id, admin.user_id) as uow:
        assert (await uow.events.get(event.id)).title == "Meetup"
        assert (await uow.events.get_for_update(event.id)).id == event.id
        assert await uow.events.get(other_event.id) is None
        locked = await uow.ticket_types.list_for_update(event.id, [t.id for t in reversed(types)])
        assert [t.id for t in locked] == sorted(t.id for t in types)
        assert await uow.ticket_types.list_for_update(other_event.id, [t.id for t in types]) == []
        assert [t.id for t in await uow.ticket_types.list_all_for_update(event.id)] == sorted(t.id for t in types)
        read = await uow.ticket_types.list_of_event(event.id, [types[1].id, types[0].id])
        assert [t.id for t in read] == sorted([types[0].id, types[1].id])
        assert await uow.ticket_types.list_of_event(other_event.id, [t.id for t in types]) == []
        assert other_org in await uow.tenants.organization_ids()


async def test_orders_tickets_and_their_lookups(backend: Backend) -> None:
    org_id, (admin, member) = await backend.organization(Role.OWNER, Role.MEMBER)
    _, (stranger,) = await backend.organization(Role.OWNER)
    event, (tt, _) = await _event_with_types(backend, admin)
    now = backend.clock.now()
    async with backend.uow(org_id, member.user_id) as uow:
        event_row = await uow.events.get_for_update(event.id)
        [locked] = await uow.ticket_types.list_for_update(event.id, [tt.id])
        order = Order.draft(member, event_row, [(locked, 2)], now=now)
        tickets = order.issue_tickets(now)
        await uow.orders.add(order, tickets)  # with its items and tickets, together
        await uow.events.reserve_seats(event_row, [(locked, 2)])
        uow.collect(event_row, order)
        await uow.commit()

    async with backend.uow(org_id, member.user_id) as uow:
        stored = await uow.orders.get(order.id)
        assert stored.status == OrderStatus.PAID and [(i.ticket_type_id, i.quantity) for i in stored.items] == [
            (tt.id, 2)
        ]
        assert await uow.orders.event_id_of(order.id) == event.id
        assert (await uow.ticket_types.get(tt.id)).reserved == 2
        assert (await uow.events.get(event.id)).reserved == 2
        assert {t.code for t in await uow.tickets.list_for_order(order.id)} == {t.code for t in tickets}
        assert (await uow.tickets.get_by_code_for_update(tickets[0].code)).id == tickets[0].id
        assert [o.id for o in await uow.orders.list_for_event_for_update(event.id, [OrderStatus.PAID])] == [order.id]
        assert await uow.orders.list_for_event_for_update(event.id, [OrderStatus.PENDING]) == []
    async with backend.uow(stranger.organization_id, stranger.user_id) as uow:
        assert await uow.orders.get(order.id) is None
        assert await uow.orders.event_id_of(order.id) is None
        assert await uow.tickets.get_by_code_for_update(tickets[0].code) is None


async def test_seats_left_is_a_lock_free_look_at_published_events_of_the_organization(backend: Backend) -> None:
    org_id, (admin,) = await backend.organization(Role.OWNER)
    other_org, (other_admin,) = await backend.organization(Role.OWNER)
    event, types = await _event_with_types(backend, admin, capacity=7)
    draft, draft_types = await _event_with_types(backend, admin, publish=False)
    async with backend.uow(org_id, admin.user_id) as uow:
        await uow.events.reserve_seats(event, [(types[0], 3)])
        await uow.commit()
    queries = (await backend.reads(org_id, admin.user_id)).ticketing
    left = await queries.seats_left(org_id, event.id, [types[0].id, types[1].id])
    assert left.per_ticket_type == {types[0].id: 2, types[1].id: 5} and left.event == 4
    assert left.max_per_order == {types[0].id: 10, types[1].id: 10}
    assert (await queries.seats_left(org_id, draft.id, [t.id for t in draft_types])).per_ticket_type == {}
    others = (await backend.reads(other_org, other_admin.user_id)).ticketing
    assert (await others.seats_left(other_org, event.id, [t.id for t in types])).per_ticket_type == {}


async def _counters(backend: Backend, admin, event: Event, types: list[TicketType]) -> tuple[int, list[int]]:
    async with backend.uow(admin.organization_id, admin.user_id) as uow:
        return (await uow.events.get(event.id)).reserved, [(await uow.ticket_types.get(t.id)).reserved for t in types]


async def test_reserve_seats_takes_them_only_while_every_counter_has_room(backend: Backend) -> None:
    _, (admin,) = await backend.organization(Role.OWNER)
    event, types = await _event_with_types(backend, admin, capacity=9)  # two types of 5 seats
    async with backend.uow(admin.organization_id, admin.user_id) as uow:
        # Stale entities on purpose: the store's counters decide, not the ones given.
        await uow.events.reserve_seats(event, [(types[1], 2), (types[0], 4)])
        await uow.commit()
    assert await _counters(backend, admin, event, types) == (6, [4, 2])
    refused = (
        [(types[0], 2)],  # the type is full, the event is not
        [(types[1], 1), (types[0], 2)],  # one line of two does not fit
        [(types[1], 3), (types[0], 1)],  # each type has room, the event does not
    )
    for lines in refused:
        async with backend.uow(admin.organization_id, admin.user_id) as uow:
            with pytest.raises(Conflict):
                await uow.events.reserve_seats(event, lines)
    assert await _counters(backend, admin, event, types) == (6, [4, 2])  # nothing taken by the refusals
    async with backend.uow(admin.organization_id, admin.user_id) as uow:
        await uow.events.reserve_seats(event, [(types[1], 3)])
        await uow.commit()
    assert await _counters(backend, admin, event, types) == (9, [4, 5])


async def test_reserve_seats_refuses_an_event_that_is_not_published(backend: Backend) -> None:
    _, (admin,) = await backend.organization(Role.OWNER)
    other_org, (other_admin,) = await backend.organization(Role.OWNER)
    draft, types = await _event_with_types(backend, admin, publish=False)
    async with backend.uow(admin.organization_id, admin.user_id) as uow:
        with pytest.raises(Conflict):
            await uow.events.reserve_seats(draft, [(types[0], 1)])
    published, types = await _event_with_types(backend, admin)
    async with backend.uow(other_org, other_admin.user_id) as uow:  # another organization's event
        with pytest.raises(Conflict):
            await uow.events.reserve_seats(published, [(types[0], 1)])
    assert await _counters(backend, admin, draft, []) == (0, [])
    assert await _counters(backend, admin, published, types) == (0, [0, 0])


async def test_expired_pending_orders_are_found_by_due_time(backend: Backend) -> None:
    org_id, (admin,) = await backend.organization(Role.OWNER)
    event, _ = await _event_with_types(backend, admin, n_types=0)
    async with backend.uow(org_id, admin.user_id) as uow:
        event_row = await uow.events.get_for_update(event.id)
        paid_type = TicketType.define(
            admin,
            event_row,
            chapter_role=None,
            name="P",
            price_cents=100,
            currency="EUR",
            quantity=5,
            now=backend.clock.now(),
        )
        await uow.ticket_types.add(paid_type)
        order = Order.draft(admin, event_row, [(paid_type, 1)], now=backend.clock.now())
        await uow.orders.add(order)
        await uow.events.reserve_seats(event_row, [(paid_type, 1)])
        uow.collect(event_row, paid_type, order)
        await uow.commit()
    async with backend.uow(org_id) as uow:
        assert await uow.orders.expired_pending(backend.clock.now(), limit=10) == []
        assert await uow.orders.expired_pending(backend.clock.now() + timedelta(minutes=15), limit=10) == [order.id]
    async with backend.uow(org_id) as uow:
        stored = await uow.orders.get_for_update(order.id)
        stored.mark_paid(backend.clock.now())
        uow.collect(stored)
        await uow.commit()
    async with backend.uow(org_id) as uow:
        assert await uow.orders.expired_pending(backend.clock.now() + timedelta(hours=1), limit=10) == []
        assert await uow.events.finished(event.starts_at, limit=10) == []
        assert await uow.events.finished(event.ends_at, limit=10) == [event.id]


async def test_chapters_teams_and_their_members(backend: Backend) -> None:
    org_id, (admin, member) = await backend.organization(Role.OWNER, Role.MEMBER)
    _, (stranger,) = await backend.organization(Role.OWNER)
    now = backend.clock.now()
    chapter = Chapter.found(admin, name="Paris", slug="paris", city=None, timezone=None, now=now)
    async with backend.uow(org_id, admin.user_id) as uow:
        await uow.chapters.add(chapter)
        await uow.chapter_members.add(
            ChapterMember.enrol(
                admin, chapter, user_id=member.user_id, role=ChapterRole.LEAD, actor_chapter_role=None, now=now
            )
        )
        team = Team.form(admin, name="Crew", chapter_id=chapter.id, chapter_role=None, now=now)
        await uow.teams.add(team)
        await uow.team_members.add(TeamMember.enrol(admin, team, user_id=member.user_id, chapter_role=None, now=now))
        await uow.commit()
    async with backend.uow(org_id, admin.user_id) as uow:
        with pytest.raises(Conflict):
            await uow.chapters.add(Chapter.found(admin, name="Other", slug="paris", city=None, timezone=None, now=now))
    async with backend.uow(org_id, admin.user_id) as uow:
        with pytest.raises(Conflict):
            await uow.chapter_members.add(
                ChapterMember.enrol(
                    admin, chapter, user_id=member.user_id, role=ChapterRole.MEMBER, actor_chapter_role=None, now=now
                )
            )
    async with backend.uow(org_id, admin.user_id) as uow:
        assert await uow.chapters.slug_taken("paris", other_than=uuid.uuid4())
        assert not await uow.chapters.slug_taken("paris", other_than=chapter.id)
        assert (await uow.chapter_members.get(chapter.id, member.user_id)).role == ChapterRole.LEAD
        assert (await uow.team_members.get(team.id, member.user_id)) is not None
        await uow.teams.remove(await uow.teams.get(team.id))
        await uow.commit()
    async with backend.uow(stranger.organization_id, stranger.user_id) as uow:
        assert await uow.chapters.get(chapter.id) is None
        assert await uow.chapter_members.get(chapter.id, member.user_id) is None
    async with backend.uow(org_id, admin.user_id) as uow:
        assert await uow.teams.get(team.id) is None
        assert await uow.team_members.get(team.id, member.user_id) is None


# --- read side ------------------------------------------------------------------------------------


async def test_event_listing_filters_drafts_and_pages(backend: Backend) -> None:
    org_id, (admin, member) = await backend.organization(Role.OWNER, Role.MEMBER)
    other_org, (other_admin,) = await backend.organization(Role.OWNER)
    early, _ = await _event_with_types(backend, admin, n_types=0, days=1)
    draft, _ = await _event_with_types(backend, admin, n_types=0, publish=False, days=2)
    late, _ = await _event_with_types(backend, admin, n_types=0, days=3)
    await _event_with_types(backend, other_admin, n_types=0)
    q = (await backend.reads(org_id, member.user_id)).ticketing

    public = await q.list_events(org_id, EventFilter(), limit=10, after=None)
    assert [e.id for e in public] == [early.id, late.id]
    everything = await q.list_events(org_id, EventFilter(all_drafts=True), limit=10, after=None)
    assert [e.id for e in everything] == [early.id, draft.id, late.id]
    page = await q.list_events(org_id, EventFilter(all_drafts=True), limit=1, after=(early.starts_at, early.id))
    assert [e.id for e in page] == [draft.id]
    window = EventFilter(starts_after=draft.starts_at, starts_before=late.starts_at + timedelta(seconds=1))
    assert [e.id for e in await q.list_events(org_id, window, limit=10, after=None)] == [late.id]
    assert [
        e.id for e in await q.list_events(org_id, EventFilter(status="draft", all_drafts=True), limit=10, after=None)
    ] == [draft.id]
    assert await q.list_events(uuid.uuid4(), EventFilter(all_drafts=True), limit=10, after=None) == []
    assert other_org != org_id


async def test_ticket_types_attendees_and_my_tickets_across_organizations(backend: Backend) -> None:
    org_a, (admin_a, buyer) = await backend.organization(Role.OWNER, Role.MEMBER)
    org_b, (admin_b,) = await backend.organization(Role.OWNER)
    event_a, (tt_a, _) = await _event_with_types(backend, admin_a)
    event_b, (tt_b, _) = await _event_with_types(backend, admin_b)
    now = backend.clock.now()
    async with backend.uow(org_b, admin_b.user_id) as uow:  # the buyer joins org B too
        await uow.memberships.add(Membership(org_b, buyer.user_id, Role.MEMBER, now))
        await uow.commit()
    for org_id, event, tt, seats in ((org_a, event_a, tt_a, 2), (org_b, event_b, tt_b, 1)):
        async with backend.uow(org_id, buyer.user_id) as uow:
            event_row = await uow.events.get_for_update(event.id)
            [locked] = await uow.ticket_types.list_for_update(event.id, [tt.id])
            actor = Actor(buyer.user_id, org_id, Role.MEMBER)
            order = Order.draft(actor, event_row, [(locked, seats)], now=now)
            await uow.orders.add(order)
            await uow.events.reserve_seats(event_row, [(locked, seats)])
            await uow.tickets.add_all(order.issue_tickets(now))
            uow.collect(event_row, order)
            await uow.commit()

    qa = (await backend.reads(org_a, admin_a.user_id)).ticketing
    types = await qa.list_ticket_types(org_a, event_a.id)
    assert {t.name: t.reserved for t in types} == {"T0": 2, "T1": 0}
    attendees = await qa.list_attendees(org_a, event_a.id, limit=10, after=None)
    assert len(attendees) == 2 and {a.holder.user_id for a in attendees} == {buyer.user_id}
    first_page = await qa.list_attendees(org_a, event_a.id, limit=1, after=None)
    rest = await qa.list_attendees(
        org_a, event_a.id, limit=10, after=(first_page[0].issued_at, first_page[0].ticket_id)
    )
    assert [a.ticket_id for a in first_page + rest] == [a.ticket_id for a in attendees]
    assert await qa.list_attendees(org_a, event_b.id, limit=10, after=None) == []

    mine = await (await backend.reads(None, buyer.user_id)).ticketing.list_my_tickets(
        buyer.user_id, limit=10, after=None
    )
    assert sorted(t.organization_id for t in mine) == sorted([org_a, org_a, org_b])
    assert {t.event_title for t in mine} == {"Meetup"}
    theirs = await (await backend.reads(None, admin_a.user_id)).ticketing.list_my_tickets(
        admin_a.user_id, limit=10, after=None
    )
    assert theirs == []


async def test_community_and_audit_queries(backend: Backend) -> None:
    org_id, (admin, member) = await backend.organization(Role.OWNER, Role.MEMBER)
    now = backend.clock.now()
    chapters = [
        Chapter.found(admin, name=f"C{i}", slug=f"c{i}", city=None, timezone=None, now=now + timedelta(seconds=i))
        for i in range(3)
    ]
    async with backend.uow(org_id, admin.user_id) as uow:
        for chapter in chapters:
            await uow.chapters.add(chapter)
        await uow.chapter_members.add(
            ChapterMember.enrol(
                admin, chapters[0], user_id=member.user_id, role=ChapterRole.LEAD, actor_chapter_role=None, now=now
            )
        )
        team = Team.form(admin, name="Crew", chapter_id=chapters[1].id, chapter_role=None, now=now)
        await uow.teams.add(team)
        await uow.team_members.add(TeamMember.enrol(admin, team, user_id=member.user_id, chapter_role=None, now=now))
        uow.collect(*chapters, team)
        await uow.commit()

    queries = await backend.reads(org_id, admin.user_id)
    c = queries.community
    first = await c.list_chapters(org_id, limit=2, after=None)
    assert [x.slug for x in first] == ["c0", "c1"]
    assert [x.slug for x in await c.list_chapters(org_id, limit=5, after=(first[1].created_at, first[1].id))] == ["c2"]
    [lead] = await c.list_chapter_members(org_id, chapters[0].id, limit=10, after=None)
    assert (lead.user_id, lead.role) == (member.user_id, "lead")
    assert [t.id for t in await c.list_teams(org_id, chapter_id=chapters[1].id, limit=10, after=None)] == [team.id]
    assert await c.list_teams(org_id, chapter_id=chapters[0].id, limit=10, after=None) == []
    assert [m.user_id for m in await c.list_team_members(org_id, team.id, limit=10, after=None)] == [member.user_id]
    assert await queries.ticketing.chapters_led_by(org_id, member.user_id) == [chapters[0].id]

    entries = await queries.audit.list_entries(org_id, limit=100, before=None)
    actions = [e.action for e in entries]
    assert actions[:4] == ["team.created", "chapter.created", "chapter.created", "chapter.created"]
    assert entries[0].target["team_id"] == str(team.id) and entries[0].actor_id == admin.user_id
    older = await queries.audit.list_entries(org_id, limit=100, before=(entries[0].occurred_at, entries[0].id))
    assert [e.id for e in older] == [e.id for e in entries[1:]]
