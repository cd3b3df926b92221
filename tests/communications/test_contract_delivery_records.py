"""Per-recipient delivery records: the store contract on both backends, and what a batch rerun resends.

A batch whose sender fails half way, or whose server refuses one address, is retried: the rerun reaches only
those not yet recorded, so nobody who got the email gets it twice and a refused address is not tried again.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence

import pytest

from adapters.email import EmailTemplates
from adapters.memory.announcements import MemoryAudienceQueries
from adapters.memory.deliveries import MemoryDeliveryRecords
from adapters.memory.email import MemoryEmailSender
from adapters.memory.jobs import MemoryProcessedEvents
from application.announcements import DeliverAnnouncementBatch
from application.ports.announcements import EMAIL_CHANNEL, AnnouncementBatch, DeliveryOutcome, DeliveryRecords
from application.ports.email import EmailMessage
from domain.permissions import Role
from tests.fixtures.backends import Backend


async def test_records_are_per_announcement_channel_and_organization(backend: Backend) -> None:
    org, (owner, member) = await backend.organization(Role.OWNER, Role.MEMBER)
    other_org, (stranger,) = await backend.organization(Role.OWNER)
    store: DeliveryRecords = backend.deliveries
    announcement, users = uuid.uuid4(), [owner.user_id, member.user_id]
    assert await store.reached(org, announcement, EMAIL_CHANNEL, users) == set()

    await store.record(org, announcement, EMAIL_CHANNEL, owner.user_id, DeliveryOutcome.SENT)
    await store.record(org, announcement, EMAIL_CHANNEL, owner.user_id, DeliveryOutcome.REFUSED)  # first one kept
    await store.record(org, announcement, EMAIL_CHANNEL, member.user_id, DeliveryOutcome.REFUSED)

    assert await store.reached(org, announcement, EMAIL_CHANNEL, users) == set(users)
    assert await store.reached(org, announcement, EMAIL_CHANNEL, [owner.user_id]) == {owner.user_id}
    assert await store.reached(org, announcement, "push", users) == set()
    assert await store.reached(org, uuid.uuid4(), EMAIL_CHANNEL, users) == set()
    assert await store.reached(other_org, announcement, EMAIL_CHANNEL, [*users, stranger.user_id]) == set()
    assert await store.reached(org, announcement, EMAIL_CHANNEL, []) == set()


class FailingAfter(MemoryEmailSender):
    """Accepts ``budget`` messages, then the connection breaks (the job fails and is retried)."""

    def __init__(self, budget: int) -> None:
        super().__init__()
        self.budget = budget

    async def send_each(
        self, messages: Sequence[EmailMessage], on_outcome: Callable[[int, bool], Awaitable[None]]
    ) -> None:
        for index, message in enumerate(messages):
            if self.budget <= 0:
                raise ConnectionError("connection reset by peer")
            self.budget -= 1
            accepted = message.to not in self.refused
            if accepted:
                self.sent.append(message)
            await on_outcome(index, accepted)


async def test_a_retry_after_a_failure_or_a_refusal_resends_nobody(memory_backend: Backend) -> None:
    backend = memory_backend
    assert backend.store is not None
    org, actors = await backend.organization(Role.OWNER, *[Role.MEMBER] * 29)
    emails = {a.user_id: backend.store.users[a.user_id].email for a in actors}
    ordered = sorted(emails)
    refused = emails[ordered[4]]
    sender = FailingAfter(budget=10)
    sender.refused = {refused}
    deliver = DeliverAnnouncementBatch(
        backend.uow,
        _NoPush(),
        MemoryProcessedEvents(backend.store),
        MemoryAudienceQueries(backend.store),
        EmailTemplates(),
        sender,
        backend.clock,
        MemoryDeliveryRecords(backend.store),
    )
    batch = AnnouncementBatch(org, uuid.uuid4(), 0, "Meeting", "Friday.", tuple(ordered))

    with pytest.raises(ConnectionError):
        await deliver.execute(batch)
    assert len(sender.sent) == 9  # ten tried, one of them refused

    sender.budget = 100
    assert (await deliver.execute(batch)).emails == 20  # the rest, and only the rest
    await deliver.execute(batch)  # a redelivery after success sends nothing
    sent = [m.to for m in sender.sent]
    assert sorted(sent) == sorted(e for e in emails.values() if e != refused)
    assert len(sent) == len(set(sent))


class _NoPush:
    async def publish_notification(self, user_id: uuid.UUID, notification: object) -> None:
        return None
