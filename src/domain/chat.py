"""Chat: channels of an organization (or of one of its chapters, teams or events) and their messages.

A channel is the consistency boundary of its messages' order: posting locks the channel, so message ids
(UUIDv7) increase in commit order within a channel, and "everything after id X" is a complete answer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from domain.errors import InvalidInput
from domain.events import Aggregate, DomainEvent
from domain.identity import check_text, clean_name
from domain.ids import new_id
from domain.permissions import Actor, Permission

MAX_BODY_BYTES = 4096
MAX_CHANNEL_NAME = 100


class ChannelScope(StrEnum):
    ORG = "org"
    CHAPTER = "chapter"
    TEAM = "team"
    EVENT = "event"


def check_body(body: str) -> str:
    """A message body: not blank, at most 4 KiB once encoded (what the wire and the table carry)."""
    check_text(body, "body")
    if not body.strip():
        raise InvalidInput("body must not be blank")
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        raise InvalidInput(f"body must be at most {MAX_BODY_BYTES} bytes")
    return body


def next_message_id(previous: uuid.UUID | None) -> uuid.UUID:
    """A UUIDv7 strictly greater than the channel's previous message id, even within one millisecond
    or when another process's clock lags a little behind."""
    candidate = new_id()
    if previous is not None and candidate.int <= previous.int:
        candidate = uuid.UUID(int=previous.int + 1)
    return candidate


@dataclass(eq=False)
class Message:
    organization_id: uuid.UUID
    channel_id: uuid.UUID
    author_id: uuid.UUID
    body: str
    created_at: datetime
    id: uuid.UUID = field(default_factory=new_id)


@dataclass(eq=False)
class Channel(Aggregate):
    organization_id: uuid.UUID
    name: str
    scope: ChannelScope
    target_id: uuid.UUID | None
    created_by: uuid.UUID | None
    created_at: datetime
    id: uuid.UUID = field(default_factory=new_id)
    last_message_id: uuid.UUID | None = None

    @classmethod
    def open(
        cls, actor: Actor, *, name: str, scope: ChannelScope, target_id: uuid.UUID | None, now: datetime
    ) -> Channel:
        actor.require(Permission.CHANNELS_MANAGE)
        if scope == ChannelScope.ORG and target_id is not None:
            raise InvalidInput("an org channel has no target_id")
        if scope != ChannelScope.ORG and target_id is None:
            raise InvalidInput(f"a {scope.value} channel needs the target_id of its {scope.value}")
        channel = cls(
            organization_id=actor.organization_id,
            name=clean_name(name, max_length=MAX_CHANNEL_NAME),
            scope=scope,
            target_id=target_id,
            created_by=actor.user_id,
            created_at=now,
        )
        channel.record(
            DomainEvent.of(
                "channel.created",
                actor.organization_id,
                {"channel_id": str(channel.id), "name": channel.name, "scope": scope.value},
                actor.user_id,
            )
        )
        return channel

    def post(self, author: Actor, body: str, now: datetime) -> Message:
        """The next message of this channel. Call with the channel locked (the repository's get_for_update):
        the id must follow the last one in commit order."""
        message = Message(
            organization_id=self.organization_id,
            channel_id=self.id,
            author_id=author.user_id,
            body=check_body(body),
            created_at=now,
            id=next_message_id(self.last_message_id),
        )
        self.last_message_id = message.id
        return message

    def add_member_event(self, actor: Actor, user_id: uuid.UUID) -> DomainEvent:
        actor.require(Permission.CHANNELS_MANAGE)
        return DomainEvent.of(
            "channel.member_added",
            self.organization_id,
            {"channel_id": str(self.id), "user_id": str(user_id)},
            actor.user_id,
        )


@dataclass(eq=False)
class ChannelMember:
    """An explicit grant to read and write one channel (beyond what the channel's scope gives)."""

    organization_id: uuid.UUID
    channel_id: uuid.UUID
    user_id: uuid.UUID
    added_by: uuid.UUID | None
    added_at: datetime


class ChannelRef(Protocol):
    """What access rules need of a channel: the entity (write side) and the read side's view both have it."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def organization_id(self) -> uuid.UUID: ...

    @property
    def scope(self) -> str: ...

    @property
    def target_id(self) -> uuid.UUID | None: ...


def may_read_channel(actor: Actor, channel: ChannelRef, *, explicit_member: bool, target_member: bool) -> bool:
    """Who reads (and writes) a channel.

    org channels: every member of the organization. chapter, team and event channels: the members of that
    chapter or team, the ticket holders and the organizer (its creator) of that event (target_member), the
    organization's owners and admins, and the members an admin added to the channel (explicit_member).
    """
    if actor.organization_id != channel.organization_id:
        return False
    if channel.scope == ChannelScope.ORG:
        return True
    return actor.can(Permission.CHANNELS_MANAGE) or explicit_member or target_member
