"""In-memory twin of the ticketing read side."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from adapters.memory.repository import rows_after
from adapters.memory.store import MemoryStore
from application.ports.community import Key
from application.ports.ticketing import (
    AttendeeView,
    EventFilter,
    EventView,
    HolderView,
    MyTicketView,
    SeatsLeft,
    TicketTypeView,
)
from domain.permissions import ChapterRole
from domain.ticketing import Event, EventStatus


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

        rows = rows_after(
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
        return [TicketTypeView.of(tt) for tt in rows]

    async def list_attendees(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, *, limit: int, after: Key | None
    ) -> list[AttendeeView]:
        tickets = [
            t
            for t in self._store.table("tickets").values()
            if t.organization_id == organization_id and t.event_id == event_id and t.voided_at is None
        ]
        views = []
        for t in rows_after(tickets, lambda t: (t.issued_at, t.id), after)[:limit]:
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
        for t in rows_after(tickets, lambda t: (t.issued_at, t.id), after)[:limit]:
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
