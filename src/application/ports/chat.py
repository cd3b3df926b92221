"""Chat ports: the chat unit of work (channels, explicit members, messages), the read side, and the
ChannelAccessPolicy that says who reads a channel."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.ports.persistence import UnitOfWork
from domain.chat import Channel, ChannelMember, ChannelRef, Message
from domain.permissions import Actor


@dataclass(frozen=True)
class ChannelView:
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    scope: str
    target_id: uuid.UUID | None
    created_at: datetime
    last_message_id: uuid.UUID | None = None


@dataclass(frozen=True)
class AuthorView:
    user_id: uuid.UUID | None
    name: str


@dataclass(frozen=True)
class MessageView:
    """The message resource, the same over HTTP and on the socket (which adds "type")."""

    id: uuid.UUID
    channel: uuid.UUID
    body: str
    author: AuthorView
    created_at: datetime


class ChannelRepository(Protocol):
    """Channels of the unit of work's organization only."""

    async def add(self, channel: Channel) -> None:
        """Raises domain.errors.Conflict when the organization already has a channel of that name."""
        ...

    async def get(self, channel_id: uuid.UUID) -> Channel | None: ...

    async def get_for_update(self, channel_id: uuid.UUID) -> Channel | None:
        """Locks the channel until the transaction ends: posts to one channel serialise, so message
        ids follow commit order."""
        ...


class ChannelMemberRepository(Protocol):
    async def add(self, member: ChannelMember) -> None:
        """Raises Conflict when the user is already an explicit member of the channel."""
        ...


class MessageRepository(Protocol):
    async def add(self, message: Message) -> None: ...


class ChatUnitOfWork(UnitOfWork, Protocol):
    channels: ChannelRepository
    channel_members: ChannelMemberRepository
    messages: MessageRepository


class ChatUnitOfWorkFactory(Protocol):
    def __call__(
        self, organization_id: uuid.UUID | None = None, user_id: uuid.UUID | None = None
    ) -> ChatUnitOfWork: ...


class ChannelAccessPolicy(Protocol):
    """Who may read and write a channel: domain.chat.may_read_channel, with the facts it needs (is the user an
    explicit member of the channel; a member of its chapter or team; a ticket holder or the organizer of its
    event) read by the adapter. A richer rule (chapter leads, say) replaces the adapter in the container;
    no use case changes."""

    async def can_read(self, actor: Actor, channel: ChannelRef) -> bool: ...

    async def can_write(self, actor: Actor, channel: ChannelRef) -> bool: ...


class ChannelQueries(Protocol):
    async def target_exists(self, organization_id: uuid.UUID, scope: str, target_id: uuid.UUID) -> bool:
        """Whether the organization has the chapter, team or event a channel of that scope is aimed at."""
        ...

    async def get(self, organization_id: uuid.UUID, channel_id: uuid.UUID) -> ChannelView | None:
        """One channel of the organization (reads check access without opening a unit of work)."""
        ...

    async def organization_of(self, user_id: uuid.UUID, channel_id: uuid.UUID) -> uuid.UUID | None:
        """The organization of the channel, if it belongs to one the user is a member of (else None).
        Sockets name a channel by its id alone; this is how they find its tenant."""
        ...

    async def list_channels(
        self,
        organization_id: uuid.UUID,
        user_id: uuid.UUID,
        *,
        every_channel: bool,
        limit: int,
        after: tuple[datetime, uuid.UUID] | None,
    ) -> list[ChannelView]:
        """Channels by (created_at, id) after the key: every one when every_channel, else those the access
        policy lets the user read (org-scoped, explicit grants, their chapters', teams' and events')."""
        ...


class MessageQueries(Protocol):
    async def latest(
        self, organization_id: uuid.UUID, channel_id: uuid.UUID, *, before: uuid.UUID | None, limit: int
    ) -> list[MessageView]:
        """Newest first, strictly before the given message id (history pages)."""
        ...

    async def since(
        self, organization_id: uuid.UUID, channel_id: uuid.UUID, *, after: uuid.UUID, limit: int
    ) -> list[MessageView]:
        """Oldest first, strictly after the given message id (what a reconnecting client missed)."""
        ...
