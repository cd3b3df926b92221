"""Bodies of the chat and notification routes (msgspec Structs; the message resource matches the socket's)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from msgspec import Meta, Struct

from adapters.http.schema_kit import Input

ChannelNameIn = Annotated[str, Meta(min_length=1, max_length=100)]
ScopeIn = Annotated[str, Meta(pattern=r"^(org|chapter|team|event)$")]
# Characters here; the domain also holds the UTF-8 encoding to 4096 bytes.
BodyIn = Annotated[str, Meta(min_length=1, max_length=4096)]


class CreateChannelBody(Input, frozen=True):
    name: ChannelNameIn
    scope: ScopeIn = "org"
    target_id: uuid.UUID | None = None


class AddChannelMemberBody(Input, frozen=True):
    user_id: uuid.UUID


class PostMessageBody(Input, frozen=True):
    body: BodyIn


class ChannelOut(Struct):
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    scope: str
    target_id: uuid.UUID | None
    created_at: datetime


class ChannelPage(Struct):
    items: list[ChannelOut]
    next_cursor: str | None


class ChannelMemberOut(Struct):
    channel_id: uuid.UUID
    user_id: uuid.UUID
    added_at: datetime


class AuthorOut(Struct):
    user_id: uuid.UUID | None
    name: str


class MessageOut(Struct):
    id: uuid.UUID
    channel: uuid.UUID
    body: str
    author: AuthorOut
    created_at: datetime


class MessagePage(Struct):
    items: list[MessageOut]
    next_cursor: str | None


class NotificationOut(Struct):
    id: uuid.UUID
    organization_id: uuid.UUID
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Struct):
    items: list[NotificationOut]
    next_cursor: str | None
