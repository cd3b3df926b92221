"""Chat channels, messages and my notifications over HTTP (the socket is adapters/realtime)."""

from __future__ import annotations

import uuid
from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import Controller, get, post
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK

from adapters.http.chat.schemas import (
    AddChannelMemberBody,
    ChannelMemberOut,
    ChannelOut,
    ChannelPage,
    CreateChannelBody,
    MessageOut,
    MessagePage,
    NotificationOut,
    NotificationPage,
    PostMessageBody,
)
from adapters.http.schema_kit import Cursor, Id, Limit, to_struct
from application.chat import (
    AddChannelMember,
    AddChannelMemberCommand,
    CreateChannel,
    CreateChannelCommand,
    GetChannel,
    ListChannels,
    ListChannelsQuery,
    ListMessages,
    ListMessagesQuery,
    PostMessage,
    PostMessageCommand,
)
from application.notifications import ListMyNotifications, ListNotificationsQuery, MarkNotificationRead
from domain.permissions import Actor, Principal

MessageId = Annotated[uuid.UUID | None, Parameter(required=False, description="a message id")]


class ChannelController(Controller):
    path = "/api/orgs/{org_id:uuid}/channels"
    tags = ["chat"]

    @get("", summary="Channels I may read, by cursor")
    async def list_channels(
        self, actor: FromDishka[Actor], use_case: FromDishka[ListChannels], limit: Limit = None, cursor: Cursor = None
    ) -> ChannelPage:
        return to_struct(await use_case.execute(actor, ListChannelsQuery(limit=limit, cursor=cursor)), ChannelPage)

    @post("", summary="Open a channel (admin+); scope org, or chapter/team/event with target_id")
    async def create(
        self, data: JSONBody[CreateChannelBody], actor: FromDishka[Actor], use_case: FromDishka[CreateChannel]
    ) -> ChannelOut:
        command = CreateChannelCommand(name=data.name, scope=data.scope, target_id=data.target_id)
        return to_struct(await use_case.execute(actor, command), ChannelOut)

    @get("/{channel_id:uuid}", summary="Read a channel")
    async def read(self, channel_id: Id, actor: FromDishka[Actor], use_case: FromDishka[GetChannel]) -> ChannelOut:
        return to_struct(await use_case.execute(actor, channel_id), ChannelOut)

    @post("/{channel_id:uuid}/members", summary="Grant a member of the organization access to a channel (admin+)")
    async def add_member(
        self,
        channel_id: Id,
        data: JSONBody[AddChannelMemberBody],
        actor: FromDishka[Actor],
        use_case: FromDishka[AddChannelMember],
    ) -> ChannelMemberOut:
        result = await use_case.execute(actor, AddChannelMemberCommand(channel_id=channel_id, user_id=data.user_id))
        return to_struct(result, ChannelMemberOut)

    @get("/{channel_id:uuid}/messages", summary="History, newest first; pass next_cursor as ?before=")
    async def messages(
        self,
        channel_id: Id,
        actor: FromDishka[Actor],
        use_case: FromDishka[ListMessages],
        limit: Limit = None,
        before: MessageId = None,
    ) -> MessagePage:
        page = await use_case.execute(actor, ListMessagesQuery(channel_id=channel_id, limit=limit, before=before))
        return to_struct(page, MessagePage)

    @post("/{channel_id:uuid}/messages", summary="Post a message (stored, then pushed to subscribed sockets)")
    async def post_message(
        self,
        channel_id: Id,
        data: JSONBody[PostMessageBody],
        actor: FromDishka[Actor],
        use_case: FromDishka[PostMessage],
    ) -> MessageOut:
        result = await use_case.execute(actor, PostMessageCommand(channel_id=channel_id, body=data.body))
        return to_struct(result, MessageOut)


class NotificationController(Controller):
    path = "/api/me/notifications"
    tags = ["notifications"]

    @get("", summary="My notifications across organizations, newest first")
    async def mine(
        self,
        principal: FromDishka[Principal],
        use_case: FromDishka[ListMyNotifications],
        unread: Annotated[bool, Parameter(required=False, description="only unread ones")] = False,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> NotificationPage:
        page = await use_case.execute(principal, ListNotificationsQuery(unread_only=unread, limit=limit, cursor=cursor))
        return to_struct(page, NotificationPage)

    @post("/{notification_id:uuid}/read", status_code=HTTP_200_OK, summary="Mark one of my notifications read")
    async def mark_read(
        self, notification_id: Id, principal: FromDishka[Principal], use_case: FromDishka[MarkNotificationRead]
    ) -> NotificationOut:
        return to_struct(await use_case.execute(principal, notification_id), NotificationOut)
