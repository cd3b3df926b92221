"""In-memory twins of the chat and notification repositories."""

from __future__ import annotations

import uuid

from adapters.memory.store import MemoryStore
from domain.chat import Channel, ChannelMember, Message
from domain.errors import Conflict
from domain.notifications import Notification

CHANNELS, CHANNEL_MEMBERS, MESSAGES, NOTIFICATIONS = "channels", "channel_members", "messages", "notifications"


class MemoryChannelRepository:
    def __init__(self, store: MemoryStore, organization_id: uuid.UUID | None) -> None:
        self._store, self._org = store, organization_id

    async def add(self, channel: Channel) -> None:
        if channel.organization_id != self._org:
            raise PermissionError("channel of another organization")  # RLS would refuse it too
        table = self._store.table(CHANNELS)
        if any(c.organization_id == self._org and c.name == channel.name for c in table.values()):
            raise Conflict("a channel with this name already exists")
        table[(channel.organization_id, channel.id)] = channel

    async def get(self, channel_id: uuid.UUID) -> Channel | None:
        found: Channel | None = self._store.table(CHANNELS).get((self._org, channel_id))
        return found

    get_for_update = get  # the store's lock already serialises units of work


class MemoryChannelMemberRepository:
    def __init__(self, store: MemoryStore, organization_id: uuid.UUID | None) -> None:
        self._store, self._org = store, organization_id

    async def add(self, member: ChannelMember) -> None:
        if member.organization_id != self._org:
            raise PermissionError("channel member of another organization")
        key = (member.organization_id, member.channel_id, member.user_id)
        table = self._store.table(CHANNEL_MEMBERS)
        if key in table:
            raise Conflict("already a member of this channel")
        table[key] = member


class MemoryMessageRepository:
    def __init__(self, store: MemoryStore, organization_id: uuid.UUID | None) -> None:
        self._store, self._org = store, organization_id

    async def add(self, message: Message) -> None:
        if message.organization_id != self._org:
            raise PermissionError("message of another organization")
        self._store.table(MESSAGES)[(message.organization_id, message.id)] = message


class MemoryNotificationRepository:
    def __init__(self, store: MemoryStore, organization_id: uuid.UUID | None) -> None:
        self._store, self._org = store, organization_id

    async def add(self, notification: Notification) -> None:
        if notification.organization_id != self._org:
            raise PermissionError("notification of another organization")
        self._store.table(NOTIFICATIONS)[(notification.organization_id, notification.id)] = notification

    async def get_for_update(self, notification_id: uuid.UUID) -> Notification | None:
        found: Notification | None = self._store.table(NOTIFICATIONS).get((self._org, notification_id))
        return found
