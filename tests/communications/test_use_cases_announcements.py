"""Announcement use cases on the memory adapters: batches of 500, exactly-once effects on redelivery."""

from __future__ import annotations

import uuid

import pytest

from adapters.email import EmailTemplates
from adapters.memory.announcements import MemoryAudienceQueries
from adapters.memory.email import MemoryEmailSender
from adapters.memory.jobs import MemoryProcessedEvents
from application.announcements import (
    ANNOUNCEMENT_BATCH_SIZE,
    DeliverAnnouncementBatch,
    FanOutAnnouncement,
    PostAnnouncement,
    PostAnnouncementCommand,
)
from application.ports.announcements import AnnouncementBatch
from application.ports.jobs import OutboxEvent
from domain.announcements import ANNOUNCEMENT_CREATED, Audience
from domain.errors import InvalidInput, NotFound, PermissionDenied
from domain.permissions import Role
from tests.fixtures.backends import Backend


class CollectingQueue:
    def __init__(self) -> None:
        self.batches: list[AnnouncementBatch] = []

    async def enqueue_batch(self, batch: AnnouncementBatch) -> None:
        self.batches.append(batch)


class CollectingPublisher:
    def __init__(self) -> None:
        self.pushed: list[uuid.UUID] = []

    async def publish_notification(self, user_id: uuid.UUID, notification: object) -> None:
        self.pushed.append(user_id)


@pytest.fixture
def backend(memory_backend: Backend) -> Backend:
    """These use cases run on the memory twins."""
    return memory_backend


async def test_an_organization_announcement_fans_out_in_batches_and_survives_redelivery(backend: Backend) -> None:
    assert backend.store is not None
    _, actors = await backend.organization(Role.OWNER, *[Role.MEMBER] * 1100)
    audiences = backend.audiences
    accepted = await PostAnnouncement(backend.uow, audiences, backend.clock).execute(
        actors[0], PostAnnouncementCommand(Audience.ORG, None, "Annual meeting", "Friday at eight.")
    )
    [event] = [e for e in backend.store.outbox if e.name == ANNOUNCEMENT_CREATED]
    outbox_event = OutboxEvent(
        event.id, event.name, event.organization_id, event.payload, event.actor_id, event.occurred_at
    )

    queue = CollectingQueue()
    await FanOutAnnouncement(audiences, queue).handle(outbox_event)
    assert [len(b.user_ids) for b in queue.batches] == [ANNOUNCEMENT_BATCH_SIZE, ANNOUNCEMENT_BATCH_SIZE, 101]
    assert {b.announcement_id for b in queue.batches} == {accepted.id}

    sender, publisher = MemoryEmailSender(), CollectingPublisher()
    deliver = DeliverAnnouncementBatch(
        backend.uow,
        publisher,
        MemoryProcessedEvents(backend.store),
        audiences,
        EmailTemplates(),
        sender,
        backend.clock,
    )
    for batch in queue.batches + queue.batches:  # every batch delivered twice (at-least-once queue)
        await deliver.execute(batch)

    everyone = {backend.store.users[a.user_id].email for a in actors}
    assert sorted(m.to for m in sender.sent) == sorted(everyone)
    assert sender.sent[0].subject == "[Org] Annual meeting"
    notifications = list(backend.store.table("notifications").values())
    assert sorted(n.user_id for n in notifications) == sorted(a.user_id for a in actors)
    assert sorted(publisher.pushed) == sorted(a.user_id for a in actors)


async def test_who_may_announce_to_what(backend: Backend) -> None:
    assert backend.store is not None
    _, (owner, member) = await backend.organization(Role.OWNER, Role.MEMBER)
    post = PostAnnouncement(backend.uow, MemoryAudienceQueries(backend.store), backend.clock)

    with pytest.raises(PermissionDenied):
        await post.execute(member, PostAnnouncementCommand(Audience.ORG, None, "Hi", "Hello"))
    with pytest.raises(InvalidInput):
        await post.execute(owner, PostAnnouncementCommand(Audience.CHAPTER, None, "Hi", "Hello"))
    with pytest.raises(InvalidInput):
        await post.execute(owner, PostAnnouncementCommand(Audience.ORG, None, "  ", "Hello"))
    with pytest.raises(NotFound):
        await post.execute(owner, PostAnnouncementCommand(Audience.TEAM, uuid.uuid4(), "Hi", "Hello"))
    assert [e for e in backend.store.outbox if e.name == ANNOUNCEMENT_CREATED] == []
