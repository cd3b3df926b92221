"""Use cases of in-app notifications: deliver (store, then push live), list mine, mark read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from application.pagination import PageQuery, clamp_limit, decode_cursor, page_of
from application.ports.clock import Clock
from application.ports.notifications import NotificationQueries, NotificationsUnitOfWorkFactory, NotificationView
from application.ports.queries import Page
from application.ports.realtime import NotificationPublisher
from domain.errors import NotFound
from domain.notifications import Notification
from domain.permissions import Principal

MAX_RESUME_BACKLOG = 1000


@dataclass(frozen=True)
class NotifyCommand:
    organization_id: uuid.UUID
    user_ids: Sequence[uuid.UUID]
    kind: str
    title: str
    body: str = ""
    data: dict[str, Any] = field(default_factory=dict)


class DeliverNotifications:
    """What other capabilities call (announcements, orders, invitations): one stored notification per
    recipient, committed together, then pushed to the recipients' open sockets."""

    def __init__(self, uow: NotificationsUnitOfWorkFactory, publisher: NotificationPublisher, clock: Clock) -> None:
        self._uow, self._publisher, self._clock = uow, publisher, clock

    async def execute(self, command: NotifyCommand) -> list[NotificationView]:
        now = self._clock.now()
        notifications = [
            Notification.create(
                organization_id=command.organization_id,
                user_id=user_id,
                kind=command.kind,
                title=command.title,
                body=command.body,
                data=command.data,
                now=now,
            )
            for user_id in dict.fromkeys(command.user_ids)  # each recipient once, in the given order
        ]
        async with self._uow(command.organization_id) as uow:
            for notification in notifications:
                await uow.notifications.add(notification)
            await uow.commit()
        views = [NotificationView.of(n) for n in notifications]
        for notification, view in zip(notifications, views, strict=True):
            await self._publisher.publish_notification(notification.user_id, view)
        return views


@dataclass(frozen=True, kw_only=True)
class ListNotificationsQuery(PageQuery):
    unread_only: bool = False


class ListMyNotifications:
    def __init__(self, queries: NotificationQueries) -> None:
        self._queries = queries

    async def execute(self, principal: Principal, query: ListNotificationsQuery) -> Page[NotificationView]:
        limit = clamp_limit(query.limit)
        rows = await self._queries.list_for_user(
            principal.user_id, unread_only=query.unread_only, limit=limit + 1, before=decode_cursor(query.cursor)
        )
        return page_of(rows, limit, lambda n: (n.created_at, n.id))


class MarkNotificationRead:
    def __init__(self, uow: NotificationsUnitOfWorkFactory, queries: NotificationQueries, clock: Clock) -> None:
        self._uow, self._queries, self._clock = uow, queries, clock

    async def execute(self, principal: Principal, notification_id: uuid.UUID) -> NotificationView:
        # The user's own notifications are visible across organizations; the write happens in its tenant.
        found = await self._queries.get_for_user(principal.user_id, notification_id)
        if found is None:
            raise NotFound("notification not found")
        async with self._uow(found.organization_id, principal.user_id) as uow:
            notification = await uow.notifications.get_for_update(notification_id)
            if notification is None:
                raise NotFound("notification not found")
            notification.mark_read(principal.user_id, self._clock.now())
            await uow.commit()
        return NotificationView.of(notification)


@dataclass(frozen=True)
class NotificationStream:
    missed: list[NotificationView]
    truncated: bool


class ResumeNotifications:
    """A socket's subscribe to "notifications": what it missed after the last id it saw."""

    def __init__(self, queries: NotificationQueries) -> None:
        self._queries = queries

    async def execute(self, principal: Principal, after: uuid.UUID | None) -> NotificationStream:
        if after is None:
            return NotificationStream(missed=[], truncated=False)
        rows = await self._queries.since(principal.user_id, after=after, limit=MAX_RESUME_BACKLOG + 1)
        return NotificationStream(missed=rows[:MAX_RESUME_BACKLOG], truncated=len(rows) > MAX_RESUME_BACKLOG)
