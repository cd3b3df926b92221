"""A worker process for the kill -9 test: ``python -m tests.jobs.kill_worker`` (settings from the environment).

It is the production worker (``JobRunner``: Redis Streams broker, relay, retries, dishka per task) with one
extra event handler whose effect is a database write made exactly once: it claims the event in the same
transaction as the effect (an audit entry ``test.effect_applied`` keyed by the job).
"""

from __future__ import annotations

import asyncio
import signal

from dishka import Provider, Scope, provide

from application.communications import SendInvitationEmail
from application.outbox import EventHandlers
from application.ports.jobs import OutboxEvent
from application.ports.persistence import UnitOfWorkFactory
from domain.events import DomainEvent
from entrypoints.broker import build_broker
from entrypoints.jobs import JobRunner, job_container
from entrypoints.settings import Settings

KILL_EFFECT_EVENT = "test.kill_effect"
EFFECT_APPLIED = "test.effect_applied"


class RecordEffect:
    name = "test.record_effect"
    event_names = frozenset({KILL_EFFECT_EVENT})
    claims_in_transaction = True

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def handle(self, event: OutboxEvent) -> None:
        await asyncio.sleep(float(event.payload.get("work_seconds", 0)))
        async with self._uow(event.organization_id) as uow:
            if not await uow.processed_events.claim(self.name, event.id):  # type: ignore[attr-defined]
                return
            uow.record(
                DomainEvent(
                    name=EFFECT_APPLIED,
                    organization_id=event.organization_id,
                    payload={"key": event.payload["key"]},
                    actor_id=event.actor_id,
                )
            )
            await uow.commit()


class TestHandlersProvider(Provider):
    scope = Scope.REQUEST

    @provide
    def handlers(self, uow: UnitOfWorkFactory, invitation_email: SendInvitationEmail) -> EventHandlers:
        return EventHandlers([invitation_email, RecordEffect(uow)])


async def main() -> None:
    settings = Settings.from_env()
    broker = build_broker(settings)
    container = job_container(settings, broker, extra_providers=[TestHandlersProvider()])
    runner = JobRunner(settings, broker=broker, container=container, concurrency=settings.db_pool_size)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with runner.running():
        print("worker ready", flush=True)
        await stop.wait()
    await container.close()


if __name__ == "__main__":
    asyncio.run(main())
