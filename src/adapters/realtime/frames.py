"""The WebSocket wire format (docs/realtime.md), as msgspec Structs: decoded once, encoded once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import Meta, Struct

from application.ports.chat import MessageView
from application.ports.notifications import NotificationView

ChannelName = Annotated[str, Meta(min_length=1, max_length=64)]
NOTIFICATIONS = "notifications"


# --- client -> server ---------------------------------------------------------------------------
class ClientFrame(Struct, tag_field="type", forbid_unknown_fields=True, frozen=True):
    pass


class SubscribeFrame(ClientFrame, tag="subscribe", frozen=True):
    channel: ChannelName
    after: Annotated[str, Meta(max_length=64)] | None = None


class UnsubscribeFrame(ClientFrame, tag="unsubscribe", frozen=True):
    channel: ChannelName


class PostFrame(ClientFrame, tag="message", frozen=True):
    channel: ChannelName
    body: str


class PingFrame(ClientFrame, tag="ping", frozen=True):
    pass


client_frames = msgspec.json.Decoder(SubscribeFrame | UnsubscribeFrame | PostFrame | PingFrame)


# --- server -> client ---------------------------------------------------------------------------
class Author(Struct):
    user_id: uuid.UUID | None
    name: str


class MessageFrame(Struct, tag_field="type", tag="message"):
    channel: uuid.UUID
    id: uuid.UUID
    body: str
    author: Author
    created_at: datetime


class NotificationFrame(Struct, tag_field="type", tag="notification"):
    id: uuid.UUID
    organization_id: uuid.UUID
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


_encoder = msgspec.json.Encoder()


def message_frame(message: MessageView) -> str:
    frame = MessageFrame(
        channel=message.channel,
        id=message.id,
        body=message.body,
        author=Author(user_id=message.author.user_id, name=message.author.name),
        created_at=message.created_at,
    )
    return _encoder.encode(frame).decode()


def notification_frame(notification: NotificationView) -> str:
    frame = NotificationFrame(
        id=notification.id,
        organization_id=notification.organization_id,
        kind=notification.kind,
        title=notification.title,
        body=notification.body,
        data=notification.data,
        created_at=notification.created_at,
        read_at=notification.read_at,
    )
    return _encoder.encode(frame).decode()


# --- between processes ----------------------------------------------------------------------------
UNORDERED = "*"


@dataclass(frozen=True, slots=True)
class Delivery:
    """A frame as published between processes, opened once per process: the frame's id and, for chat, the id
    of the message before it in its channel (None for the first), so sockets can restore the order."""

    id: uuid.UUID
    previous_id: uuid.UUID | None
    ordered: bool
    frame: str
    wire: bytes = b""  # the frame as a server WebSocket frame, built once per process for all its sockets


def text_frame(text: str) -> bytes:
    """One final, unmasked text frame (RFC 6455 5.2) carrying `text`: what a server writes to every socket."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 65536:
        return b"\x81\x7e" + size.to_bytes(2, "big") + payload
    return b"\x81\x7f" + size.to_bytes(8, "big") + payload


def envelope(item_id: uuid.UUID, frame: str, *, previous_id: uuid.UUID | None = None, ordered: bool) -> str:
    """'<id>\\n<previous id, '' for none, '*' when unordered>\\n<frame>': JSON frames hold no raw newline."""
    previous = UNORDERED if not ordered else (str(previous_id) if previous_id else "")
    return f"{item_id}\n{previous}\n{frame}"


def open_envelope(payload: str) -> Delivery | None:
    try:
        item_id, previous, frame = payload.split("\n", 2)
        return Delivery(
            id=uuid.UUID(item_id),
            previous_id=uuid.UUID(previous) if previous not in ("", UNORDERED) else None,
            ordered=previous != UNORDERED,
            frame=frame,
            wire=text_frame(frame),
        )
    except ValueError:
        return None


def control(kind: str, **fields: Any) -> str:
    return _encoder.encode({"type": kind, **fields}).decode()


def error(detail: str, channel: str | None = None) -> str:
    return control("error", detail=detail, channel=channel) if channel else control("error", detail=detail)


def chat_topic(channel_id: uuid.UUID) -> str:
    return f"chat:{channel_id}"


def user_topic(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"
