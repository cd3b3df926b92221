"""Ports of announcements: who is in an audience, and how to reach them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from application.ports.jobs import ProcessedEventRepository
from application.ports.notifications import NotificationsUnitOfWork
from domain.announcements import Audience, AudienceTarget
from domain.permissions import ChapterRole


@dataclass(frozen=True)
class Contact:
    user_id: uuid.UUID
    email: str


class AudienceQueries(Protocol):
    """All scoped to one organization (RLS behind the WHERE): nobody outside it is ever a recipient."""

    async def target(
        self, organization_id: uuid.UUID, audience: Audience, target_id: uuid.UUID
    ) -> AudienceTarget | None:
        """The chapter, team or event (None when it is not this organization's)."""
        ...

    async def chapter_role(
        self, organization_id: uuid.UUID, chapter_id: uuid.UUID, user_id: uuid.UUID
    ) -> ChapterRole | None: ...

    async def recipients(
        self, organization_id: uuid.UUID, audience: Audience, target_id: uuid.UUID | None
    ) -> list[uuid.UUID]:
        """Members of the organization in the audience, ordered by user id (stable batches)."""
        ...

    async def contacts(self, organization_id: uuid.UUID, user_ids: list[uuid.UUID]) -> list[Contact]:
        """Email addresses of those of the users who are still members."""
        ...


@dataclass(frozen=True)
class AnnouncementBatch:
    """One fan-out job: up to a batch of recipients of one announcement (``number`` orders the batches)."""

    organization_id: uuid.UUID
    announcement_id: uuid.UUID
    number: int
    subject: str
    body: str
    user_ids: tuple[uuid.UUID, ...]


class AnnouncementQueue(Protocol):
    async def enqueue_batch(self, batch: AnnouncementBatch) -> None: ...


class AnnouncementUnitOfWork(NotificationsUnitOfWork, Protocol):
    processed_events: ProcessedEventRepository


class AnnouncementUnitOfWorkFactory(Protocol):
    def __call__(
        self, organization_id: uuid.UUID | None = None, user_id: uuid.UUID | None = None
    ) -> AnnouncementUnitOfWork: ...


class DeliveryOutcome(StrEnum):
    SENT = "sent"
    REFUSED = "refused"  # the receiving server refused the address for good: never tried again


EMAIL_CHANNEL = "email"


class DeliveryRecords(Protocol):
    """Per recipient and channel, what an announcement already did: each record is committed on its own,
    right after the send, so a retried or redelivered batch skips everyone but the message in flight."""

    async def reached(
        self, organization_id: uuid.UUID, announcement_id: uuid.UUID, channel: str, user_ids: list[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Those of ``user_ids`` with a record (sent or refused) for this announcement and channel."""
        ...

    async def record(
        self,
        organization_id: uuid.UUID,
        announcement_id: uuid.UUID,
        channel: str,
        user_id: uuid.UUID,
        outcome: DeliveryOutcome,
    ) -> None:
        """Idempotent: a second record of the same recipient keeps the first."""
        ...
