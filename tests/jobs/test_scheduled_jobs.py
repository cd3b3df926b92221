"""Scheduled jobs run as taskiq tasks (in-memory broker, memory adapters, a clock the test moves)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from dishka import Provider, Scope, provide
from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

from adapters.memory.email import MemoryEmailSender
from adapters.memory.store import MemoryStore
from adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
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
    CreateEvent,
    CreateTicketType,
    CreateTicketTypeCommand,
    GetOrder,
    PublishEvent,
)
from domain.errors import Conflict
from domain.permissions import Role
from domain.ticketing import EventDetails
from entrypoints.broker import build_broker
from entrypoints.jobs import JobRunner, job_container
from entrypoints.settings import Environment, Settings
from tests.conftest import TEST_SECRET
from tests.fixtures.doubles import FixedClock
from tests.ticketing.conftest import Backend, memory_queries
from tests.ticketing.test_use_cases import place


async def published_event(  # type: ignore[no-untyped-def]
    b: Backend, admin, *, starts_in: timedelta = timedelta(days=7), capacity=None, price_cents=0, quantity=10
):
    now = b.clock.now()
    details = EventDetails(
        title="Meetup",
        starts_at=now + starts_in,
        ends_at=now + starts_in + timedelta(hours=2),
        timezone="Europe/Paris",
        capacity=capacity,
    )
    event = await CreateEvent(b.uow, b.clock).execute(admin, details)
    await PublishEvent(b.uow).execute(admin, event.id)
    ticket_type = await CreateTicketType(b.uow, b.clock).execute(
        admin,
        CreateTicketTypeCommand(
            event_id=event.id, name="General", price_cents=price_cents, currency="EUR", quantity=quantity
        ),
    )
    return event, ticket_type


class FixedClockProvider(Provider):
    def __init__(self, clock: FixedClock) -> None:
        super().__init__()
        self._clock = clock

    @provide(scope=Scope.APP)
    def clock(self) -> Clock:
        return self._clock


@dataclasses.dataclass
class World:
    backend: Backend
    runner: JobRunner

    async def run(self, task_name: str) -> int:
        task = await AsyncKicker(task_name=task_name, broker=self.runner.broker, labels={}).kiq()
        result = await task.wait_result(timeout=10)
        assert not result.is_err, result.error
        return int(result.return_value)


@pytest.fixture
async def world() -> AsyncIterator[World]:
    store = MemoryStore()
    clock = FixedClock(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    backend = Backend(
        "memory",
        MemoryUnitOfWorkFactory(store),
        clock,
        memory_queries(store),
        store=store,
    )
    settings = Settings(env=Environment.TEST, secret_key=TEST_SECRET)
    broker: AsyncBroker = build_broker(settings)
    container = job_container(settings, broker, memory_store=store, extra_providers=[FixedClockProvider(clock)])
    runner = JobRunner(settings, broker=broker, container=container, relay=False)
    async with runner.running():
        yield World(backend, runner)
    await container.close()


def test_every_scheduled_task_is_registered_with_a_cron() -> None:
    assert set(SCHEDULES) <= set(TASKS)
    assert all(entry["cron"] for schedules in SCHEDULES.values() for entry in schedules)


async def test_the_expiry_job_releases_capacity_so_a_new_order_succeeds(world: World) -> None:
    b = world.backend
    _, (admin, member) = await b.organization(Role.OWNER, Role.MEMBER)
    event, ticket_type = await published_event(b, admin, capacity=2, price_cents=500, quantity=2)
    pending = await place(b, member, event.id, (ticket_type.id, 2))
    with pytest.raises(Conflict):
        await place(b, member, event.id, (ticket_type.id, 1))

    b.clock.advance(timedelta(minutes=16))
    # Two runs at once (a doubled scheduler tick): the order expires once.
    expired = await asyncio.gather(world.run(EXPIRE_PENDING_ORDERS), world.run(EXPIRE_PENDING_ORDERS))

    assert sum(expired) == 1
    assert (await GetOrder(b.uow, OrderPayments(b.uow, b.gateway)).execute(member, pending.id)).status == "expired"
    assert (await place(b, member, event.id, (ticket_type.id, 2))).status == "pending"


async def test_reminders_go_to_holders_of_events_in_the_next_24_hours_once(world: World) -> None:
    b = world.backend
    _, (admin, member, other) = await b.organization(Role.OWNER, Role.MEMBER, Role.MEMBER)
    soon, soon_type = await published_event(b, admin, starts_in=timedelta(hours=20))
    later, later_type = await published_event(b, admin, starts_in=timedelta(days=3))
    assert (await place(b, member, soon.id, (soon_type.id, 2))).status == "paid"
    assert (await place(b, other, later.id, (later_type.id, 1))).status == "paid"

    sent = await asyncio.gather(world.run(SEND_EVENT_REMINDERS), world.run(SEND_EVENT_REMINDERS))
    again = await world.run(SEND_EVENT_REMINDERS)

    outbox = await world.runner.container.get(MemoryEmailSender)
    assert (sum(sent), again) == (1, 0)
    [message] = outbox.sent
    assert message.to == b.store.users[member.user_id].email  # type: ignore[union-attr]
    assert message.subject.startswith(f"Reminder: {soon.title} starts")


async def test_purge_removes_long_expired_invitations_only(world: World) -> None:
    b = world.backend
    _, (admin,) = await b.organization(Role.OWNER)
    invite = InviteMember(b.uow, HmacInvitationTokenCodec(TEST_SECRET), b.clock)
    old = await invite.execute(admin, InviteMemberCommand(email="old@example.com", role=Role.MEMBER))
    b.clock.advance(timedelta(days=40))
    fresh = await invite.execute(admin, InviteMemberCommand(email="fresh@example.com", role=Role.MEMBER))

    purged = await asyncio.gather(world.run(PURGE_EXPIRED_INVITATIONS), world.run(PURGE_EXPIRED_INVITATIONS))

    assert sum(purged) == 1
    assert old.id not in b.store.invitations  # type: ignore[union-attr]
    assert fresh.id in b.store.invitations  # type: ignore[union-attr]
