"""RealtimePublisher over a Fanout: encode the frame once, publish it to the topic."""

from __future__ import annotations

import uuid

from adapters.realtime.fanout import Fanout
from adapters.realtime.frames import chat_topic, envelope, message_frame, notification_frame, user_topic
from application.ports.chat import MessageView
from application.ports.notifications import NotificationView


class FanoutRealtimePublisher:
    def __init__(self, fanout: Fanout) -> None:
        self._fanout = fanout

    async def publish_message(self, message: MessageView, previous_id: uuid.UUID | None) -> None:
        payload = envelope(message.id, message_frame(message), previous_id=previous_id, ordered=True)
        await self._fanout.publish(chat_topic(message.channel), payload)

    async def publish_notification(self, user_id: uuid.UUID, notification: NotificationView) -> None:
        payload = envelope(notification.id, notification_frame(notification), ordered=False)
        await self._fanout.publish(user_topic(user_id), payload)
