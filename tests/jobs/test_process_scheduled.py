"""Scheduled jobs run as taskiq tasks (in-memory broker, memory adapters, a clock the test moves)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from dishka import Provider, Scope, provide
from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

from adapters.memory.email import MemoryEmailSender
from adapters.queue.tasks import (
    EXPIRE_PENDING_ORDERS,
    PURGE_EXPIRED_INVITATIONS,
    SCHEDULES,
    SEND_EVENT_REMINDERS,
    TASKS,
)
from adapters.security.tokens import HmacInvitationTokenCodec
from application.invitations import InviteMember, InviteMemberCommand
from application.ports.clock import Clock
from application.ticket_payments import OrderPayments
from application.ticketing import (
    GetOrder,
)
from domain.errors import Conflict
from domain.permissions import Role
from entrypoints.jobs import JobRunner, build_broker, job_container
from entrypoints.settings import Environment, Settings
from tests.fixtures.api import TEST_SECRET
from tests.fixtures.backends import Backend
from tests.fixtures.doubles import FixedClock
from tests.fixtures.ticketing import place, published_event


class FixedClockProvider(Provider):
    def __init__(self, clock: FixedClock) -> None:
        super().__init__()
        self._clock = clock

    @provide(scope=Scope.APP)
    def clock(self) -> Clock:
        return self._clock


async def run(runner: JobRunner, task_name: str) -> int:
    task = await AsyncKicker(task_name=task_name, broker=runner.broker, labels={}).kiq()
    result = await task.wait_result(timeout=10)
    assert not result.is_err, result.error
    return int(result.return_value)


@pytest.fixture
async def runner(memory_backend: Backend) -> AsyncIterator[JobRunner]:
    """The job tasks on an in-memory broker, over the backend's store and clock."""
    settings = Settings(env=Environment.TEST, secret_key=TEST_SECRET)
    broker: AsyncBroker = build_broker(settings)
    container = job_container(
        settings,
        broker,
        memory_store=memory_backend.store,
        extra_providers=[FixedClockProvider(memory_backend.clock)],
    )
    job_runner = JobRunner(settings, broker=broker, container=container, relay=False)
    async with job_runner.running():
        yield job_runner
    await container.close()


def test_every_scheduled_task_is_registered_with_a_cron() -> None:
    assert set(SCHEDULES) <= set(TASKS)
    assert all(entry["cron"] for schedules in SCHEDULES.values() for entry in schedules)


async def test_the_expiry_job_releases_capacity_so_a_new_order_succeeds(
    memory_backend: Backend, runner: JobRunner
) -> None:
    b = memory_backend
    _, (admin, member) = await b.organization(Role.OWNER, Role.MEMBER)
    event, ticket_type = await published_event(b, admin, capacity=2, price_cents=500, quantity=2)
    pending = await place(b, member, event.id, (ticket_type.id, 2))
    with pytest.raises(Conflict):
        await place(b, member, event.id, (ticket_type.id, 1))

    b.clock.advance(timedelta(minutes=16))
    # Two runs at once (a doubled scheduler tick): the order expires once.
    expired = await asyncio.gather(run(runner, EXPIRE_PENDING_ORDERS), run(runner, EXPIRE_PENDING_ORDERS))

    assert sum(expired) == 1
    assert (await GetOrder(b.uow, OrderPayments(b.uow, b.gateway)).execute(member, pending.id)).status == "expired"
    assert (await place(b, member, event.id, (ticket_type.id, 2))).status == "pending"


async def test_reminders_go_to_holders_of_events_in_the_next_24_hours_once(
    memory_backend: Backend, runner: JobRunner
) -> None:
    b = memory_backend
    _, (admin, member, other) = await b.organization(Role.OWNER, Role.MEMBER, Role.MEMBER)
    soon, soon_type = await published_event(b, admin, starts_in=timedelta(hours=20))
    later, later_type = await published_event(b, admin, starts_in=timedelta(days=3))
    assert (await place(b, member, soon.id, (soon_type.id, 2))).status == "paid"
    assert (await place(b, other, later.id, (later_type.id, 1))).status == "paid"

    sent = await asyncio.gather(run(runner, SEND_EVENT_REMINDERS), run(runner, SEND_EVENT_REMINDERS))
    again = await run(runner, SEND_EVENT_REMINDERS)

    outbox = await runner.container.get(MemoryEmailSender)
    assert (sum(sent), again) == (1, 0)
    [message] = outbox.sent
    assert message.to == b.store.users[member.user_id].email  # type: ignore[union-attr]
    assert message.subject.startswith(f"Reminder: {soon.title} starts")


async def test_purge_removes_long_expired_invitations_only(memory_backend: Backend, runner: JobRunner) -> None:
    b = memory_backend
    _, (admin,) = await b.organization(Role.OWNER)
    invite = InviteMember(b.uow, HmacInvitationTokenCodec(TEST_SECRET), b.clock)
    old = await invite.execute(admin, InviteMemberCommand(email="old@example.com", role=Role.MEMBER))
    b.clock.advance(timedelta(days=40))
    fresh = await invite.execute(admin, InviteMemberCommand(email="fresh@example.com", role=Role.MEMBER))

    purged = await asyncio.gather(run(runner, PURGE_EXPIRED_INVITATIONS), run(runner, PURGE_EXPIRED_INVITATIONS))

    assert sum(purged) == 1
    assert old.id not in b.store.invitations  # type: ignore[union-attr]
    assert fresh.id in b.store.invitations  # type: ignore[union-attr]
