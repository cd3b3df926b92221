"""In-memory twins of the chapters, teams, events and ticketing ports (the store's one lock serialises
units of work, so the *_for_update methods need no lock of their own)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from adapters.memory.store import MemoryStore
from application.ports.community import ChapterView, GroupMemberView, Key, TeamView
from application.ports.ticketing import (
    AttendeeView,
    EventFilter,
    EventView,
    HolderView,
    MyTicketView,
    SeatsLeft,
    TicketTypeView,
)
from domain.community import Chapter, ChapterMember, Team, TeamMember
from domain.errors import Conflict
from domain.permissions import ChapterRole
from domain.ticketing import Event, EventStatus, Order, OrderStatus, Ticket, TicketType


class _MemoryRepository:
    table_name = ""

    def __init__(self, store: MemoryStore, organization_id: uuid.UUID | None) -> None:
        self._store, self._org = store, organization_id

    @property
    def _rows(self) -> dict[Any, Any]:
        return self._store.table(self.table_name)

    def _put(self, key: Any, obj: Any) -> None:
        if obj.organization_id != self._org:
            raise PermissionError(f"{self.table_name} row of another organization")  # RLS would refuse it too
        self._rows[key] = obj

    def _get(self, key: Any) -> Any:
        found = self._rows.get(key)
        return found if found is not None and found.organization_id == self._org else None

    def _visible(self) -> list[Any]:
        return [row for row in self._rows.values() if row.organization_id == self._org]


class MemoryChapterRepository(_MemoryRepository):
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


class MemoryChapterMemberRepository(_MemoryRepository):
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


class MemoryTeamRepository(_MemoryRepository):
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


class MemoryTeamMemberRepository(_MemoryRepository):
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


class MemoryEventRepository(_MemoryRepository):
    table_name = "events"

    async def add(self, event: Event) -> None:
        self._put(event.id, event)

    async def get(self, event_id: uuid.UUID) -> Event | None:
        found: Event | None = self._get(event_id)
        return found

    get_for_update = get

    async def reserve_seats(self, event: Event, lines: Sequence[tuple[TicketType, int]]) -> None:
        # The stored rows, not the (maybe stale) entities given: what the conditional UPDATEs read.
        stored: Event | None = self._get(event.id)
        seats = sum(n for _, n in lines)
        if (
            stored is None
            or stored.status != EventStatus.PUBLISHED
            or (stored.capacity is not None and stored.reserved + seats > stored.capacity)
        ):
            raise Conflict("sold out: the event is full")
        stored.reserved += seats
        ticket_types = self._store.table("ticket_types")
        for ticket_type, n in sorted(lines, key=lambda line: line[0].id):
            row: TicketType | None = ticket_types.get(ticket_type.id)
            fits = row is not None and row.organization_id == self._org and row.event_id == event.id
            if row is None or not fits or row.reserved + n > row.quantity:
                raise Conflict(f"sold out: no more '{ticket_type.name}' tickets")  # the unit of work restores
            row.reserved += n

    async def finished(self, now: datetime, *, limit: int) -> list[uuid.UUID]:
        due = [e for e in self._visible() if e.status == EventStatus.PUBLISHED and e.ends_at <= now]
        return [e.id for e in sorted(due, key=lambda e: e.ends_at)[:limit]]


class MemoryTicketTypeRepository(_MemoryRepository):
    table_name = "ticket_types"

    async def add(self, ticket_type: TicketType) -> None:
        self._put(ticket_type.id, ticket_type)

    async def get(self, ticket_type_id: uuid.UUID) -> TicketType | None:
        found: TicketType | None = self._get(ticket_type_id)
        return found

    async def list_for_update(self, event_id: uuid.UUID, ticket_type_ids: Sequence[uuid.UUID]) -> list[TicketType]:
        wanted = set(ticket_type_ids)
        return sorted((tt for tt in self._visible() if tt.event_id == event_id and tt.id in wanted), key=_by_id)

    list_of_event = list_for_update

    async def list_all_for_update(self, event_id: uuid.UUID) -> list[TicketType]:
        return sorted((tt for tt in self._visible() if tt.event_id == event_id), key=_by_id)


class MemoryOrderRepository(_MemoryRepository):
    table_name = "orders"

    async def add(self, order: Order, tickets: Sequence[Ticket] = ()) -> None:
        self._put(order.id, order)
        await MemoryTicketRepository(self._store, self._org).add_all(tickets)

    async def get(self, order_id: uuid.UUID) -> Order | None:
        found: Order | None = self._get(order_id)
        return found

    get_for_update = get

    async def event_id_of(self, order_id: uuid.UUID) -> uuid.UUID | None:
        order = await self.get(order_id)
        return None if order is None else order.event_id

    async def list_for_event_for_update(self, event_id: uuid.UUID, statuses: Sequence[OrderStatus]) -> list[Order]:
        return sorted((o for o in self._visible() if o.event_id == event_id and o.status in statuses), key=_by_id)

    async def expired_pending(self, now: datetime, *, limit: int) -> list[uuid.UUID]:
        due = [
            o
            for o in self._visible()
            if o.status == OrderStatus.PENDING and o.expires_at is not None and o.expires_at <= now
        ]
        return [o.id for o in sorted(due, key=lambda o: o.expires_at)[:limit]]


class MemoryTicketRepository(_MemoryRepository):
    table_name = "tickets"

    async def add_all(self, tickets: Sequence[Ticket]) -> None:
        codes = {t.code for t in self._visible()}
        for ticket in tickets:
            if ticket.code in codes:
                raise Conflict("ticket code collision; try again")
            self._put(ticket.id, ticket)

    async def list_for_order(self, order_id: uuid.UUID) -> list[Ticket]:
        return sorted((t for t in self._visible() if t.order_id == order_id), key=_by_id)

    async def get_by_code_for_update(self, code: str) -> Ticket | None:
        return next((t for t in self._visible() if t.code == code), None)


class MemoryTenantDirectory:
    def __init__(self, store: MemoryStore, organization_id: uuid.UUID | None = None) -> None:
        self._store = store

    async def organization_ids(self) -> list[uuid.UUID]:
        return sorted(self._store.organizations)


def _by_id(row: Any) -> uuid.UUID:
    identifier: uuid.UUID = row.id
    return identifier


MEMORY_TICKETING_REPOSITORIES: dict[str, Any] = {
    "chapters": MemoryChapterRepository,
    "chapter_members": MemoryChapterMemberRepository,
    "teams": MemoryTeamRepository,
    "team_members": MemoryTeamMemberRepository,
    "events": MemoryEventRepository,
    "ticket_types": MemoryTicketTypeRepository,
    "orders": MemoryOrderRepository,
    "tickets": MemoryTicketRepository,
    "tenants": MemoryTenantDirectory,
}


def _after(rows: list[Any], key: Any, after: Key | None) -> list[Any]:
    rows = sorted(rows, key=key)
    return rows if after is None else [r for r in rows if key(r) > after]


class MemoryTicketingQueries:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def list_events(
        self, organization_id: uuid.UUID, flt: EventFilter, *, limit: int, after: Key | None
    ) -> list[EventView]:
        def keep(e: Event) -> bool:
            if e.organization_id != organization_id:
                return False
            if flt.chapter_id is not None and e.chapter_id != flt.chapter_id:
                return False
            if flt.starts_after is not None and e.starts_at < flt.starts_after:
                return False
            if flt.starts_before is not None and e.starts_at >= flt.starts_before:
                return False
            if flt.status is not None and e.status.value != flt.status:
                return False
            if e.status == EventStatus.DRAFT and not flt.all_drafts:
                return e.chapter_id is not None and e.chapter_id in flt.draft_chapter_ids
            return True

        rows = _after(
            [e for e in self._store.table("events").values() if keep(e)], lambda e: (e.starts_at, e.id), after
        )
        return [EventView.of(e) for e in rows[:limit]]

    async def seats_left(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, ticket_type_ids: Sequence[uuid.UUID]
    ) -> SeatsLeft:
        event = self._store.table("events").get(event_id)
        if event is None or event.organization_id != organization_id or event.status != EventStatus.PUBLISHED:
            return SeatsLeft(per_ticket_type={}, event=None, max_per_order={})
        wanted = set(ticket_type_ids)
        found = [
            tt
            for tt in self._store.table("ticket_types").values()
            if tt.organization_id == organization_id and tt.event_id == event_id and tt.id in wanted
        ]
        return SeatsLeft(
            per_ticket_type={tt.id: tt.available for tt in found},
            event=None if event.capacity is None else event.capacity - event.reserved,
            max_per_order={tt.id: tt.max_per_order for tt in found},
        )

    async def list_ticket_types(self, organization_id: uuid.UUID, event_id: uuid.UUID) -> list[TicketTypeView]:
        rows = sorted(
            (
                tt
                for tt in self._store.table("ticket_types").values()
                if tt.organization_id == organization_id and tt.event_id == event_id
            ),
            key=lambda tt: (tt.created_at, tt.id),
        )
        return [
            TicketTypeView(
                id=tt.id,
                event_id=tt.event_id,
                name=tt.name,
                price_cents=tt.price_cents,
                currency=tt.currency,
                quantity=tt.quantity,
                reserved=tt.reserved,
                sales_start=tt.sales_start,
                sales_end=tt.sales_end,
                max_per_order=tt.max_per_order,
                created_at=tt.created_at,
            )
            for tt in rows
        ]

    async def list_attendees(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, *, limit: int, after: Key | None
    ) -> list[AttendeeView]:
        tickets = [
            t
            for t in self._store.table("tickets").values()
            if t.organization_id == organization_id and t.event_id == event_id and t.voided_at is None
        ]
        views = []
        for t in _after(tickets, lambda t: (t.issued_at, t.id), after)[:limit]:
            user = self._store.users[t.holder_id]
            views.append(
                AttendeeView(
                    ticket_id=t.id,
                    code=t.code,
                    ticket_type_id=t.ticket_type_id,
                    holder=HolderView(user_id=user.id, name=user.name, email=user.email),
                    checked_in_at=t.checked_in_at,
                    issued_at=t.issued_at,
                )
            )
        return views

    async def list_my_tickets(self, user_id: uuid.UUID, *, limit: int, after: Key | None) -> list[MyTicketView]:
        tickets = [t for t in self._store.table("tickets").values() if t.holder_id == user_id and t.voided_at is None]
        events = self._store.table("events")
        views = []
        for t in _after(tickets, lambda t: (t.issued_at, t.id), after)[:limit]:
            event = events[t.event_id]
            views.append(
                MyTicketView(
                    ticket_id=t.id,
                    code=t.code,
                    organization_id=t.organization_id,
                    event_id=t.event_id,
                    event_title=event.title,
                    starts_at=event.starts_at,
                    ends_at=event.ends_at,
                    timezone=event.timezone,
                    ticket_type_id=t.ticket_type_id,
                    order_id=t.order_id,
                    checked_in_at=t.checked_in_at,
                    issued_at=t.issued_at,
                )
            )
        return views

    async def chapters_led_by(self, organization_id: uuid.UUID, user_id: uuid.UUID) -> list[uuid.UUID]:
        return [
            m.chapter_id
            for m in self._store.table("chapter_members").values()
            if m.organization_id == organization_id and m.user_id == user_id and m.role == ChapterRole.LEAD
        ]


class MemoryCommunityQueries:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def list_chapters(self, organization_id: uuid.UUID, *, limit: int, after: Key | None) -> list[ChapterView]:
        chapters = [c for c in self._store.table("chapters").values() if c.organization_id == organization_id]
        return [
            ChapterView(id=c.id, name=c.name, slug=c.slug, city=c.city, timezone=c.timezone, created_at=c.created_at)
            for c in _after(chapters, lambda c: (c.created_at, c.id), after)[:limit]
        ]

    def _members(self, rows: list[Any], limit: int, after: Key | None, role: Any) -> list[GroupMemberView]:
        views = []
        for m in _after(rows, lambda m: (m.joined_at, m.user_id), after)[:limit]:
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
            for t in _after(teams, lambda t: (t.created_at, t.id), after)[:limit]
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
