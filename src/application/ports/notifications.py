"""Notification ports: the notifications unit of work and the read side of one user's notifications."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from application.ports.persistence import UnitOfWork
from domain.notifications import Notification


@dataclass(frozen=True)
class NotificationView:
    id: uuid.UUID
    organization_id: uuid.UUID
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, n: Notification) -> NotificationView:
        return cls(
            id=n.id,
            organization_id=n.organization_id,
            kind=n.kind,
            title=n.title,
            body=n.body,
            data=dict(n.data),
            created_at=n.created_at,
            read_at=n.read_at,
        )


class NotificationRepository(Protocol):
    """Notifications of the unit of work's organization only."""

    async def add(self, notification: Notification) -> None: ...

    async def get_for_update(self, notification_id: uuid.UUID) -> Notification | None: ...


class NotificationsUnitOfWork(UnitOfWork, Protocol):
    notifications: NotificationRepository


class NotificationsUnitOfWorkFactory(Protocol):
    def __call__(
        self, organization_id: uuid.UUID | None = None, user_id: uuid.UUID | None = None
    ) -> NotificationsUnitOfWork: ...


class NotificationQueries(Protocol):
    """One user's own notifications, across their organizations."""

    async def list_for_user(
        self,
        user_id: uuid.UUID,
        *,
        unread_only: bool,
        limit: int,
        before: tuple[datetime, uuid.UUID] | None,
    ) -> list[NotificationView]:
        """Newest first, strictly before the (created_at, id) key."""
        ...

    async def get_for_user(self, user_id: uuid.UUID, notification_id: uuid.UUID) -> NotificationView | None: ...

    async def since(self, user_id: uuid.UUID, *, after: uuid.UUID, limit: int) -> list[NotificationView]:
        """Oldest first, strictly after the given id (what a reconnecting socket missed)."""
        ...
