"""Use cases of chat: channels, explicit channel members, messages (posted, listed, streamed)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from application.notifications import DeliverNotifications, NotifyCommand
from application.pagination import PageQuery, clamp_limit, decode_cursor, page_of
from application.ports.auth import Authenticator
from application.ports.chat import (
    AuthorView,
    ChannelAccessPolicy,
    ChannelQueries,
    ChannelView,
    ChatUnitOfWork,
    ChatUnitOfWorkFactory,
    MessageQueries,
    MessageView,
)
from application.ports.clock import Clock
from application.ports.queries import Page
from application.ports.realtime import RealtimePublisher
from application.ports.sessions import TokenValidity
from domain.chat import Channel, ChannelMember, ChannelScope
from domain.errors import InvalidInput, NotFound, OrganizationSuspended
from domain.permissions import Actor, Permission

# A reconnecting socket gets at most this many missed messages; beyond that it reads history over HTTP.
MAX_RESUME_BACKLOG = 1000


def channel_view(channel: Channel) -> ChannelView:
    return ChannelView(
        id=channel.id,
        organization_id=channel.organization_id,
        name=channel.name,
        scope=channel.scope.value,
        target_id=channel.target_id,
        created_at=channel.created_at,
        last_message_id=channel.last_message_id,
    )


async def visible_channel(
    channels: ChannelQueries, policy: ChannelAccessPolicy, actor: Actor, channel_id: uuid.UUID
) -> ChannelView:
    """The read side's twin of writable_channel: no unit of work, one query (plus the policy's)."""
    channel = await channels.get(actor.organization_id, channel_id)
    if channel is None or not await policy.can_read(actor, channel):
        raise NotFound("channel not found")
    return channel


async def writable_channel(
    uow: ChatUnitOfWork, policy: ChannelAccessPolicy, actor: Actor, channel_id: uuid.UUID
) -> Channel:
    """The channel, locked, if the actor may write to it; otherwise NotFound (a channel one may not read
    does not exist)."""
    channel = await uow.channels.get_for_update(channel_id)
    if channel is None or not await policy.can_read(actor, channel) or not await policy.can_write(actor, channel):
        raise NotFound("channel not found")
    return channel


@dataclass(frozen=True)
class CreateChannelCommand:
    name: str
    scope: str
    target_id: uuid.UUID | None = None


class CreateChannel:
    def __init__(self, uow: ChatUnitOfWorkFactory, channels: ChannelQueries, clock: Clock) -> None:
        self._uow, self._channels, self._clock = uow, channels, clock

    async def execute(self, actor: Actor, command: CreateChannelCommand) -> ChannelView:
        try:
            scope = ChannelScope(command.scope)
        except ValueError:
            raise InvalidInput("scope must be one of org, chapter, team, event") from None
        channel = Channel.open(
            actor, name=command.name, scope=scope, target_id=command.target_id, now=self._clock.now()
        )
        target = channel.target_id
        if target is not None and not await self._channels.target_exists(actor.organization_id, scope.value, target):
            raise InvalidInput(f"target_id is not a {scope.value} of this organization")
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            await uow.channels.add(channel)  # Conflict when the name is taken
            uow.collect(channel)
            await uow.commit()
        return channel_view(channel)


ListChannelsQuery = PageQuery


class ListChannels:
    def __init__(self, queries: ChannelQueries) -> None:
        self._queries = queries

    async def execute(self, actor: Actor, query: ListChannelsQuery) -> Page[ChannelView]:
        limit = clamp_limit(query.limit)
        rows = await self._queries.list_channels(
            actor.organization_id,
            actor.user_id,
            every_channel=actor.can(Permission.CHANNELS_MANAGE),
            limit=limit + 1,
            after=decode_cursor(query.cursor),
        )
        return page_of(rows, limit, lambda c: (c.created_at, c.id))


class GetChannel:
    def __init__(self, channels: ChannelQueries, policy: ChannelAccessPolicy) -> None:
        self._channels, self._policy = channels, policy

    async def execute(self, actor: Actor, channel_id: uuid.UUID) -> ChannelView:
        return await visible_channel(self._channels, self._policy, actor, channel_id)


@dataclass(frozen=True)
class AddChannelMemberCommand:
    channel_id: uuid.UUID
    user_id: uuid.UUID


@dataclass(frozen=True)
class ChannelMemberResult:
    channel_id: uuid.UUID
    user_id: uuid.UUID
    added_at: datetime


class AddChannelMember:
    """An admin grants one member of the organization access to a channel; the member is notified."""

    def __init__(self, uow: ChatUnitOfWorkFactory, clock: Clock, notify: DeliverNotifications) -> None:
        self._uow, self._clock, self._notify = uow, clock, notify

    async def execute(self, actor: Actor, command: AddChannelMemberCommand) -> ChannelMemberResult:
        actor.require(Permission.CHANNELS_MANAGE)
        now = self._clock.now()
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            channel = await uow.channels.get(command.channel_id)
            if channel is None:
                raise NotFound("channel not found")
            if await uow.memberships.get(command.user_id) is None:
                raise NotFound("member not found")
            member = ChannelMember(
                organization_id=actor.organization_id,
                channel_id=channel.id,
                user_id=command.user_id,
                added_by=actor.user_id,
                added_at=now,
            )
            await uow.channel_members.add(member)  # Conflict when already a member
            uow.record(channel.add_member_event(actor, command.user_id))
            await uow.commit()
        await self._notify.execute(
            NotifyCommand(
                organization_id=actor.organization_id,
                user_ids=(command.user_id,),
                kind="channel.member_added",
                title=f"You were added to #{channel.name}",
                data={"channel_id": str(channel.id)},
            )
        )
        return ChannelMemberResult(channel_id=channel.id, user_id=command.user_id, added_at=now)


@dataclass(frozen=True)
class PostMessageCommand:
    channel_id: uuid.UUID
    body: str


class PostMessage:
    """Persist first, then broadcast: a message nobody could reload is never shown."""

    def __init__(
        self,
        uow: ChatUnitOfWorkFactory,
        policy: ChannelAccessPolicy,
        publisher: RealtimePublisher,
        clock: Clock,
    ) -> None:
        self._uow, self._policy, self._publisher, self._clock = uow, policy, publisher, clock

    async def execute(self, actor: Actor, command: PostMessageCommand) -> MessageView:
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            channel = await writable_channel(uow, self._policy, actor, command.channel_id)
            previous_id = channel.last_message_id
            message = channel.post(actor, command.body, self._clock.now())
            await uow.messages.add(message)
            author = await uow.users.get(actor.user_id)
            await uow.commit()
        view = MessageView(
            id=message.id,
            channel=channel.id,
            body=message.body,
            author=AuthorView(user_id=actor.user_id, name=author.name if author else ""),
            created_at=message.created_at,
        )
        await self._publisher.publish_message(view, previous_id)
        return view


@dataclass(frozen=True)
class ListMessagesQuery:
    channel_id: uuid.UUID
    limit: int | None = None
    before: uuid.UUID | None = None


class ListMessages:
    """History, newest first; next_cursor is the id to pass as `before` for the page older than this one."""

    def __init__(self, channels: ChannelQueries, policy: ChannelAccessPolicy, queries: MessageQueries) -> None:
        self._channels, self._policy, self._queries = channels, policy, queries

    async def execute(self, actor: Actor, query: ListMessagesQuery) -> Page[MessageView]:
        limit = clamp_limit(query.limit)
        channel = await visible_channel(self._channels, self._policy, actor, query.channel_id)
        rows = await self._queries.latest(actor.organization_id, channel.id, before=query.before, limit=limit + 1)
        return page_of(rows, limit, lambda m: m.id)


class ChannelGate:
    """How a socket, which names a channel by its id alone, becomes an Actor of the channel's organization.

    The token is checked on every call, so a revoked token stops working at the next frame."""

    def __init__(self, authenticator: Authenticator, channels: ChannelQueries) -> None:
        self._authenticator, self._channels = authenticator, channels

    async def enter(self, token_hash: bytes, channel_id: uuid.UUID) -> Actor:
        principal = (await self._authenticator.authenticate(token_hash, None)).principal
        organization_id = await self._channels.organization_of(principal.user_id, channel_id)
        if organization_id is None:
            raise NotFound("channel not found")
        actor = (await self._authenticator.authenticate(token_hash, organization_id)).actor
        if actor is None:
            raise NotFound("channel not found")
        return actor


@dataclass(frozen=True)
class SubscribeCommand:
    channel_id: uuid.UUID
    after: uuid.UUID | None = None


@dataclass(frozen=True)
class ChannelStream:
    channel_id: uuid.UUID
    organization_id: uuid.UUID
    missed: list[MessageView]
    truncated: bool  # more than MAX_RESUME_BACKLOG were missed: the client should reload history
    head: uuid.UUID | None  # the channel's last message id when the subscribe was authorized


class SubscribeToChannel:
    """Authorizes a socket's subscribe and returns what it missed after its last seen id."""

    def __init__(self, channels: ChannelQueries, policy: ChannelAccessPolicy, queries: MessageQueries) -> None:
        self._channels, self._policy, self._queries = channels, policy, queries

    async def execute(self, actor: Actor, command: SubscribeCommand) -> ChannelStream:
        channel = await visible_channel(self._channels, self._policy, actor, command.channel_id)
        missed: list[MessageView] = []
        truncated = False
        if command.after is not None:
            missed = await self._queries.since(
                actor.organization_id, channel.id, after=command.after, limit=MAX_RESUME_BACKLOG + 1
            )
            truncated = len(missed) > MAX_RESUME_BACKLOG
            missed = missed[:MAX_RESUME_BACKLOG]
        return ChannelStream(
            channel_id=channel.id,
            organization_id=channel.organization_id,
            missed=missed,
            truncated=truncated,
            head=channel.last_message_id,
        )


