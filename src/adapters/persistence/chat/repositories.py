"""SQLAlchemy repositories of chat and notifications, scoped to the unit of work's organization (RLS behind)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.errors import add_and_flush
from domain.chat import Channel, ChannelMember, Message
from domain.errors import Conflict
from domain.notifications import Notification


class SqlaChannelRepository:
    def __init__(self, session: AsyncSession, organization_id: uuid.UUID | None) -> None:
        self._session, self._org = session, organization_id

    async def add(self, channel: Channel) -> None:
        try:
            await add_and_flush(self._session, channel)
        except Conflict:
            raise Conflict("a channel with this name already exists") from None

    async def get(self, channel_id: uuid.UUID) -> Channel | None:
        return await self._session.get(Channel, (self._org, channel_id))

    async def get_for_update(self, channel_id: uuid.UUID) -> Channel | None:
        return await self._session.get(Channel, (self._org, channel_id), with_for_update=True)


class SqlaChannelMemberRepository:
    def __init__(self, session: AsyncSession, organization_id: uuid.UUID | None) -> None:
        self._session, self._org = session, organization_id

    async def add(self, member: ChannelMember) -> None:
        try:
            await add_and_flush(self._session, member)
        except Conflict:
            raise Conflict("already a member of this channel") from None


class SqlaMessageRepository:
    def __init__(self, session: AsyncSession, organization_id: uuid.UUID | None) -> None:
        self._session, self._org = session, organization_id

    async def add(self, message: Message) -> None:
        self._session.add(message)  # flushed at commit, with the channel's new last_message_id


class SqlaNotificationRepository:
    def __init__(self, session: AsyncSession, organization_id: uuid.UUID | None) -> None:
        self._session, self._org = session, organization_id

    async def add(self, notification: Notification) -> None:
        self._session.add(notification)

    async def get_for_update(self, notification_id: uuid.UUID) -> Notification | None:
        return await self._session.get(Notification, (self._org, notification_id), with_for_update=True)
