"""Use cases of tickets at the door and after: attendees, check-in, the buyer's own tickets."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from application.pagination import PageQuery, clamp_limit, decode_cursor, page_of
from application.ports.clock import Clock
from application.ports.queries import Page
from application.ports.ticketing import AttendeeView, MyTicketView, TicketingQueries, TicketingUnitOfWorkFactory
from application.ticketing.access import visible_event
from domain.errors import NotFound
from domain.permissions import Actor, Permission, Principal
from domain.ticketing import is_ticket_code


@dataclass(frozen=True, kw_only=True)
class ListAttendeesQuery(PageQuery):
    event_id: uuid.UUID


class ListAttendees:
    def __init__(self, uow: TicketingUnitOfWorkFactory, queries: TicketingQueries) -> None:
        self._uow, self._queries = uow, queries

    async def execute(self, actor: Actor, query: ListAttendeesQuery) -> Page[AttendeeView]:
        limit = clamp_limit(query.limit)
        after = decode_cursor(query.cursor)
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            _, role = await visible_event(uow, actor, query.event_id)
            actor.require_in_chapter(Permission.ATTENDEES_READ, role)
        rows = await self._queries.list_attendees(actor.organization_id, query.event_id, limit=limit + 1, after=after)
        return page_of(rows, limit, lambda r: (r.issued_at, r.ticket_id))


@dataclass(frozen=True)
class CheckInCommand:
    event_id: uuid.UUID
    ticket_code: str


@dataclass(frozen=True)
class HolderResult:
    user_id: uuid.UUID
    name: str
    email: str


@dataclass(frozen=True)
class CheckInResult:
    ticket_id: uuid.UUID
    code: str
    ticket_type_id: uuid.UUID
    holder: HolderResult
    checked_in_at: datetime


class CheckIn:
    """First scan 200 with the holder, a second 409; another event's or organization's code 404."""

    def __init__(self, uow: TicketingUnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, actor: Actor, command: CheckInCommand) -> CheckInResult:
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            event, role = await visible_event(uow, actor, command.event_id)
            actor.require_in_chapter(Permission.TICKETS_CHECK_IN, role)
            ticket = (
                await uow.tickets.get_by_code_for_update(command.ticket_code)
                if is_ticket_code(command.ticket_code)
                else None
            )
            if ticket is None or ticket.event_id != event.id:
                raise NotFound("ticket not found")
            ticket.check_in(actor, chapter_role=role, now=self._clock.now())
            holder = await uow.users.get(ticket.holder_id)
            uow.collect(ticket)
            await uow.commit()
        assert ticket.checked_in_at is not None
        return CheckInResult(
            ticket_id=ticket.id,
            code=ticket.code,
            ticket_type_id=ticket.ticket_type_id,
            holder=HolderResult(
                user_id=ticket.holder_id,
                name=holder.name if holder else "",
                email=holder.email if holder else "",
            ),
            checked_in_at=ticket.checked_in_at,
        )


ListMyTicketsQuery = PageQuery


class ListMyTickets:
    def __init__(self, queries: TicketingQueries) -> None:
        self._queries = queries

    async def execute(self, principal: Principal, query: ListMyTicketsQuery) -> Page[MyTicketView]:
        limit = clamp_limit(query.limit)
        rows = await self._queries.list_my_tickets(
            principal.user_id, limit=limit + 1, after=decode_cursor(query.cursor)
        )
        return page_of(rows, limit, lambda r: (r.issued_at, r.ticket_id))