class CheckChannelAccess:
    """Re-run on live sockets: is the token still valid, and which of these channels may it still read?

    Raises AuthenticationFailed when the token was revoked or expired (the socket then closes)."""

    def __init__(
        self, gate: ChannelGate, channels: ChannelQueries, policy: ChannelAccessPolicy, authenticator: Authenticator
    ) -> None:
        self._gate, self._channels, self._policy, self._authenticator = gate, channels, policy, authenticator

    async def execute(self, token_hash: bytes, channel_ids: set[uuid.UUID]) -> set[uuid.UUID]:
        if not channel_ids:
            await self._authenticator.authenticate(token_hash, None)  # the gate checks it otherwise
        readable: set[uuid.UUID] = set()
        for channel_id in channel_ids:
            try:
                actor = await self._gate.enter(token_hash, channel_id)
                await visible_channel(self._channels, self._policy, actor, channel_id)
            except (NotFound, OrganizationSuspended):
                continue
            readable.add(channel_id)
        return readable


class FindInvalidTokens:
    """The tokens, among those of a process's open sockets, that were revoked (logout) or expired."""

    def __init__(self, validity: TokenValidity) -> None:
        self._validity = validity

    async def execute(self, token_hashes: set[bytes]) -> set[bytes]:
        if not token_hashes:
            return set()
        return await self._validity.invalid_among(token_hashes)
