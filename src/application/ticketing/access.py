"""What every ticketing use case asks first: does the event exist for this actor, and in which chapter role."""

from __future__ import annotations

import uuid

from application.community import chapter_role_of
from application.ports.ticketing import TicketingUnitOfWork
from domain.errors import NotFound
from domain.permissions import Actor, ChapterRole
from domain.ticketing import Event, require_visible


async def require_chapter(uow: TicketingUnitOfWork, chapter_id: uuid.UUID | None) -> None:
    if chapter_id is not None and await uow.chapters.get(chapter_id) is None:
        raise NotFound("chapter not found")


async def visible_event(
    uow: TicketingUnitOfWork, actor: Actor, event_id: uuid.UUID, *, lock: bool = False
) -> tuple[Event, ChapterRole | None]:
    """The event (row-locked when `lock`) and the actor's role in its chapter.

    NotFound for another organization's event and for a draft the actor may not manage, alike."""
    event = await (uow.events.get_for_update(event_id) if lock else uow.events.get(event_id))
    role = await chapter_role_of(uow.chapter_members, actor, event.chapter_id if event else None)
    return require_visible(event, actor, role), role
