"""The real-time ports: push what was just stored to the sockets that follow it, on every API process.

Delivery is live-only and best effort: what is pushed is already persisted, and a client that missed
something (disconnected, too slow, a broker outage) resumes from the last id it saw.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from application.ports.chat import MessageView
from application.ports.notifications import NotificationView


class NotificationPublisher(Protocol):
    async def publish_notification(self, user_id: uuid.UUID, notification: NotificationView) -> None:
        """To every open socket of the user that subscribed to "notifications"."""
        ...


class RealtimePublisher(NotificationPublisher, Protocol):
    async def publish_message(self, message: MessageView, previous_id: uuid.UUID | None) -> None:
        """To every socket subscribed to the message's channel. previous_id is the id of the message before
        it in the channel (None for the first): sockets put frames that arrive out of order back in order,
        and notice a frame that never arrived (they reload it from the store)."""
        ...
