"""Announcements: accepted at once (202), fanned out in batches by jobs, each recipient emailed and notified.

The request only stores the announcement's event in the outbox. A worker expands the audience into batches
of ``ANNOUNCEMENT_BATCH_SIZE`` recipients (one job each, so 10,000 members are 20 jobs, not one giant one);
each batch job stores the in-app notifications (claimed in the same transaction: exactly once), pushes them
to open sockets, and sends the emails over one SMTP connection (claimed around the send).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from application.ports.announcements import (
    AnnouncementBatch,
    AnnouncementQueue,
    AnnouncementUnitOfWorkFactory,
    AudienceQueries,
)
from application.ports.clock import Clock
from application.ports.email import EmailComposer, EmailSender
from application.ports.jobs import OutboxEvent, ProcessedEvents
from application.ports.notifications import NotificationView
from application.ports.persistence import UnitOfWorkFactory
from application.ports.realtime import NotificationPublisher
from domain.announcements import ANNOUNCEMENT_CREATED, Announcement, Audience, AudienceTarget
from domain.errors import NotFound
from domain.notifications import MAX_BODY as MAX_NOTIFICATION_BODY
from domain.notifications import Notification
from domain.permissions import Actor, Permission

logger = logging.getLogger(__name__)

ANNOUNCEMENT_BATCH_SIZE = 500
NOTIFICATION_KIND = "announcement"


@dataclass(frozen=True)
class PostAnnouncementCommand:
    audience: Audience
    target_id: uuid.UUID | None
    subject: str
    body: str


@dataclass(frozen=True)
class AnnouncementAccepted:
    id: uuid.UUID
    audience: str
    target_id: uuid.UUID | None


class PostAnnouncement:
    def __init__(self, uow: UnitOfWorkFactory, audiences: AudienceQueries, clock: Clock) -> None:
        self._uow, self._audiences, self._clock = uow, audiences, clock

    async def execute(self, actor: Actor, command: PostAnnouncementCommand) -> AnnouncementAccepted:
        Announcement.validate(command.audience, command.target_id, command.subject, command.body)
        organization_id = actor.organization_id
        target, chapter_role = AudienceTarget(chapter_id=None), None
        if command.target_id is not None:
            found = await self._audiences.target(organization_id, command.audience, command.target_id)
            if found is None:
                raise NotFound(f"{command.audience.value} not found")
            target = found
            if target.chapter_id is not None and not actor.can(Permission.MEMBERS_MANAGE):
                chapter_role = await self._audiences.chapter_role(organization_id, target.chapter_id, actor.user_id)
        announcement = Announcement.post(
            actor,
            audience=command.audience,
            target_id=command.target_id,
            target=target,
            chapter_role=chapter_role,
            subject=command.subject,
            body=command.body,
            now=self._clock.now(),
        )
        async with self._uow(organization_id, actor.user_id) as uow:
            uow.collect(announcement)
            await uow.commit()
        return AnnouncementAccepted(announcement.id, announcement.audience.value, announcement.target_id)


class FanOutAnnouncement:
    """On ``announcement.created``: one delivery job per batch of recipients.

    Recipients are ordered by user id, so a repeated fan-out (redelivery) builds the same batches, and the
    batch jobs' own claims make the repeat harmless.
    """

    name = "announcements.fan_out"
    event_names = frozenset({ANNOUNCEMENT_CREATED})
    claims_in_transaction = False

    def __init__(self, audiences: AudienceQueries, queue: AnnouncementQueue) -> None:
        self._audiences, self._queue = audiences, queue

    async def handle(self, event: OutboxEvent) -> None:
        if event.organization_id is None:
            return
        payload = event.payload
        target_id = uuid.UUID(payload["target_id"]) if payload.get("target_id") else None
        recipients = await self._audiences.recipients(event.organization_id, Audience(payload["audience"]), target_id)
        for number, start in enumerate(range(0, len(recipients), ANNOUNCEMENT_BATCH_SIZE)):
            await self._queue.enqueue_batch(
                AnnouncementBatch(
                    organization_id=event.organization_id,
                    announcement_id=uuid.UUID(payload["announcement_id"]),
                    number=number,
                    subject=payload["subject"],
                    body=payload["body"],
                    user_ids=tuple(recipients[start : start + ANNOUNCEMENT_BATCH_SIZE]),
                )
            )


def batch_key(batch: AnnouncementBatch) -> uuid.UUID:
    return uuid.uuid5(batch.announcement_id, f"batch:{batch.number}")


@dataclass(frozen=True)
class BatchDelivered:
    notifications: int
    emails: int


class DeliverAnnouncementBatch:
    def __init__(
        self,
        uow: AnnouncementUnitOfWorkFactory,
        publisher: NotificationPublisher,
        processed: ProcessedEvents,
        audiences: AudienceQueries,
        composer: EmailComposer,
        sender: EmailSender,
        clock: Clock,
    ) -> None:
        self._uow, self._publisher, self._processed = uow, publisher, processed
        self._audiences, self._composer, self._sender, self._clock = audiences, composer, sender, clock

    async def execute(self, batch: AnnouncementBatch) -> BatchDelivered:
        key = batch_key(batch)
        stored = await self._store_notifications(batch, key)
        for notification in stored:
            try:
                await self._publisher.publish_notification(notification.user_id, NotificationView.of(notification))
            except Exception:  # live push is best effort: the notification is stored, clients resume
                logger.warning("live push of notification %s failed", notification.id, exc_info=True)
        emails = 0
        async with self._processed.claim("announcements.email", key) as first_time:
            if first_time:
                emails = await self._send_emails(batch)
        return BatchDelivered(notifications=len(stored), emails=emails)

    async def _store_notifications(self, batch: AnnouncementBatch, key: uuid.UUID) -> list[Notification]:
        now = self._clock.now()
        body = batch.body if len(batch.body) <= MAX_NOTIFICATION_BODY else batch.body[: MAX_NOTIFICATION_BODY - 1] + "…"
        async with self._uow(batch.organization_id) as uow:
            # Claimed in the notifications' own transaction: stored exactly once, whatever the redeliveries.
            if not await uow.processed_events.claim("announcements.notifications", key):
                return []
            contacts = {c.user_id for c in await self._audiences.contacts(batch.organization_id, list(batch.user_ids))}
            notifications = [
                Notification.create(
                    organization_id=batch.organization_id,
                    user_id=user_id,
                    kind=NOTIFICATION_KIND,
                    title=batch.subject,
                    body=body,
                    data={"announcement_id": str(batch.announcement_id)},
                    now=now,
                )
                for user_id in batch.user_ids
                if user_id in contacts  # still a member when the batch runs
            ]
            for notification in notifications:
                await uow.notifications.add(notification)
            await uow.commit()
        return notifications

    async def _send_emails(self, batch: AnnouncementBatch) -> int:
        contacts = await self._audiences.contacts(batch.organization_id, list(batch.user_ids))
        if not contacts:
            return 0
        async with self._uow(batch.organization_id) as uow:
            organization = await uow.organizations.get(batch.organization_id)
        organization_name = organization.name if organization is not None else "Chapterhouse"
        messages = [
            self._composer.announcement(
                to=contact.email, organization_name=organization_name, subject=batch.subject, body=batch.body
            )
            for contact in contacts
        ]
        await self._sender.send_many(messages)
        return len(messages)
