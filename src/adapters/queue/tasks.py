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

from application.outbox import DispatchEvent
from application.ports.jobs import OutboxEvent

DISPATCH_EVENT = "chapterhouse.events.dispatch"


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


TASKS: dict[str, Callable[..., Any]] = {DISPATCH_EVENT: dispatch_event}


def register_tasks(broker: AsyncBroker, extra: dict[str, Callable[..., Any]] | None = None) -> None:
    for name, function in {**TASKS, **(extra or {})}.items():
        broker.register_task(function, task_name=name)


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
