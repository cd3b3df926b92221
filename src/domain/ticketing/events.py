"""Events: what is planned, published, cancelled or ended, and who may see a draft."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.errors import Conflict, InvalidInput, NotFound
from domain.events import Aggregate, DomainEvent
from domain.identity import clean_name
from domain.ids import new_id
from domain.permissions import Actor, ChapterRole, Permission
from domain.ticketing.rules import check_aware, check_range, check_timezone, optional_text

MAX_CAPACITY = 1_000_000
MAX_DESCRIPTION = 10_000
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    ENDED = "ended"


class EventVisibility(StrEnum):
    """Who may see a published event: anyone (the public side), or the organization's members only."""

    PUBLIC = "public"
    MEMBERS = "members"


@dataclass(frozen=True)
class EventDetails:
    """The editable part of an event; validated as a whole, so a PATCH cannot break a rule."""

    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    description: str = ""
    venue: str | None = None
    online_url: str | None = None
    chapter_id: uuid.UUID | None = None
    capacity: int | None = None
    visibility: EventVisibility = EventVisibility.MEMBERS

    def validated(self) -> EventDetails:
        starts_at = check_aware(self.starts_at, "starts_at")
        ends_at = check_aware(self.ends_at, "ends_at")
        if ends_at <= starts_at:
            raise InvalidInput("ends_at must be after starts_at")
        online_url = optional_text(self.online_url, "online_url", 2000)
        if online_url is not None and not _URL.match(online_url):
            raise InvalidInput("online_url must be an http(s) URL")
        if self.capacity is not None:
            check_range(self.capacity, "capacity", 1, MAX_CAPACITY)
        return EventDetails(
            title=clean_name(self.title, what="title"),
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=check_timezone(self.timezone),
            description=optional_text(self.description, "description", MAX_DESCRIPTION) or "",
            venue=optional_text(self.venue, "venue", 300),
            online_url=online_url,
            chapter_id=self.chapter_id,
            capacity=self.capacity,
            visibility=_visibility(self.visibility),
        )


def _visibility(value: EventVisibility | str) -> EventVisibility:
    try:
        return EventVisibility(value)
    except ValueError:
        raise InvalidInput("visibility must be public or members") from None


@dataclass(eq=False)
class Event(Aggregate):
    organization_id: uuid.UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    created_by: uuid.UUID
    created_at: datetime
    description: str = ""
    venue: str | None = None
    online_url: str | None = None
    chapter_id: uuid.UUID | None = None
    capacity: int | None = None
    # Seats held by pending and paid orders across every ticket type; changed under the event's row lock.
    reserved: int = 0
    status: EventStatus = EventStatus.DRAFT
    visibility: EventVisibility = EventVisibility.MEMBERS
    id: uuid.UUID = field(default_factory=new_id)

    @classmethod
    def plan(cls, actor: Actor, details: EventDetails, *, chapter_role: ChapterRole | None, now: datetime) -> Event:
        actor.require_in_chapter(Permission.EVENTS_MANAGE, chapter_role)
        valid = details.validated()
        event = cls(
            organization_id=actor.organization_id,
            title=valid.title,
            starts_at=valid.starts_at,
            ends_at=valid.ends_at,
            timezone=valid.timezone,
            description=valid.description,
            venue=valid.venue,
            online_url=valid.online_url,
            chapter_id=valid.chapter_id,
            capacity=valid.capacity,
            visibility=valid.visibility,
            created_by=actor.user_id,
            created_at=now,
        )
        event._record(actor, "event.created", title=event.title)
        return event

    def details(self) -> EventDetails:
        return EventDetails(
            title=self.title,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            timezone=self.timezone,
            description=self.description,
            venue=self.venue,
            online_url=self.online_url,
            chapter_id=self.chapter_id,
            capacity=self.capacity,
            visibility=self.visibility,
        )

    def revise(self, actor: Actor, details: EventDetails, *, chapter_role: ChapterRole | None) -> None:
        """chapter_role: the actor's role in the event's chapter (and in the new one, if it moves)."""
        actor.require_in_chapter(Permission.EVENTS_MANAGE, chapter_role)
        if self.status in (EventStatus.CANCELLED, EventStatus.ENDED):
            raise Conflict(f"a {self.status.value} event cannot be edited")
        valid = details.validated()
        if valid.capacity is not None and valid.capacity < self.reserved:
            raise Conflict(f"capacity cannot go below the {self.reserved} seats already taken")
        self.title, self.starts_at, self.ends_at, self.timezone = (
            valid.title,
            valid.starts_at,
            valid.ends_at,
            valid.timezone,
        )
        self.description, self.venue, self.online_url = valid.description, valid.venue, valid.online_url
        self.chapter_id, self.capacity, self.visibility = valid.chapter_id, valid.capacity, valid.visibility
        self._record(actor, "event.updated", title=self.title)

    def publish(self, actor: Actor, *, chapter_role: ChapterRole | None) -> None:
        actor.require_in_chapter(Permission.EVENTS_MANAGE, chapter_role)
        if self.status != EventStatus.DRAFT:
            raise Conflict(f"only a draft can be published; this event is {self.status.value}")
        self.status = EventStatus.PUBLISHED
        self._record(actor, "event.published")

    def cancel(self, actor: Actor, *, chapter_role: ChapterRole | None) -> None:
        """The caller cancels the event's orders too (cancel_with_event) in the same transaction."""
        actor.require_in_chapter(Permission.EVENTS_MANAGE, chapter_role)
        if self.status not in (EventStatus.DRAFT, EventStatus.PUBLISHED):
            raise Conflict(f"a {self.status.value} event cannot be cancelled")
        self.status = EventStatus.CANCELLED
        self._record(actor, "event.cancelled")

    def end(self, now: datetime) -> None:
        if self.status != EventStatus.PUBLISHED:
            raise Conflict(f"a {self.status.value} event cannot end")
        if now < self.ends_at:
            raise Conflict("the event has not finished yet")
        self.status = EventStatus.ENDED
        self.record(DomainEvent(name="event.ended", organization_id=self.organization_id, payload=self._ids()))

    def visible_to(self, actor: Actor, chapter_role: ChapterRole | None) -> bool:
        """Members see published events; those who manage the event see drafts too."""
        return self.status != EventStatus.DRAFT or actor.can_in_chapter(Permission.EVENTS_MANAGE, chapter_role)

    @property
    def on_public_side(self) -> bool:
        """Published and public: what anyone, member or not, may see and buy."""
        return self.status == EventStatus.PUBLISHED and self.visibility == EventVisibility.PUBLIC

    def check_room(self, seats: int) -> None:
        """Room for `seats` by the counter as read; only under the row lock is that answer final."""
        if self.capacity is not None and self.reserved + seats > self.capacity:
            raise Conflict("sold out: the event is full")

    def release(self, seats: int) -> None:
        self.reserved = max(0, self.reserved - seats)

    def _ids(self) -> dict[str, str]:
        return {"event_id": str(self.id)}

    def _record(self, actor: Actor, name: str, **payload: str) -> None:
        self.record(DomainEvent.of(name, self.organization_id, {**self._ids(), **payload}, actor.user_id))


def require_visible(event: Event | None, actor: Actor, chapter_role: ChapterRole | None) -> Event:
    """A draft is invisible (404) to those who may not manage it, like another organization's event."""
    if event is None or not event.visible_to(actor, chapter_role):
        raise NotFound("event not found")
    return event
