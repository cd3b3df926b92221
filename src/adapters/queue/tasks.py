"""Tasks: thin functions that turn a queued job into a use-case call (dishka injects the use case).

Explicit task names: they are the wire format between producers and workers, so they must not depend on
module paths (without them dishka's wrapper would rename every task ``dishka.integrations.base:fn``).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from dishka.integrations.taskiq import FromDishka, inject
from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

from application.announcements import DeliverAnnouncementBatch
from application.organization_deletion import PurgeDeletedOrganizations
from application.outbox import DispatchEvent
from application.ports.announcements import AnnouncementBatch
from application.ports.jobs import OutboxEvent
from application.retention import PurgeRetainedData
from application.scheduled import PurgeExpiredInvitations, SendEventReminders
from application.ticketing import EndFinishedEvents, ExpirePendingOrders

DISPATCH_EVENT = "chapterhouse.events.dispatch"
DELIVER_ANNOUNCEMENT_BATCH = "chapterhouse.announcements.deliver_batch"
EXPIRE_PENDING_ORDERS = "chapterhouse.orders.expire_pending"
END_FINISHED_EVENTS = "chapterhouse.events.end_finished"
SEND_EVENT_REMINDERS = "chapterhouse.events.send_reminders"
PURGE_EXPIRED_INVITATIONS = "chapterhouse.invitations.purge_expired"
PURGE_RETAINED_DATA = "chapterhouse.retention.purge"
PURGE_DELETED_ORGANIZATIONS = "chapterhouse.organizations.purge_deleted"

# Cron schedules (UTC) that `chapterhouse scheduler` kicks. Every scheduled job is idempotent and safe to
# run twice at once, so a late or doubled tick costs nothing.
SCHEDULES: dict[str, list[dict[str, Any]]] = {
    EXPIRE_PENDING_ORDERS: [{"cron": "* * * * *"}],
    END_FINISHED_EVENTS: [{"cron": "*/5 * * * *"}],
    SEND_EVENT_REMINDERS: [{"cron": "*/10 * * * *"}],
    PURGE_EXPIRED_INVITATIONS: [{"cron": "17 3 * * *"}],
    PURGE_RETAINED_DATA: [{"cron": "41 * * * *"}],
    PURGE_DELETED_ORGANIZATIONS: [{"cron": "29 4 * * *"}],
}


def event_to_json(event: OutboxEvent) -> dict[str, Any]:
    return {
        "id": str(event.id),
        "name": event.name,
        "organization_id": str(event.organization_id) if event.organization_id else None,
        "payload": event.payload,
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "occurred_at": event.occurred_at.isoformat(),
    }


def event_from_json(data: dict[str, Any]) -> OutboxEvent:
    return OutboxEvent(
        id=uuid.UUID(data["id"]),
        name=data["name"],
        organization_id=uuid.UUID(data["organization_id"]) if data.get("organization_id") else None,
        payload=dict(data["payload"]),
        actor_id=uuid.UUID(data["actor_id"]) if data.get("actor_id") else None,
        occurred_at=datetime.fromisoformat(data["occurred_at"]),
    )


@inject(patch_module=True)
async def dispatch_event(event: dict[str, Any], use_case: FromDishka[DispatchEvent]) -> None:
    await use_case.execute(event_from_json(event))


def batch_to_json(batch: AnnouncementBatch) -> dict[str, Any]:
    return {
        "organization_id": str(batch.organization_id),
        "announcement_id": str(batch.announcement_id),
        "number": batch.number,
        "subject": batch.subject,
        "body": batch.body,
        "user_ids": [str(u) for u in batch.user_ids],
    }


def batch_from_json(data: dict[str, Any]) -> AnnouncementBatch:
    return AnnouncementBatch(
        organization_id=uuid.UUID(data["organization_id"]),
        announcement_id=uuid.UUID(data["announcement_id"]),
        number=int(data["number"]),
        subject=data["subject"],
        body=data["body"],
        user_ids=tuple(uuid.UUID(u) for u in data["user_ids"]),
    )


@inject(patch_module=True)
async def deliver_announcement_batch(batch: dict[str, Any], use_case: FromDishka[DeliverAnnouncementBatch]) -> int:
    return (await use_case.execute(batch_from_json(batch))).emails


@inject(patch_module=True)
async def expire_pending_orders(use_case: FromDishka[ExpirePendingOrders]) -> int:
    return await use_case.execute()


@inject(patch_module=True)
async def end_finished_events(use_case: FromDishka[EndFinishedEvents]) -> int:
    return await use_case.execute()


@inject(patch_module=True)
async def send_event_reminders(use_case: FromDishka[SendEventReminders]) -> int:
    return await use_case.execute()


@inject(patch_module=True)
async def purge_expired_invitations(use_case: FromDishka[PurgeExpiredInvitations]) -> int:
    return await use_case.execute()


@inject(patch_module=True)
async def purge_deleted_organizations(use_case: FromDishka[PurgeDeletedOrganizations]) -> int:
    return await use_case.execute()


@inject(patch_module=True)
async def purge_retained_data(use_case: FromDishka[PurgeRetainedData]) -> dict[str, int]:
    return await use_case.execute()


TASKS: dict[str, Callable[..., Any]] = {
    DISPATCH_EVENT: dispatch_event,
    DELIVER_ANNOUNCEMENT_BATCH: deliver_announcement_batch,
    EXPIRE_PENDING_ORDERS: expire_pending_orders,
    END_FINISHED_EVENTS: end_finished_events,
    SEND_EVENT_REMINDERS: send_event_reminders,
    PURGE_EXPIRED_INVITATIONS: purge_expired_invitations,
    PURGE_RETAINED_DATA: purge_retained_data,
    PURGE_DELETED_ORGANIZATIONS: purge_deleted_organizations,
}


def register_tasks(broker: AsyncBroker, extra: dict[str, Callable[..., Any]] | None = None) -> None:
    for name, function in {**TASKS, **(extra or {})}.items():
        labels = {"schedule": SCHEDULES[name]} if name in SCHEDULES else {}
        broker.register_task(function, task_name=name, **labels)


class TaskiqJobQueue:
    """The ``JobQueue`` port on a taskiq broker: kicks by task name (no import of the task needed)."""

    def __init__(self, broker: AsyncBroker) -> None:
        self._broker = broker

    async def enqueue(self, task_name: str, *args: Any, **kwargs: Any) -> None:
        await AsyncKicker(task_name=task_name, broker=self._broker, labels={}).kiq(*args, **kwargs)


class TaskiqEventPublisher:
    """The ``EventPublisher`` port: one dispatch job per event; concurrent kicks share a pipelined write."""

    def __init__(self, queue: TaskiqJobQueue) -> None:
        self._queue = queue

    async def publish(self, events: Sequence[OutboxEvent]) -> None:

        await asyncio.gather(*(self._queue.enqueue(DISPATCH_EVENT, event_to_json(e)) for e in events))


class TaskiqAnnouncementQueue:
    """The ``AnnouncementQueue`` port: one delivery job per batch."""

    def __init__(self, queue: TaskiqJobQueue) -> None:
        self._queue = queue

    async def enqueue_batch(self, batch: AnnouncementBatch) -> None:
        await self._queue.enqueue(DELIVER_ANNOUNCEMENT_BATCH, batch_to_json(batch))
