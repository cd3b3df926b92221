"""Use cases of events: plan, read, revise, publish, cancel, list."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from application.community import chapter_role_of
from application.pagination import PageQuery, clamp_limit, decode_cursor, page_of
from application.ports.clock import Clock
from application.ports.queries import Page
from application.ports.ticketing import EventFilter, EventView, TicketingQueries, TicketingUnitOfWorkFactory
from application.ticketing.access import require_chapter, visible_event
from domain.errors import InvalidInput
from domain.permissions import Actor, Permission
from domain.ticketing import Event, EventDetails, EventStatus, OrderStatus, check_aware, release_seats

# An event as use cases return it: the same shape as the read side's view, so one type serves both.
EventResult = EventView


class CreateEvent:
    def __init__(self, uow: TicketingUnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, actor: Actor, details: EventDetails) -> EventResult:
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            await require_chapter(uow, details.chapter_id)
            role = await chapter_role_of(uow.chapter_members, actor, details.chapter_id)
            event = Event.plan(actor, details, chapter_role=role, now=self._clock.now())
            await uow.events.add(event)
            uow.collect(event)
            await uow.commit()
        return EventResult.of(event)


class GetEvent:
    def __init__(self, uow: TicketingUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, event_id: uuid.UUID) -> EventResult:
        actor.require(Permission.EVENTS_READ)
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            event, _ = await visible_event(uow, actor, event_id)
            return EventResult.of(event)


@dataclass(frozen=True)
class UpdateEventCommand:
    event_id: uuid.UUID
    # Only the fields the client sent, by EventDetails field name.
    changes: dict[str, Any]


class UpdateEvent:
    def __init__(self, uow: TicketingUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, command: UpdateEventCommand) -> EventResult:
        unknown = set(command.changes) - {f.name for f in dataclasses.fields(EventDetails)}
        if unknown:
            raise InvalidInput(f"unknown fields: {', '.join(sorted(unknown))}")
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            event, role = await visible_event(uow, actor, command.event_id, lock=True)
            details = dataclasses.replace(event.details(), **command.changes)
            if details.chapter_id != event.chapter_id:
                # Moving an event needs the right over both chapters.
                await require_chapter(uow, details.chapter_id)
                actor.require_in_chapter(
                    Permission.EVENTS_MANAGE, await chapter_role_of(uow.chapter_members, actor, details.chapter_id)
                )
            event.revise(actor, details, chapter_role=role)
            uow.collect(event)
            await uow.commit()
        return EventResult.of(event)


class PublishEvent:
    def __init__(self, uow: TicketingUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, event_id: uuid.UUID) -> EventResult:
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            event, role = await visible_event(uow, actor, event_id, lock=True)
            event.publish(actor, chapter_role=role)
            uow.collect(event)
            await uow.commit()
        return EventResult.of(event)


class CancelEvent:
    """Cancels the event, its pending orders, and marks its paid orders for refund; tickets become void."""

    def __init__(self, uow: TicketingUnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, actor: Actor, event_id: uuid.UUID) -> EventResult:
        now = self._clock.now()
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            event, role = await visible_event(uow, actor, event_id, lock=True)
            event.cancel(actor, chapter_role=role)
            ticket_types = await uow.ticket_types.list_all_for_update(event.id)
            orders = await uow.orders.list_for_event_for_update(event.id, [OrderStatus.PENDING, OrderStatus.PAID])
            for order in orders:
                order.cancel_with_event(actor, now)
                release_seats(order, event, ticket_types)
                for ticket in await uow.tickets.list_for_order(order.id):
                    ticket.void(now)
            uow.collect(event, *orders)
            await uow.commit()
        return EventResult.of(event)


@dataclass(frozen=True, kw_only=True)
class ListEventsQuery(PageQuery):
    chapter_id: uuid.UUID | None = None
    starts_after: datetime | None = None
    starts_before: datetime | None = None
    status: EventStatus | None = None


class ListEvents:
    def __init__(self, queries: TicketingQueries) -> None:
        self._queries = queries

    async def execute(self, actor: Actor, query: ListEventsQuery) -> Page[EventView]:
        actor.require(Permission.EVENTS_READ)
        limit = clamp_limit(query.limit)
        for bound, name in ((query.starts_after, "starts_after"), (query.starts_before, "starts_before")):
            if bound is not None:
                check_aware(bound, name)
        all_drafts = actor.can(Permission.EVENTS_MANAGE)
        led: tuple[uuid.UUID, ...] = ()
        if not all_drafts:
            led = tuple(await self._queries.chapters_led_by(actor.organization_id, actor.user_id))
        flt = EventFilter(
            chapter_id=query.chapter_id,
            starts_after=query.starts_after,
            starts_before=query.starts_before,
            status=None if query.status is None else query.status.value,
            all_drafts=all_drafts,
            draft_chapter_ids=led,
        )
        rows = await self._queries.list_events(
            actor.organization_id, flt, limit=limit + 1, after=decode_cursor(query.cursor)
        )
        return page_of(rows, limit, lambda r: (r.starts_at, r.id))
