"""In-memory twins of the chat read side: channels, messages, notifications, access, token validity."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from adapters.memory.chat.repositories import CHANNEL_MEMBERS, CHANNELS, MESSAGES, NOTIFICATIONS
from adapters.memory.store import MemoryStore
from application.ports.chat import AuthorView, ChannelView, MessageView
from application.ports.clock import Clock
from application.ports.notifications import NotificationView
from domain.chat import Channel, ChannelRef, ChannelScope, Message, may_read_channel
from domain.notifications import Notification
from domain.permissions import Actor


def _is_explicit_member(
    store: MemoryStore, organization_id: uuid.UUID, channel_id: uuid.UUID, user_id: uuid.UUID
) -> bool:
    # In SQL, leaving the organization deletes the grant (foreign key to memberships, ON DELETE CASCADE).
    granted = (organization_id, channel_id, user_id) in store.table(CHANNEL_MEMBERS)
    return granted and _is_member(store, organization_id, user_id)


def _is_member(store: MemoryStore, organization_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return (organization_id, user_id) in store.memberships


def _is_target_member(store: MemoryStore, channel: ChannelRef, user_id: uuid.UUID) -> bool:
    """A member of the channel's chapter or team; a ticket holder or the organizer of its event."""
    org, target = channel.organization_id, channel.target_id
    if channel.scope == ChannelScope.CHAPTER:
        rows = store.table("chapter_members").values()
        return any(m.organization_id == org and m.chapter_id == target and m.user_id == user_id for m in rows)
    if channel.scope == ChannelScope.TEAM:
        rows = store.table("team_members").values()
        return any(m.organization_id == org and m.team_id == target and m.user_id == user_id for m in rows)
    if channel.scope == ChannelScope.EVENT:
        events = store.table("events").values()
        organizer = any(e.organization_id == org and e.id == target and e.created_by == user_id for e in events)
        tickets = store.table("tickets").values()
        return organizer or any(
            t.organization_id == org and t.event_id == target and t.holder_id == user_id and t.voided_at is None
            for t in tickets
        )
    return False


def _channel_view(c: Channel) -> ChannelView:
    return ChannelView(
        id=c.id,
        organization_id=c.organization_id,
        name=c.name,
        scope=c.scope.value,
        target_id=c.target_id,
        created_at=c.created_at,
        last_message_id=c.last_message_id,
    )


class MemoryChannelQueries:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def target_exists(self, organization_id: uuid.UUID, scope: str, target_id: uuid.UUID) -> bool:
        table = {"chapter": "chapters", "team": "teams", "event": "events"}.get(scope)
        if table is None:
            return False
        rows = self._store.table(table).values()
        return any(r.organization_id == organization_id and r.id == target_id for r in rows)

    async def get(self, organization_id: uuid.UUID, channel_id: uuid.UUID) -> ChannelView | None:
        found: Channel | None = self._store.table(CHANNELS).get((organization_id, channel_id))
        return _channel_view(found) if found else None

    async def organization_of(self, user_id: uuid.UUID, channel_id: uuid.UUID) -> uuid.UUID | None:
        organization_id: uuid.UUID
        for organization_id, found_id in self._store.table(CHANNELS):
            if found_id == channel_id and _is_member(self._store, organization_id, user_id):
                return organization_id
        return None

    async def list_channels(
        self,
        organization_id: uuid.UUID,
        user_id: uuid.UUID,
        *,
        every_channel: bool,
        limit: int,
        after: tuple[datetime, uuid.UUID] | None,
    ) -> list[ChannelView]:
        channels = sorted(
            (
                c
                for c in self._store.table(CHANNELS).values()
                if c.organization_id == organization_id
                and (
                    every_channel
                    or c.scope == ChannelScope.ORG
                    or _is_explicit_member(self._store, organization_id, c.id, user_id)
                    or _is_target_member(self._store, c, user_id)
                )
            ),
            key=lambda c: (c.created_at, c.id),
        )
        if after is not None:
            channels = [c for c in channels if (c.created_at, c.id) > after]
        return [_channel_view(c) for c in channels[:limit]]


class MemoryMessageQueries:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def _channel_messages(self, organization_id: uuid.UUID, channel_id: uuid.UUID) -> list[Message]:
        return sorted(
            (
                m
                for m in self._store.table(MESSAGES).values()
                if m.organization_id == organization_id and m.channel_id == channel_id
            ),
            key=lambda m: m.id,
        )

    def _view(self, message: Message) -> MessageView:
        author = self._store.users.get(message.author_id)
        return MessageView(
            id=message.id,
            channel=message.channel_id,
            body=message.body,
            author=AuthorView(user_id=message.author_id, name=author.name if author else ""),
            created_at=message.created_at,
        )

    async def latest(
        self, organization_id: uuid.UUID, channel_id: uuid.UUID, *, before: uuid.UUID | None, limit: int
    ) -> list[MessageView]:
        rows = self._channel_messages(organization_id, channel_id)
        if before is not None:
            rows = [m for m in rows if m.id < before]
        return [self._view(m) for m in reversed(rows[-limit:])] if limit else []

    async def since(
        self, organization_id: uuid.UUID, channel_id: uuid.UUID, *, after: uuid.UUID, limit: int
    ) -> list[MessageView]:
        rows = [m for m in self._channel_messages(organization_id, channel_id) if m.id > after]
        return [self._view(m) for m in rows[:limit]]


class MemoryNotificationQueries:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def _mine(self, user_id: uuid.UUID) -> list[Notification]:
        return sorted(
            (n for n in self._store.table(NOTIFICATIONS).values() if n.user_id == user_id), key=lambda n: n.id
        )

    async def list_for_user(
        self,
        user_id: uuid.UUID,
        *,
        unread_only: bool,
        limit: int,
        before: tuple[datetime, uuid.UUID] | None,
    ) -> list[NotificationView]:
        rows = [n for n in reversed(self._mine(user_id)) if not unread_only or n.read_at is None]
        if before is not None:
            rows = [n for n in rows if n.id < before[1]]
        return [NotificationView.of(n) for n in rows[:limit]]

    async def get_for_user(self, user_id: uuid.UUID, notification_id: uuid.UUID) -> NotificationView | None:
        return next((NotificationView.of(n) for n in self._mine(user_id) if n.id == notification_id), None)

    async def since(self, user_id: uuid.UUID, *, after: uuid.UUID, limit: int) -> list[NotificationView]:
        return [NotificationView.of(n) for n in self._mine(user_id) if n.id > after][:limit]


class MemoryChannelAccessPolicy:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def can_read(self, actor: Actor, channel: ChannelRef) -> bool:
        explicit = _is_explicit_member(self._store, channel.organization_id, channel.id, actor.user_id)
        target = _is_target_member(self._store, channel, actor.user_id)
        return may_read_channel(actor, channel, explicit_member=explicit, target_member=target)

    async def can_write(self, actor: Actor, channel: ChannelRef) -> bool:
        return await self.can_read(actor, channel)


class MemoryTokenValidity:
    def __init__(self, store: MemoryStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def invalid_among(self, token_hashes: Collection[bytes]) -> set[bytes]:
        now = self._clock.now()
        return {h for h in token_hashes if (t := self._store.access_tokens.get(h)) is None or not t.is_valid(now)}
